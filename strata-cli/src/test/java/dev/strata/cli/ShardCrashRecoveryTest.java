package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shard moves halted at every failpoint (a separate JVM, stopped like kill -9), then the same
 * command run again, or {@code strata abort}: the same rows by count and checksum, every hash value
 * covered by exactly one shard, the journal terminal, and no publication, subscription, replication
 * slot, retired table or stray shard left on any server.
 */
@Tag("slow")
class ShardCrashRecoveryTest {
  static final String DATABASE = "shard_crash_test";
  @TempDir static Path scratch;
  static Path config;
  static LocalServer main;
  static List<LocalServer> shardServers;

  @BeforeAll
  static void setUp() throws Exception {
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    shardServers =
        List.of(servers.server(SharedServers.ARCHIVE_A), servers.server(SharedServers.ARCHIVE_B));
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_B, DATABASE);
    sql(
        main,
        "CREATE TABLE temperatures (id bigint NOT NULL, reading_date date NOT NULL, city text NOT"
            + " NULL, temp numeric) PARTITION BY HASH (city)");
    config = Files.createTempFile(scratch, "shard-crash", ".yaml");
    Files.writeString(
        config,
        "coordinator: { url: \"postgresql://127.0.0.1:"
            + main.port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n"
            + "servers:\n"
            + "  archive_a: { url: \"postgresql://127.0.0.1:"
            + shardServers.get(0).port()
            + "/"
            + DATABASE
            + "\", user: postgres, fdw: { batch_size: 1000 } }\n"
            + "  archive_b: { url: \"postgresql://127.0.0.1:"
            + shardServers.get(1).port()
            + "/"
            + DATABASE
            + "\", user: postgres, fdw: { batch_size: 1000 } }\n"
            + "tables:\n"
            + "  temperatures:\n"
            + "    shard_by: { column: city, method: hash, shards: 4 }\n"
            + "    shards_on: [archive_a, archive_b]\n",
        StandardCharsets.UTF_8);
    CliRun apply = CliRun.run(Map.of(), "apply", "-c", config.toString());
    assertThat(apply.exitCode()).as(apply.toString()).isZero();
    sql(
        main,
        "INSERT INTO temperatures SELECT g, date '2024-01-01' + (g % 365), 'city_' || (g % 301),"
            + " (g % 40)::numeric FROM generate_series(1, 8000) g");
  }

  static void sql(LocalServer server, String... statements) throws SQLException {
    try (var connection = server.connect(DATABASE);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  static String query(LocalServer server, String sql) throws SQLException {
    try (var connection = server.connect(DATABASE);
        var statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  static String fingerprint() throws SQLException {
    return query(
        main, "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM temperatures t");
  }

  static String serverOf(String shard) throws SQLException {
    return query(
        main,
        "SELECT s.srvname FROM pg_foreign_table f JOIN pg_foreign_server s ON s.oid = f.ftserver"
            + " WHERE f.ftrelid = 'public."
            + shard
            + "'::regclass");
  }

  static String otherServer(String server) {
    return server.equals("archive_a") ? "archive_b" : "archive_a";
  }

  static String[] withConfig(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("-c", config.toString(), "--quiet"));
    return all.toArray(String[]::new);
  }

  /** The layout is exactly right: rows, coverage, placement, journal, no leftovers anywhere. */
  static void assertConverged(String before, String shard, String server) throws SQLException {
    assertThat(fingerprint()).as("rows through the parent").isEqualTo(before);
    assertThat(serverOf(shard)).isEqualTo(server);
    assertCoveredOnce();
    assertThat(
            query(
                main,
                "SELECT count(*) FROM strata.operation WHERE state NOT IN ('done', 'aborted')"))
        .isEqualTo("0");
    assertThat(
            query(
                main,
                "SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_s%\\_in' OR relname LIKE '%\\_s%\\_old'"))
        .as("no staging or detached table on the coordinator")
        .isEqualTo("0");
    for (LocalServer each : shardServers) {
      assertThat(
              query(
                  each,
                  "SELECT concat_ws(',', (SELECT string_agg('publication ' || pubname, ',') FROM"
                      + " pg_publication), (SELECT string_agg('subscription ' || subname, ',')"
                      + " FROM pg_subscription), (SELECT string_agg('slot ' || slot_name, ',')"
                      + " FROM pg_replication_slots), (SELECT string_agg('relation ' || relname,"
                      + " ',') FROM pg_class WHERE relname LIKE '%moved%' OR relname LIKE"
                      + " 'strata%'))"))
          .as("leftovers on " + each.name())
          .isEmpty();
      boolean holds = each.name().equals(server(serverOf(shard)).name());
      assertThat(query(each, "SELECT count(*) FROM pg_class WHERE relname = '" + shard + "'"))
          .as(shard + " on " + each.name())
          .isEqualTo(holds ? "1" : "0");
    }
  }

  /** No publication, slot, retired table or table of halves in the making on any server. */
  static void assertNoLeftovers() throws SQLException {
    for (LocalServer each : shardServers) {
      assertThat(
              query(
                  each,
                  "SELECT concat_ws(',', (SELECT string_agg(pubname, ',') FROM pg_publication),"
                      + " (SELECT string_agg(slot_name, ',') FROM pg_replication_slots WHERE"
                      + " database = current_database()), (SELECT string_agg(relname, ',') FROM"
                      + " pg_class WHERE relname LIKE '%moved%' OR relname LIKE '%split%'))"))
          .as("leftovers on " + each.name())
          .isEmpty();
    }
  }

  /** Every hash value of the table has exactly one shard (moduli may differ after splits). */
  static void assertCoveredOnce() throws SQLException {
    String bounds =
        query(
            main,
            "SELECT string_agg(pg_get_expr(c.relpartbound, c.oid), ';') FROM pg_inherits i JOIN"
                + " pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'temperatures'::regclass");
    List<int[]> shards = new ArrayList<>();
    var matcher =
        java.util.regex.Pattern.compile("modulus (\\d+), remainder (\\d+)").matcher(bounds);
    int largest = 1;
    while (matcher.find()) {
      int[] shard = {Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))};
      shards.add(shard);
      largest = Math.max(largest, shard[0]);
    }
    for (int residue = 0; residue < largest; residue++) {
      int value = residue;
      assertThat(shards.stream().filter(s -> value % s[0] == s[1]).count())
          .as("shards covering hash remainder " + residue + " of " + largest + ": " + bounds)
          .isEqualTo(1);
    }
  }

  static LocalServer server(String name) {
    return name.equals("archive_a") ? shardServers.get(0) : shardServers.get(1);
  }

  @ParameterizedTest(name = "shard move halted at {0}, then run again")
  @ValueSource(
      strings = {
        "shard_move.after_intent=halt",
        "shard_move.after_target=halt",
        "shard_move.after_copy=halt",
        "shard_move.before_retire=halt",
        "shard_move.before_cutover_commit=halt",
        "shard_move.after_cutover=halt",
        "shard_move.before_swap_commit=halt",
        "shard_move.after_swap=halt",
        "shard_move.after_cleanup=halt"
      })
  void aShardMoveConvergesAfterAHalt(String failpoint) throws Exception {
    String shard = "temperatures_shard_1_of_4";
    String before = fingerprint();
    String to = otherServer(serverOf(shard));
    String[] command = {"move", "temperatures", shard, "--to", to};
    assertThat(HaltingRun.run(config, scratch, failpoint, command)).isEqualTo(137);
    CliRun rerun = CliRun.run(Map.of(), withConfig(command));
    assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
    assertConverged(before, shard, to);
  }

  @ParameterizedTest(name = "shard move halted at {0}, then aborted")
  @ValueSource(
      strings = {
        "shard_move.after_target=halt",
        "shard_move.after_copy=halt",
        "shard_move.before_cutover_commit=halt",
        "shard_move.after_cutover=halt",
        "shard_move.before_swap_commit=halt"
      })
  void anAbortedShardMoveLeavesTheShardWhereItWas(String failpoint) throws Exception {
    String shard = "temperatures_shard_2_of_4";
    String before = fingerprint();
    String from = serverOf(shard);
    String[] command = {"move", "temperatures", shard, "--to", otherServer(from)};
    assertThat(HaltingRun.run(config, scratch, failpoint, command)).isEqualTo(137);
    String id =
        query(main, "SELECT id FROM strata.operation WHERE state NOT IN ('done', 'aborted')");
    CliRun abort = CliRun.run(Map.of(), "abort", id, "-c", config.toString());
    assertThat(abort.exitCode()).as(abort.toString()).isZero();
    assertConverged(before, shard, from);
    // Writable again on its server.
    sql(
        main,
        "INSERT INTO temperatures SELECT 99000000 + g, '2024-01-01', c, 1 FROM"
            + " (SELECT 'city_' || g AS c, g FROM generate_series(0, 300) g) s"
            + " WHERE satisfies_hash_partition('temperatures'::regclass, 4, 2, c) LIMIT 1");
    sql(main, "DELETE FROM temperatures WHERE id > 99000000");
  }

  @ParameterizedTest(name = "shard split halted at {0}, then run again")
  @ValueSource(
      strings = {
        "shard_split.after_intent=halt",
        "shard_split.after_target=halt",
        "shard_split.after_copy=halt",
        "shard_split.before_cutover_commit=halt",
        "shard_split.after_cutover=halt",
        "shard_split.before_swap_commit=halt",
        "shard_split.after_swap=halt"
      })
  void aShardSplitConvergesAfterAHalt(String failpoint) throws Exception {
    // Each case splits the shard of the smallest modulus left (shard 3 first: 1 and 2 are
    // the move cases' own), onto the other server.
    String shard =
        query(
            main,
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE"
                + " i.inhparent = 'temperatures'::regclass AND c.relname NOT IN"
                + " ('temperatures_shard_1_of_4', 'temperatures_shard_2_of_4') ORDER BY"
                + " (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'modulus (\\d+)'))[1]::int"
                + " DESC, c.relname LIMIT 1");
    String before = fingerprint();
    String to = otherServer(serverOf(shard));
    String[] command = {"shard", "split", "temperatures", shard, "--to", to};
    assertThat(HaltingRun.run(config, scratch, failpoint, command)).isEqualTo(137);
    CliRun rerun = CliRun.run(Map.of(), withConfig(command));
    assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
    assertThat(fingerprint()).isEqualTo(before);
    assertCoveredOnce();
    assertThat(query(main, "SELECT coalesce(to_regclass('public." + shard + "')::text, '')"))
        .isEmpty();
    assertThat(
            query(
                main,
                "SELECT count(*) FROM strata.operation WHERE state NOT IN ('done', 'aborted')"))
        .isEqualTo("0");
    assertNoLeftovers();
  }

  @ParameterizedTest(name = "rebalance halted at {0}, then run again")
  @ValueSource(
      strings = {
        "shard_move.after_copy=halt",
        "shard_move.before_cutover_commit=halt",
        "shard_move.before_swap_commit=halt"
      })
  void aRebalanceConvergesAfterAHalt(String failpoint) throws Exception {
    // Everything onto one server, then back: each rebalance has moves to halt in.
    for (String onto : List.of("[archive_a]", "[archive_a, archive_b]")) {
      Path narrowed = Files.createTempFile(scratch, "shard-rebalance", ".yaml");
      Files.writeString(
          narrowed,
          Files.readString(config)
              .replace("shards_on: [archive_a, archive_b]", "shards_on: " + onto),
          StandardCharsets.UTF_8);
      String before = fingerprint();
      assertThat(
              HaltingRun.run(
                  narrowed, scratch, failpoint, "rebalance", "temperatures", "--by", "count"))
          .isEqualTo(137);
      CliRun rerun =
          CliRun.run(
              Map.of(),
              "rebalance",
              "temperatures",
              "--by",
              "count",
              "-c",
              narrowed.toString(),
              "--quiet");
      assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
      assertThat(fingerprint()).isEqualTo(before);
      assertCoveredOnce();
      CliRun again =
          CliRun.run(
              Map.of(), "rebalance", "temperatures", "--by", "count", "-c", narrowed.toString());
      assertThat(again.out()).contains("nothing to move");
      assertThat(
              query(
                  main,
                  "SELECT count(*) FROM strata.operation WHERE state NOT IN ('done', 'aborted')"))
          .isEqualTo("0");
      assertNoLeftovers();
    }
  }
}
