package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every command's {@code --json} document against the shape docs/json.md documents for it, parsed
 * from its tables: each command with {@code --json} runs (against one set of embedded servers, in
 * one sequence that also reaches its dry run, its "nothing to do" and its error document), and
 * every document must have exactly the documented fields with the documented types. Every
 * documented field must have been shown by some run, so the documentation cannot keep a field the
 * code dropped. Each document is also written to target/json-shapes/ for reading.
 */
class JsonShapesTest {
  static final String DATABASE = "json_shapes_test";
  static final String NOW = "2026-02-01";

  @TempDir Path directory;
  Path config;
  JsonShapes shapes;
  final List<String> problems = new ArrayList<>();
  final Set<String> commandsRun = new TreeSet<>();

  static Path docs() {
    Path directory = Path.of("").toAbsolutePath();
    while (directory != null && !Files.exists(directory.resolve("docs/json.md"))) {
      directory = directory.getParent();
    }
    assertThat(directory).as("docs/json.md above the working directory").isNotNull();
    return directory.resolve("docs/json.md");
  }

  @Test
  void everyCommandPrintsTheDocumentedShape() throws Exception {
    shapes = JsonShapes.read(docs());
    LocalServer main = SharedServers.get().server(SharedServers.MAIN);
    LocalServer archiveA = SharedServers.get().server(SharedServers.ARCHIVE_A);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_B, DATABASE);
    sql(
        archiveA,
        "CREATE TABLE emp_2018 (id int NOT NULL, time timestamp NOT NULL)",
        "INSERT INTO emp_2018 VALUES (1, '2018-05-05'), (2, '2018-06-06')");
    sql(
        main,
        "CREATE TABLE emp (id int NOT NULL, time timestamp NOT NULL) PARTITION BY RANGE (time)",
        "CREATE TABLE emp_2019 PARTITION OF emp FOR VALUES FROM ('2019-01-01') TO ('2020-01-01')",
        "CREATE TABLE emp_2020 PARTITION OF emp FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
        "INSERT INTO emp SELECT g, timestamp '2019-01-01' + g * interval '1 hour'"
            + " FROM generate_series(1, 12000) g",
        "CREATE TABLE logs (id int NOT NULL, time timestamp NOT NULL) PARTITION BY RANGE (time)",
        "CREATE TABLE logs_2019 PARTITION OF logs FOR VALUES FROM ('2019-01-01') TO"
            + " ('2020-01-01')",
        "CREATE TABLE logs_2025 PARTITION OF logs FOR VALUES FROM ('2025-01-01') TO"
            + " ('2026-01-01')",
        "INSERT INTO logs SELECT g, timestamp '2019-01-01' + g * interval '1 day'"
            + " FROM generate_series(1, 100) g",
        "CREATE TABLE temperatures (reading_date date NOT NULL, city text NOT NULL, temp numeric)"
            + " PARTITION BY HASH (city)");
    Path exports = Files.createDirectories(directory.resolve("exports"));
    config = writeConfig(main, exports, "[archive_a]");

    json("validate", 0, "validate");
    Path bad = directory.resolve("bad.yaml");
    Files.writeString(bad, "coordinator: { url: nowhere }\nservrs: {}\n");
    json("validate", 2, "validate", "-c", bad.toString());
    json("config show", 0, "config", "show");
    json("config show", 0, "config", "show", "--origins");
    json("plan", 0, "plan", "--sql", "--now", NOW, "--out", directory.resolve("p.plan").toString());
    json("apply", 0, "apply", "--dry-run", "--now", NOW);
    json("apply", 0, "apply", "--yes", "--now", NOW);
    sql(
        main,
        "INSERT INTO temperatures SELECT date '2024-01-01', 'city_' || (g % 23), g % 40"
            + " FROM generate_series(1, 500) g");
    json("status", 0, "status", "--exact");

    String[] attach = {
      "attach",
      "emp",
      "--server",
      "archive_a",
      "--remote-table",
      "emp_2018",
      "--from",
      "2018-01-01",
      "--to",
      "2019-01-01"
    };
    json("attach", 0, append(attach, "--dry-run"));
    json("attach", 0, attach);
    String[] create = {"partition", "create", "emp", "--from", "2030-01-01", "--to", "2031-01-01"};
    json("partition create", 0, append(create, "--dry-run"));
    json("partition create", 0, create);

    String[] archive = {"archive", "emp", "emp_2019", "--to", "archive_a"};
    dryRun("archive", append(archive, "--dry-run"));
    json("archive", 0, archive);
    json("archive", 0, archive);
    dryRun("archive", append(archive, "--dry-run"));
    json("verify", 0, "verify", "emp");
    String[] move = {"move", "emp", "emp_2019", "--to", "archive_b"};
    dryRun("move", append(move, "--dry-run"));
    json("move", 0, move);
    dryRun("drain", "drain", "archive_b", "--to", "archive_a", "--dry-run");
    json("drain", 0, "drain", "archive_b", "--to", "archive_a");
    dryRun("restore", "restore", "emp", "emp_2019", "--dry-run");
    json("restore", 0, "restore", "emp", "emp_2019");

    // An archive halted after its copy: resumed; another halted: aborted.
    assertThat(
            HaltingRun.run(
                config,
                directory,
                "archive.after_copy=halt",
                "archive",
                "emp",
                "emp_2020",
                "--to",
                "archive_a"))
        .isEqualTo(137);
    dryRun("resume", "resume", "--dry-run");
    json("operations", 0, "operations", "--all");
    json("resume", 0, "resume");
    json("resume", 0, "resume");
    assertThat(
            HaltingRun.run(
                config,
                directory,
                "archive.after_copy=halt",
                "archive",
                "emp",
                "emp_2030",
                "--to",
                "archive_a"))
        .isEqualTo(137);
    long unfinished =
        run("operations").path("operations").findValues("id").stream()
            .mapToLong(JsonNode::asLong)
            .max()
            .orElseThrow();
    dryRun("abort", "abort", Long.toString(unfinished), "--dry-run");
    json("abort", 0, "abort", Long.toString(unfinished));

    dryRun("analyze", "analyze", "--dry-run");
    json("analyze", 0, "analyze");
    json("explain", 0, "explain", "SELECT time, count(*) FROM emp GROUP BY time");
    json("explain", 0, "explain", "--analyze", "SELECT count(*) FROM emp WHERE id < 100");
    // Warnings or failures, as this test's servers have them: the shape is what matters here.
    json("doctor", -1, "doctor", "--now", NOW);
    json("grants", 0, "grants");

    sql(
        main,
        "CREATE TABLE orders (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL)",
        "INSERT INTO orders (created_at) SELECT timestamptz '2025-01-01' + g * interval '1 day'"
            + " FROM generate_series(1, 200) g");
    String[] adopt = {
      "adopt", "orders", "--by", "created_at", "--interval", "1 month", "--keys", "per-partition"
    };
    dryRun("adopt", append(adopt, "--dry-run"));
    json("adopt", 0, adopt);
    error("adopt", 2, "usage", "adopt", "orders", "--drop-old");

    dryRun("mirror refresh", "mirror", "refresh", "--dry-run");
    json("mirror refresh", 0, "mirror", "refresh", "--verify");
    json("mirror status", 0, "mirror", "status");
    json("mirror verify", 0, "mirror", "verify", "ref.emp_2018");

    Path manifest;
    try (var files = Files.list(exports)) {
      manifest = files.filter(f -> f.toString().endsWith(".manifest.json")).findFirst().get();
    }
    dryRun("import", "import", manifest.toString(), "--dry-run");
    json("import", 0, "import", manifest.toString());

    String[] split = {"shard", "split", "temperatures", "temperatures_shard_1_of_2"};
    dryRun("shard split", append(split, "--dry-run"));
    json("shard split", 0, split);
    config = writeConfig(main, exports, "[archive_a, archive_b]");
    json("rebalance", 0, "rebalance", "temperatures", "--by", "count", "--dry-run");
    json("rebalance", 0, "rebalance", "temperatures", "--by", "count");

    error("archive", 2, "invalid_target", "archive", "emp", "emp_1999", "--to", "archive_a");
    error("status", 2, "usage", "status", "--no-such-flag");
    error("mirror verify", 2, "usage", "mirror", "verify", "ref.nope");

    assertThat(problems).as("documents that differ from docs/json.md").isEmpty();
    Set<String> withJson = new TreeSet<>();
    commandsWithJson(new CommandLine(new StrataCli(Map.of())), withJson);
    assertThat(commandsRun).as("every command with --json ran").containsAll(withJson);
    assertThat(shapes.commands.keySet())
        .as("docs/json.md documents exactly the commands with --json")
        .containsExactlyInAnyOrderElementsOf(withJson);
    assertThat(shapes.unseen()).as("documented fields no document showed").isEmpty();
  }

  /** The checker finds an undocumented field, a missing one and a wrong type. */
  @Test
  void theCheckerFailsOnAnyDifference() throws Exception {
    shapes = JsonShapes.read(docs());
    JsonNode good =
        Json.mapper()
            .readTree(
                "{\"schema_version\":1,\"command\":\"grants\",\"applied\":false,\"servers\":"
                    + "[{\"server\":\"coordinator\",\"sql\":[\"GRANT ...\"],\"notes\":[]}]}");
    assertThat(shapes.check("grants", good)).isEmpty();
    JsonNode extra = good.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) extra.at("/servers/0")).put("role", "x");
    assertThat(shapes.check("grants", extra))
        .containsExactly("grants: servers[].role is not documented");
    JsonNode missing = good.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) missing).remove("applied");
    assertThat(shapes.check("grants", missing))
        .containsExactly("grants: applied is documented but missing");
    JsonNode retyped = good.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) retyped).put("applied", "no");
    assertThat(shapes.check("grants", retyped)).singleElement().asString().contains("applied");
    JsonNode nulled = good.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) nulled.at("/servers/0")).putNull("server");
    assertThat(shapes.check("grants", nulled)).singleElement().asString().contains("is null");
  }

  // ---------------------------------------------------------------------------------------------

  private Path writeConfig(LocalServer main, Path exports, String shardsOn) throws Exception {
    var servers = SharedServers.get();
    Path file = directory.resolve("strata.yaml");
    Files.writeString(
        file,
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
            + "  public.emp:\n"
            + "    partition_by: { column: time, interval: 1 year }\n"
            + "  public.logs:\n"
            + "    partition_by: { column: time, interval: 1 year }\n"
            + "    hot: 1 year\n"
            + "    archive_to: archive_b\n"
            + "    retention: 3 years\n"
            + "    export_before_retire: "
            + exports
            + "\n"
            + "  public.temperatures:\n"
            + "    shard_by: { column: city, method: hash, shards: 2 }\n"
            + "    shards_on: "
            + shardsOn
            + "\n"
            + "mirrors:\n"
            + "  ref.emp_2018: { from: archive_a, table: emp_2018, refresh: 1 h }\n",
        StandardCharsets.UTF_8);
    return file;
  }

  /** Runs a command with --json, expects the exit code, and checks the document. */
  private JsonNode json(String command, int exitCode, String... args) throws Exception {
    JsonNode document = runChecked(command, exitCode, args);
    problems.addAll(shapes.check(command, document));
    commandsRun.add(command);
    return document;
  }

  private void dryRun(String command, String... args) throws Exception {
    JsonNode document = runChecked(command, 0, args);
    problems.addAll(shapes.checkShape("dry run", command, document));
    commandsRun.add(command);
  }

  private void error(String command, int exitCode, String code, String... args) throws Exception {
    JsonNode document = runChecked(command, exitCode, args);
    problems.addAll(shapes.checkShape("error", command, document));
    assertThat(document.at("/error/code").asText()).isEqualTo(code);
  }

  private JsonNode run(String... args) throws Exception {
    return runChecked(args[0], 0, args);
  }

  private JsonNode runChecked(String command, int exitCode, String... args) throws Exception {
    String[] all =
        List.of(args).contains("-c")
            ? append(args, "--json")
            : append(append(args, "--json", "-c"), config.toString());
    CliRun run = CliRun.run(Map.of(), all);
    Path out = Path.of("target", "json-shapes");
    Files.createDirectories(out);
    Files.writeString(
        out.resolve(String.join("_", args).replaceAll("[^A-Za-z0-9_.-]", "") + ".json"),
        run.out(),
        StandardCharsets.UTF_8);
    if (exitCode >= 0) {
      assertThat(run.exitCode()).as(String.join(" ", args) + "\n" + run).isEqualTo(exitCode);
    }
    assertThat(run.err()).as(String.join(" ", args) + ": standard error").isEmpty();
    return CommandLineTest.parse(run.out());
  }

  private static void commandsWithJson(CommandLine commandLine, Set<String> names) {
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      if (sub.getCommandSpec().optionsMap().containsKey("--json")) {
        names.add(Json.commandName(sub.getCommandSpec()));
      }
      commandsWithJson(sub, names);
    }
  }

  private static String[] append(String[] args, String... more) {
    String[] all = new String[args.length + more.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }

  private static void sql(LocalServer server, String... statements) throws SQLException {
    try (var connection = server.connect(DATABASE);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }
}
