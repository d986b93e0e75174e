package dev.strata.connect;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.sql.Identifiers;
import dev.strata.sql.SqlStatement;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One bounded query through the coordinator's foreign server: does the coordinator reach the server
 * through postgres_fdw and its user mapping, and how fast?
 *
 * <p>Why a probe is needed at all: on PostgreSQL 16 to 18, postgres_fdw connects asynchronously
 * ({@code libpqsrv_connect_params}) and waits for the socket without a deadline, so the foreign
 * server's {@code connect_timeout} is not enforced; TCP keepalives and {@code tcp_user_timeout} do
 * not fire either when the server's host is up but its processes do not answer (stopped,
 * overloaded, a half-open path), because the kernel acknowledges data and keepalives. Only the
 * coordinator session's {@code statement_timeout} (or a cancel) ends that wait. So the probe sets
 * {@code SET LOCAL statement_timeout} to its bound as the transaction's first statement, before
 * anything reaches the server, and reports a timeout as "did not answer within ...", naming the
 * server.
 *
 * <p>It reads {@code pg_catalog.pg_settings} on the server through a temporary foreign table, in a
 * transaction that is always rolled back: it reads no user data and changes nothing. postgres_fdw
 * keeps the connection it made cached in the session, so a statement that follows on the same
 * session reuses it.
 */
public final class ForeignServerProbe {
  /**
   * What the probe measured.
   *
   * @param version the server's {@code server_version}
   * @param firstMillis the first query, postgres_fdw's connection and authentication included
   * @param roundTripMillis a second query on that connection
   */
  public record Result(String version, double firstMillis, double roundTripMillis) {}

  private ForeignServerProbe() {}

  /**
   * @param coordinator a session on the coordinator with no transaction open
   * @param server the foreign server's name
   * @param bound the longest the probe may take (normally {@code timeouts.connect})
   * @param asRole the role to probe as (postgres_fdw uses the current role's user mapping), or
   *     empty for the session's own
   * @throws StrataException {@link ErrorCode#TIMEOUT} naming the server when it did not answer
   *     within {@code bound}; otherwise the failure as the coordinator reported it
   */
  public static Result probe(
      Database coordinator, String server, Duration bound, Optional<String> asRole) {
    List<SqlStatement> statements = statements(server, bound, asRole);
    Connection connection = coordinator.connection();
    try {
      connection.setAutoCommit(false);
      try {
        // All but the two reads: the bound first, before anything reaches the server; the
        // temporary foreign table created as the session's role (which may use the foreign
        // server), then read as the role whose user mapping is probed.
        for (SqlStatement statement : statements.subList(0, statements.size() - 2)) {
          coordinator.execute(statement);
        }
        SqlStatement read = statements.get(statements.size() - 1);
        long started = System.nanoTime();
        String version =
            coordinator.queryOne(read.sql(), row -> row.getString(1)).orElse("unknown");
        double first = (System.nanoTime() - started) / 1e6;
        long again = System.nanoTime();
        coordinator.queryOne(read.sql(), row -> row.getString(1));
        double roundTrip = (System.nanoTime() - again) / 1e6;
        return new Result(version, first, roundTrip);
      } finally {
        connection.rollback();
        connection.setAutoCommit(true);
      }
    } catch (StrataException e) {
      if (e.getCause() instanceof SQLException sql && timedOut(sql)) {
        throw notAnswering(server, bound, e);
      }
      throw e;
    } catch (SQLException e) {
      throw coordinator.failure("ROLLBACK", e);
    }
  }

  /**
   * The statements of a probe, in order, inside one transaction that is rolled back: the bound, the
   * temporary foreign table, the role switch when probing another role's mapping, and the query
   * (run twice: the first time with postgres_fdw's connection, then one round trip).
   */
  public static List<SqlStatement> statements(
      String server, Duration bound, Optional<String> asRole) {
    List<SqlStatement> statements = new ArrayList<>();
    statements.add(
        SqlStatement.of(
            "SET LOCAL statement_timeout = " + Identifiers.literal(bound.toMillis() + "ms")));
    statements.add(
        SqlStatement.of(
            "CREATE FOREIGN TABLE pg_temp.strata_probe (name text, setting text) SERVER "
                + Identifiers.quote(server)
                + " OPTIONS (schema_name 'pg_catalog', table_name 'pg_settings')"));
    asRole.ifPresent(
        role -> {
          statements.add(
              SqlStatement.of(
                  "GRANT SELECT ON pg_temp.strata_probe TO " + Identifiers.quote(role)));
          statements.add(SqlStatement.of("SET LOCAL ROLE " + Identifiers.quote(role)));
        });
    SqlStatement read =
        SqlStatement.of("SELECT setting FROM pg_temp.strata_probe WHERE name = 'server_version'");
    statements.add(read);
    statements.add(read);
    return statements;
  }

  /**
   * Whether the probe ended on a deadline: its own {@code statement_timeout}, or, on PostgreSQL 14
   * and 15, the foreign server's {@code connect_timeout}, which can expire first.
   */
  private static boolean timedOut(SQLException sql) {
    return SqlStates.QUERY_CANCELED.equals(sql.getSQLState()) || SqlStates.isConnectTimeout(sql);
  }

  static StrataException notAnswering(String server, Duration bound, Throwable cause) {
    return new StrataException(
        ErrorCode.TIMEOUT,
        "server "
            + server
            + " did not answer the coordinator through postgres_fdw within "
            + bound.toMillis() / 1000.0
            + " s (timeouts.connect): the server, or the network path to it, does not respond (a"
            + " stopped or overloaded server, a dropped or half-open connection)",
        "check server "
            + server
            + "; until it answers, queries that touch its partitions wait for their"
            + " statement_timeout (postgres_fdw does not enforce connect_timeout on PostgreSQL 16"
            + " and later)",
        cause);
  }
}
