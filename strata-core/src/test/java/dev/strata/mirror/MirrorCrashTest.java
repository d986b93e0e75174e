package dev.strata.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.config.StrataConfig;
import dev.strata.operation.Failpoints;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A mirror's creation or refresh stopped at each step (an exception at the failpoint rolls back
 * what its transaction did, as a killed process would), then {@code strata apply} run again: it
 * converges on a copy equal to the source, and nothing is left twice or half made.
 */
class MirrorCrashTest {
  @ParameterizedTest(name = "{0} stopped at {1}")
  @CsvSource({
    "table, mirror.step.1",
    "table, mirror.before_statement.1",
    "table, mirror.before_statement.4",
    "table, mirror.before_commit",
    "matview, mirror.step.1",
    "matview, mirror.before_commit",
    "incremental, mirror.before_commit",
    "replica, mirror.step.1",
    "replica, mirror.step.2",
    "replica, mirror.step.3"
  })
  void applyConvergesAfterAStopAtEachStep(String mode, String point) throws Exception {
    MirrorFixture fixture = new MirrorFixture("mirror_crash_test", 2_000);
    String name = mode.equals("replica") ? "public.customers" : "ref.customers";
    String extra =
        switch (mode) {
          case "replica" -> "";
          case "incremental" -> ", refresh: 1 h, watermark: updated_at";
          default -> ", refresh: 1 h";
        };
    StrataConfig config =
        fixture.config(
            "  " + name + ": { from: crm, table: customers, mode: " + mode + extra + " }\n");
    Failpoints.Observation observation =
        Failpoints.observe(
            reached -> {
              if (reached.equals(point)) {
                throw new IllegalStateException("stopped at " + point + " for the test");
              }
            });
    try {
      assertThatThrownBy(() -> fixture.apply(config)).hasMessageContaining("stopped at " + point);
    } finally {
      observation.close();
    }
    fixture.apply(config);
    if (mode.equals("replica")) {
      awaitEqual(fixture, name);
    } else {
      assertThat(fixture.contents(fixture.main, name))
          .isEqualTo(fixture.contents(fixture.crm, "customers"));
    }
    assertThat(fixture.plan(config)).isEmpty();
    assertThat(
            fixture.query(
                fixture.main,
                "SELECT count(*) FROM pg_class WHERE relnamespace = 'strata_mirror'::regnamespace"))
        .isEqualTo("1");
    assertThat(fixture.query(fixture.main, "SELECT count(*) FROM pg_subscription"))
        .isEqualTo(mode.equals("replica") ? "1" : "0");
    assertThat(
            fixture.query(
                fixture.crm,
                "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"))
        .isEqualTo(mode.equals("replica") ? "1" : "0");
    // Removed again: nothing of it stays on either server.
    fixture.apply(fixture.config("  {}\n"));
    assertThat(
            fixture.query(
                fixture.main,
                "SELECT count(*) FROM pg_class WHERE relnamespace = 'strata_mirror'::regnamespace"))
        .isEqualTo("0");
    for (String leftover :
        List.of(
            "SELECT count(*) FROM pg_publication",
            "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")) {
      assertThat(fixture.query(fixture.crm, leftover)).as(leftover).isEqualTo("0");
    }
  }

  private static void awaitEqual(MirrorFixture fixture, String name) throws InterruptedException {
    String expected = fixture.contents(fixture.crm, "customers");
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
    while (!expected.equals(fixture.contents(fixture.main, name))) {
      assertThat(System.nanoTime()).as("replica caught up within 60 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
