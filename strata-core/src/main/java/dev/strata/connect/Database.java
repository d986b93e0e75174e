package dev.strata.connect;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.sql.SqlStatement;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.PGConnection;

/**
 * A connection to one named server with the few query shapes Strata needs, every value bound as a
 * parameter. SQL errors become {@link StrataException}s naming the server and carrying PostgreSQL's
 * message, detail and hint.
 */
public final class Database implements AutoCloseable {
  private final String serverName;
  private final Connection connection;

  public Database(String serverName, Connection connection) {
    this.serverName = serverName;
    this.connection = connection;
  }

  public String serverName() {
    return serverName;
  }

  public Connection connection() {
    return connection;
  }

  @FunctionalInterface
  public interface RowMapper<T> {
    T map(ResultSet row) throws SQLException;
  }

  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... parameters) {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      try (ResultSet rows = statement.executeQuery()) {
        List<T> result = new ArrayList<>();
        while (rows.next()) {
          result.add(mapper.map(rows));
        }
        return result;
      }
    } catch (SQLException e) {
      throw failure(sql, e);
    }
  }

  public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... parameters) {
    List<T> rows = query(sql, mapper, parameters);
    if (rows.size() > 1) {
      throw new StrataException(
          ErrorCode.INTERNAL,
          "expected at most one row from " + serverName + " but got " + rows.size());
    }
    return rows.stream().findFirst();
  }

  /**
   * Statements executed (not queries), in order, as the tests that hold dry runs against runs see
   * them: the server's name and the SQL text, never the bound values (which may be secrets).
   */
  public record Executed(String server, String sql) {}

  private static final java.util.List<java.util.function.Consumer<Executed>> OBSERVERS =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Calls {@code observer} with every statement executed from now until the handle is closed. */
  public static AutoCloseable observe(java.util.function.Consumer<Executed> observer) {
    OBSERVERS.add(observer);
    return () -> OBSERVERS.remove(observer);
  }

  private void observed(String sql) {
    if (!OBSERVERS.isEmpty()) {
      Executed executed = new Executed(serverName, sql);
      OBSERVERS.forEach(observer -> observer.accept(executed));
    }
  }

  public int update(String sql, Object... parameters) {
    observed(sql);
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw failure(sql, e);
    }
  }

  /**
   * Executes one statement that may return rows (which are discarded), e.g. {@code SELECT
   * set_config(...)}.
   */
  public void execute(String sql, Object... parameters) {
    observed(sql);
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      statement.execute();
    } catch (SQLException e) {
      throw failure(sql, e);
    }
  }

  /**
   * Raises (or lowers) this session's {@code statement_timeout}, and the client's read timeout with
   * it, so a long statement is neither cut by the default bound nor waits longer than the new one
   * for a server that stopped answering.
   */
  public void setStatementTimeout(Duration timeout) {
    execute(
        "SET statement_timeout = " + dev.strata.sql.Identifiers.literal(timeout.toMillis() + "ms"));
    try {
      connection.setNetworkTimeout(
          Runnable::run,
          (int)
              Math.min(
                  Integer.MAX_VALUE, Connections.socketTimeout(serverName(), timeout).toMillis()));
    } catch (SQLException e) {
      throw failure("setNetworkTimeout", e);
    }
  }

  /**
   * Executes {@code statement}: a statement with its bound values, or a {@code COPY ... FROM STDIN}
   * fed with its data.
   */
  public void execute(SqlStatement statement) {
    if (statement.copyData().isPresent()) {
      observed(statement.sql());
      try {
        connection
            .unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn(statement.sql(), new StringReader(statement.copyData().get()));
      } catch (SQLException e) {
        throw failure(statement.sql(), e);
      } catch (IOException e) {
        throw new StrataException(
            ErrorCode.CONNECTION,
            "on server " + serverName + ": COPY failed: " + e.getMessage(),
            null,
            e);
      }
      return;
    }
    execute(statement.sql(), statement.boundValues());
  }

  /** Executes {@code statement} and returns the number of rows it changed. */
  public int update(SqlStatement statement) {
    return update(statement.sql(), statement.boundValues());
  }

  /**
   * Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. Called
   * inside a transaction already open on this connection, it joins that transaction instead of
   * committing it early.
   */
  public <T> T inTransaction(TransactionWork<T> work) {
    try {
      boolean autoCommit = connection.getAutoCommit();
      if (!autoCommit) {
        return work.run(this);
      }
      connection.setAutoCommit(false);
      try {
        T result = work.run(this);
        connection.commit();
        return result;
      } catch (RuntimeException | SQLException e) {
        rollbackQuietly(e);
        throw e;
      } finally {
        if (!connection.isClosed()) {
          connection.setAutoCommit(autoCommit);
        }
      }
    } catch (SQLException e) {
      throw failure("COMMIT", e);
    }
  }

  @FunctionalInterface
  public interface TransactionWork<T> {
    T run(Database database) throws SQLException;
  }

  private void rollbackQuietly(Exception original) {
    try {
      if (!connection.isClosed()) {
        connection.rollback();
      }
    } catch (SQLException e) {
      original.addSuppressed(e);
    }
  }

  private static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
    for (int i = 0; i < parameters.length; i++) {
      statement.setObject(i + 1, parameters[i]);
    }
  }

  /** Turns a SQL error into a user-facing exception naming this server. */
  public StrataException failure(String sql, SQLException e) {
    return failure(serverName, sql, e);
  }

  public static StrataException failure(String serverName, String sql, SQLException e) {
    Optional<java.io.IOException> network = networkCause(e);
    if (network.isPresent()) {
      // pgjdbc says only "An I/O error occurred while sending to the backend": say what happened
      // on the path to the server instead.
      boolean timedOut = network.get() instanceof java.net.SocketTimeoutException;
      return new StrataException(
          timedOut ? ErrorCode.TIMEOUT : ErrorCode.CONNECTION,
          "on server "
              + serverName
              + (timedOut
                  ? ": no answer within the read timeout (timeouts.statement plus a margin):"
                      + " the server or the network path to it stopped answering"
                  : ": the connection broke ("
                      + Connections.firstLine(network.get().getMessage())
                      + ")"),
          "check that server "
              + serverName
              + " is running and reachable; a rerun resumes an interrupted operation",
          e);
    }
    StringBuilder message =
        new StringBuilder("on server ").append(serverName).append(": ").append(describe(e));
    ErrorCode code =
        switch (SqlStates.classify(e)) {
          case CONNECTION -> ErrorCode.CONNECTION;
          case AUTHENTICATION -> ErrorCode.AUTHENTICATION;
          case TIMEOUT -> ErrorCode.TIMEOUT;
          default -> ErrorCode.DATABASE;
        };
    String hint = null;
    if (e instanceof org.postgresql.util.PSQLException psql
        && psql.getServerErrorMessage() != null
        && psql.getServerErrorMessage().getHint() != null
        && !psql.getServerErrorMessage().getHint().isBlank()) {
      hint = psql.getServerErrorMessage().getHint();
    }
    return new StrataException(code, message.toString(), hint, e);
  }

  /** The network failure under a client-side error, when the path to the server broke. */
  static Optional<java.io.IOException> networkCause(SQLException e) {
    if (e instanceof org.postgresql.util.PSQLException psql
        && psql.getServerErrorMessage() != null) {
      return Optional.empty();
    }
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof java.io.IOException io) {
        return Optional.of(io);
      }
    }
    return Optional.empty();
  }

  /** PostgreSQL's message, SQLState and detail, on one line each. */
  public static String describe(SQLException e) {
    StringBuilder text = new StringBuilder();
    if (e instanceof org.postgresql.util.PSQLException psql
        && psql.getServerErrorMessage() != null) {
      var server = psql.getServerErrorMessage();
      text.append(server.getMessage());
      if (server.getSQLState() != null) {
        text.append(" [SQLSTATE ").append(server.getSQLState()).append(']');
      }
      if (server.getDetail() != null && !server.getDetail().isBlank()) {
        text.append("\n  detail: ").append(server.getDetail());
      }
    } else {
      text.append(Connections.firstLine(e.getMessage()));
      if (e.getSQLState() != null) {
        text.append(" [SQLSTATE ").append(e.getSQLState()).append(']');
      }
    }
    return text.toString();
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // Closing a broken connection: nothing left to release on our side.
    }
  }
}
