package dev.strata.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written with a unit, as PostgreSQL writes its time settings: {@code 500ms}, {@code
 * 10s}, {@code 5min}, {@code 2h}, {@code 1d}, with or without a space, with long spellings ({@code
 * 5 minutes}) accepted too. A number without a unit is rejected: {@code statement_timeout = 90}
 * means 90 milliseconds to PostgreSQL and 90 seconds to most people.
 */
public final class Durations {
  private static final Pattern FORMAT = Pattern.compile("^\\s*(\\d+)\\s*([a-zA-Z]+)\\s*$");

  private static final Map<String, Duration> UNITS =
      Map.ofEntries(
          Map.entry("ms", Duration.ofMillis(1)),
          Map.entry("millisecond", Duration.ofMillis(1)),
          Map.entry("milliseconds", Duration.ofMillis(1)),
          Map.entry("s", Duration.ofSeconds(1)),
          Map.entry("sec", Duration.ofSeconds(1)),
          Map.entry("secs", Duration.ofSeconds(1)),
          Map.entry("second", Duration.ofSeconds(1)),
          Map.entry("seconds", Duration.ofSeconds(1)),
          Map.entry("min", Duration.ofMinutes(1)),
          Map.entry("mins", Duration.ofMinutes(1)),
          Map.entry("minute", Duration.ofMinutes(1)),
          Map.entry("minutes", Duration.ofMinutes(1)),
          Map.entry("h", Duration.ofHours(1)),
          Map.entry("hour", Duration.ofHours(1)),
          Map.entry("hours", Duration.ofHours(1)),
          Map.entry("d", Duration.ofDays(1)),
          Map.entry("day", Duration.ofDays(1)),
          Map.entry("days", Duration.ofDays(1)));

  private Durations() {}

  /**
   * Parses {@code "10s"}, {@code "5 min"}, {@code "500ms"}.
   *
   * @throws IllegalArgumentException naming the problem and giving an example
   */
  public static Duration parse(String text) {
    Objects.requireNonNull(text, "text");
    String stripped = text.strip();
    Matcher matcher = FORMAT.matcher(stripped);
    if (!matcher.matches()) {
      if (stripped.matches("\\d+")) {
        throw new IllegalArgumentException(
            "\""
                + stripped
                + "\" has no unit; write it with one, e.g. \""
                + stripped
                + "s\" or \""
                + stripped
                + "min\" (units: ms, s, min, h, d)");
      }
      throw new IllegalArgumentException(
          "\""
              + stripped
              + "\" is not a duration; write a whole number and a unit, e.g. \"500ms\", \"10s\","
              + " \"5min\", \"2h\"");
    }
    Duration unit = UNITS.get(matcher.group(2).toLowerCase(Locale.ROOT));
    if (unit == null) {
      throw new IllegalArgumentException(
          "\"" + matcher.group(2) + "\" is not a time unit; use ms, s, min, h or d");
    }
    try {
      return unit.multipliedBy(Long.parseLong(matcher.group(1)));
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("\"" + stripped + "\" is too large", e);
    }
  }

  /**
   * The shortest exact form in the largest whole unit: {@code 5min}, {@code 10s}, {@code 1500ms},
   * {@code 0s}. Parses back to the same duration.
   */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis == 0) {
      return "0s";
    }
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "min";
    }
    if (millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }
}
