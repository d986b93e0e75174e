package dev.strata.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.PartitionMover;
import dev.strata.operation.ShardMover;
import dev.strata.support.TestLayout;
import dev.strata.testkit.LocalServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hostile checks of shard moves: the source's password, which the subscription needs, never reaches
 * a server log under {@code log_statement = all}, a dry run or an error; and a write that skips
 * triggers cannot get into a retired shard.
 */
class ShardSecretsTest {
  static final String PASSWORD = "shard-Secret-9f3'x\\\\y";

  @Test
  void theSourcePasswordNeverReachesALogOrADryRun() throws Exception {
    ShardFixture fixture = new ShardFixture("shard_secrets_test");
    TestLayout layout = fixture.layout;
    for (LocalServer server : List.of(layout.archiveA(), layout.archiveB())) {
      server.execute(
          "DROP ROLE IF EXISTS shard_admin",
          "CREATE ROLE shard_admin LOGIN SUPERUSER PASSWORD '" + PASSWORD.replace("'", "''") + "'");
    }
    String yaml =
        layout
            .yaml(
                "tables:\n  temperatures:\n    shard_by: {column: city, method: hash, shards: 4}\n"
                    + "    shards_on: [archive_a, archive_b]\n")
            .replace(
                "    user: postgres\n  archive_b:",
                "    user: shard_admin\n    password: ${env:SHARD_PASSWORD}\n  archive_b:");
    StrataConfig config = TestLayout.config(yaml, Map.of("SHARD_PASSWORD", PASSWORD));
    assertThat(config.server("archive_a").connection().user()).isEqualTo("shard_admin");

    String dryRun =
        String.join(
            "\n",
            new ShardMover(new Connections(config), MoveProgress.NONE)
                .planMove(ShardFixture.TABLE, ShardFixture.shard(0), "archive_b").stream()
                    .flatMap(step -> step.lines().stream())
                    .toList());
    assertThat(dryRun).contains("CREATE SUBSCRIPTION").doesNotContain("Secret-9f3");

    List<LocalServer> servers = List.of(layout.main(), layout.archiveA(), layout.archiveB());
    Map<LocalServer, Long> start = new java.util.LinkedHashMap<>();
    for (LocalServer server : servers) {
      start.put(server, Files.size(server.logFile()));
      server.execute(
          "ALTER SYSTEM SET log_statement = 'all'",
          "ALTER SYSTEM SET log_min_duration_statement = 0",
          "SELECT pg_reload_conf()");
    }
    try {
      String before = fixture.fingerprint();
      new ShardMover(new Connections(config), MoveProgress.NONE)
          .move(ShardFixture.TABLE, ShardFixture.shard(0), "archive_b");
      assertThat(fixture.fingerprint()).isEqualTo(before);
      assertThat(fixture.leftovers()).isEmpty();
    } finally {
      for (LocalServer server : servers) {
        server.execute(
            "ALTER SYSTEM RESET log_statement",
            "ALTER SYSTEM RESET log_min_duration_statement",
            "SELECT pg_reload_conf()");
      }
    }
    String targetLog = since(layout.archiveB(), start.get(layout.archiveB()));
    assertThat(targetLog)
        .as("the target logged every statement, the subscription's among them")
        .contains("COPY pg_temp.strata_secret (value) FROM STDIN")
        .contains("CREATE SUBSCRIPTION");
    for (LocalServer server : servers) {
      assertThat(since(server, start.get(server)))
          .as("log of " + server.name())
          .doesNotContain("Secret-9f3");
    }
  }

  @Test
  void aWriteThatSkipsTriggersCannotReachARetiredShard() {
    ShardFixture fixture = new ShardFixture("shard_secrets_test");
    dev.strata.operation.Failpoints.Observation observation =
        dev.strata.operation.Failpoints.observe(
            name -> {
              if (name.equals("shard_move.after_cutover")) {
                throw new IllegalStateException("stopped after the cut-over for the test");
              }
            });
    try {
      assertThatThrownBy(
              () ->
                  new ShardMover(new Connections(fixture.config), MoveProgress.NONE)
                      .move(ShardFixture.TABLE, ShardFixture.shard(3), "archive_a"))
          .hasMessageContaining("stopped after the cut-over");
    } finally {
      observation.close();
    }
    // On the old server the shard's name is a view now; neither a replica-role write nor a write
    // through the server's parent gets a row into the retired copy.
    assertThatThrownBy(
            () ->
                fixture.layout.sql(
                    fixture.layout.archiveB(),
                    "SET session_replication_role = replica",
                    "INSERT INTO temperatures_shard_3_of_4 SELECT * FROM temperatures_shard_3_of_4"
                        + " LIMIT 1"))
        .hasMessageContaining("cannot insert into view");
    assertThatThrownBy(
            () ->
                fixture.layout.sql(
                    fixture.layout.archiveB(),
                    "INSERT INTO temperatures SELECT * FROM temperatures_shard_3_of_4 LIMIT 1"))
        .hasMessageContaining("no partition of relation");
    // The move then finishes, every row in place.
    String id =
        fixture.layout.queryString(
            fixture.layout.main(),
            "SELECT id FROM strata.operation WHERE state NOT IN ('done', 'aborted')");
    new PartitionMover(new Connections(fixture.config), MoveProgress.NONE)
        .resume(Long.parseLong(id));
    assertThat(fixture.serverOf(ShardFixture.shard(3))).isEqualTo("archive_a");
    assertThat(fixture.leftovers()).isEmpty();
  }

  static String since(LocalServer server, long offset) throws java.io.IOException {
    byte[] all = Files.readAllBytes(server.logFile());
    return new String(
        all,
        (int) Math.min(offset, all.length),
        (int) Math.max(0, all.length - offset),
        StandardCharsets.UTF_8);
  }
}
