package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata explain} end to end: seed 000's emp, set up with {@code strata apply}, {@code
 * strata attach} and {@code strata partition create}; 2023 on archive_a, 2024 on archive_b, 2025
 * local, 400 rows a year of which 100 in Sales.
 */
class ExplainCommandTest {
  static final String DATABASE = "explain_command_test";

  @TempDir static Path directory;
  static Path config;
  static LocalServer main;

  @BeforeAll
  static void setUp() throws Exception {
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    for (String server :
        List.of(SharedServers.MAIN, SharedServers.ARCHIVE_A, SharedServers.ARCHIVE_B)) {
      SharedServers.freshDatabase(server, DATABASE);
    }
    sql(
        main,
        "CREATE TABLE emp (id int NOT NULL, name text NOT NULL, time timestamp NOT NULL,"
            + " department text, salary numeric(10,2)) PARTITION BY RANGE (time)");
    sql(servers.server(SharedServers.ARCHIVE_A), archiveTable(2023), rows("emp_2023", 2023));
    sql(servers.server(SharedServers.ARCHIVE_B), archiveTable(2024), rows("emp_2024", 2024));
    config = directory.resolve("strata.yaml");
    StringBuilder yaml =
        new StringBuilder("coordinator:\n  url: " + url(main) + "\n  user: postgres\nservers:\n");
    for (String server : List.of(SharedServers.ARCHIVE_A, SharedServers.ARCHIVE_B)) {
      yaml.append("  ")
          .append(server)
          .append(":\n    url: ")
          .append(url(servers.server(server)))
          .append("\n    user: postgres\n");
    }
    yaml.append("tables:\n  public.emp:\n    partition_by: { column: time, interval: 1 year }\n");
    Files.writeString(config, yaml.toString());

    require(strata(withConfig("apply")));
    require(
        strata(
            withConfig(
                "partition", "create", "emp", "--from", "2025-01-01", "--to", "2026-01-01")));
    require(
        strata(
            withConfig(
                "attach",
                "emp",
                "--server",
                "archive_a",
                "--remote-table",
                "emp_2023",
                "--from",
                "2023-01-01",
                "--to",
                "2024-01-01")));
    require(
        strata(
            withConfig(
                "attach",
                "emp",
                "--server",
                "archive_b",
                "--remote-table",
                "emp_2024",
                "--from",
                "2024-01-01",
                "--to",
                "2025-01-01")));
    sql(main, rows("emp", 2025), "ANALYZE emp_2025", "ANALYZE emp_2023", "ANALYZE emp_2024");
  }

  static String url(LocalServer server) {
    return "postgresql://127.0.0.1:" + server.port() + "/" + DATABASE;
  }

  static String archiveTable(int year) {
    return "CREATE TABLE emp_"
        + year
        + " (id int NOT NULL, name text NOT NULL, time timestamp NOT NULL, department text,"
        + " salary numeric(10,2))";
  }

  static String rows(String table, int year) {
    return "INSERT INTO "
        + table
        + " SELECT g, 'name' || g, timestamp '"
        + year
        + "-01-01' + (g % 40) * interval '1 day',"
        + " (ARRAY['Sales', 'Engineering', 'HR', 'Marketing'])[1 + g % 4], 1000 + g"
        + " FROM generate_series(1, 400) g";
  }

  static void sql(LocalServer server, String... statements) throws SQLException {
    try (var connection = server.connect(DATABASE);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  static String count() throws SQLException {
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement();
        var rows = statement.executeQuery("SELECT count(*) FROM emp")) {
      rows.next();
      return rows.getString(1);
    }
  }

  static CliRun strata(String... args) {
    return CliRun.run(Map.of(), args);
  }

  static String[] withConfig(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("-c");
    all.add(config.toString());
    return all.toArray(String[]::new);
  }

  static void require(CliRun run) {
    assertThat(run.exitCode()).as(run.toString()).isZero();
  }

  @Test
  void showsPruningAndTheRemoteSqlOfTheScannedPartition() {
    CliRun run =
        strata(
            withConfig(
                "explain",
                "SELECT * FROM emp WHERE time >= '2024-01-01' AND time < '2025-01-01'"
                    + " AND salary > 1200"));

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "Table public.emp  (RANGE (\"time\")): 1 of ",
            "public.emp_2023 | archive_a | pruned",
            "public.emp_2024 | archive_b | scanned | Foreign Scan | remote",
            "public.emp_2025 | local     | pruned",
            "Remote SQL: SELECT id, name, \"time\", department, salary FROM public.emp_2024 WHERE",
            "on the server:",
            "No findings");
    assertThat(run.out()).containsPattern("1 of \\d+ partitions scanned, \\d+ pruned");
    assertThat(run.err()).isEmpty();
  }

  @Test
  void printsTheReportAsJson() {
    CliRun run = strata(withConfig("explain", "--json", "SELECT count(*) FROM emp_2023"));

    assertThat(run.exitCode()).as(run.toString()).isZero();
    JsonNode report = CommandLineTest.parse(run.out());
    assertThat(report.get("analyzed").asBoolean()).isFalse();
    JsonNode partitions = report.get("tables").get(0).get("partitions");
    assertThat(partitions.get(0).get("name").asText()).isEqualTo("public.emp_2023");
    assertThat(partitions.get(0).get("state").asText()).isEqualTo("scanned");
    assertThat(partitions.get(0).get("aggregate").asText()).isEqualTo("remote");
    assertThat(partitions.get(1).get("state").asText()).isEqualTo("pruned");
    assertThat(report.get("foreign_scans").get(0).get("aggregate_pushed").asBoolean()).isTrue();
    assertThat(report.get("findings").size()).isZero();
  }

  @Test
  void listsWhatRanOnTheCoordinatorWithTheFix() {
    CliRun run =
        strata(
            withConfig(
                "explain", "SELECT department, count(*) FROM emp WHERE random() < 0.5 GROUP BY 1"));

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "| local",
            "on the coordinator: random() < '0.5'::double precision",
            "Findings (2)",
            "1. non-immutable function: random()",
            "2. GROUP BY not on the partition key: GROUP BY",
            "fix:   random() must give a new value for every row");
  }

  @Test
  void aSettingChangesThePlanForThisStatementOnly() {
    String sql = "SELECT time, count(*) FROM emp GROUP BY time";
    CliRun off = strata(withConfig("explain", "--json", sql));
    assertThat(CommandLineTest.parse(off.out()).get("findings").get(0).get("kind").asText())
        .isEqualTo("partitionwise_aggregate_off");

    CliRun on =
        strata(withConfig("explain", "--setting", "enable_partitionwise_aggregate=on", sql));
    assertThat(on.exitCode()).as(on.toString()).isZero();
    assertThat(on.out())
        .contains("enable_partitionwise_aggregate=on", "pushed: aggregate", "No findings");

    CliRun bad = strata(withConfig("explain", "--setting", "no_such_setting", sql));
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("error: --setting no_such_setting is not NAME=VALUE");
  }

  @Test
  void analyzeCountsTheRowsThatCrossedTheNetwork() {
    CliRun run =
        strata(withConfig("explain", "--analyze", "SELECT * FROM emp WHERE department = 'Sales'"));

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "EXPLAIN (VERBOSE, ANALYZE) on the coordinator, in a read-only transaction rolled back",
            "over network",
            "rows over the network: 100",
            "Rows over the network: 200 (archive_a 100, archive_b 100)");
  }

  @Test
  void analyzeRefusesAStatementThatWrites() throws SQLException {
    CliRun run = strata(withConfig("explain", "--analyze", "DELETE FROM emp"));

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains(
            "error: --analyze runs the statement, so it accepts only statements that start with"
                + " SELECT, WITH, TABLE, VALUES; this one starts with DELETE",
            "hint: run it without --analyze");
    assertThat(run.out()).isEmpty();
    assertThat(count()).isEqualTo("1200");

    CliRun plan = strata(withConfig("explain", "DELETE FROM emp WHERE time < '2024-01-01'"));
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out()).contains("nothing was executed");
    assertThat(count()).isEqualTo("1200");
  }

  @Test
  void aSyntaxErrorIsReportedByTheCoordinatorAsAUsageError() {
    CliRun run = strata(withConfig("explain", "SELEC * FROM emp"));

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("error: the coordinator cannot plan the statement: syntax error")
        .contains("hint: fix the statement");
  }

  @Test
  void helpExplainsTheCommand() {
    CliRun help = strata("explain", "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("--analyze", "--setting", "rolled back");
    assertThat(strata("help", "explain").out()).contains("--analyze");
    assertThat(strata("--help").out()).contains("explain");
  }
}
