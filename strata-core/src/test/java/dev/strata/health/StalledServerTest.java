package dev.strata.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.explain.ExplainRequest;
import dev.strata.explain.ExplainService;
import dev.strata.operation.Failpoints;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.OperationState;
import dev.strata.operation.PartitionMover;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.ServerSpec;
import dev.strata.testkit.SharedServers;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Invariant 5 (docs/architecture.md) against a server whose processes are stopped (SIGSTOP): its
 * kernel still accepts connections and acknowledges data, so no TCP-level timeout fires and
 * postgres_fdw (which does not enforce connect_timeout on PostgreSQL 16+) would wait for ever.
 * Every Strata command must end within its own bounds and name the server. The class timeout only
 * turns a regression into a failure instead of a hung build; no test asserts how long anything
 * took.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StalledServerTest {
  static final String DATABASE = "stalled_server_test";
  static final QualifiedName EVENTS = QualifiedName.parse("events");
  static LocalServer main;
  static LocalServer stalled;
  static StrataConfig config;

  @BeforeAll
  static void setUp() {
    var servers = SharedServers.get();
    synchronized (StalledServerTest.class) {
      stalled =
          servers.names().contains("stalled")
              ? servers.server("stalled")
              : servers.add(
                  ServerSpec.of("stalled", "archive_db")
                      .withPostgresVersion(SharedServers.sharedVersion()));
    }
    main = servers.server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase("stalled", DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    config =
        TestLayout.config(
            "coordinator: { url: \"postgresql://127.0.0.1:"
                + main.port()
                + "/"
                + DATABASE
                + "\", user: postgres }\n"
                + "servers:\n"
                + "  stalled: { url: \"postgresql://127.0.0.1:"
                + stalled.port()
                + "/"
                + DATABASE
                + "\", user: postgres }\n"
                + "  other: { url: \"postgresql://127.0.0.1:"
                + servers.server(SharedServers.ARCHIVE_A).port()
                + "/"
                + DATABASE
                + "\", user: postgres }\n"
                + "timeouts: { connect: 2s, statement: 10s }\n",
            Map.of());
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
      coordinator.execute(
          "CREATE TABLE events (id int NOT NULL, time timestamp NOT NULL) PARTITION BY RANGE (time)");
      for (int year = 2001; year <= 2006; year++) {
        coordinator.execute(
            "CREATE TABLE events_"
                + year
                + " PARTITION OF events FOR VALUES FROM ('"
                + year
                + "-01-01') TO ('"
                + (year + 1)
                + "-01-01')");
        coordinator.execute(
            "INSERT INTO events SELECT g, timestamp '"
                + year
                + "-01-01' + g * interval '1 minute' FROM generate_series(1, 50000) g");
      }
    }
    mover().archive(EVENTS, QualifiedName.parse("events_2001"), "stalled", 1);
  }

  static PartitionMover mover() {
    return new PartitionMover(new Connections(config), MoveProgress.NONE);
  }

  @Test
  void doctorNamesTheServerThatDoesNotAnswerAndFinishes() {
    DoctorReport report;
    stalled.pause();
    try {
      report = new Doctor(new Connections(config), DoctorOptions.DEFAULTS).run();
    } finally {
      stalled.resume();
    }
    assertThat(report.results())
        .filteredOn(r -> r.check() == Check.CONNECT_FDW && r.subject().equals("stalled"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
              assertThat(r.evidence())
                  .contains(
                      "server stalled did not answer the coordinator through postgres_fdw within"
                          + " 2.0 s (timeouts.connect)");
            });
    assertThat(report.results())
        .filteredOn(r -> r.check() == Check.CONNECT_DIRECT && r.subject().equals("stalled"))
        .singleElement()
        .satisfies(r -> assertThat(r.status()).isEqualTo(CheckStatus.FAIL));
  }

  @Test
  void explainAnalyzeProbesTheServersItReadsFromAndNamesTheOneThatDoesNotAnswer() {
    ExplainService explain = new ExplainService(new Connections(config));
    stalled.pause();
    try {
      assertThatThrownBy(
              () ->
                  explain.explain(
                      new ExplainRequest("SELECT count(*) FROM events", true, Map.of())))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("server stalled did not answer the coordinator")
          .satisfies(e -> assertThat(((StrataException) e).code()).isEqualTo(ErrorCode.TIMEOUT));
      // A statement that does not touch the server runs.
      assertThat(
              explain
                  .explain(
                      new ExplainRequest(
                          "SELECT count(*) FROM events WHERE time >= '2002-01-01' AND time < '2003-01-01'",
                          true,
                          Map.of()))
                  .toString())
          .contains("events_2002");
    } finally {
      stalled.resume();
    }
  }

  @Test
  void theSwapCommitsWithoutWaitingForTheServer() {
    // The swap's transaction holds the parent's exclusive lock: it must open no remote
    // transaction, whose COMMIT would wait for a server that stopped answering with no timeout.
    QualifiedName partition = QualifiedName.parse("events_2004");
    AtomicBoolean paused = new AtomicBoolean();
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("archive.before_swap_commit") && paused.compareAndSet(false, true)) {
                stalled.pause();
              }
            });
    try {
      assertThat(mover().archive(EVENTS, partition, "stalled", 1).operation().state())
          .isEqualTo(OperationState.DONE);
    } finally {
      observation.close();
      if (paused.get()) {
        stalled.resume();
      }
    }
    assertThat(paused.get()).isTrue();
  }

  @Test
  void statusReportsTheServerUnreachable() {
    StatusReport report;
    stalled.pause();
    try {
      report = new StatusService(new Connections(config)).status(Optional.empty(), false);
    } finally {
      stalled.resume();
    }
    assertThat(report.toString()).contains("stalled");
    assertThat(report.servers())
        .filteredOn(s -> s.name().equals("stalled"))
        .singleElement()
        .satisfies(s -> assertThat(s.reachable()).isFalse());
  }

  @Test
  void aCopyIntoAServerThatStopsAnsweringEndsAndARerunConverges() {
    QualifiedName partition = QualifiedName.parse("events_2003");
    AtomicBoolean paused = new AtomicBoolean();
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("archive.copy_rows") && paused.compareAndSet(false, true)) {
                stalled.pause();
              }
            });
    try {
      assertThatThrownBy(() -> mover().archive(EVENTS, partition, "stalled", 1))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("stalled: no row moved for 10 s");
    } finally {
      observation.close();
      if (paused.get()) {
        stalled.resume();
      }
    }
    assertThat(mover().archive(EVENTS, partition, "stalled", 1).operation().state())
        .isEqualTo(OperationState.DONE);
  }

  @Test
  void aMoveFromAServerThatStopsAnsweringEndsAndARerunConverges() {
    QualifiedName partition = QualifiedName.parse("events_2005");
    mover().archive(EVENTS, partition, "stalled", 1);
    assertMoveEndsAndARerunConverges(partition, "other");
  }

  @Test
  void aMoveIntoAServerThatStopsAnsweringEndsAndARerunConverges() {
    QualifiedName partition = QualifiedName.parse("events_2006");
    mover().archive(EVENTS, partition, "other", 1);
    assertMoveEndsAndARerunConverges(partition, "stalled");
  }

  /**
   * Moves {@code partition} to {@code to} while the server "stalled" (its source or its target)
   * stops answering during the copy: the move fails within its bounds naming that server (during
   * the copy, or at the cleanup's re-hash of the old table when the source had already sent every
   * row), and once the server answers again a rerun finishes it with every row.
   */
  static void assertMoveEndsAndARerunConverges(QualifiedName partition, String to) {
    String rows = "SELECT count(*) FROM events WHERE time >= '2005-01-01' AND time < '2007-01-01'";
    AtomicBoolean paused = new AtomicBoolean();
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("move.copy_rows") && paused.compareAndSet(false, true)) {
                stalled.pause();
              }
            });
    try {
      assertThatThrownBy(() -> mover().move(EVENTS, partition, to, 1))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("stalled");
    } finally {
      observation.close();
      if (paused.get()) {
        stalled.resume();
      }
    }
    assertThat(paused.get()).isTrue();
    assertThat(mover().move(EVENTS, partition, to, 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(count(rows)).isEqualTo(100_000);
  }

  static long count(String sql) {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      return coordinator.queryOne(sql, row -> row.getLong(1)).orElseThrow();
    }
  }
}
