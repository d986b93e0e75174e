package dev.strata.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.StrataException;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.Failpoints;
import dev.strata.sql.QualifiedName;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A source that stops answering in the middle of a refresh (SIGSTOP: its kernel still accepts and
 * acknowledges, nothing replies): the refresh ends within the mirror's timeout (plus, at most,
 * postgres_fdw's fixed 30 s attempt to cancel the remote query), the previous copy stays readable
 * throughout, and the error is recorded. The measured time is printed, not asserted.
 */
class MirrorStalledSourceTest {
  @Test
  void aStalledSourceEndsTheRefreshWithinItsBoundAndKeepsTheCopy() {
    MirrorFixture fixture = new MirrorFixture("mirror_stalled_test", 5_000);
    StrataConfig config =
        fixture.config(
            "  ref.customers: { from: crm, table: customers, refresh: 1 h, timeout: 3s }\n");
    fixture.apply(config);
    String before = fixture.contents(fixture.main, "ref.customers");
    fixture.changeSource();
    Connections connections = new Connections(config);
    Mirrors.Resolved mirror =
        Mirrors.require(Mirrors.resolve(connections), QualifiedName.parse("ref.customers"));
    Failpoints.Observation observation =
        Failpoints.observe(
            point -> {
              if (point.equals("mirror.before_statement.1")) {
                fixture.crm.pause();
              }
            });
    long started = System.nanoTime();
    try {
      assertThatThrownBy(
              () ->
                  new MirrorRefresher(connections).refresh(mirror, MirrorRefresher.Options.DEFAULT))
          .isInstanceOf(StrataException.class);
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      System.out.printf(
          "stalled source: the refresh failed after %d ms (timeout 3 s; bound 3 s + 30 s cancel"
              + " + 10 s margin)%n",
          took.toMillis());
      // Readers were never blocked meanwhile, and see the previous copy.
      assertThat(fixture.contents(fixture.main, "ref.customers")).isEqualTo(before);
    } finally {
      observation.close();
      fixture.crm.resume();
    }
    assertThat(new MirrorStatus(connections).read(false).get(0).lastError()).isPresent();
    MirrorRefresher.Result result =
        new MirrorRefresher(connections).refresh(mirror, MirrorRefresher.Options.DEFAULT);
    assertThat(result.rows()).isPositive();
    assertThat(fixture.contents(fixture.main, "ref.customers"))
        .isEqualTo(fixture.contents(fixture.crm, "customers"));
  }
}
