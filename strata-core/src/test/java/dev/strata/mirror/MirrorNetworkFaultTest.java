package dev.strata.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.StrataException;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.faults.FaultRecords;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import dev.strata.testkit.FaultProxy;
import dev.strata.testkit.FaultProxy.Fault;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A mirror refresh while the network to its source fails: a {@link FaultProxy} in front of the crm
 * server carries Strata's connections and the coordinator's postgres_fdw connections to it. The
 * fault is switched on as the refresh reads the source; the refresh ends within its bound with an
 * error naming the source, readers keep the previous copy whole, and once the network heals the
 * next refresh brings the copy level with the source. Detection times are recorded for the
 * reliability report, never asserted.
 */
@Tag("slow")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MirrorNetworkFaultTest {
  static final Duration CONNECT = Duration.ofSeconds(3);
  static final Duration MIRROR_TIMEOUT = Duration.ofSeconds(5);
  static final long TOLERANCE_MS = 5_000;
  static final FaultRecords records = new FaultRecords(MirrorNetworkFaultTest.class);
  MirrorFixture fixture;
  FaultProxy proxy;

  @BeforeEach
  void setUp() {
    fixture = new MirrorFixture("mirror_network_fault_test", 5_000);
    proxy = FaultProxy.in(fixture.crm);
  }

  @AfterEach
  void closeProxy() {
    proxy.close();
  }

  @AfterAll
  static void writeRecords() {
    records.write();
  }

  static Stream<Fault> faults() {
    return Stream.of(Fault.blackhole(), Fault.reset(), Fault.closeAfter(1024));
  }

  @ParameterizedTest(name = "refresh under {0}")
  @MethodSource("faults")
  void aRefreshUnderAFaultKeepsTheOldCopyAndTheNextOneCatchesUp(Fault fault) {
    StrataConfig config =
        TestLayout.config(
            fixture.yaml(
                "  ref.customers: { from: crm, table: customers, refresh: 1 min, timeout: "
                    + MIRROR_TIMEOUT.toSeconds()
                    + "s }\n",
                proxy.port()),
            Map.of());
    fixture.apply(config);
    String before = fixture.contents(fixture.main, "ref.customers");
    fixture.changeSource();
    Mirrors.Resolved mirror =
        Mirrors.require(
            Mirrors.resolve(new Connections(config)), QualifiedName.parse("ref.customers"));
    // Readers' view is taken with the fault still on, before the network heals.
    String[] during = new String[1];
    FaultRecords.Run<MirrorRefresher.Result> run =
        FaultRecords.underFault(
            proxy,
            fault,
            "mirror.before_statement.1",
            () -> {
              try {
                return new MirrorRefresher(new Connections(config))
                    .refresh(mirror, MirrorRefresher.Options.DEFAULT);
              } finally {
                during[0] = fixture.contents(fixture.main, "ref.customers");
              }
            });
    assertThat(run.switched()).as("the refresh read its source").isTrue();
    StrataException failure = run.failure();
    long detectionMs = run.detectionMs();

    new MirrorRefresher(new Connections(config)).refresh(mirror, MirrorRefresher.Options.DEFAULT);
    boolean converged =
        fixture
            .contents(fixture.main, "ref.customers")
            .equals(fixture.contents(fixture.crm, "customers"));
    FaultRecords.Bound bound =
        failure == null
            ? new FaultRecords.Bound(0, "none: the refresh completes")
            : mirrorBound(failure);
    records.add(
        new FaultRecords.Fault(
            FaultRecords.SCHEMA_VERSION,
            records.testClass(),
            "mirror refresh from the server",
            fault.describe().startsWith("close-after") ? "close-after" : fault.describe(),
            fault.describe(),
            "reading the source",
            failure == null ? "completed" : "failed",
            detectionMs,
            bound.millis(),
            bound.text(),
            TOLERANCE_MS,
            failure != null && detectionMs <= bound.millis() + TOLERANCE_MS,
            failure == null ? null : failure.code().name(),
            failure == null ? null : failure.getMessage(),
            converged,
            0,
            0,
            0));

    assertThat(failure).as("the refresh under %s fails", fault.describe()).isNotNull();
    assertThat(failure.getMessage()).as("the error names the source").contains("crm");
    assertThat(during[0]).as("readers keep the previous copy, whole").isEqualTo(before);
    assertThat(converged).as("the next refresh catches up with the source").isTrue();
  }

  /**
   * The refresh's statements run under the mirror's timeout (its sessions' statement_timeout and
   * read timeout); the coordinator may add postgres_fdw's 30 s wait for its remote cancel.
   */
  static FaultRecords.Bound mirrorBound(StrataException failure) {
    FaultRecords.Bound hit = FaultRecords.boundHit(failure, CONNECT, MIRROR_TIMEOUT);
    return hit.millis() == MIRROR_TIMEOUT.toMillis()
        ? new FaultRecords.Bound(
            hit.millis(), "mirrors.M.timeout: the refresh session's statement_timeout")
        : hit;
  }
}
