package dev.strata.config;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A calendar interval with an explicit unit, as PostgreSQL understands it: {@code 1 year}, {@code 3
 * months}, {@code 7 days}, {@code 12 hours}. A number without a unit is rejected: tools that read a
 * bare {@code 90} as seconds (or days) have caused retention accidents.
 *
 * <p>Only one unit per value; months and years are calendar units (a year is 12 months, not 365
 * days), so partition boundaries computed from them stay on calendar boundaries.
 */
public record Interval(long amount, Unit unit) implements Comparable<Interval> {
  private static final Pattern FORMAT = Pattern.compile("^\\s*(\\d+)\\s*([a-zA-Z]+)\\s*$");

  public enum Unit {
    MINUTE("minute", "minutes", "min", "mins"),
    HOUR("hour", "hours", "h"),
    DAY("day", "days", "d"),
    WEEK("week", "weeks", "w"),
    MONTH("month", "months", "mon", "mons"),
    YEAR("year", "years", "y");

    private final String singular;
    private final String[] spellings;

    Unit(String singular, String... spellings) {
      this.singular = singular;
      this.spellings = spellings;
    }

    static Unit fromText(String text) {
      String lower = text.toLowerCase(Locale.ROOT);
      for (Unit unit : values()) {
        if (unit.singular.equals(lower)) {
          return unit;
        }
        for (String spelling : unit.spellings) {
          if (spelling.equals(lower)) {
            return unit;
          }
        }
      }
      return null;
    }

    /** Approximate length in minutes, for ordering and comparing policies only. */
    long approximateMinutes() {
      return switch (this) {
        case MINUTE -> 1;
        case HOUR -> 60;
        case DAY -> 60 * 24;
        case WEEK -> 60 * 24 * 7;
        case MONTH -> 60 * 24 * 30;
        case YEAR -> 60 * 24 * 365;
      };
    }
  }

  public Interval {
    Objects.requireNonNull(unit, "unit");
    if (amount <= 0) {
      throw new IllegalArgumentException("an interval must be positive");
    }
  }

  /**
   * Parses {@code "1 year"}, {@code "3 months"}, {@code "12h"}.
   *
   * @throws IllegalArgumentException with a message naming the problem and an example
   */
  public static Interval parse(String text) {
    Matcher matcher = FORMAT.matcher(Objects.requireNonNull(text, "text"));
    if (!matcher.matches()) {
      if (text.strip().matches("\\d+")) {
        throw new IllegalArgumentException(
            "\""
                + text.strip()
                + "\" has no unit; write it with one, e.g. \""
                + text.strip()
                + " days\"");
      }
      throw new IllegalArgumentException(
          "\""
              + text
              + "\" is not an interval; write a whole number and a unit, e.g. \"1 year\","
              + " \"3 months\", \"7 days\"");
    }
    long amount;
    try {
      amount = Long.parseLong(matcher.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("\"" + text + "\" is too large");
    }
    Unit unit = Unit.fromText(matcher.group(2));
    if (unit == null) {
      throw new IllegalArgumentException(
          "\""
              + matcher.group(2)
              + "\" is not a unit; use minutes, hours, days, weeks, months or"
              + " years");
    }
    if (amount == 0) {
      throw new IllegalArgumentException("\"" + text + "\" is zero; an interval must be positive");
    }
    return new Interval(amount, unit);
  }

  /** PostgreSQL interval input, e.g. {@code 1 year}, {@code 3 months}. */
  public String toSql() {
    return amount + " " + unit.singular + (amount == 1 ? "" : "s");
  }

  public long approximateMinutes() {
    return amount * unit.approximateMinutes();
  }

  @Override
  public int compareTo(Interval other) {
    return Long.compare(approximateMinutes(), other.approximateMinutes());
  }

  @Override
  public String toString() {
    return toSql();
  }
}
