package dev.strata.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Durations, sizes and suggestions. */
class UnitsTest {
  @Test
  void durationsNeedAUnit() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("5 min")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("2 hours")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
    assertThatThrownBy(() -> Durations.parse("90")).hasMessageStartingWith("\"90\" has no unit");
    assertThatThrownBy(() -> Durations.parse("1.5h")).hasMessageContaining("is not a duration");
    assertThatThrownBy(() -> Durations.parse("3 fortnights"))
        .hasMessageStartingWith("\"fortnights\" is not a time unit");
  }

  @Test
  void durationsFormatInTheLargestWholeUnitAndParseBack() {
    for (Duration duration :
        List.of(
            Duration.ZERO,
            Duration.ofMillis(1500),
            Duration.ofSeconds(10),
            Duration.ofMinutes(90),
            Duration.ofHours(48))) {
      assertThat(Durations.parse(Durations.format(duration))).isEqualTo(duration);
    }
    assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5min");
    assertThat(Durations.format(Duration.ofMinutes(120))).isEqualTo("2h");
  }

  @Test
  void sizesAreBinaryAndNeedAUnit() {
    assertThat(ByteSizes.parse("1kB")).isEqualTo(1024);
    assertThat(ByteSizes.parse("500 GB")).isEqualTo(500L << 30);
    assertThat(ByteSizes.parse("2tb")).isEqualTo(2L << 40);
    assertThat(ByteSizes.format(500L << 30)).isEqualTo("500GB");
    assertThat(ByteSizes.format(1536L << 20)).isEqualTo("1536MB");
    assertThatThrownBy(() -> ByteSizes.parse("500"))
        .hasMessage("\"500\" has no unit; write it with one, e.g. \"500GB\"");
    assertThatThrownBy(() -> ByteSizes.parse("5PB"))
        .hasMessage("\"PB\" is not a size unit; use kB, MB, GB or TB");
  }

  @Test
  void suggestionsByDistanceThenPrefix() {
    List<String> keys = List.of("connect", "statement", "lock", "idle_in_transaction");
    assertThat(Suggestions.closest("lok", keys)).contains("lock");
    assertThat(Suggestions.closest("STATEMENT", keys)).contains("statement");
    assertThat(Suggestions.closest("idle", keys)).contains("idle_in_transaction");
    assertThat(Suggestions.closest("colour", keys)).isEmpty();
    assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
  }
}
