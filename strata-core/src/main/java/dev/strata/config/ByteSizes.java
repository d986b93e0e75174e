package dev.strata.config;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes written with a unit, as PostgreSQL writes memory settings: {@code 500GB}, {@code 2 TB},
 * {@code 64MB}. Units are binary, as in PostgreSQL ({@code 1kB} is 1024 bytes); letter case is not
 * significant. A number without a unit is rejected.
 */
public final class ByteSizes {
  private static final Pattern FORMAT = Pattern.compile("^\\s*(\\d+)\\s*([a-zA-Z]+)\\s*$");
  private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB"};

  private ByteSizes() {}

  /**
   * Parses {@code "500GB"} into bytes.
   *
   * @throws IllegalArgumentException naming the problem and giving an example
   */
  public static long parse(String text) {
    Objects.requireNonNull(text, "text");
    String stripped = text.strip();
    Matcher matcher = FORMAT.matcher(stripped);
    if (!matcher.matches()) {
      if (stripped.matches("\\d+")) {
        throw new IllegalArgumentException(
            "\"" + stripped + "\" has no unit; write it with one, e.g. \"" + stripped + "GB\"");
      }
      throw new IllegalArgumentException(
          "\"" + stripped + "\" is not a size; write a whole number and a unit, e.g. \"500GB\"");
    }
    String unit = matcher.group(2).toLowerCase(Locale.ROOT);
    for (int power = 0; power < UNITS.length; power++) {
      if (UNITS[power].toLowerCase(Locale.ROOT).equals(unit)) {
        try {
          return Math.multiplyExact(Long.parseLong(matcher.group(1)), 1L << (10 * power));
        } catch (NumberFormatException | ArithmeticException e) {
          throw new IllegalArgumentException("\"" + stripped + "\" is too large", e);
        }
      }
    }
    throw new IllegalArgumentException(
        "\"" + matcher.group(2) + "\" is not a size unit; use kB, MB, GB or TB");
  }

  /** The largest whole unit: {@code 500GB}, {@code 1536MB}, {@code 10B}. Parses back exactly. */
  public static String format(long bytes) {
    int power = 0;
    long amount = bytes;
    while (power < UNITS.length - 1 && amount != 0 && amount % 1024 == 0) {
      amount /= 1024;
      power++;
    }
    return amount + UNITS[power];
  }
}
