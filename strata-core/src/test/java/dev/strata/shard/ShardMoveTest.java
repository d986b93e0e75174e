package dev.strata.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.MoveResult;
import dev.strata.operation.PartitionMover;
import dev.strata.operation.ShardMover;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import dev.strata.testkit.LocalServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shard moves between servers with logical replication, against real servers: rows verified, the
 * foreign partition repointed, writers that keep writing lose nothing, and nothing of the move
 * (publication, subscription, slot, retired table) is left on any server.
 */
class ShardMoveTest {
  static final QualifiedName TABLE = ShardFixture.TABLE;
  ShardFixture fixture;
  TestLayout layout;
  StrataConfig config;

  @BeforeEach
  void setUp() {
    fixture = new ShardFixture("shard_move_test");
    layout = fixture.layout;
    config = fixture.config;
  }

  static QualifiedName shard(int remainder) {
    return ShardFixture.shard(remainder);
  }

  String fingerprint() {
    return fixture.fingerprint();
  }

  List<String> leftovers() {
    return fixture.leftovers();
  }

  String serverOf(QualifiedName shard) {
    return fixture.serverOf(shard);
  }

  @Test
  void aShardMovesToAnotherServerVerifiedAndLeavesNothingBehind() {
    String before = fingerprint();
    assertThat(serverOf(shard(0))).isEqualTo("archive_a");
    MoveResult result =
        new ShardMover(new Connections(config), MoveProgress.NONE)
            .move(TABLE, shard(0), "archive_b");
    assertThat(result.operation().state().label()).isEqualTo("done");
    assertThat(serverOf(shard(0))).isEqualTo("archive_b");
    assertThat(fingerprint()).isEqualTo(before);
    assertThat(
            layout.queryString(
                layout.archiveA(), "SELECT to_regclass('temperatures_shard_0_of_4')::text"))
        .isNull();
    assertThat(leftovers()).isEmpty();
    // On its new server the shard still refuses another shard's rows.
    assertThat(
            layout.queryString(
                layout.archiveB(),
                "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname ="
                    + " 'temperatures_shard_0_of_4'"))
        .isEqualTo("FOR VALUES WITH (modulus 4, remainder 0)");
    // A second run has nothing to do.
    assertThat(
            new ShardMover(new Connections(config), MoveProgress.NONE)
                .move(TABLE, shard(0), "archive_b")
                .nothingToDo())
        .hasValue("public.temperatures_shard_0_of_4 is on archive_b already");
  }

  @Test
  void dryRunListsTheStatementsAndChangesNothing() {
    List<PartitionMover.PlannedStep> steps =
        new ShardMover(new Connections(config), MoveProgress.NONE)
            .planMove(TABLE, shard(1), "archive_a");
    String text = String.join("\n", steps.stream().flatMap(s -> s.lines().stream()).toList());
    assertThat(steps)
        .extracting(PartitionMover.PlannedStep::step)
        .containsExactly(
            "intent", "target shard", "copy (logical replication)", "cut-over", "swap", "cleanup");
    assertThat(text)
        .contains("CREATE PUBLICATION")
        .contains("CREATE SUBSCRIPTION")
        .contains("LOCK TABLE \"public\".\"temperatures_shard_1_of_4\" IN EXCLUSIVE MODE")
        .contains("pg_logical_emit_message")
        .contains("DROP SUBSCRIPTION");
    assertThat(serverOf(shard(1))).isEqualTo("archive_b");
    assertThat(leftovers()).isEmpty();
  }

  /** One writer: inserts rows of its cities, retrying a transaction the move refused. */
  static final class Writer implements Runnable {
    final Connection connection;
    final List<String> cities;
    final AtomicLong ids;
    final Set<Long> acknowledged;
    final AtomicBoolean stop;
    final AtomicLong maxMillis = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final List<String> errors = new ArrayList<>();

    Writer(
        Connection connection,
        List<String> cities,
        AtomicLong ids,
        Set<Long> acknowledged,
        AtomicBoolean stop) {
      this.connection = connection;
      this.cities = cities;
      this.ids = ids;
      this.acknowledged = acknowledged;
      this.stop = stop;
    }

    @Override
    public void run() {
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO temperatures VALUES (?, date '2025-01-01', ?, 1)")) {
        int i = 0;
        while (!stop.get()) {
          long id = ids.incrementAndGet();
          String city = cities.get(i++ % cities.size());
          while (true) {
            long started = System.nanoTime();
            try {
              insert.setLong(1, id);
              insert.setString(2, city);
              insert.executeUpdate();
              acknowledged.add(id);
              maxMillis.accumulateAndGet((System.nanoTime() - started) / 1_000_000, Math::max);
              break;
            } catch (SQLException e) {
              if ("40001".equals(e.getSQLState())) {
                retries.incrementAndGet();
                continue;
              }
              errors.add(e.getSQLState() + " " + e.getMessage());
              break;
            }
          }
        }
      } catch (SQLException e) {
        errors.add(e.getMessage());
      }
    }
  }

  List<String> citiesOf(int remainder) {
    String list =
        layout.queryString(
            layout.main(),
            "SELECT string_agg(c, ',') FROM (SELECT 'city_' || g AS c FROM generate_series(0, 500) g) s"
                + " WHERE satisfies_hash_partition('temperatures'::regclass, 4, "
                + remainder
                + ", c)");
    return List.of(list.split(","));
  }

  @Test
  void writersOnTheMovingShardAndOnOthersLoseNoAcknowledgedRow() throws Exception {
    long initial =
        Long.parseLong(layout.queryString(layout.main(), "SELECT count(*) FROM temperatures"));
    AtomicLong ids = new AtomicLong(1_000_000);
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean stop = new AtomicBoolean();
    List<Writer> moving = new ArrayList<>();
    List<Writer> others = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    List<Connection> connections = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Connection connection = layout.main().connect(layout.database);
      connections.add(connection);
      Writer writer =
          new Writer(
              connection,
              citiesOf(i < 4 ? 2 : List.of(0, 1, 3).get(i % 3)),
              ids,
              acknowledged,
              stop);
      (i < 4 ? moving : others).add(writer);
      Thread thread = new Thread(writer, "writer-" + i);
      threads.add(thread);
      thread.start();
    }
    try {
      Thread.sleep(300);
      MoveResult result =
          new ShardMover(new Connections(config), MoveProgress.NONE)
              .move(TABLE, shard(2), "archive_b");
      assertThat(result.operation().state().label()).isEqualTo("done");
      Thread.sleep(300);
    } finally {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(30_000);
      }
      for (Connection connection : connections) {
        connection.close();
      }
    }
    List<String> errors = new ArrayList<>();
    moving.forEach(w -> errors.addAll(w.errors));
    others.forEach(w -> errors.addAll(w.errors));
    assertThat(errors).isEmpty();
    assertThat(serverOf(shard(2))).isEqualTo("archive_b");
    long missingOrDuplicated =
        Long.parseLong(
            layout.queryString(
                layout.main(),
                "SELECT count(*) FROM (SELECT id, count(*) FROM temperatures WHERE id > 1000000"
                    + " GROUP BY id HAVING count(*) <> 1) d"));
    assertThat(missingOrDuplicated).isZero();
    assertThat(
            Long.parseLong(layout.queryString(layout.main(), "SELECT count(*) FROM temperatures")))
        .isEqualTo(initial + acknowledged.size());
    assertThat(acknowledged.size()).isGreaterThan(100);
    long movingRetries = moving.stream().mapToLong(w -> w.retries.get()).sum();
    System.out.printf(
        "online shard move: %d acknowledged inserts; slowest insert into the moving shard %d ms"
            + " (%d retried), into other shards %d ms%n",
        acknowledged.size(),
        moving.stream().mapToLong(w -> w.maxMillis.get()).max().orElse(0),
        movingRetries,
        others.stream().mapToLong(w -> w.maxMillis.get()).max().orElse(0));
    assertThat(leftovers()).isEmpty();
  }

  static QualifiedName half(int remainder) {
    return QualifiedName.of("public", "temperatures_shard_" + remainder + "_of_8");
  }

  String bounds(LocalServer server) {
    return layout.queryString(
        server,
        "SELECT string_agg(c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid), ', ' ORDER BY"
            + " c.relname) FROM pg_class c WHERE c.relispartition");
  }

  @Test
  void aShardSplitsInPlaceAndOntoAnotherServerAndItsHalvesMoveOn() {
    String before = fingerprint();
    ShardMover mover = new ShardMover(new Connections(config), MoveProgress.NONE);

    MoveResult inPlace = mover.split(TABLE, shard(0), java.util.Optional.empty());
    assertThat(inPlace.operation().state().label()).isEqualTo("done");
    assertThat(fingerprint()).isEqualTo(before);
    assertThat(serverOf(half(0))).isEqualTo("archive_a");
    assertThat(serverOf(half(4))).isEqualTo("archive_a");
    assertThat(bounds(layout.archiveA()))
        .contains("temperatures_shard_0_of_4 FOR VALUES WITH (modulus 4, remainder 0)")
        .contains("temperatures_shard_0_of_8 FOR VALUES WITH (modulus 8, remainder 0)")
        .contains("temperatures_shard_4_of_8 FOR VALUES WITH (modulus 8, remainder 4)");
    assertThat(leftovers()).isEmpty();

    MoveResult onto = mover.split(TABLE, shard(1), java.util.Optional.of("archive_a"));
    assertThat(onto.operation().state().label()).isEqualTo("done");
    assertThat(fingerprint()).isEqualTo(before);
    assertThat(serverOf(half(1))).isEqualTo("archive_a");
    assertThat(serverOf(half(5))).isEqualTo("archive_a");
    assertThat(
            layout.queryString(
                layout.archiveB(), "SELECT to_regclass('temperatures_shard_1_of_4')::text"))
        .isNull();
    assertThat(leftovers()).isEmpty();

    // A half moves on like any shard, out of the table of halves it was split into.
    mover.move(TABLE, half(4), "archive_b");
    assertThat(serverOf(half(4))).isEqualTo("archive_b");
    assertThat(fingerprint()).isEqualTo(before);
    assertThat(leftovers()).isEmpty();
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT string_agg(pg_get_expr(c.relpartbound, c.oid), ', ' ORDER BY c.relname)"
                    + " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    + " WHERE i.inhparent = 'temperatures'::regclass"))
        .isEqualTo(
            "FOR VALUES WITH (modulus 8, remainder 0), FOR VALUES WITH (modulus 8, remainder 1),"
                + " FOR VALUES WITH (modulus 4, remainder 2), FOR VALUES WITH (modulus 4,"
                + " remainder 3), FOR VALUES WITH (modulus 8, remainder 4), FOR VALUES WITH"
                + " (modulus 8, remainder 5)");
    // A row of another shard is still refused on the servers, in the halves too.
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () ->
                    layout.sql(
                        layout.archiveA(),
                        "INSERT INTO temperatures_shard_0_of_8 SELECT 1, '2024-01-01', c, 1 FROM"
                            + " (SELECT 'city_' || g AS c FROM generate_series(0, 500) g) s"
                            + " WHERE NOT satisfies_hash_partition('temperatures'::regclass, 8, 0,"
                            + " c) LIMIT 1")))
        .hasMessageContaining("violates partition constraint");
  }
}
