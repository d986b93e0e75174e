package dev.strata.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.MoveResult;
import dev.strata.operation.ShardMover;
import dev.strata.support.WriteLedger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
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
 * The concurrency ledger for shard moves: 4 writers insert, update and delete rows of every shard
 * through the coordinator, each keeping a ledger of what the servers acknowledged, while 6 online
 * moves (logical replication) take the shards from server to server and back. At the end the table
 * equals the union of the ledgers. A write the cut-over refused must fail with SQLSTATE 40001
 * (retry), never vanish. Figures go to {@code target/proof/shard-ledger.json}.
 */
@Tag("slow")
class ShardLedgerTest {
  static final int WRITERS = 4;

  @Test
  void everyAcknowledgedWriteSurvivesSixShardMoves() throws Exception {
    ShardFixture fixture = new ShardFixture("shard_ledger_test");
    String url = fixture.layout.main().jdbcUrl(fixture.layout.database);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ids = new AtomicLong(10_000_000);
    List<WriteLedger> ledgers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      WriteLedger ledger = new WriteLedger();
      ledgers.add(ledger);
      int writer = w;
      Thread thread = new Thread(() -> write(url, writer, ledger, stop, ids), "shard-writer-" + w);
      threads.add(thread);
      thread.start();
    }
    ShardMover mover = new ShardMover(new Connections(fixture.config), MoveProgress.NONE);
    List<String> moves = new ArrayList<>();
    long started = System.nanoTime();
    try {
      Thread.sleep(500);
      for (int round = 0; round < 6; round++) {
        var shard = ShardFixture.shard(round % 4);
        String from = fixture.serverOf(shard);
        String to = from.equals("archive_a") ? "archive_b" : "archive_a";
        MoveResult moved = mover.move(ShardFixture.TABLE, shard, to);
        assertThat(moved.operation().state().label()).isEqualTo("done");
        moves.add(shard.display() + ": " + from + " -> " + to);
        Thread.sleep(300);
      }
    } finally {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join();
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;

    WriteLedger.Result result;
    try (Connection connection = DriverManager.getConnection(url, "postgres", "")) {
      result =
          WriteLedger.check(
              ledgers,
              connection,
              "SELECT id, substr(city, 6)::int, temp::bigint FROM temperatures"
                  + " WHERE id > 10000000");
    }
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("writers", WRITERS);
    header.put("moves", moves.size());
    header.put("seconds", Math.round(seconds * 10) / 10.0);
    String summary = result.write("shard-ledger.json", header);
    System.out.println("shard ledger: " + summary + " moves " + moves);

    assertThat(result.unexpected).as("errors other than a documented refusal").isEmpty();
    assertThat(result.writes()).isGreaterThan(500);
    assertThat(result.lost).as("acknowledged rows lost").isZero();
    assertThat(result.duplicated).as("rows duplicated").isZero();
    assertThat(result.phantom).as("rows written by no writer").isZero();
    assertThat(result.wrong).as("rows not as acknowledged").isZero();
    assertThat(result.missing).as("acknowledged rows an update or delete did not find").isZero();
  }

  private static void write(
      String url, int writer, WriteLedger ledger, AtomicBoolean stop, AtomicLong ids) {
    Random random = new Random(writer);
    try (Connection connection = DriverManager.getConnection(url, "postgres", "");
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO temperatures VALUES (?, date '2025-01-01', 'city_' || ?, ?)");
        PreparedStatement update =
            connection.prepareStatement(
                "UPDATE temperatures SET temp = ? WHERE id = ? AND city = 'city_' || ?");
        PreparedStatement delete =
            connection.prepareStatement(
                "DELETE FROM temperatures WHERE id = ? AND city = 'city_' || ?")) {
      while (!stop.get()) {
        int choice = random.nextInt(10);
        try {
          if (choice < 5 || ledger.owned.isEmpty()) {
            long id = ids.incrementAndGet();
            long city = random.nextInt(501);
            long value = random.nextInt(40);
            insert.setLong(1, id);
            insert.setLong(2, city);
            insert.setLong(3, value);
            insert.executeUpdate();
            ledger.own(id, city, value);
            ledger.inserts++;
          } else if (choice < 8) {
            long id = ledger.owned.get(random.nextInt(ledger.owned.size()));
            long[] row = ledger.rows.get(id);
            long value = random.nextInt(40);
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
            int index = random.nextInt(ledger.owned.size());
            long id = ledger.owned.get(index);
            delete.setLong(1, id);
            delete.setLong(2, ledger.rows.get(id)[0]);
            if (delete.executeUpdate() == 1) {
              ledger.disown(index);
              ledger.deletes++;
            } else {
              ledger.missing++;
            }
          }
        } catch (SQLException e) {
          if ("40001".equals(e.getSQLState()) || "55000".equals(e.getSQLState())) {
            ledger.refused(e.getSQLState());
          } else {
            ledger.unexpected.add(e.getSQLState() + " " + e.getMessage());
          }
        }
      }
    } catch (SQLException e) {
      ledger.unexpected.add("writer " + writer + ": " + e.getMessage());
    }
  }
}
