package dev.strata.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Moves of archived partitions between servers: the rows go from server to server, verified, the
 * partition is repointed in one swap, and the old table is dropped only if Strata created it. A
 * server stopped mid-copy or at the swap leaves the partition served from where it was, and a rerun
 * converges. A drain empties a server.
 */
class ServerMoveTest {
  static final QualifiedName EVENTS = QualifiedName.parse("events");
  static TestLayout layout;
  static StrataConfig config;
  static PartitionMover mover;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("server_move_test");
    config =
        TestLayout.config(
            layout.yaml(
                "tables:\n  events:\n    partition_by: { column: time, interval: 1 year }\n"
                    + "    archive_to: [archive_a, archive_b]\n"),
            java.util.Map.of());
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    mover = new PartitionMover(new Connections(config), MoveProgress.NONE);
    layout.sql(
        layout.main(),
        "CREATE TABLE events (id int NOT NULL, time timestamp NOT NULL, note text)"
            + " PARTITION BY RANGE (time)");
    for (int year = 2001; year <= 2009; year++) {
      layout.sql(
          layout.main(),
          "CREATE TABLE events_"
              + year
              + " PARTITION OF events FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO events SELECT g, timestamp '"
              + year
              + "-01-01' + g * interval '1 minute', 'n' || g FROM generate_series(1, 30000) g",
          "CREATE INDEX ON events_" + year + " (time)");
    }
  }

  static QualifiedName partition(int year) {
    return QualifiedName.of("public", "events_" + year);
  }

  static String fingerprint(int year) {
    return layout.queryString(
        layout.main(),
        "SELECT count(*) || '/' || coalesce(sum(hashtextextended(t::text, 0)), 0) FROM (SELECT *"
            + " FROM events WHERE time >= '"
            + year
            + "-01-01' AND time < '"
            + (year + 1)
            + "-01-01') t");
  }

  static String tier(int year) {
    return layout.queryString(
        layout.main(),
        "SELECT coalesce(s.srvname, 'local') FROM pg_class c LEFT JOIN pg_foreign_table f ON"
            + " f.ftrelid = c.oid LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver WHERE"
            + " c.relname = 'events_"
            + year
            + "'");
  }

  static String tables(dev.strata.testkit.LocalServer server, int year) {
    return layout.queryString(
        server,
        "SELECT count(*) FROM pg_class WHERE relname = 'events_" + year + "' AND relkind = 'r'");
  }

  @Test
  void aPartitionMovesBetweenServersWithEveryRowAndTheOldTableGoes() {
    String before = fingerprint(2001);
    mover.archive(EVENTS, partition(2001), "archive_a", 1);
    MoveResult moved = mover.move(EVENTS, partition(2001), "archive_b", 1);
    assertThat(moved.operation().state()).isEqualTo(OperationState.DONE);
    assertThat(moved.rowsCopied()).isEqualTo(30_000);
    assertThat(tier(2001)).isEqualTo("archive_b");
    assertThat(fingerprint(2001)).isEqualTo(before);
    assertThat(tables(layout.archiveA(), 2001))
        .as("the old table, Strata's, is dropped")
        .isEqualTo("0");
    assertThat(
            layout.queryString(
                layout.archiveB(),
                "SELECT count(*) FROM pg_indexes WHERE tablename = 'events_2001'"))
        .isEqualTo("1");
    assertThatThrownBy(
            () -> layout.sql(layout.main(), "INSERT INTO events VALUES (-1, '2001-05-05', 'late')"))
        .hasMessageContaining("does not allow inserts");
    assertThat(mover.move(EVENTS, partition(2001), "archive_b", 1).nothingToDo())
        .hasValueSatisfying(
            why -> assertThat(why).contains("already archived on server archive_b"));
    assertThat(mover.verify(EVENTS, Optional.of(partition(2001))))
        .singleElement()
        .satisfies(v -> assertThat(v.ok()).as(v.verdict()).isTrue());
  }

  @Test
  void aTableAttachedByHandIsKeptOnItsServerAndUnfrozen() {
    layout.sql(
        layout.archiveA(),
        "CREATE TABLE events_hand (id int NOT NULL, time timestamp NOT NULL, note text)",
        "INSERT INTO events_hand SELECT g, timestamp '2015-01-01' + g * interval '1 hour', 'h'"
            + " FROM generate_series(1, 500) g");
    new PartitionManager(new Connections(config))
        .attach(
            new PartitionManager(new Connections(config))
                .planAttach(
                    new AttachRequest(
                        EVENTS,
                        "archive_a",
                        List.of(
                            new AttachRequest.Remote(
                                QualifiedName.parse("events_hand"),
                                "2015-01-01",
                                "2016-01-01",
                                Optional.of(QualifiedName.parse("events_2015")))),
                        true)));
    String before = fingerprint(2015);
    mover.move(EVENTS, partition(2015), "archive_b", 1);
    assertThat(fingerprint(2015)).isEqualTo(before);
    assertThat(tier(2015)).isEqualTo("archive_b");
    assertThat(layout.queryString(layout.archiveA(), "SELECT count(*) FROM events_hand"))
        .isEqualTo("500");
    layout.sql(layout.archiveA(), "INSERT INTO events_hand VALUES (1, '2015-02-02', 'unfrozen')");
  }

  @Test
  void theSourceServerStoppedBeforeTheCopyLeavesThePartitionWhereItWasAndARerunConverges() {
    mover.archive(EVENTS, partition(2002), "archive_a", 1);
    String before = fingerprint(2002);
    AtomicBoolean stopped = new AtomicBoolean();
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("move.after_freeze") && stopped.compareAndSet(false, true)) {
                layout.archiveA().stop();
              }
            });
    try {
      assertThatThrownBy(() -> mover.move(EVENTS, partition(2002), "archive_b", 1))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("stopped before step 'copy'");
    } finally {
      observation.close();
      layout.archiveA().start();
    }
    assertThat(tier(2002)).isEqualTo("archive_a");
    assertThat(fingerprint(2002)).isEqualTo(before);
    assertThat(mover.move(EVENTS, partition(2002), "archive_b", 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(fingerprint(2002)).isEqualTo(before);
    assertThat(tier(2002)).isEqualTo("archive_b");
    assertThat(tables(layout.archiveA(), 2002)).isEqualTo("0");
  }

  @Test
  void theTargetServerStoppedAtTheSwapFailsTheSwapNotLaterQueries() {
    mover.archive(EVENTS, partition(2003), "archive_a", 1);
    String before = fingerprint(2003);
    PartitionMover stopping =
        new PartitionMover(
            new Connections(config),
            new MoveProgress() {
              @Override
              public void step(Operation operation, String description) {
                if (description.startsWith("swapping")) {
                  layout.archiveB().stop();
                }
              }
            });
    try {
      assertThatThrownBy(() -> stopping.move(EVENTS, partition(2003), "archive_b", 1))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("stopped before step 'swap'");
      assertThat(tier(2003)).isEqualTo("archive_a");
      assertThat(fingerprint(2003)).isEqualTo(before);
    } finally {
      layout.archiveB().start();
    }
    assertThat(mover.move(EVENTS, partition(2003), "archive_b", 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(fingerprint(2003)).isEqualTo(before);
    assertThat(tier(2003)).isEqualTo("archive_b");
  }

  @Test
  void anAbortedMoveLeavesThePartitionWhereItWasAndWritable() {
    mover.archive(EVENTS, partition(2004), "archive_a", 1);
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("move.after_indexes")) {
                throw new StrataException(dev.strata.ErrorCode.INTERNAL, "simulated failure");
              }
            });
    try {
      assertThatThrownBy(() -> mover.move(EVENTS, partition(2004), "archive_b", 1))
          .hasMessageContaining("simulated failure");
    } finally {
      observation.close();
    }
    Operation unfinished =
        mover.resumable().stream()
            .filter(op -> op.partition().equals(partition(2004)))
            .findFirst()
            .orElseThrow();
    mover.abort(unfinished.id());
    assertThat(tier(2004)).isEqualTo("archive_a");
    assertThat(tables(layout.archiveB(), 2004)).isEqualTo("0");
    assertThat(
            layout.queryString(
                layout.archiveA(),
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'events_2004'::regclass"))
        .isEqualTo("0");
  }

  @Test
  void drainMovesEveryPartitionOffAServer() {
    for (int year = 2005; year <= 2007; year++) {
      mover.archive(EVENTS, partition(year), "archive_a", 1);
    }
    String before = fingerprint(2005) + fingerprint(2006) + fingerprint(2007);
    List<PartitionMover.DrainMove> plan = mover.drainPlan("archive_a", Optional.empty());
    assertThat(plan)
        .extracting(move -> move.partition().name() + "->" + move.to())
        .contains("events_2005->archive_b", "events_2006->archive_b", "events_2007->archive_b");
    for (PartitionMover.DrainMove move : plan) {
      mover.move(move.table(), move.partition(), move.to(), 1);
    }
    assertThat(mover.drainPlan("archive_a", Optional.empty())).isEmpty();
    assertThat(fingerprint(2005) + fingerprint(2006) + fingerprint(2007)).isEqualTo(before);
    assertThatThrownBy(() -> mover.drainPlan("archive_b", Optional.of("archive_b")))
        .hasMessageContaining("is the server being drained");
  }
}
