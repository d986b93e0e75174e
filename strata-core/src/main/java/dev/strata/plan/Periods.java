package dev.strata.plan;

import dev.strata.config.Interval;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Optional;

/**
 * Calendar arithmetic for time-partitioned tables, in UTC (Strata's sessions run with {@code
 * TimeZone = UTC}, so bounds print and compare the same way everywhere).
 *
 * <p>Periods are aligned on the calendar: a {@code 1 year} partition starts on 1 January, {@code 3
 * months} on 1 January, April, July or October, {@code 1 week} on a Monday, {@code 6 hours} at
 * 00:00, 06:00, 12:00 or 18:00 — the boundaries people choose by hand. Multi-unit periods count
 * from 1970 (years: from year 0).
 */
public final class Periods {
  private static final LocalDate FIRST_MONDAY = LocalDate.of(1970, 1, 5);
  private static final DateTimeFormatter BOUND =
      new DateTimeFormatterBuilder()
          .appendPattern("uuuu-MM-dd")
          .optionalStart()
          .appendLiteral(' ')
          .appendPattern("HH:mm:ss")
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HH:mm", "+00")
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HH", "+00")
          .optionalEnd()
          .optionalEnd()
          .toFormatter(Locale.ROOT);

  private Periods() {}

  /** The start of the period containing {@code instant}. */
  public static LocalDateTime periodStart(LocalDateTime instant, Interval interval) {
    long amount = interval.amount();
    return switch (interval.unit()) {
      case YEAR ->
          LocalDateTime.of(
              Math.floorDiv(instant.getYear(), (int) amount) * (int) amount, 1, 1, 0, 0);
      case MONTH -> {
        long months = (instant.getYear() - 1970L) * 12 + instant.getMonthValue() - 1;
        long aligned = Math.floorDiv(months, amount) * amount;
        yield LocalDateTime.of(1970, 1, 1, 0, 0).plusMonths(aligned);
      }
      case WEEK -> {
        LocalDate monday =
            instant.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        long weeks = ChronoUnit.WEEKS.between(FIRST_MONDAY, monday);
        yield FIRST_MONDAY.plusWeeks(Math.floorDiv(weeks, amount) * amount).atStartOfDay();
      }
      case DAY -> alignByDuration(instant, Duration.ofDays(amount));
      case HOUR -> alignByDuration(instant, Duration.ofHours(amount));
      case MINUTE -> alignByDuration(instant, Duration.ofMinutes(amount));
    };
  }

  private static LocalDateTime alignByDuration(LocalDateTime instant, Duration length) {
    long seconds = instant.toEpochSecond(ZoneOffset.UTC);
    long aligned = Math.floorDiv(seconds, length.toSeconds()) * length.toSeconds();
    return LocalDateTime.ofEpochSecond(aligned, 0, ZoneOffset.UTC);
  }

  public static LocalDateTime plus(LocalDateTime start, Interval interval, long times) {
    return start.plus(interval.amount() * times, unit(interval));
  }

  public static LocalDateTime minus(LocalDateTime instant, Interval interval) {
    return instant.minus(interval.amount(), unit(interval));
  }

  private static ChronoUnit unit(Interval interval) {
    return switch (interval.unit()) {
      case YEAR -> ChronoUnit.YEARS;
      case MONTH -> ChronoUnit.MONTHS;
      case WEEK -> ChronoUnit.WEEKS;
      case DAY -> ChronoUnit.DAYS;
      case HOUR -> ChronoUnit.HOURS;
      case MINUTE -> ChronoUnit.MINUTES;
    };
  }

  /**
   * The label {@code archive_to} maps use for the period starting at {@code start}: {@code 2023}
   * for years, {@code 2023-04} for months, {@code 2023-04-17} for weeks and days, {@code 2023-04-17
   * 13:00} for hours and minutes.
   */
  public static String label(LocalDateTime start, Interval interval) {
    return switch (interval.unit()) {
      case YEAR -> String.format(Locale.ROOT, "%04d", start.getYear());
      case MONTH -> String.format(Locale.ROOT, "%04d-%02d", start.getYear(), start.getMonthValue());
      case WEEK, DAY -> start.toLocalDate().toString();
      case HOUR, MINUTE ->
          start.format(DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm", Locale.ROOT));
    };
  }

  /** A bound as PostgreSQL prints a date, timestamp or timestamptz (in UTC), or empty. */
  public static Optional<LocalDateTime> parseBound(String text) {
    try {
      var parsed =
          BOUND.parseBest(text.strip(), OffsetDateTime::from, LocalDateTime::from, LocalDate::from);
      if (parsed instanceof OffsetDateTime offset) {
        return Optional.of(offset.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime());
      }
      if (parsed instanceof LocalDateTime local) {
        return Optional.of(local);
      }
      return Optional.of(((LocalDate) parsed).atStartOfDay());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** Parses {@code --now}: a date, a date and time, or an ISO instant; all read as UTC. */
  public static LocalDateTime parseNow(String text) {
    String value = text.strip();
    try {
      return OffsetDateTime.parse(value).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
    } catch (DateTimeParseException notOffset) {
      // next form
    }
    try {
      return LocalDateTime.parse(value.replace(' ', 'T'));
    } catch (DateTimeParseException notLocal) {
      // next form
    }
    return LocalDate.parse(value).atStartOfDay();
  }

  /** A bound value for SQL: {@code 2024-01-01 00:00:00}, with {@code +00} for timestamptz keys. */
  public static String boundText(LocalDateTime value, String keyType) {
    String text = value.format(DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT));
    if (keyType.equals("date")) {
      return value.toLocalDate().toString();
    }
    return keyType.startsWith("timestamp with time zone") ? text + "+00" : text;
  }

  /** {@code 2026-01-01 00:00} for messages. */
  public static String display(LocalDateTime value) {
    return value.format(DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm", Locale.ROOT));
  }

  /** Whether Strata can compute periods for a key column of this type. */
  public static boolean isTimeType(String keyType) {
    return keyType.equals("date") || keyType.startsWith("timestamp");
  }
}
