package dev.strata.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.faults.FaultRecords;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.MoveResult;
import dev.strata.operation.ShardMover;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.FaultProxy;
import dev.strata.testkit.FaultProxy.Fault;
import dev.strata.testkit.SharedServers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Online shard moves (logical replication) off archive_a while the network to it fails: a {@link
 * FaultProxy} in front of archive_a carries Strata's connections, the coordinator's postgres_fdw
 * connections and the target's subscription to the source alike. A blackhole or a reset switched on
 * at each step ends the move with an error naming the server, and once the network heals a rerun
 * finishes it with the table's rows unchanged and no replication object left behind. Detection
 * times are recorded against their bounds for the reliability report, never asserted.
 */
@Tag("slow")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ShardNetworkFaultTest {
  static final Duration CONNECT = Duration.ofSeconds(2);
  static final Duration STATEMENT = Duration.ofSeconds(5);
  static final long TOLERANCE_MS = 5_000;
  static final FaultRecords records = new FaultRecords(ShardNetworkFaultTest.class);
  static FaultProxy proxy;
  ShardFixture fixture;

  @BeforeAll
  static void startProxy() {
    proxy = FaultProxy.in(SharedServers.get().server(SharedServers.ARCHIVE_A));
  }

  @AfterEach
  void heal() {
    proxy.heal();
  }

  @AfterAll
  static void tearDown() {
    records.write();
    if (proxy != null) {
      proxy.close();
    }
  }

  static Stream<Arguments> faultsAtSteps() {
    return Stream.of("copying", "after_target", "after_copy", "after_cutover", "after_swap")
        .flatMap(
            step ->
                Stream.of(Fault.blackhole(), Fault.reset())
                    .map(fault -> Arguments.of(step, fault)));
  }

  @ParameterizedTest(name = "{1} from {0} on")
  @MethodSource("faultsAtSteps")
  void anOnlineShardMoveOffTheServerUnderAFault(String step, Fault fault) {
    fixture =
        new ShardFixture(
            "shard_network_fault_test",
            "postgresql://127.0.0.1:" + proxy.port() + "/shard_network_fault_test");
    QualifiedName shard =
        IntStream.range(0, 4)
            .mapToObj(ShardFixture::shard)
            .filter(s -> fixture.serverOf(s).equals("archive_a"))
            .findFirst()
            .orElseThrow();
    String before = fixture.fingerprint();
    String failpoint = "shard_move." + step;
    FaultRecords.Run<MoveResult> run =
        FaultRecords.underFault(
            proxy, fault, failpoint, () -> mover().move(ShardFixture.TABLE, shard, "archive_b"));
    assertThat(run.switched()).as("the move reached %s", failpoint).isTrue();
    StrataException failure = run.failure();
    long detectionMs = run.detectionMs();

    Boolean converged = null;
    if (failure != null) {
      mover().move(ShardFixture.TABLE, shard, "archive_b");
      converged =
          fixture.serverOf(shard).equals("archive_b")
              && fixture.fingerprint().equals(before)
              && fixture.leftovers().isEmpty();
    }
    String after = fixture.fingerprint();
    FaultRecords.Bound bound =
        failure == null
            ? new FaultRecords.Bound(0, "none: the move completes")
            : FaultRecords.boundHit(failure, CONNECT, STATEMENT);
    records.add(
        new FaultRecords.Fault(
            FaultRecords.SCHEMA_VERSION,
            records.testClass(),
            "online shard move from the server",
            fault.describe(),
            fault.describe(),
            step.equals("copying") ? "initial copy" : "every step " + step,
            failure == null ? "completed" : "failed",
            detectionMs,
            bound.millis(),
            bound.text(),
            TOLERANCE_MS,
            failure == null || detectionMs <= bound.millis() + TOLERANCE_MS,
            failure == null ? null : failure.code().name(),
            failure == null ? null : failure.getMessage(),
            converged,
            Math.max(0, count(before) - count(after)),
            Math.max(0, count(after) - count(before)),
            0));

    if (failure != null) {
      assertThat(failure.getMessage()).as("the error names the server").contains("archive_a");
      assertThat(converged).as("a rerun converges").isTrue();
    }
    assertThat(fixture.serverOf(shard)).isEqualTo("archive_b");
    assertThat(after).isEqualTo(before);
    assertThat(fixture.leftovers()).isEmpty();
  }

  /** The row count of a fingerprint {@code count/checksum}. */
  static long count(String fingerprint) {
    return Long.parseLong(fingerprint.substring(0, fingerprint.indexOf('/')));
  }

  ShardMover mover() {
    return new ShardMover(new Connections(fixture.config), MoveProgress.NONE);
  }
}
