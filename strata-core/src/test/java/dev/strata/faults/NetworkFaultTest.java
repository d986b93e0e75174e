package dev.strata.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.health.Check;
import dev.strata.health.CheckStatus;
import dev.strata.health.Doctor;
import dev.strata.health.DoctorOptions;
import dev.strata.health.DoctorReport;
import dev.strata.health.StatusReport;
import dev.strata.health.StatusService;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.MoveResult;
import dev.strata.operation.OperationState;
import dev.strata.operation.PartitionMover;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import dev.strata.testkit.FaultProxy;
import dev.strata.testkit.FaultProxy.Fault;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
 * Network faults between Strata (and the coordinator's postgres_fdw) and an archive server: a
 * {@link FaultProxy} sits in front of {@code archive_a}, and the config points there, so every
 * connection to it goes through the proxy. Each test switches one fault on at one step of one
 * operation and checks what DESIGN invariant 5 and the move protocol promise: the operation ends
 * (with an error that names the server, or by completing), a move left unfinished converges on
 * rerun with every row exactly once and in range, and the other tiers keep answering. How long each
 * wait took, against its configured bound, is recorded for the reliability report, never asserted;
 * the timeouts only turn a hang into a failure.
 */
@Tag("slow")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class NetworkFaultTest {
  static final QualifiedName EVENTS = QualifiedName.parse("events");
  static final int ROWS = 20_000;
  static final int FIRST_YEAR = 2001;
  static final int YEARS = 50;
  static final Duration CONNECT = Duration.ofSeconds(2);
  static final Duration STATEMENT = Duration.ofSeconds(5);

  /** postgres_fdw's fixed wait for a remote cancel and abort (CONNECTION_CLEANUP_TIMEOUT). */
  static final Duration FDW_CLEANUP = Duration.ofSeconds(30);

  /** Scheduling, the copy watch's poll interval, a loaded 2-core machine. */
  static final long TOLERANCE_MS = 5_000;

  /** Doctor's checks that reach a server; the others do not depend on the network. */
  static final java.util.Set<Check> CONNECT_CHECKS =
      java.util.Set.of(Check.CONNECT_DIRECT, Check.CONNECT_FDW);

  static final FaultRecords records = new FaultRecords(NetworkFaultTest.class);
  static TestLayout layout;
  static FaultProxy proxy;
  static StrataConfig config;
  static int nextYear = FIRST_YEAR;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("network_fault_test");
    proxy = FaultProxy.in(layout.archiveA());
    config =
        TestLayout.config(
            "coordinator:\n  url: "
                + layout.url(layout.main())
                + "\n  user: postgres\n"
                + "servers:\n"
                + "  archive_a:\n    url: postgresql://127.0.0.1:"
                + proxy.port()
                + "/"
                + layout.database
                + "\n    user: postgres\n"
                + "  archive_b:\n    url: "
                + layout.url(layout.archiveB())
                + "\n    user: postgres\n"
                + "timeouts: { connect: "
                + CONNECT.toSeconds()
                + "s, statement: "
                + STATEMENT.toSeconds()
                + "s, lock: 2s }\n"
                + "tables:\n  events:\n    partition_by: { column: time, interval: 1 year }\n"
                + "    archive_to: [archive_a, archive_b]\n",
            Map.of());
    try (Database coordinator = coordinator()) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    layout.sql(
        layout.main(),
        "CREATE TABLE events (id bigint NOT NULL, time timestamp NOT NULL, note text)"
            + " PARTITION BY RANGE (time)");
    for (int year = FIRST_YEAR; year < FIRST_YEAR + YEARS; year++) {
      layout.sql(
          layout.main(),
          "CREATE TABLE events_"
              + year
              + " PARTITION OF events FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO events SELECT "
              + year
              + "00000 + g, timestamp '"
              + year
              + "-01-01' + g * interval '20 minutes', repeat('n', 20) || g"
              + " FROM generate_series(1, "
              + ROWS
              + ") g");
    }
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

  static Database coordinator() {
    return new Database(Connections.COORDINATOR, new Connections(config).coordinator());
  }

  static PartitionMover mover() {
    return new PartitionMover(new Connections(config), MoveProgress.NONE);
  }

  static synchronized int nextYear() {
    if (nextYear >= FIRST_YEAR + YEARS) {
      throw new IllegalStateException("the test table has no unused partition left");
    }
    return nextYear++;
  }

  static QualifiedName partition(int year) {
    return QualifiedName.of("public", "events_" + year);
  }

  /** The faults of a move: three that break the copy, two that only slow it. */
  static List<Fault> moveFaults() {
    return List.of(
        Fault.blackhole(),
        Fault.reset(),
        Fault.closeAfter(64 * 1024),
        Fault.delay(Duration.ofMillis(5)),
        Fault.throttle(1_000_000));
  }

  /**
   * The faults of a read: a close after 1 KiB ends a session during start-up or its first reads.
   */
  static Stream<Fault> readFaults() {
    return Stream.of(
        Fault.blackhole(),
        Fault.reset(),
        Fault.closeAfter(1024),
        Fault.delay(Duration.ofMillis(5)));
  }

  static boolean breaks(Fault fault) {
    String name = fault.describe();
    return name.equals("blackhole") || name.equals("reset") || name.startsWith("close-after");
  }

  static String kind(Fault fault) {
    String name = fault.describe();
    int dash = name.indexOf('-', name.startsWith("close-after") ? 6 : 0);
    return name.startsWith("close-after")
        ? "close-after"
        : dash < 0 ? name : name.substring(0, dash);
  }

  // ---------------------------------------------------------------- moves

  /**
   * An operation that moves a partition to, from or through archive_a, the server behind the proxy:
   * where the partition is before (a server, or none: on the coordinator) and after.
   */
  enum Move {
    ARCHIVE("archive", "archive", Optional.empty(), "archive_a"),
    RESTORE("restore", "restore", Optional.of("archive_a"), "local"),
    MOVE_FROM("move from the server", "move", Optional.of("archive_a"), "archive_b"),
    MOVE_INTO("move into the server", "move", Optional.of("archive_b"), "archive_a");

    final String scenario;
    final String kind;
    final Optional<String> from;
    final String to;

    Move(String scenario, String kind, Optional<String> from, String to) {
      this.scenario = scenario;
      this.kind = kind;
      this.from = from;
      this.to = to;
    }

    /** Puts partition {@code year} where the operation starts from. */
    void prepare(int year) {
      from.ifPresent(server -> mover().archive(EVENTS, partition(year), server, 1));
    }

    MoveResult run(int year) {
      if (to.equals("local")) {
        return mover().restore(EVENTS, partition(year), false, 1);
      }
      return from.isEmpty()
          ? mover().archive(EVENTS, partition(year), to, 1)
          : mover().move(EVENTS, partition(year), to, 1);
    }
  }

  static Stream<Arguments> movesUnderFaults() {
    return Stream.of(Move.values())
        .flatMap(move -> moveFaults().stream().map(fault -> Arguments.of(move, fault)));
  }

  @ParameterizedTest(name = "{0} under {1} from the copy's first row")
  @MethodSource("movesUnderFaults")
  void aMoveUnderAFaultDuringItsCopy(Move move, Fault fault) {
    underFaultFrom(move, fault, "copy_rows");
  }

  /** The steps after which a fault is switched on: it then hits every step that follows. */
  static Stream<Arguments> stepFaults() {
    List<String> steps =
        List.of(
            "after_target",
            "after_freeze",
            "after_copy",
            "after_indexes",
            "after_verify",
            "after_swap");
    return Stream.of(Move.ARCHIVE, Move.MOVE_FROM)
        .flatMap(
            move ->
                steps.stream()
                    .flatMap(
                        step ->
                            Stream.of(Fault.blackhole(), Fault.reset())
                                .map(fault -> Arguments.of(move, step, fault))));
  }

  @ParameterizedTest(name = "{0}, {2} from {1} on")
  @MethodSource("stepFaults")
  void aMoveWithAFaultFromAStepOn(Move move, String step, Fault fault) {
    underFaultFrom(move, fault, step);
  }

  void underFaultFrom(Move move, Fault fault, String failpoint) {
    int year = nextYear();
    move.prepare(year);
    underFault(move.scenario, fault, move.kind + "." + failpoint, year, () -> move.run(year));
    assertThat(serverOf(year)).isEqualTo(move.to);
  }

  /**
   * Runs {@code operation}, switching {@code fault} on at {@code failpoint} (the first row of its
   * copy, or the end of a step); a fault that breaks the connection must end the operation with an
   * error naming archive_a, after which the healed network lets a rerun finish it; a fault that
   * only slows it must let it finish. Either way the partition ends with every row exactly once and
   * in range.
   */
  void underFault(
      String scenario, Fault fault, String failpoint, int year, Supplier<MoveResult> operation) {
    Rows expected = Rows.expected(year);
    FaultRecords.Run<MoveResult> run = FaultRecords.underFault(proxy, fault, failpoint, operation);
    assertThat(run.switched()).as("the operation reached %s", failpoint).isTrue();
    StrataException failure = run.failure();
    MoveResult result = run.result();
    long detectionMs = run.detectionMs();

    Boolean converged = null;
    if (failure != null) {
      MoveResult rerun = operation.get();
      converged = rerun.operation().state() == OperationState.DONE;
    }
    Rows found = Rows.found(year);
    FaultRecords.Bound bound =
        failure == null ? new FaultRecords.Bound(0, "none: the move completes") : boundHit(failure);
    records.add(
        new FaultRecords.Fault(
            FaultRecords.SCHEMA_VERSION,
            records.testClass(),
            scenario,
            kind(fault),
            fault.describe(),
            failpoint.endsWith(".copy_rows")
                ? "copy (" + failpoint + ")"
                : "every step " + failpoint.substring(failpoint.indexOf('.') + 1),
            failure == null ? "completed" : "failed",
            detectionMs,
            bound.millis(),
            bound.text(),
            TOLERANCE_MS,
            failure == null
                ? !mustFail(fault, failpoint)
                : breaks(fault) && detectionMs <= bound.millis() + TOLERANCE_MS,
            failure == null ? null : failure.code().name(),
            failure == null ? null : failure.getMessage(),
            converged,
            expected.lost(found),
            found.duplicated(),
            found.outOfRangeTotal()));

    if (failure != null) {
      assertThat(failure.getMessage()).as("the error names the server").contains("archive_a");
      if (kind(fault).equals("blackhole")) {
        assertThat(failure.getMessage())
            .as("the error says the server stopped answering")
            .containsAnyOf("no row moved", "no answer within", "did not answer");
      }
      assertThat(converged).as("a rerun converges").isTrue();
    } else {
      assertThat(result.operation().state()).isEqualTo(OperationState.DONE);
      // During the copy, a blackhole or a reset must stop it. A close after N bytes may come too
      // late (the kernel buffers a small partition whole before the fault is switched on), and
      // after a step the rest of the operation may not need the server at all.
      assertThat(mustFail(fault, failpoint))
          .as("%s under %s at %s completed", scenario, fault.describe(), failpoint)
          .isFalse();
    }
    assertThat(found).isEqualTo(expected);
  }

  /** A blackhole or a reset switched on during the copy must stop it. */
  static boolean mustFail(Fault fault, String failpoint) {
    return failpoint.endsWith(".copy_rows")
        && (kind(fault).equals("blackhole") || kind(fault).equals("reset"));
  }

  static FaultRecords.Bound boundHit(StrataException failure) {
    return FaultRecords.boundHit(failure, CONNECT, STATEMENT);
  }

  /** Where partition {@code year} lives now: {@code local} or its foreign server. */
  static String serverOf(int year) {
    return layout.queryString(
        layout.main(),
        "SELECT coalesce((SELECT s.srvname FROM pg_foreign_table t JOIN pg_foreign_server s"
            + " ON s.oid = t.ftserver WHERE t.ftrelid = 'events_"
            + year
            + "'::regclass), 'local')");
  }

  /**
   * The rows of one year's partition as the coordinator sees them through the parent: how many, how
   * many distinct ids, the sum of the ids, how many lie outside the year, and how many of the
   * year's ids sit in another partition.
   */
  record Rows(long count, long distinct, long idSum, long outOfRange, long elsewhere) {
    static Rows expected(int year) {
      long base = year * 100_000L;
      return new Rows(ROWS, ROWS, base * ROWS + (long) ROWS * (ROWS + 1) / 2, 0, 0);
    }

    static Rows found(int year) {
      String low = "'" + year + "-01-01'";
      String high = "'" + (year + 1) + "-01-01'";
      String ids = "id BETWEEN " + year + "00001 AND " + year + "99999";
      try (Database coordinator = coordinator();
          Statement statement = coordinator.connection().createStatement();
          ResultSet rows =
              statement.executeQuery(
                  "SELECT count(*), count(DISTINCT id), coalesce(sum(id), 0),"
                      + " count(*) FILTER (WHERE NOT (time >= "
                      + low
                      + " AND time < "
                      + high
                      + ")),"
                      + " (SELECT count(*) FROM events WHERE "
                      + ids
                      + " AND NOT (time >= "
                      + low
                      + " AND time < "
                      + high
                      + "))"
                      + " FROM ONLY events_"
                      + year)) {
        rows.next();
        return new Rows(
            rows.getLong(1), rows.getLong(2), rows.getLong(3), rows.getLong(4), rows.getLong(5));
      } catch (SQLException e) {
        throw new IllegalStateException("cannot count the rows of events_" + year, e);
      }
    }

    long lost(Rows found) {
      return Math.max(0, distinct - found.distinct);
    }

    long duplicated() {
      return count - distinct;
    }

    long outOfRangeTotal() {
      return outOfRange + elsewhere;
    }
  }

  // ---------------------------------------------------------------- reads

  @ParameterizedTest(name = "status under {0}")
  @MethodSource("readFaults")
  void statusUnderFault(Fault fault) {
    proxy.set(fault);
    long started = System.nanoTime();
    StatusReport report =
        new StatusService(new Connections(config)).status(Optional.empty(), false);
    long elapsed = millisSince(started);
    boolean reachable =
        report.servers().stream()
            .filter(s -> s.name().equals("archive_a"))
            .findFirst()
            .orElseThrow()
            .reachable();
    FaultRecords.Bound bound =
        breaks(fault)
            ? new FaultRecords.Bound(CONNECT.toMillis(), "timeouts.connect (one direct connection)")
            : new FaultRecords.Bound(0, "none: status completes");
    recordRead("status", fault, "connect and read the catalog", elapsed, bound, !reachable, null);
    assertThat(reachable).isEqualTo(!breaks(fault));
    assertThat(report.servers())
        .filteredOn(s -> !s.name().equals("archive_a"))
        .allSatisfy(s -> assertThat(s.reachable()).isTrue());
  }

  @ParameterizedTest(name = "doctor under {0}")
  @MethodSource("readFaults")
  void doctorUnderFault(Fault fault) {
    proxy.set(fault);
    long started = System.nanoTime();
    DoctorReport report = new Doctor(new Connections(config), DoctorOptions.DEFAULTS).run();
    long elapsed = millisSince(started);
    boolean failed =
        report.results().stream()
            .anyMatch(
                r ->
                    r.subject().equals("archive_a")
                        && CONNECT_CHECKS.contains(r.check())
                        && r.status() == CheckStatus.FAIL);
    FaultRecords.Bound bound =
        breaks(fault)
            ? new FaultRecords.Bound(
                2 * CONNECT.toMillis(),
                "2 x timeouts.connect (a direct connection, then the probe through postgres_fdw)")
            : new FaultRecords.Bound(0, "none: doctor completes");
    recordRead("doctor", fault, "every check", elapsed, bound, failed, null);
    assertThat(failed)
        .as(
            "doctor fails a check of archive_a: %s",
            report.results().stream()
                .filter(r -> r.status() == CheckStatus.FAIL && CONNECT_CHECKS.contains(r.check()))
                .map(r -> r.check() + " " + r.subject() + ": " + r.evidence())
                .toList())
        .isEqualTo(breaks(fault));
  }

  @ParameterizedTest(name = "query across tiers under {0}")
  @MethodSource("readFaults")
  void aQueryAcrossTiersUnderFault(Fault fault) throws SQLException {
    int year = nextYear();
    mover().archive(EVENTS, partition(year), "archive_a", 1);
    String sql = "SELECT count(*) FROM events WHERE time >= '2001-01-01'";
    long total = (long) ROWS * YEARS;
    try (Connection session = new Connections(config).coordinator();
        Statement statement = session.createStatement()) {
      // The first query opens postgres_fdw's connection; the fault then hits it while open.
      assertThat(count(statement, sql)).isEqualTo(total);
      proxy.set(fault);
      long started = System.nanoTime();
      SQLException failure = null;
      long counted = -1;
      try {
        counted = count(statement, sql);
      } catch (SQLException e) {
        failure = e;
      }
      long elapsed = millisSince(started);
      FaultRecords.Bound bound =
          switch (kind(fault)) {
            case "blackhole" ->
                new FaultRecords.Bound(
                    STATEMENT.plus(FDW_CLEANUP).toMillis(),
                    "timeouts.statement, then postgres_fdw's 30 s wait for its cancel");
            case "reset", "close-after" ->
                new FaultRecords.Bound(0, "none: a broken connection fails at once");
            default -> new FaultRecords.Bound(0, "none: the query completes");
          };
      recordRead(
          "query across tiers",
          fault,
          "SELECT through the coordinator",
          elapsed,
          bound,
          failure != null,
          failure == null ? null : failure.getMessage());
      if (breaks(fault)) {
        assertThat((Throwable) failure).as("the query fails").isNotNull();
      } else {
        assertThat(counted).isEqualTo(total);
      }
      proxy.heal();
      // The session is still usable for every tier once the network heals.
      assertThat(count(statement, sql)).isEqualTo(total);
    }
  }

  static long count(Statement statement, String sql) throws SQLException {
    try (ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  static long millisSince(long started) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  static void recordRead(
      String scenario,
      Fault fault,
      String step,
      long elapsedMs,
      FaultRecords.Bound bound,
      boolean failed,
      String error) {
    boolean within = breaks(fault) ? failed && elapsedMs <= bound.millis() + TOLERANCE_MS : !failed;
    records.add(
        new FaultRecords.Fault(
            FaultRecords.SCHEMA_VERSION,
            records.testClass(),
            scenario,
            kind(fault),
            fault.describe(),
            step,
            failed ? "failed" : "completed",
            elapsedMs,
            bound.millis(),
            bound.text(),
            TOLERANCE_MS,
            within,
            null,
            error,
            null,
            0,
            0,
            0));
  }
}
