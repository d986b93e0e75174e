package dev.strata.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.operation.Failpoints;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.PartitionMover;
import dev.strata.operation.ShardMover;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.ServerSpec;
import dev.strata.testkit.SharedServers;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shard moves when a server fails: the source stopped during the initial copy, the target stopped
 * after the cut-over (the abort makes the shard writable on its source again, drops the slot, and
 * finishes once the target answers), and a source without logical WAL (freeze mode).
 */
class ShardFaultTest {
  ShardFixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new ShardFixture("shard_fault_test");
  }

  ShardMover mover() {
    return new ShardMover(new Connections(fixture.config), MoveProgress.NONE);
  }

  PartitionMover partitions() {
    return new PartitionMover(new Connections(fixture.config), MoveProgress.NONE);
  }

  String unfinished() {
    return fixture.layout.queryString(
        fixture.layout.main(),
        "SELECT id FROM strata.operation WHERE state NOT IN ('done', 'aborted')");
  }

  @Test
  void aSourceStoppedDuringTheInitialCopyEndsTheMoveAndARerunConverges() {
    String before = fixture.fingerprint();
    LocalServer source = fixture.layout.archiveA();
    AtomicBoolean stopped = new AtomicBoolean();
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("shard_move.copying") && stopped.compareAndSet(false, true)) {
                source.stop();
              }
            });
    try {
      assertThatThrownBy(() -> mover().move(ShardFixture.TABLE, ShardFixture.shard(0), "archive_b"))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("archive_a");
    } finally {
      observation.close();
      if (stopped.get()) {
        source.start();
      }
    }
    assertThat(stopped.get()).isTrue();
    assertThat(fixture.serverOf(ShardFixture.shard(0))).isEqualTo("archive_a");
    mover().move(ShardFixture.TABLE, ShardFixture.shard(0), "archive_b");
    assertThat(fixture.serverOf(ShardFixture.shard(0))).isEqualTo("archive_b");
    assertThat(fixture.fingerprint()).isEqualTo(before);
    assertThat(fixture.leftovers()).isEmpty();
  }

  String shardFingerprint(QualifiedName shard) {
    return fixture.layout.queryString(
        fixture.layout.main(),
        "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM "
            + shard.quoted()
            + " t");
  }

  @Test
  void aTargetStoppedAfterTheCutOverIsAbortedSourceFirst() {
    String before = fixture.fingerprint();
    String shardBefore = shardFingerprint(ShardFixture.shard(2));
    LocalServer target = fixture.layout.archiveB();
    AtomicBoolean stopped = new AtomicBoolean();
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("shard_move.after_cutover") && stopped.compareAndSet(false, true)) {
                target.stop();
              }
            });
    try {
      assertThatThrownBy(() -> mover().move(ShardFixture.TABLE, ShardFixture.shard(2), "archive_b"))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("archive_b");
      // The source is retired behind its view: reads go on, writes are refused with 40001.
      assertThat(shardFingerprint(ShardFixture.shard(2))).isEqualTo(shardBefore);
      assertThatThrownBy(
              () ->
                  fixture.layout.sql(
                      fixture.layout.main(),
                      "INSERT INTO temperatures_shard_2_of_4 SELECT 900000, '2025-01-01', city, 1"
                          + " FROM temperatures_shard_2_of_4 LIMIT 1"))
          .hasMessageContaining("has moved to server archive_b")
          .hasMessageContaining("retry the transaction");
      long id = Long.parseLong(unfinished());
      // The abort restores the source and drops its slot, then stops at the silent target.
      assertThatThrownBy(() -> partitions().abort(id)).isInstanceOf(StrataException.class);
      assertThat(
              fixture.layout.queryString(
                  fixture.layout.archiveA(), "SELECT count(*) FROM pg_replication_slots"))
          .isEqualTo("0");
      // Writable on its source again, while the target is still down.
      fixture.layout.sql(
          fixture.layout.main(),
          "INSERT INTO temperatures_shard_2_of_4 SELECT 900000, '2025-01-01', city, 1"
              + " FROM temperatures_shard_2_of_4 LIMIT 1",
          "DELETE FROM temperatures_shard_2_of_4 WHERE id = 900000");
    } finally {
      observation.close();
      if (stopped.get()) {
        target.start();
      }
    }
    long id = Long.parseLong(unfinished());
    assertThat(partitions().abort(id).state().label()).isEqualTo("aborted");
    assertThat(fixture.serverOf(ShardFixture.shard(2))).isEqualTo("archive_a");
    assertThat(fixture.fingerprint()).isEqualTo(before);
    assertThat(fixture.leftovers()).isEmpty();
    assertThat(
            fixture.layout.queryString(
                fixture.layout.archiveB(), "SELECT to_regclass('temperatures_shard_2_of_4')::text"))
        .isNull();
  }

  @Test
  void aSourceWithoutLogicalWalMovesInFreezeMode() {
    LocalServer plain = plainServer();
    String url = "postgresql://127.0.0.1:" + plain.port() + "/" + fixture.layout.database;
    var config =
        dev.strata.support.TestLayout.config(
            fixture.layout.yaml(
                "  plain:\n    url: "
                    + url
                    + "\n    user: postgres\n"
                    + "tables:\n  temperatures:\n    shard_by: {column: city, method: hash,"
                    + " shards: 4}\n    shards_on: [archive_a, archive_b, plain]\n"),
            java.util.Map.of());
    new dev.strata.plan.LifecycleExecutor(new Connections(config), MoveProgress.NONE)
        .apply(ShardFixture.NOW, java.util.Set.of("server"), plan -> {}, action -> {});
    String before = fixture.fingerprint();
    ShardMover mover = new ShardMover(new Connections(config), MoveProgress.NONE);
    QualifiedName shard = ShardFixture.shard(1);
    mover.move(ShardFixture.TABLE, shard, "plain");
    assertThat(
            String.join(
                "\n",
                mover.planMove(ShardFixture.TABLE, shard, "archive_a").stream()
                    .map(PartitionMover.PlannedStep::step)
                    .toList()))
        .contains("copy (freeze mode: the source has no logical WAL)");
    mover.move(ShardFixture.TABLE, shard, "archive_a");
    assertThat(fixture.serverOf(shard)).isEqualTo("archive_a");
    assertThat(fixture.fingerprint()).isEqualTo(before);
    assertThat(fixture.leftovers()).isEmpty();
    assertThat(
            fixture.layout.queryString(
                plain, "SELECT count(*) FROM pg_class WHERE relname LIKE '%shard_1%'"))
        .isEqualTo("0");
  }

  /** A server with wal_level = replica, in this test's database. */
  LocalServer plainServer() {
    var servers = fixture.layout.servers;
    LocalServer plain =
        servers.names().contains("plain")
            ? servers.server("plain")
            : servers.add(
                ServerSpec.of("plain", "plaindb")
                    .with("wal_level", "replica")
                    .withPostgresVersion(SharedServers.sharedVersion()));
    try (var connection = plain.connect("postgres");
        var statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + fixture.layout.database + " WITH (FORCE)");
      statement.execute("CREATE DATABASE " + fixture.layout.database);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return plain;
  }

  @Test
  void doctorReportsReplicationObjectsOfShardMovesThatAreNotRunning() {
    String tag;
    try (var coordinator =
        new dev.strata.connect.Database(
            "coordinator", new Connections(fixture.config).coordinator())) {
      tag = ShardMover.installationTag(coordinator);
    }
    String ours = "strata_shard_" + tag + "_4242";
    // Another coordinator's move on the same server is none of this one's business.
    String theirs = "strata_shard_" + (tag.equals("00000000") ? "11111111" : "00000000") + "_4242";
    fixture.layout.sql(
        fixture.layout.archiveA(),
        "CREATE PUBLICATION " + ours + " FOR TABLE temperatures_shard_0_of_4",
        "SELECT pg_create_logical_replication_slot('" + ours + "', 'pgoutput')",
        "CREATE PUBLICATION " + theirs + " FOR TABLE temperatures_shard_0_of_4");
    try {
      var report =
          new dev.strata.health.Doctor(
                  new Connections(fixture.config), dev.strata.health.DoctorOptions.DEFAULTS)
              .run();
      var found = report.of(dev.strata.health.Check.ORPHAN_REPLICATION);
      assertThat(found)
          .filteredOn(r -> r.subject().equals("archive_a"))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.status()).isEqualTo(dev.strata.health.CheckStatus.WARN);
                assertThat(r.evidence())
                    .contains("publication " + ours)
                    .contains("slot " + ours)
                    .doesNotContain(theirs);
                assertThat(r.fix().orElseThrow())
                    .contains("DROP PUBLICATION \"" + ours + "\"")
                    .contains("pg_drop_replication_slot('" + ours + "')");
              });
      assertThat(found)
          .filteredOn(r -> r.subject().equals("archive_b"))
          .singleElement()
          .satisfies(r -> assertThat(r.status()).isEqualTo(dev.strata.health.CheckStatus.OK));
    } finally {
      fixture.layout.sql(
          fixture.layout.archiveA(),
          "DROP PUBLICATION " + ours,
          "DROP PUBLICATION " + theirs,
          "SELECT pg_drop_replication_slot('" + ours + "')");
    }
  }
}
