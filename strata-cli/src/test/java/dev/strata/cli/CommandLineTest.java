package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end against real servers: exit codes, output, and what changed. */
class CommandLineTest {
  static final String DATABASE = "command_line_test";
  static final String PASSWORD = "cli-secret-value-42";
  static final Map<String, String> ENVIRONMENT = Map.of("CLI_TEST_PASSWORD", PASSWORD);

  @TempDir static Path directory;
  static Path config;
  static LocalServer main;
  static LocalServer archive;

  @BeforeAll
  static void setUp() throws Exception {
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    archive = servers.server(SharedServers.ARCHIVE_A);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    archive.execute("DROP ROLE IF EXISTS cli_reader");
    archive.createRole("cli_reader", PASSWORD);
    sql(
        main,
        "CREATE TABLE emp (id int NOT NULL, time timestamp NOT NULL, salary numeric(10,2)) PARTITION BY RANGE (time)");
    sql(
        archive,
        "CREATE TABLE emp_2024 (id int NOT NULL, time timestamp NOT NULL, salary numeric(10,2))",
        "INSERT INTO emp_2024 VALUES (1, '2024-02-02', 10), (2, '2024-03-03', 20)",
        "GRANT SELECT ON emp_2024 TO cli_reader",
        "CREATE TABLE emp_bad (id int NOT NULL, time timestamp NOT NULL, salary numeric(10,2))",
        "INSERT INTO emp_bad VALUES (1, '2020-01-01', 1)");
    config = directory.resolve("strata.yaml");
    Files.writeString(
        config,
        "coordinator:\n"
            + "  url: postgresql://127.0.0.1:"
            + main.port()
            + "/"
            + DATABASE
            + "\n"
            + "  user: postgres\n"
            + "servers:\n"
            + "  archive_2024:\n"
            + "    url: postgresql://127.0.0.1:"
            + archive.port()
            + "/"
            + DATABASE
            + "\n"
            + "    user: postgres\n"
            + "    mapping: { user: cli_reader, password: \"${env:CLI_TEST_PASSWORD}\" }\n"
            + "tables:\n"
            + "  public.emp:\n"
            + "    partition_by: { column: time, interval: 1 year }\n");
  }

  static void sql(LocalServer server, String... statements) throws SQLException {
    sqlIn(server, DATABASE, statements);
  }

  static void sqlIn(LocalServer server, String database, String... statements) throws SQLException {
    try (var connection = server.connect(database);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  static CliRun strata(String... args) {
    return CliRun.run(ENVIRONMENT, args);
  }

  static String[] withConfig(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "-c";
    all[args.length + 1] = config.toString();
    return all;
  }

  @Test
  void versionHelpAndUsageErrors() {
    assertThat(strata("--version").out()).startsWith("strata ");
    CliRun help = strata("--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("demo", "apply", "attach", "status", "Exit codes");
    for (String command : new String[] {"status", "apply", "archive", "plan", "doctor"}) {
      CliRun commandHelp = strata(command, "--help");
      assertThat(commandHelp.exitCode()).as(command).isZero();
      assertThat(commandHelp.out()).as(command).contains("Usage: strata " + command);
    }
    CliRun nestedHelp = strata("partition", "create", "--help");
    assertThat(nestedHelp.exitCode()).isZero();
    CliRun unknown = strata("frobnicate");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("Unmatched argument");
    CliRun missing = strata("attach", "emp");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("Missing required");
  }

  @Test
  void usageErrorsSayErrorAndHintWithoutTheUsage() {
    Map<String[], String> cases = new java.util.LinkedHashMap<>();
    cases.put(
        new String[] {"archive", "emp", "emp_2019"}, "Missing required option: '--to=SERVER'");
    cases.put(
        withConfig("archive", "emp", "emp_2019", "--to", "archive_2024", "--jobs", "0"),
        "--jobs must be between 1 and 64");
    cases.put(
        withConfig("restore", "emp", "emp_2019", "--jobs", "65"),
        "--jobs must be between 1 and 64");
    cases.put(new String[] {"abort", "abc"}, "'abc' is not a long");
    cases.put(withConfig("plan", "--now", "yesterday"), "--now yesterday is not a date or time");
    cases.put(new String[] {"apply", "--only", "bogus"}, "--only bogus is not an action kind");
    cases.put(new String[] {"frobnicate"}, "Unmatched argument at index 0: 'frobnicate'");
    cases.put(new String[] {"status", "--frobnicate"}, "Unknown option: '--frobnicate'");
    cases.put(withConfig("grants", "--read-role", ""), "--read-role '' is not a role name");
    for (var entry : cases.entrySet()) {
      CliRun run = strata(entry.getKey());
      String what = String.join(" ", entry.getKey());
      assertThat(run.exitCode()).as(what).isEqualTo(2);
      assertThat(run.err())
          .as(what)
          .startsWith("error: ")
          .contains(entry.getValue())
          .contains("\nhint: ")
          .contains("--help` shows the usage")
          .doesNotContain("Usage:");
      assertThat(run.err().lines().count()).as(what).isLessThanOrEqualTo(3);
    }
    assertThat(strata("statu").err()).contains("did you mean status");
  }

  @Test
  void configurationErrorsHaveAHintAndNamesFollowOneRule(@TempDir Path scratch) throws Exception {
    Path bad = scratch.resolve("bad.yaml");
    Files.writeString(
        bad,
        Files.readString(config)
            .replace("partition_by: { column: time,", "partition_by: { column: 42,"));
    CliRun validate = strata("validate", "-c", bad.toString());
    assertThat(validate.exitCode()).isEqualTo(2);
    assertThat(validate.err())
        .contains("tables.public.emp.partition_by.column", "is 42, which is not a column name")
        .contains("\nhint: fix each key named above");

    CliRun origins =
        strata(
            withConfig(
                "config",
                "show",
                "--origins",
                "--set",
                "servers.archive_2024.mapping.password=typed-on-the-command-line"));
    assertThat(origins.out())
        .contains("******** (--set)")
        .doesNotContain("typed-on-the-command-line")
        .doesNotContain("(literal)");

    CliRun noSuchPartition = strata(withConfig("verify", "emp", "emp_1066"));
    assertThat(noSuchPartition.exitCode()).isEqualTo(2);
    assertThat(noSuchPartition.err()).contains("error: public.emp_1066 is not a partition of");

    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA IF NOT EXISTS sales");
      statement.execute(
          "CREATE TABLE IF NOT EXISTS sales.orders (id int NOT NULL, time timestamp NOT NULL)"
              + " PARTITION BY RANGE (time)");
    }
    CliRun created =
        strata(
            withConfig(
                "partition",
                "create",
                "sales.orders",
                "--from",
                "2020-01-01",
                "--to",
                "2021-01-01",
                "--name",
                "orders_2020"));
    assertThat(created.exitCode()).as(created.toString()).isZero();
    assertThat(created.out()).contains("sales.orders_2020");
  }

  @Test
  void validateReportsEveryProblemWithExitCode2(@TempDir Path scratch) throws Exception {
    assertThat(strata(withConfig("validate")).exitCode()).isZero();
    Path bad = scratch.resolve("bad.yaml");
    Files.writeString(
        bad,
        "coordinator: { url: postgresql://h/db }\n"
            + "servrs: {}\n"
            + "tables:\n"
            + "  emp:\n"
            + "    partition_by: { column: time, interval: 1 year }\n"
            + "    hot: 1 year\n"
            + "    archive_to: nowhere\n"
            + "    retention: 90\n");
    CliRun run = strata("validate", "-c", bad.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("servrs", "did you mean \"servers\"", "nowhere", "retention");
    assertThat(run.err()).doesNotContain("Exception");
    CliRun json = strata("validate", "--json", "-c", bad.toString());
    assertThat(json.exitCode()).isEqualTo(2);
    JsonNode document = parse(json.out());
    assertThat(document.get("valid").asBoolean()).isFalse();
    assertThat(document.get("problems").size()).isGreaterThanOrEqualTo(3);
    CliRun absent = strata("validate", "-c", scratch.resolve("absent.yaml").toString());
    assertThat(absent.exitCode()).isEqualTo(2);
    assertThat(absent.err()).contains("absent.yaml");
  }

  @Test
  void configShowMasksSecrets() {
    CliRun run = strata(withConfig("config", "show", "--origins"));
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("${env:CLI_TEST_PASSWORD}").doesNotContain(PASSWORD);
    CliRun json = strata(withConfig("config", "show", "--json"));
    assertThat(json.out()).doesNotContain(PASSWORD);
  }

  @Test
  void applyDryRunAttachAndStatus() {
    CliRun dryRun = strata(withConfig("apply", "--dry-run"));
    assertThat(dryRun.exitCode()).isZero();
    assertThat(dryRun.out())
        .contains(
            "CREATE SERVER \"archive_2024\"",
            "COPY pg_temp.strata_secret (value) FROM STDIN;  -- data: ******** (${env:CLI_TEST_PASSWORD})")
        .doesNotContain(PASSWORD);
    CliRun apply = strata(withConfig("apply"));
    assertThat(apply.exitCode()).as(apply.toString()).isZero();
    assertThat(apply.out()).contains("applied: create foreign server archive_2024");
    CliRun again = strata(withConfig("apply"));
    assertThat(again.out()).contains("Nothing to change");

    CliRun refused =
        strata(
            withConfig(
                "attach",
                "emp",
                "--server",
                "archive_2024",
                "--remote-table",
                "emp_bad",
                "--from",
                "2024-01-01",
                "--to",
                "2025-01-01"));
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err())
        .contains(
            "error: remote table public.emp_bad on server archive_2024 holds 1 of its 1 rows outside")
        .contains("hint:");
    assertThat(refused.err()).doesNotContain("at dev.strata");

    CliRun attachDry =
        strata(
            withConfig(
                "attach",
                "emp",
                "--server",
                "archive_2024",
                "--remote-table",
                "emp_2024",
                "--from",
                "2024-01-01",
                "--to",
                "2025-01-01",
                "--dry-run"));
    assertThat(attachDry.out())
        .contains("CREATE FOREIGN TABLE \"public\".\"emp_2024\"", "ATTACH PARTITION");
    CliRun attach =
        strata(
            withConfig(
                "attach",
                "public.emp",
                "--server",
                "archive_2024",
                "--each",
                "emp_2024=2024-01-01,2025-01-01"));
    assertThat(attach.exitCode()).as(attach.toString()).isZero();
    assertThat(attach.out())
        .contains("attached public.emp_2024 -> archive_2024:public.emp_2024", "(2 rows)");
    CliRun create =
        strata(
            withConfig("partition", "create", "emp", "--from", "2025-01-01", "--to", "2026-01-01"));
    assertThat(create.out()).contains("created public.emp_2025");

    CliRun status = strata(withConfig("status", "--exact"));
    assertThat(status.exitCode()).as(status.toString()).isZero();
    assertThat(status.out())
        .contains("public.emp_2024", "archive_2024", "public.emp_2025", "local", "coordinator");
    JsonNode json = parse(strata(withConfig("status", "emp", "--json", "--exact")).out());
    assertThat(json.at("/tables/0/partitions/0/tier").asText()).isEqualTo("archive_2024");
    assertThat(json.at("/tables/0/partitions/0/rows").asLong()).isEqualTo(2);
    assertThat(json.at("/servers/0/reachable").asBoolean()).isTrue();
    assertThat(status.out() + json).doesNotContain(PASSWORD);

    CliRun notPartitioned = strata(withConfig("status", "nope"));
    assertThat(notPartitioned.exitCode()).isEqualTo(2);
    assertThat(notPartitioned.err()).contains("table public.nope does not exist");
    CliRun badName = strata(withConfig("status", "emp; drop table emp"));
    assertThat(badName.exitCode()).isEqualTo(2);
  }

  @Test
  void wrongPasswordsAndUnreachableServersAreClearErrors(@TempDir Path scratch) throws Exception {
    Path wrong = scratch.resolve("wrong.yaml");
    Files.writeString(
        wrong,
        Files.readString(config)
            .replace(
                "    user: postgres\n    mapping",
                "    user: cli_reader\n    password: \"${env:CLI_TEST_PASSWORD}\"\n    mapping"));
    CliRun wrongPassword =
        CliRun.run(
            Map.of("CLI_TEST_PASSWORD", "not-the-password"), "status", "-c", wrong.toString());
    assertThat(wrongPassword.exitCode()).isEqualTo(1);
    assertThat(wrongPassword.out())
        .contains("UNREACHABLE")
        .contains("authentication failed on server archive_2024");
    assertThat(wrongPassword.out() + wrongPassword.err()).doesNotContain("not-the-password");

    Path down = scratch.resolve("down.yaml");
    Files.writeString(down, Files.readString(config).replace(":" + main.port() + "/", ":1/"));
    CliRun unreachable = strata("status", "-c", down.toString());
    assertThat(unreachable.exitCode()).isEqualTo(1);
    assertThat(unreachable.err())
        .contains("error: the coordinator is unreachable: cannot connect to server coordinator");
    CliRun applyDown = strata("apply", "-c", down.toString());
    assertThat(applyDown.exitCode()).isEqualTo(1);
    assertThat(applyDown.err()).contains("hint: check that the server is running");
  }

  /**
   * A database pair of its own, with the same config otherwise, so a test that applies and moves
   * does not depend on the order in which the other tests run.
   */
  static Path isolated(String database) throws Exception {
    SharedServers.freshDatabase(SharedServers.MAIN, database);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, database);
    try (var connection = main.connect(database);
        var statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE emp (id int NOT NULL, time timestamp NOT NULL, salary numeric(10,2))"
              + " PARTITION BY RANGE (time)");
    }
    Path file = directory.resolve(database + ".yaml");
    Files.writeString(
        file, Files.readString(config).replace("/" + DATABASE + "\n", "/" + database + "\n"));
    return file;
  }

  @Test
  void archiveCommandsDryRunMoveListVerifyAndRefuse() throws Exception {
    Path shared = config;
    config = isolated("command_line_archive_test");
    try {
      archiveCommands();
    } finally {
      config = shared;
    }
  }

  private void archiveCommands() throws Exception {
    assertThat(strata(withConfig("apply")).exitCode()).isZero();
    sqlIn(
        main,
        "command_line_archive_test",
        "CREATE TABLE emp_2019 PARTITION OF emp FOR VALUES FROM ('2019-01-01') TO ('2020-01-01')",
        "INSERT INTO emp SELECT g, timestamp '2019-01-01' + g * interval '1 hour', g FROM generate_series(1, 3000) g",
        "CREATE INDEX ON emp_2019 (time)");
    CliRun dryRun =
        strata(withConfig("archive", "emp", "emp_2019", "--to", "archive_2024", "--dry-run"));
    assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
    assertThat(dryRun.out())
        .contains("-- P2 target table\n-- on archive_2024", "CREATE TABLE \"public\".\"emp_2019\"")
        .contains("GRANT SELECT ON TABLE \"public\".\"emp_2019\" TO \"cli_reader\"")
        .contains(
            "strata.refuse_write('1')",
            "FORMAT binary, FREEZE",
            "CREATE INDEX IF NOT EXISTS \"emp_2019_time_idx\" ON \"public\".\"emp_2019\" USING btree")
        .contains("ALTER TABLE \"public\".\"emp\" DETACH PARTITION \"public\".\"emp_2019\"")
        .contains("$1 = '2019-01-01 00:00:00'");
    assertThat(strata(withConfig("operations")).out()).doesNotContain("emp_2019");

    assertThat(
            strata(withConfig("archive", "emp", "emp_2019", "--to", "archive_2024", "--jobs", "0"))
                .exitCode())
        .isEqualTo(2);
    CliRun archived =
        strata(withConfig("archive", "emp", "emp_2019", "--to", "archive_2024", "--json"));
    assertThat(archived.exitCode()).as(archived.toString()).isZero();
    JsonNode result = parse(archived.out());
    assertThat(result.at("/operation/state").asText()).isEqualTo("done");
    assertThat(result.at("/rows_copied").asLong()).isEqualTo(3000);
    long id = result.at("/operation/id").asLong();

    CliRun again = strata(withConfig("archive", "emp", "emp_2019", "--to", "archive_2024"));
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out())
        .contains(
            "public.emp_2019 is already archived on server archive_2024 (operation "
                + id
                + "); nothing to do");
    CliRun againDryRun =
        strata(withConfig("archive", "emp", "emp_2019", "--to", "archive_2024", "--dry-run"));
    assertThat(againDryRun.exitCode()).isZero();
    assertThat(againDryRun.out()).contains("nothing to do");

    JsonNode operations = parse(strata(withConfig("operations", "--json")).out());
    assertThat(operations.findValuesAsText("partition")).contains("public.emp_2019");
    CliRun verify = strata(withConfig("verify", "emp", "emp_2019"));
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.out()).contains("3000 rows", "| ok");
    // A row changed on the server behind the coordinator's back: verify says so, exit 1.
    try (var connection = archive.connect("command_line_archive_test");
        var statement = connection.createStatement()) {
      statement.execute("UPDATE emp_2019 SET salary = -1 WHERE id = 7");
    }
    CliRun mismatch = strata(withConfig("verify", "emp", "emp_2019"));
    assertThat(mismatch.exitCode()).as(mismatch.toString()).isEqualTo(1);
    assertThat(mismatch.out()).contains("MISMATCH: the remote rows differ from what was archived");

    assertThat(strata(withConfig("abort", Long.toString(id))).out()).contains(": done");
    CliRun unknown = strata(withConfig("abort", "999999"));
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("no operation 999999 in the journal");
    assertThat(strata(withConfig("resume")).out()).contains("Nothing to resume.");

    CliRun restoreDryRun = strata(withConfig("restore", "emp", "emp_2019", "--dry-run"));
    assertThat(restoreDryRun.exitCode()).as(restoreDryRun.toString()).isZero();
    assertThat(restoreDryRun.out())
        .contains("-- P3 freeze\n-- on coordinator")
        .contains("ALTER FOREIGN TABLE \"public\".\"emp_2019\" OPTIONS (SET updatable 'false');")
        .contains("ATTACH PARTITION \"public\".\"emp_2019\"");
    assertThat(strata(withConfig("operations", "--json")).out()).doesNotContain("\"restore\"");
    CliRun restored = strata(withConfig("restore", "emp", "emp_2019", "--quiet"));
    assertThat(restored.exitCode()).as(restored.toString()).isZero();
    assertThat(restored.out()).contains("restore of public.emp_2019 to the coordinator: done");
    CliRun restoredAgain = strata(withConfig("restore", "emp", "emp_2019"));
    assertThat(restoredAgain.exitCode()).as(restoredAgain.toString()).isZero();
    assertThat(restoredAgain.out())
        .contains("public.emp_2019 is already local (restored by operation");
  }

  @Test
  void badPoliciesAreRefusedBeforeAnyServerIsTouched(@TempDir Path scratch) throws Exception {
    String base =
        Files.readString(config)
            .replace("    partition_by: { column: time, interval: 1 year }\n", "");
    Map<String, String> policies =
        Map.of(
            "unitless",
                "    partition_by: { column: time, interval: 1 year }\n    hot: 1 year\n    archive_to: archive_2024\n    retention: 90\n",
            "unknown server",
                "    partition_by: { column: time, interval: 1 year }\n    hot: 1 year\n    archive_to: archive_2042\n",
            "retention shorter than hot",
                "    partition_by: { column: time, interval: 1 year }\n    hot: 2 years\n    archive_to: archive_2024\n    retention: 1 year\n");
    String before = partitionsOfEmp();
    for (var policy : policies.entrySet()) {
      Path file = scratch.resolve(policy.getKey().replace(' ', '_') + ".yaml");
      Files.writeString(file, base + policy.getValue());
      for (String command : new String[] {"plan", "apply"}) {
        CliRun run =
            command.equals("apply")
                ? strata(command, "--now", "2030-01-01", "--yes", "-c", file.toString())
                : strata(command, "--now", "2030-01-01", "-c", file.toString());
        assertThat(run.exitCode()).as(policy.getKey() + ": " + run).isEqualTo(2);
        assertThat(run.err()).as(policy.getKey()).contains("tables.public.emp.");
      }
    }
    assertThat(partitionsOfEmp()).isEqualTo(before);
  }

  static String partitionsOfEmp() throws SQLException {
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement();
        var rows =
            statement.executeQuery(
                "SELECT count(*) FROM pg_inherits WHERE inhparent = 'emp'::regclass")) {
      rows.next();
      return rows.getString(1);
    }
  }

  static JsonNode parse(String json) {
    try {
      return Json.mapper().readTree(json);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }
}
