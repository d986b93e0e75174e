package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharding on the command line: apply creates the shards, {@code shard split}, {@code rebalance}
 * onto a server added to shards_on, {@code drain} of a server taken out, each with its dry run, and
 * the rows the same through the parent after every step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardCommandTest {
  static final String DATABASE = "shard_command_test";
  @TempDir static Path directory;
  static Path config;
  static LocalServer main;
  static String before;

  @BeforeAll
  static void setUp() throws Exception {
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_B, DATABASE);
    sql(
        "CREATE TABLE temperatures (reading_date date NOT NULL, city text NOT NULL, temp numeric)"
            + " PARTITION BY HASH (city)");
    writeConfig("[archive_a]");
    CliRun apply = strata("apply", "--yes");
    assertThat(apply.exitCode()).as(apply.toString()).isZero();
    sql(
        "INSERT INTO temperatures SELECT date '2024-01-01' + (g % 365), 'city_' || (g % 97), g % 40"
            + " FROM generate_series(1, 4000) g");
    before = fingerprint();
  }

  static void writeConfig(String shardsOn) throws Exception {
    var servers = SharedServers.get();
    config = directory.resolve("strata.yaml");
    Files.writeString(
        config,
        "coordinator: { url: \"postgresql://127.0.0.1:"
            + main.port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n"
            + "servers:\n"
            + "  archive_a: { url: \"postgresql://127.0.0.1:"
            + servers.server(SharedServers.ARCHIVE_A).port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n"
            + "  archive_b: { url: \"postgresql://127.0.0.1:"
            + servers.server(SharedServers.ARCHIVE_B).port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n"
            + "tables:\n"
            + "  temperatures:\n"
            + "    shard_by: { column: city, method: hash, shards: 4 }\n"
            + "    shards_on: "
            + shardsOn
            + "\n");
  }

  static CliRun strata(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "-c";
    all[args.length + 1] = config.toString();
    return CliRun.run(java.util.Map.of(), all);
  }

  static void sql(String statement) throws SQLException {
    try (var connection = main.connect(DATABASE);
        var st = connection.createStatement()) {
      st.execute(statement);
    }
  }

  static String query(String sql) throws SQLException {
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  static String fingerprint() throws SQLException {
    return query("SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM temperatures t");
  }

  static String placement() throws SQLException {
    return query(
        "SELECT string_agg(c.relname || '@' || s.srvname, ' ' ORDER BY c.relname) FROM"
            + " pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_foreign_table f ON"
            + " f.ftrelid = c.oid JOIN pg_foreign_server s ON s.oid = f.ftserver WHERE i.inhparent"
            + " = 'temperatures'::regclass");
  }

  @Test
  @Order(1)
  void splitInPlaceWithItsDryRun() throws Exception {
    CliRun dryRun =
        strata("shard", "split", "temperatures", "temperatures_shard_3_of_4", "--dry-run");
    assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
    assertThat(dryRun.out())
        .contains("split public.temperatures_shard_3_of_4 in place: checks passed")
        .contains("cut-over")
        .contains("FOR VALUES WITH (modulus 8, remainder 7)");
    assertThat(placement()).doesNotContain("_of_8");

    CliRun split = strata("shard", "split", "temperatures", "temperatures_shard_3_of_4", "--quiet");
    assertThat(split.exitCode()).as(split.toString()).isZero();
    assertThat(split.out())
        .contains("shard_split of public.temperatures_shard_3_of_4")
        .contains("done");
    assertThat(placement())
        .contains("temperatures_shard_3_of_8@archive_a")
        .contains("temperatures_shard_7_of_8@archive_a")
        .doesNotContain("temperatures_shard_3_of_4");
    assertThat(fingerprint()).isEqualTo(before);

    CliRun listShard =
        strata("shard", "split", "temperatures", "temperatures_shard_3_of_4", "--quiet");
    assertThat(listShard.exitCode()).isEqualTo(2);
    assertThat(listShard.err()).contains("is not a shard of public.temperatures");
  }

  @Test
  @Order(2)
  void rebalanceFillsAServerAddedToShardsOn() throws Exception {
    writeConfig("[archive_a, archive_b]");
    CliRun dryRun = strata("rebalance", "temperatures", "--by", "count", "--dry-run");
    assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
    assertThat(dryRun.out())
        .contains("Rebalance of public.temperatures by count: 2 moves")
        .contains("CREATE SUBSCRIPTION");
    assertThat(placement()).doesNotContain("@archive_b");

    CliRun rebalance = strata("rebalance", "temperatures", "--by", "count", "--quiet");
    assertThat(rebalance.exitCode()).as(rebalance.toString()).isZero();
    assertThat(placement().split("@archive_b", -1)).as("two shards on archive_b").hasSize(3);
    assertThat(fingerprint()).isEqualTo(before);
    CliRun again = strata("rebalance", "temperatures", "--by", "count");
    assertThat(again.out()).contains("nothing to move");

    CliRun bad = strata("rebalance", "temperatures", "--by", "rows");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("--by must be size or count");
  }

  @Test
  @Order(3)
  void drainEmptiesAServerTakenOutOfShardsOn() throws Exception {
    writeConfig("[archive_b]");
    CliRun drain = strata("drain", "archive_a", "--quiet");
    assertThat(drain.exitCode()).as(drain.toString()).isZero();
    assertThat(placement()).doesNotContain("@archive_a");
    assertThat(fingerprint()).isEqualTo(before);
  }
}
