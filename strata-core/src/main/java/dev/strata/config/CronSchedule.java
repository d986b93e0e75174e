package dev.strata.config;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * A five-field cron expression ({@code minute hour day-of-month month day-of-week}, as crontab and
 * pg_cron read it), evaluated in UTC: when {@code strata serve} runs a scheduled apply. Parsed and
 * checked by cron-utils.
 */
public final class CronSchedule {
  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final String text;
  private final ExecutionTime times;

  private CronSchedule(String text, Cron cron) {
    this.text = text;
    this.times = ExecutionTime.forCron(cron);
  }

  /**
   * @throws IllegalArgumentException naming what is wrong, e.g. a field out of range
   */
  public static CronSchedule parse(String text) {
    Objects.requireNonNull(text, "text");
    String trimmed = text.strip();
    if (trimmed.split("\\s+").length != 5) {
      throw new IllegalArgumentException(
          "expected five fields (minute hour day-of-month month day-of-week), e.g. \"0 2 * * *\""
              + " for 02:00 UTC every day; got \""
              + trimmed
              + "\"");
    }
    try {
      Cron cron = PARSER.parse(trimmed);
      cron.validate();
      return new CronSchedule(trimmed, cron);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "\"" + trimmed + "\" is not a cron expression: " + e.getMessage(), e);
    }
  }

  /** The first time strictly after {@code after}, or empty when the expression never fires. */
  public Optional<Instant> next(Instant after) {
    return times
        .nextExecution(ZonedDateTime.ofInstant(after, ZoneOffset.UTC))
        .map(ZonedDateTime::toInstant);
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CronSchedule schedule && schedule.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
