package dev.strata.connect;

import java.sql.SQLException;

/**
 * SQLState classification in one place: which failures mean "the server is unreachable", "the
 * credentials were refused", "a bounded wait ran out", or "try again". Codes are PostgreSQL's
 * (Appendix A of its manual); pgjdbc reports its own connection failures as class 08.
 */
public final class SqlStates {
  public static final String INVALID_PASSWORD = "28P01";
  public static final String INVALID_AUTHORIZATION = "28000";
  public static final String INVALID_CATALOG_NAME = "3D000";
  public static final String LOCK_NOT_AVAILABLE = "55P03";
  public static final String QUERY_CANCELED = "57014";
  public static final String SERIALIZATION_FAILURE = "40001";
  public static final String DEADLOCK_DETECTED = "40P01";
  public static final String UNDEFINED_TABLE = "42P01";
  public static final String INSUFFICIENT_PRIVILEGE = "42501";
  public static final String DUPLICATE_OBJECT = "42710";
  public static final String DUPLICATE_TABLE = "42P07";
  public static final String INVALID_OBJECT_DEFINITION = "42P17";
  public static final String FDW_UNABLE_TO_ESTABLISH_CONNECTION = "HV00N";
  public static final String FDW_ERROR = "HV000";
  public static final String ADMIN_SHUTDOWN = "57P01";
  public static final String CANNOT_CONNECT_NOW = "57P03";
  public static final String UNABLE_TO_ESTABLISH_CONNECTION = "08001";

  public enum Kind {
    CONNECTION,
    AUTHENTICATION,
    TIMEOUT,
    RETRYABLE,
    OTHER
  }

  private SqlStates() {}

  public static Kind classify(SQLException exception) {
    String state = exception.getSQLState();
    if (state == null) {
      return Kind.OTHER;
    }
    if (state.equals(INVALID_PASSWORD) || state.equals(INVALID_AUTHORIZATION)) {
      return Kind.AUTHENTICATION;
    }
    if (state.startsWith("08")
        || state.equals(ADMIN_SHUTDOWN)
        || state.equals(CANNOT_CONNECT_NOW)
        || state.equals(FDW_UNABLE_TO_ESTABLISH_CONNECTION)) {
      return Kind.CONNECTION;
    }
    if (state.equals(LOCK_NOT_AVAILABLE) || state.equals(QUERY_CANCELED)) {
      return Kind.TIMEOUT;
    }
    if (state.equals(SERIALIZATION_FAILURE) || state.equals(DEADLOCK_DETECTED)) {
      return Kind.RETRYABLE;
    }
    return Kind.OTHER;
  }

  /**
   * Whether a connection the server made (postgres_fdw's to a foreign server) gave up on libpq's
   * {@code connect_timeout}: SQLSTATE 08001 with libpq's "timeout expired". postgres_fdw on
   * PostgreSQL 14 and 15 connects with libpq's blocking connect, which enforces the timeout; 16 and
   * later connect asynchronously and do not, so there only a {@code statement_timeout} ends the
   * wait ({@link #QUERY_CANCELED}).
   */
  public static boolean isConnectTimeout(SQLException exception) {
    if (!UNABLE_TO_ESTABLISH_CONNECTION.equals(exception.getSQLState())) {
      return false;
    }
    String detail =
        exception instanceof org.postgresql.util.PSQLException server
                && server.getServerErrorMessage() != null
            ? server.getServerErrorMessage().getDetail()
            : null;
    return String.valueOf(exception.getMessage()).contains("timeout expired")
        || String.valueOf(detail).contains("timeout expired");
  }

  /**
   * Lock timeouts, deadlocks and serialization failures: the same transaction may succeed later.
   */
  public static boolean isRetryable(SQLException exception) {
    String state = exception.getSQLState();
    return LOCK_NOT_AVAILABLE.equals(state)
        || SERIALIZATION_FAILURE.equals(state)
        || DEADLOCK_DETECTED.equals(state);
  }
}
