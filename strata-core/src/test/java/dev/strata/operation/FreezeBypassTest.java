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
import dev.strata.testkit.LocalServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Invariant 4 (docs/architecture.md) against sessions that skip ordinary triggers: a write into a
 * range being moved, made with {@code session_replication_role = replica} (what logical-replication
 * apply workers, {@code pg_restore --disable-triggers} and some ETL tools use) at every step of
 * archive, restore and a move between servers, is either refused or ends up in the partition; it is
 * never accepted and then lost. And a bypass nobody thought of (simulated by changing the rows
 * behind the freeze's back) aborts the move instead of losing a row.
 */
class FreezeBypassTest {
  static final String COLUMNS = "(id int NOT NULL, time timestamp NOT NULL, note text)";
  static final int ROWS = 20_000;
  static final QualifiedName EVENTS = QualifiedName.parse("events");
  static final AtomicInteger NEXT_YEAR = new AtomicInteger(1950);
  static TestLayout layout;
  static StrataConfig config;
  static PartitionMover mover;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("freeze_bypass_test");
    config = layout.config();
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    mover = new PartitionMover(new Connections(config), MoveProgress.NONE);
    layout.sql(layout.main(), "CREATE TABLE events " + COLUMNS + " PARTITION BY RANGE (time)");
  }

  static int newYear() {
    int year = NEXT_YEAR.getAndIncrement();
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
            + "-01-01' + g * interval '1 minute', 'n' || g FROM generate_series(1, "
            + ROWS
            + ") g",
        "CREATE INDEX ON events_" + year + " (time)");
    return year;
  }

  static QualifiedName partition(int year) {
    return QualifiedName.of("public", "events_" + year);
  }

  /** Rows of the year's range seen through the parent, and whether the marker row is among them. */
  static String seen(int year) {
    return layout.queryString(
        layout.main(),
        "SELECT count(*) || '/' || count(*) FILTER (WHERE id = -1) FROM events WHERE time >= '"
            + year
            + "-01-01' AND time < '"
            + (year + 1)
            + "-01-01'");
  }

  /**
   * Writes one row of the year's range with triggers of origin role skipped, from its own session,
   * on {@code server} into {@code table}. Waits up to 3 s: a write blocked by the swap's lock goes
   * on in the background and its outcome is read at the end.
   */
  static CompletableFuture<String> replicaWrite(LocalServer server, String table, int year) {
    CompletableFuture<String> outcome =
        CompletableFuture.supplyAsync(
            () -> {
              try (Connection connection = server.connect(layout.database);
                  var statement = connection.createStatement()) {
                statement.execute("SET session_replication_role = replica");
                statement.execute(
                    "INSERT INTO "
                        + table
                        + " VALUES (-1, '"
                        + year
                        + "-07-01 12:00', 'written with replica role')");
                return "accepted";
              } catch (SQLException e) {
                return "refused: " + e.getMessage();
              }
            });
    try {
      outcome.get(3, TimeUnit.SECONDS);
    } catch (TimeoutException stillWaiting) {
      // Blocked behind the swap's lock: it finishes once the swap commits.
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return outcome;
  }

  @ParameterizedTest(name = "archive, write at {0}")
  @ValueSource(
      strings = {
        "archive.after_intent",
        "archive.after_target",
        "archive.after_freeze",
        "archive.copy_rows",
        "archive.after_copy",
        "archive.after_indexes",
        "archive.after_verify",
        "archive.before_swap_commit",
        "archive.after_swap"
      })
  void aReplicaRoleWriteDuringAnArchiveIsRefusedOrKept(String point) throws Exception {
    int year = newYear();
    AtomicReference<CompletableFuture<String>> write = new AtomicReference<>();
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals(point) && write.get() == null) {
                write.set(replicaWrite(layout.main(), "events", year));
              }
            });
    try {
      try {
        mover.archive(EVENTS, partition(year), "archive_a", 1);
      } catch (StrataException aborted) {
        // An aborted move is an acceptable outcome; the rows are checked below.
      }
    } finally {
      observation.close();
    }
    assertThat(write.get()).as("the write was attempted at " + point).isNotNull();
    String outcome = write.get().get(30, TimeUnit.SECONDS);
    if (outcome.equals("accepted")) {
      assertThat(seen(year)).as("an accepted write is never lost").isEqualTo((ROWS + 1) + "/1");
    } else {
      assertThat(outcome).containsAnyOf("frozen by Strata operation", "does not allow inserts");
      assertThat(seen(year)).isEqualTo(ROWS + "/0");
    }
  }

  @ParameterizedTest(name = "restore, direct write on the server at {0}")
  @ValueSource(
      strings = {
        "restore.after_intent",
        "restore.after_target",
        "restore.after_freeze",
        "restore.copy_rows",
        "restore.after_copy",
        "restore.after_indexes",
        "restore.after_verify",
        "restore.before_swap_commit",
        "restore.after_swap"
      })
  void aDirectWriteOnTheServerDuringARestoreIsRefusedOrKept(String point) throws Exception {
    int year = newYear();
    mover.archive(EVENTS, partition(year), "archive_a", 1);
    AtomicReference<CompletableFuture<String>> write = new AtomicReference<>();
    StrataException failure = null;
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals(point) && write.get() == null) {
                write.set(replicaWrite(layout.archiveA(), "events_" + year, year));
              }
            });
    try {
      mover.restore(EVENTS, partition(year), false, 1);
    } catch (StrataException e) {
      failure = e;
    } finally {
      observation.close();
    }
    assertThat(write.get()).as("the write was attempted at " + point).isNotNull();
    String outcome = write.get().get(30, TimeUnit.SECONDS);
    if (!outcome.equals("accepted")) {
      assertThat(outcome).contains("frozen by Strata operation");
      assertThat(seen(year)).isEqualTo(ROWS + "/0");
      assertThat(failure).isNull();
      return;
    }
    boolean restored = seen(year).equals((ROWS + 1) + "/1");
    if (!restored) {
      // Written after the restore read the table: it must still be on the server, and the
      // restore must say so instead of dropping it.
      assertThat(failure).as("a write the restore did not carry over is reported").isNotNull();
      assertThat(failure.getMessage()).contains("changed after");
      assertThat(
              layout.queryString(
                  layout.archiveA(), "SELECT count(*) FROM events_" + year + " WHERE id = -1"))
          .isEqualTo("1");
    }
  }

  @ParameterizedTest(name = "move between servers, direct write on the source server at {0}")
  @ValueSource(
      strings = {
        "move.after_intent",
        "move.after_target",
        "move.after_freeze",
        "move.copy_rows",
        "move.after_copy",
        "move.after_indexes",
        "move.after_verify",
        "move.before_swap_commit",
        "move.after_swap"
      })
  void aDirectWriteOnTheSourceServerDuringAMoveIsRefusedOrKept(String point) throws Exception {
    int year = newYear();
    mover.archive(EVENTS, partition(year), "archive_a", 1);
    AtomicReference<CompletableFuture<String>> write = new AtomicReference<>();
    StrataException failure = null;
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals(point) && write.get() == null) {
                write.set(replicaWrite(layout.archiveA(), "events_" + year, year));
              }
            });
    try {
      mover.move(EVENTS, partition(year), "archive_b", 1);
    } catch (StrataException e) {
      failure = e;
    } finally {
      observation.close();
    }
    assertThat(write.get()).as("the write was attempted at " + point).isNotNull();
    String outcome = write.get().get(30, TimeUnit.SECONDS);
    if (!outcome.equals("accepted")) {
      assertThat(outcome).contains("frozen by Strata operation");
      assertThat(seen(year)).isEqualTo(ROWS + "/0");
      assertThat(failure).isNull();
      return;
    }
    // Accepted: the write happened before the freeze (and moved with the rows), or after the
    // cleanup read the old table, which is then kept on its server and reported.
    boolean moved = seen(year).equals((ROWS + 1) + "/1");
    if (!moved) {
      assertThat(failure).as("a write the move did not carry over is reported").isNotNull();
      assertThat(
              layout.queryString(
                  layout.archiveA(), "SELECT count(*) FROM events_" + year + " WHERE id = -1"))
          .as("the row written on the old server is still there")
          .isEqualTo("1");
    }
  }

  @Test
  void aFreezeTurnedOffAndOnAgainAbortsTheArchive() {
    int year = newYear();
    String table = "events_" + year;
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("archive.after_verify")) {
                layout.sql(
                    layout.main(),
                    "ALTER TABLE " + table + " DISABLE TRIGGER ALL",
                    "INSERT INTO events VALUES (-1, '" + year + "-03-03', 'behind the freeze')",
                    "ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER strata_freeze",
                    "ALTER TABLE " + table + " ENABLE ALWAYS TRIGGER strata_freeze_truncate");
              }
            });
    try {
      assertThatThrownBy(() -> mover.archive(EVENTS, partition(year), "archive_a", 1))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("freeze of public." + table + " was changed")
          .hasMessageContaining("rolled back");
    } finally {
      observation.close();
    }
    assertThat(seen(year)).isEqualTo((ROWS + 1) + "/1");
    assertThat(tierOf(table)).isEqualTo("local");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = '" + table + "'::regclass"))
        .as("the freeze is removed")
        .isEqualTo("0");
    assertThat(
            layout.queryString(
                layout.archiveA(), "SELECT count(*) FROM pg_class WHERE relname = '" + table + "'"))
        .as("the unusable copy is dropped")
        .isEqualTo("0");
  }

  @Test
  void rowsThatChangedBehindEveryCheckReverseTheArchive() {
    int year = newYear();
    String table = "events_" + year;
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("archive.after_swap")) {
                // The detached local copy holds a row the verified copy lacks: whatever the way it
                // got there, dropping the copy would lose it.
                layout.sql(
                    layout.main(),
                    "DO $$ DECLARE t text; BEGIN SELECT relname INTO t FROM pg_class"
                        + " WHERE relname LIKE '"
                        + table
                        + "\\_s%\\_old'; EXECUTE format('ALTER TABLE %I DISABLE TRIGGER ALL', t);"
                        + " EXECUTE format('INSERT INTO %I VALUES (-1, %L, %L)', t, '"
                        + year
                        + "-03-03', 'late'); END $$");
              }
            });
    try {
      assertThatThrownBy(() -> mover.archive(EVENTS, partition(year), "archive_a", 1))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("was reversed")
          .hasMessageContaining("nothing was lost");
    } finally {
      observation.close();
    }
    assertThat(seen(year)).isEqualTo((ROWS + 1) + "/1");
    assertThat(tierOf(table)).isEqualTo("local");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) FROM pg_class WHERE relname LIKE '" + table + "_s%'"))
        .isEqualTo("0");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) FROM strata.operation WHERE state NOT IN ('done', 'aborted')"))
        .isEqualTo("0");
    // The partition is an ordinary local partition again: it takes writes and can be archived.
    layout.sql(
        layout.main(), "INSERT INTO events VALUES (-2, '" + year + "-04-04', 'writable again')");
    assertThat(mover.archive(EVENTS, partition(year), "archive_a", 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(seen(year)).isEqualTo((ROWS + 2) + "/1");
  }

  static String tierOf(String table) {
    return layout.queryString(
        layout.main(),
        "SELECT coalesce(s.srvname, 'local') FROM pg_class c LEFT JOIN pg_foreign_table f ON"
            + " f.ftrelid = c.oid LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver WHERE c.relname = '"
            + table
            + "'");
  }
}
