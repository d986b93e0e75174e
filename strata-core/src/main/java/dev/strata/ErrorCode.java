package dev.strata;

/**
 * Every failure Strata reports belongs to one of these codes; the command line maps them to exit
 * codes (usage and configuration errors exit 2, everything else 1).
 */
public enum ErrorCode {
  /** A flag, argument or name given on the command line is wrong. */
  USAGE(2),
  /** The configuration file or environment is invalid. */
  CONFIG(2),
  /** A named object (table, partition, server) does not exist or is not what the command needs. */
  INVALID_TARGET(2),
  /** A server could not be reached, or refused the connection. */
  CONNECTION(1),
  /** A server refused the credentials Strata presented. */
  AUTHENTICATION(1),
  /** A safety check refused to proceed (rows out of bounds, columns differ, ...). */
  CHECK_FAILED(1),
  /** A statement failed on a server. */
  DATABASE(1),
  /** A bounded wait ran out (lock, statement, connect). */
  TIMEOUT(1),
  /** A bug or an unexpected state. */
  INTERNAL(1);

  private final int exitCode;

  ErrorCode(int exitCode) {
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
