package dev.strata.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code serve.apply_at}: five-field cron in UTC, checked when the config is read. */
class CronScheduleTest {
  @Test
  void theNextTimeIsInUtc() {
    CronSchedule nightly = CronSchedule.parse(" 0 2 * * * ");
    assertThat(nightly.toString()).isEqualTo("0 2 * * *");
    assertThat(nightly.next(Instant.parse("2026-12-01T07:15:00Z")))
        .contains(Instant.parse("2026-12-02T02:00:00Z"));
    assertThat(nightly.next(Instant.parse("2026-12-02T02:00:00Z")))
        .as("strictly after")
        .contains(Instant.parse("2026-12-03T02:00:00Z"));
    assertThat(CronSchedule.parse("*/10 * * * *").next(Instant.parse("2026-12-01T07:15:00Z")))
        .contains(Instant.parse("2026-12-01T07:20:00Z"));
    assertThat(CronSchedule.parse("30 1 * * 0").next(Instant.parse("2026-12-01T07:15:00Z")))
        .as("Sundays")
        .contains(Instant.parse("2026-12-06T01:30:00Z"));
  }

  @Test
  void aWrongExpressionSaysWhatIsWrong() {
    assertThatThrownBy(() -> CronSchedule.parse("every night"))
        .hasMessageContaining("five fields")
        .hasMessageContaining("0 2 * * *");
    assertThatThrownBy(() -> CronSchedule.parse("61 * * * *"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("61 * * * *");
    assertThatThrownBy(() -> CronSchedule.parse("0 2 * * * *")).hasMessageContaining("five fields");
  }

  @Test
  void theConfigReadsItAndReportsAWrongOneWithItsKey() {
    String base = "coordinator: { url: \"postgresql://127.0.0.1:5432/app\", user: strata }\n";
    StrataConfig config =
        ConfigLoader.builder()
            .environment(Map.of())
            .build()
            .loadText(base + "serve: { apply_at: \"0 2 * * *\" }\n", "strata.yaml")
            .config();
    assertThat(config.serve().applyAt()).contains(CronSchedule.parse("0 2 * * *"));
    assertThatThrownBy(
            () ->
                ConfigLoader.builder()
                    .environment(Map.of())
                    .build()
                    .loadText(base + "serve: { apply_at: \"0 25 * * *\" }\n", "strata.yaml"))
        .hasMessageContaining("serve.apply_at")
        .hasMessageContaining("strata.yaml:2");
  }
}
