package dev.strata.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.MoveResult;
import dev.strata.operation.ShardMover;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
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

  static final class Ledger {
    final Map<Long, long[]> rows = new HashMap<>(); // id -> {city number, value}
    final List<Long> owned = new ArrayList<>();
    long inserts;
    long updates;
    long deletes;
    long missing;
    final Map<String, Long> refusals = new TreeMap<>();
    final List<String> unexpected = new ArrayList<>();
  }

  @Test
  void everyAcknowledgedWriteSurvivesSixShardMoves() throws Exception {
    ShardFixture fixture = new ShardFixture("shard_ledger_test");
    String url = fixture.layout.main().jdbcUrl(fixture.layout.database);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ids = new AtomicLong(10_000_000);
    List<Ledger> ledgers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      Ledger ledger = new Ledger();
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

    Map<Long, long[]> expected = new HashMap<>();
    ledgers.forEach(ledger -> expected.putAll(ledger.rows));
    Map<Long, Integer> seen = new HashMap<>();
    long lost = 0;
    long duplicated = 0;
    long wrong = 0;
    try (Connection connection = DriverManager.getConnection(url, "postgres", "");
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT id, substr(city, 6)::int, temp::bigint FROM temperatures"
                    + " WHERE id > 10000000")) {
      while (rows.next()) {
        long id = rows.getLong(1);
        if (seen.merge(id, 1, Integer::sum) > 1) {
          duplicated++;
          continue;
        }
        long[] want = expected.get(id);
        if (want == null || want[0] != rows.getLong(2) || want[1] != rows.getLong(3)) {
          wrong++;
        }
      }
    }
    for (Long id : expected.keySet()) {
      if (!seen.containsKey(id)) {
        lost++;
      }
    }
    long inserts = 0;
    long updates = 0;
    long deletes = 0;
    long missing = 0;
    Map<String, Long> refusals = new TreeMap<>();
    List<String> unexpected = new ArrayList<>();
    for (Ledger ledger : ledgers) {
      inserts += ledger.inserts;
      updates += ledger.updates;
      deletes += ledger.deletes;
      missing += ledger.missing;
      ledger.refusals.forEach((k, v) -> refusals.merge(k, v, Long::sum));
      unexpected.addAll(ledger.unexpected);
    }
    String summary =
        String.format(
            "{\"writers\": %d, \"moves\": %d, \"seconds\": %.1f, \"acknowledged\": {\"inserts\":"
                + " %d, \"updates\": %d, \"deletes\": %d}, \"refusals\": %s,"
                + " \"unexpected_errors\": %d, \"rows_expected\": %d, \"rows_lost\": %d,"
                + " \"rows_duplicated\": %d, \"rows_wrong\": %d, \"missing_at_update_or_delete\":"
                + " %d}",
            WRITERS,
            moves.size(),
            seconds,
            inserts,
            updates,
            deletes,
            refusals.toString().replace("=", "\": ").replace("{", "{\"").replace(", ", ", \""),
            unexpected.size(),
            expected.size(),
            lost,
            duplicated,
            wrong,
            missing);
    Path out = Path.of("target", "proof");
    Files.createDirectories(out);
    Files.writeString(out.resolve("shard-ledger.json"), summary + "\n", StandardCharsets.UTF_8);
    System.out.println("shard ledger: " + summary + " moves " + moves);

    assertThat(unexpected).as("errors other than a documented refusal").isEmpty();
    assertThat(inserts + updates + deletes).isGreaterThan(500);
    assertThat(lost).as("acknowledged rows lost").isZero();
    assertThat(duplicated).as("rows duplicated").isZero();
    assertThat(wrong).as("rows not as acknowledged, or written by no writer").isZero();
    assertThat(missing).as("acknowledged rows an update or delete did not find").isZero();
  }

  private static void write(
      String url, int writer, Ledger ledger, AtomicBoolean stop, AtomicLong ids) {
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
            ledger.rows.put(id, new long[] {city, value});
            ledger.owned.add(id);
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
              ledger.rows.remove(id);
              ledger.owned.set(index, ledger.owned.get(ledger.owned.size() - 1));
              ledger.owned.remove(ledger.owned.size() - 1);
              ledger.deletes++;
            } else {
              ledger.missing++;
            }
          }
        } catch (SQLException e) {
          if ("40001".equals(e.getSQLState()) || "55000".equals(e.getSQLState())) {
            ledger.refusals.merge(e.getSQLState(), 1L, Long::sum);
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
