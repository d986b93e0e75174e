package dev.strata.connect;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.config.ConnectionConfig;
import dev.strata.config.Durations;
import dev.strata.config.StrataConfig;
import dev.strata.config.Timeouts;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Opens every JDBC connection Strata uses, so every one has the same bounds and session settings:
 * connect timeout, {@code statement_timeout}, {@code lock_timeout}, {@code
 * idle_in_transaction_session_timeout} and TCP keepalives (invariant 5 of docs/architecture.md:
 * every wait is bounded), plus {@code standard_conforming_strings = on}, on which {@link
 * dev.strata.sql.Identifiers#literal} relies, {@code TimeZone = UTC}, so partition bounds of {@code
 * timestamptz} keys print and parse the same on every run, and {@code application_name = strata}.
 *
 * <p>Connection failures become {@link StrataException}s that name the server (never the password),
 * say why, and what to check.
 */
public final class Connections {
  /** The name under which the coordinator appears in messages. */
  public static final String COORDINATOR = "coordinator";

  private final StrataConfig config;

  /** How Strata's own sessions show in {@code pg_stat_activity}. */
  public static final String APPLICATION_NAME = "strata";

  public Connections(StrataConfig config) {
    this.config = config;
  }

  public StrataConfig config() {
    return config;
  }

  public Connection coordinator() {
    return open(COORDINATOR, config.coordinator(), config.timeouts());
  }

  /** A direct connection to the configured server {@code name}. */
  public Connection server(String name) {
    return open(name, config.server(name).connection(), config.timeouts());
  }

  public static Connection open(String name, ConnectionConfig target, Timeouts timeouts) {
    Properties properties = new Properties();
    properties.setProperty("user", target.user());
    target.password().ifPresent(secret -> properties.setProperty("password", secret.reveal()));
    properties.setProperty("ApplicationName", APPLICATION_NAME);
    properties.setProperty(
        "connectTimeout", Long.toString(Math.max(1, timeouts.connect().toSeconds())));
    properties.setProperty(
        "loginTimeout", Long.toString(Math.max(1, timeouts.connect().toSeconds())));
    // A cancel request opens a connection of its own; to a server that stopped answering it would
    // wait pgjdbc's default 10 s whatever timeouts.connect says.
    properties.setProperty(
        "cancelSignalTimeout", Long.toString(Math.max(1, timeouts.connect().toSeconds())));
    properties.setProperty("tcpKeepAlive", "true");
    // A server that accepts connections but never answers (stopped, or a half-open path) is
    // noticed by the client's read timeout only: the server's statement_timeout cannot fire there,
    // and the kernel acknowledges data and keepalives. The margin lets a coordinator answer after
    // its own statement_timeout, which postgres_fdw may follow with up to 30 s of cleanup; a
    // server Strata reaches directly answers right after its statement_timeout.
    properties.setProperty(
        "socketTimeout", Long.toString(socketTimeout(name, timeouts.statement()).toSeconds()));
    properties.setProperty(
        "options",
        "-c statement_timeout="
            + timeouts.statement().toMillis()
            + " -c lock_timeout="
            + timeouts.lock().toMillis()
            + " -c idle_in_transaction_session_timeout="
            + timeouts.idleInTransaction().toMillis()
            + " -c standard_conforming_strings=on"
            + " -c TimeZone=UTC");
    for (Map.Entry<String, String> parameter : target.parameters().entrySet()) {
      properties.setProperty(
          jdbcPropertyName(parameter.getKey()),
          jdbcPropertyValue(parameter.getKey(), parameter.getValue()));
    }
    try {
      return DriverManager.getConnection(target.jdbcUrl(), properties);
    } catch (SQLException e) {
      throw connectFailure(name, target, e, timeouts.connect());
    }
  }

  /**
   * How long a read from server {@code name} may wait for a statement bounded by {@code
   * statementTimeout}: the coordinator gets {@link #COORDINATOR_MARGIN}, a server Strata reaches
   * directly {@link #DIRECT_MARGIN}.
   */
  public static Duration socketTimeout(String name, Duration statementTimeout) {
    return statementTimeout.plus(name.equals(COORDINATOR) ? COORDINATOR_MARGIN : DIRECT_MARGIN);
  }

  /**
   * postgres_fdw's fixed wait for a remote cancel after a statement timeout (30 s,
   * CONNECTION_CLEANUP_TIMEOUT in PostgreSQL 15 to 18), plus 10 s.
   */
  static final Duration COORDINATOR_MARGIN = Duration.ofSeconds(40);

  /** A server's answer to its own statement_timeout, on a loaded host and a slow path. */
  static final Duration DIRECT_MARGIN = Duration.ofSeconds(5);

  private static String jdbcPropertyName(String libpqName) {
    return switch (libpqName) {
      case "application_name" -> "ApplicationName";
      case "target_session_attrs" -> "targetServerType";
      default -> libpqName;
    };
  }

  /**
   * pgjdbc's {@code targetServerType} for libpq's {@code target_session_attrs}. pgjdbc's {@code
   * primary} is a host whose {@code transaction_read_only} is off, which is libpq's {@code
   * read-write}; libpq's {@code primary} ({@code pg_is_in_recovery()} false) is the same host
   * unless {@code default_transaction_read_only} is set, and the nearest pgjdbc has.
   */
  static String jdbcPropertyValue(String libpqName, String value) {
    if (!libpqName.equals(ConnectionConfig.TARGET_SESSION_ATTRS)) {
      return value;
    }
    return switch (value) {
      case "read-write", "primary" -> "primary";
      case "read-only", "standby" -> "secondary";
      case "prefer-standby" -> "preferSecondary";
      default -> "any";
    };
  }

  static StrataException connectFailure(
      String name, ConnectionConfig target, SQLException e, Duration connectTimeout) {
    String where = "server " + name + " (" + target.displayUri() + ")";
    String reason = firstLine(e.getMessage());
    if (SqlStates.classify(e) == SqlStates.Kind.CONNECTION && timedOut(e)) {
      // pgjdbc's "Connection attempt timed out.": the host took the connection but never answered
      // (its PostgreSQL stopped or hung, or a half-open path), or never took it at all.
      return new StrataException(
          ErrorCode.TIMEOUT,
          "cannot connect to "
              + where
              + ": no answer within "
              + Durations.format(connectTimeout)
              + " (timeouts.connect)",
          "check that the server is running and answering, and the network path to it",
          e);
    }
    String key = name.equals(COORDINATOR) ? "coordinator" : "servers." + name;
    Optional<String> unknownHost = unknownHost(e);
    if (unknownHost.isPresent()) {
      // pgjdbc says only "The connection attempt failed." and keeps the reason as the cause.
      return new StrataException(
          ErrorCode.CONNECTION,
          "cannot connect to " + where + ": the host name " + unknownHost.get() + " is not known",
          "check the host name in " + key + ".url (and this host's DNS)",
          e);
    }
    return switch (SqlStates.classify(e)) {
      case AUTHENTICATION ->
          new StrataException(
              ErrorCode.AUTHENTICATION,
              "authentication failed on " + where + ": " + reason,
              "check "
                  + key
                  + ".user and "
                  + key
                  + ".password"
                  + target
                      .password()
                      .map(secret -> " (from " + secret.source() + ")")
                      .orElse(" (none set: .pgpass is used)"),
              e);
      case CONNECTION ->
          new StrataException(
              ErrorCode.CONNECTION,
              "cannot connect to " + where + ": " + reason,
              "check that the server is running and reachable, and " + key + ".url",
              e);
      default ->
          SqlStates.INVALID_CATALOG_NAME.equals(e.getSQLState())
              ? new StrataException(
                  ErrorCode.CONNECTION,
                  "cannot connect to " + where + ": " + reason,
                  "check the database name in " + key + ".url",
                  e)
              : new StrataException(
                  ErrorCode.CONNECTION, "cannot connect to " + where + ": " + reason, null, e);
    };
  }

  private static boolean timedOut(SQLException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.net.SocketTimeoutException
          || (cause.getMessage() != null && cause.getMessage().contains("timed out"))) {
        return true;
      }
    }
    return false;
  }

  /** The host name that did not resolve, when that is why the connection failed. */
  private static Optional<String> unknownHost(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof UnknownHostException unknown) {
        return Optional.ofNullable(unknown.getMessage()).map(Connections::firstLine);
      }
    }
    return Optional.empty();
  }

  static String firstLine(String message) {
    if (message == null) {
      return "no detail";
    }
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).strip();
  }
}
