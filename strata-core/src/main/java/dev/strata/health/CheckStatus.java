package dev.strata.health;

import java.util.Locale;

/** The verdict of one check, in increasing severity. */
public enum CheckStatus {
  /** As it should be. */
  OK,
  /** Works, but against best practice or at risk; the fix says what to change. */
  WARN,
  /** Broken or unsafe now; the fix says what to do. */
  FAIL;

  /** {@code ok}, {@code warn}, {@code fail}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
