package dev.strata.cli;

import dev.strata.ErrorCode;
import java.util.Locale;

/**
 * What {@code --json} prints instead of a result when a command fails: the error's code (the lower
 * case name of its {@link ErrorCode}, or {@code usage} for a bad flag), its message and its hint.
 */
record ErrorDocument(Error error) {
  record Error(String code, String message, String hint) {}

  static ErrorDocument of(ErrorCode code, String message, String hint) {
    return new ErrorDocument(new Error(code.name().toLowerCase(Locale.ROOT), message, hint));
  }
}
