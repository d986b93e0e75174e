package dev.strata.cli;

import java.util.Locale;
import java.util.OptionalLong;

/** Human-readable sizes and counts, as {@code pg_size_pretty} would print them. */
final class Sizes {
  private Sizes() {}

  static String bytes(OptionalLong bytes) {
    if (bytes.isEmpty()) {
      return "?";
    }
    long value = bytes.getAsLong();
    String[] units = {"bytes", "kB", "MB", "GB", "TB"};
    double scaled = value;
    int unit = 0;
    while (scaled >= 10 * 1024 && unit < units.length - 1) {
      scaled /= 1024;
      unit++;
    }
    return unit == 0
        ? value + " bytes"
        : String.format(Locale.ROOT, "%.0f %s", scaled, units[unit]);
  }

  static String count(OptionalLong count, boolean exact) {
    if (count.isEmpty()) {
      return "?";
    }
    return (exact ? "" : "~") + count.getAsLong();
  }
}
