package dev.strata.operation;

import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * Default partition names from their bounds, in the pattern people already use by hand: a year wide
 * partition of {@code emp} is {@code emp_2025}, a month {@code emp_2025_03}, a day {@code
 * emp_2025_03_14}; anything else {@code emp_FROM_TO} with the bound's digits.
 */
public final class PartitionNames {
  private PartitionNames() {}

  public static QualifiedName forRange(QualifiedName parent, String from, String to) {
    String suffix = calendarSuffix(from, to).orElseGet(() -> sanitize(from) + "_" + sanitize(to));
    String name = parent.name() + "_" + suffix;
    while (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        > Identifiers.MAX_IDENTIFIER_BYTES) {
      name = name.substring(0, name.length() - 1);
    }
    return QualifiedName.of(parent.schema(), name);
  }

  private static Optional<String> calendarSuffix(String from, String to) {
    Optional<LocalDate> start = midnight(from);
    Optional<LocalDate> end = midnight(to);
    if (start.isEmpty() || end.isEmpty()) {
      return Optional.empty();
    }
    LocalDate a = start.get();
    LocalDate b = end.get();
    if (a.getDayOfYear() == 1 && a.plusYears(1).equals(b)) {
      return Optional.of(String.format(Locale.ROOT, "%04d", a.getYear()));
    }
    if (a.getDayOfMonth() == 1 && a.plusMonths(1).equals(b)) {
      return Optional.of(String.format(Locale.ROOT, "%04d_%02d", a.getYear(), a.getMonthValue()));
    }
    if (a.plusDays(1).equals(b)) {
      return Optional.of(
          String.format(
              Locale.ROOT, "%04d_%02d_%02d", a.getYear(), a.getMonthValue(), a.getDayOfMonth()));
    }
    return Optional.empty();
  }

  /** The date of a bound that is a date or a timestamp at midnight (with or without zone). */
  static Optional<LocalDate> midnight(String value) {
    String text = value.strip();
    try {
      return Optional.of(LocalDate.parse(text));
    } catch (DateTimeParseException notDate) {
      // try a timestamp below
    }
    String withoutZone = text.replaceFirst("([+-]\\d{2}(:\\d{2})?)$", "");
    try {
      LocalDateTime timestamp = LocalDateTime.parse(withoutZone.replace(' ', 'T'));
      return timestamp.toLocalTime().equals(java.time.LocalTime.MIDNIGHT)
          ? Optional.of(timestamp.toLocalDate())
          : Optional.empty();
    } catch (DateTimeParseException notTimestamp) {
      return Optional.empty();
    }
  }

  private static String sanitize(String value) {
    Optional<LocalDate> date = midnight(value);
    if (date.isPresent()) {
      return date.get().toString().replace("-", "");
    }
    String cleaned = value.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "");
    return cleaned.isEmpty() ? "x" : cleaned;
  }
}
