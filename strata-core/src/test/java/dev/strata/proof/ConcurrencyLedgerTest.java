package dev.strata.proof;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.MoveResult;
import dev.strata.operation.OperationState;
import dev.strata.operation.PartitionMover;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import dev.strata.support.WriteLedger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The concurrency ledger: 8 writers insert, update and delete rows in every partition of a table,
 * through its parent on the coordinator, each keeping a ledger of every change the server
 * acknowledged; meanwhile 10 cycles move the partitions they write: archive to one server, move to
 * the other (every other cycle), restore. One writer runs with {@code session_replication_role =
 * replica}, which skips ordinary triggers. At the end the table must equal the union of the
 * ledgers: no acknowledged write lost, none duplicated, no row that no writer wrote. A write Strata
 * refused (a frozen partition) must fail with SQLSTATE 55000 and the documented message, never
 * vanish. Archived partitions take writes ({@code archived_updatable: true}), so writes also go
 * through postgres_fdw to the archive servers and must come back with each restore.
 *
 * <p>The figures go to {@code target/proof/ledger.json} for the reliability report.
 */
@Tag("slow")
class ConcurrencyLedgerTest {
  static final int WRITERS = 8;
  static final int CYCLES = 10;
  static final int MONTHS = 6;
  static final int INITIAL_ROWS_PER_MONTH = 5_000;

  @Test
  void everyAcknowledgedWriteSurvivesTenCyclesOfMoves() throws Exception {
    TestLayout layout = new TestLayout("concurrency_ledger");
    StrataConfig config =
        TestLayout.config(
            layout.yaml(
                "tables:\n  events:\n    partition_by: { column: at, interval: 1 month }\n"
                    + "    archive_to: [archive_a, archive_b]\n    archived_updatable: true\n"),
            Map.of());
    Connections connections = new Connections(config);
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    layout.sql(
        layout.main(),
        "CREATE TABLE events (id bigint NOT NULL, at timestamp NOT NULL, value bigint NOT NULL)"
            + " PARTITION BY RANGE (at)");
    for (int month = 1; month <= MONTHS; month++) {
      layout.sql(
          layout.main(),
          String.format(
              "CREATE TABLE events_2025_%02d PARTITION OF events"
                  + " FOR VALUES FROM ('2025-%02d-01') TO ('2025-%02d-01')",
              month, month, month + 1),
          String.format("CREATE INDEX ON events_2025_%02d (id)", month));
    }
    // Initial rows, owned by the writers (id % WRITERS), recorded in their ledgers.
    List<WriteLedger> ledgers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      ledgers.add(new WriteLedger());
    }
    long nextId = 1;
    Random random = new Random(42);
    StringBuilder values = new StringBuilder();
    for (int month = 1; month <= MONTHS; month++) {
      for (int i = 0; i < INITIAL_ROWS_PER_MONTH; i++, nextId++) {
        long at = epoch(month) + random.nextInt(27 * 86_400);
        long value = random.nextInt(1_000_000);
        ledgers.get((int) (nextId % WRITERS)).own(nextId, at, value);
        values
            .append(values.length() == 0 ? "" : ",")
            .append("(")
            .append(nextId)
            .append(", to_timestamp(")
            .append(at)
            .append(") AT TIME ZONE 'UTC', ")
            .append(value)
            .append(")");
      }
      layout.sql(layout.main(), "INSERT INTO events VALUES " + values);
      values.setLength(0);
    }
    String url = layout.main().jdbcUrl(layout.database);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong idSource = new AtomicLong(10_000_000);
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      final int writer = w;
      Thread thread =
          new Thread(
              () -> write(url, writer, ledgers.get(writer), stop, idSource),
              "ledger-writer-" + writer);
      writers.add(thread);
      thread.start();
    }

    PartitionMover mover = new PartitionMover(connections, MoveProgress.NONE);
    QualifiedName events = QualifiedName.of("public", "events");
    List<String> cycles = new ArrayList<>();
    long started = System.nanoTime();
    try {
      for (int cycle = 0; cycle < CYCLES; cycle++) {
        int month = 1 + cycle % MONTHS;
        QualifiedName partition =
            QualifiedName.of("public", String.format("events_2025_%02d", month));
        MoveResult archived = mover.archive(events, partition, "archive_a", 2);
        assertThat(archived.operation().state()).isEqualTo(OperationState.DONE);
        String path = "archive -> archive_a";
        if (cycle % 2 == 1) {
          MoveResult moved = mover.move(events, partition, "archive_b", 1);
          assertThat(moved.operation().state()).isEqualTo(OperationState.DONE);
          path += " -> move to archive_b";
        }
        Thread.sleep(300); // writes through postgres_fdw to the archived partition
        MoveResult restored = mover.restore(events, partition, false, 1);
        assertThat(restored.operation().state()).isEqualTo(OperationState.DONE);
        cycles.add(partition.display() + ": " + path + " -> restore");
      }
    } finally {
      stop.set(true);
      for (Thread thread : writers) {
        thread.join();
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;

    // The table against the union of the ledgers.
    WriteLedger.Result result;
    try (Connection connection = DriverManager.getConnection(url, "postgres", "");
        Statement statement = connection.createStatement()) {
      statement.execute("SET TimeZone = 'UTC'");
      result =
          WriteLedger.check(
              ledgers,
              connection,
              "SELECT id, extract(epoch FROM at AT TIME ZONE 'UTC')::bigint, value FROM events");
    }
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("writers", WRITERS);
    header.put("cycles", CYCLES);
    header.put("seconds", Math.round(seconds * 10) / 10.0);
    header.put("cycle_paths", cycles);
    String summary = result.write("ledger.json", header);
    System.out.println("concurrency ledger: " + summary);

    assertThat(result.unexpected).as("errors other than a documented refusal").isEmpty();
    assertThat(result.writes()).as("the writers wrote").isGreaterThan(1_000);
    assertThat(result.lost).as("acknowledged rows lost").isZero();
    assertThat(result.duplicated).as("rows duplicated").isZero();
    assertThat(result.phantom).as("rows no writer wrote").isZero();
    assertThat(result.wrong).as("rows whose acknowledged update is missing").isZero();
    assertThat(result.missing).as("acknowledged rows an update or delete did not find").isZero();
  }

  /**
   * One writer until {@code stop}: inserts, updates and deletes its own rows, one per statement.
   */
  private static void write(
      String url, int writer, WriteLedger ledger, AtomicBoolean stop, AtomicLong idSource) {
    Random random = new Random(writer);
    List<Long> owned = ledger.owned;
    try (Connection connection = DriverManager.getConnection(url, "postgres", "")) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("SET TimeZone = 'UTC'");
        if (writer == WRITERS - 1) {
          // Skips ordinary triggers: the freeze's triggers must still refuse its writes.
          statement.execute("SET session_replication_role = replica");
        }
      }
      PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO events VALUES (?, to_timestamp(?) AT TIME ZONE 'UTC', ?)");
      PreparedStatement update =
          connection.prepareStatement(
              "UPDATE events SET value = ? WHERE id = ? AND at = to_timestamp(?) AT TIME ZONE 'UTC'");
      PreparedStatement delete =
          connection.prepareStatement(
              "DELETE FROM events WHERE id = ? AND at = to_timestamp(?) AT TIME ZONE 'UTC'");
      while (!stop.get()) {
        int choice = random.nextInt(10);
        try {
          if (choice < 5 || owned.isEmpty()) {
            long id = idSource.incrementAndGet() * WRITERS + writer;
            long at = epoch(1 + random.nextInt(MONTHS)) + random.nextInt(27 * 86_400);
            long value = random.nextInt(1_000_000);
            insert.setLong(1, id);
            insert.setLong(2, at);
            insert.setLong(3, value);
            insert.executeUpdate();
            ledger.own(id, at, value);
            ledger.inserts++;
          } else if (choice < 8) {
            int index = random.nextInt(owned.size());
            long id = owned.get(index);
            long[] row = ledger.rows.get(id);
            long value = random.nextInt(1_000_000);
            update.setLong(1, value);
            update.setLong(2, id);
            update.setLong(3, row[0]);
            if (update.executeUpdate() == 1) {
              row[1] = value;
              ledger.updates++;
            } else {
              ledger.missing++;
            }
          } else {
            int index = random.nextInt(owned.size());
            long id = owned.get(index);
            long[] row = ledger.rows.get(id);
            delete.setLong(1, id);
            delete.setLong(2, row[0]);
            if (delete.executeUpdate() == 1) {
              ledger.disown(index);
              ledger.deletes++;
            } else {
              ledger.missing++;
            }
          }
        } catch (SQLException e) {
          String message = String.valueOf(e.getMessage());
          if ("55000".equals(e.getSQLState())
              && (message.contains("is frozen by Strata operation")
                  || message.contains("does not allow"))) {
            ledger.refused(
                message.contains("frozen")
                    ? "55000 frozen by Strata operation"
                    : "55000 foreign table does not allow");
          } else {
            ledger.unexpected.add(e.getSQLState() + " " + message);
          }
        }
      }
    } catch (SQLException e) {
      ledger.unexpected.add("writer " + writer + " lost its connection: " + e.getMessage());
    }
  }

  private static long epoch(int month) {
    return LocalDateTime.of(2025, month, 1, 0, 0).toEpochSecond(java.time.ZoneOffset.UTC);
  }
}
