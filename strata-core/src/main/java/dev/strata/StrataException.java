package dev.strata;

import java.util.Objects;

/**
 * The one exception Strata's library throws for anything a user can act on. Its message is written
 * for the user: what failed, where (server name, never a password), why, what to do, and what state
 * the data was left in. {@link #hint()} holds the "what to do" part separately so the command line
 * can print it on its own line.
 */
public class StrataException extends RuntimeException {
  private final ErrorCode code;
  private final String hint;

  public StrataException(ErrorCode code, String message) {
    this(code, message, null, null);
  }

  public StrataException(ErrorCode code, String message, String hint) {
    this(code, message, hint, null);
  }

  public StrataException(ErrorCode code, String message, String hint, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
    this.hint = hint;
  }

  public ErrorCode code() {
    return code;
  }

  /** What the user should do next, or null. */
  public String hint() {
    return hint;
  }
}
