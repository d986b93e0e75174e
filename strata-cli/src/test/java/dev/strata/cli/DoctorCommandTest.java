package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata doctor}, {@code analyze} and {@code grants} on the command line: output and exit
 * codes.
 */
class DoctorCommandTest {
  static final String DATABASE = "doctor_command_test";
  static final String PASSWORD = "doctor-cli-pw-19";
  static final Map<String, String> ENVIRONMENT = Map.of("DOCTOR_CLI_PASSWORD", PASSWORD);

  @TempDir static Path directory;
  static Path config;
  static LocalServer main;
  static LocalServer archive;

  @BeforeAll
  static void setUp() throws Exception {
    main = SharedServers.get().server(SharedServers.MAIN);
    archive = SharedServers.get().server(SharedServers.ARCHIVE_A);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    archive.execute("DROP ROLE IF EXISTS doctor_cli_reader");
    archive.createRole("doctor_cli_reader", PASSWORD);
    sql(
        main,
        "CREATE TABLE emp (id int NOT NULL, time timestamp NOT NULL) PARTITION BY RANGE (time)",
        "CREATE TABLE emp_2020 PARTITION OF emp FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
        "CREATE TABLE emp_2021 PARTITION OF emp FOR VALUES FROM ('2021-01-01') TO ('2024-01-01')",
        "CREATE TABLE emp_2024 PARTITION OF emp FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        "CREATE TABLE emp_2025 PARTITION OF emp FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        "INSERT INTO emp SELECT g, timestamp '2020-01-01' + g * interval '1 hour'"
            + " FROM generate_series(1, 500) g",
        "ALTER ROLE postgres IN DATABASE " + DATABASE + " SET statement_timeout = '5min'");
    config = directory.resolve("strata.yaml");
    Files.writeString(
        config,
        "coordinator: { url: \"postgresql://127.0.0.1:"
            + main.port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n"
            + "servers:\n"
            + "  archive_a:\n"
            + "    url: postgresql://127.0.0.1:"
            + archive.port()
            + "/"
            + DATABASE
            + "\n"
            + "    user: postgres\n"
            + "    mapping: { user: doctor_cli_reader, password: \"${env:DOCTOR_CLI_PASSWORD}\" }\n"
            + "    fdw: { idle_in_transaction_session_timeout: 10min }\n"
            + "tables:\n"
            + "  public.emp:\n"
            + "    partition_by: { column: time, interval: 1 year }\n"
            + "    premake: 1\n");
    assertThat(strata("apply", "--yes", "--now", "2024-06-01").exitCode()).isZero();
    CliRun archived = strata("archive", "emp", "emp_2020", "--to", "archive_a", "--quiet");
    assertThat(archived.exitCode()).as(archived.toString()).isZero();
  }

  static void sql(LocalServer server, String... statements) {
    try (var connection = server.connect(DATABASE);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static CliRun strata(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "-c";
    all[args.length + 1] = config.toString();
    return CliRun.run(ENVIRONMENT, all);
  }

  @Test
  void exitsZeroWhenEveryCheckIsOkThreeOnWarningsAndOneOnFailures() {
    CliRun healthy = strata("doctor", "--now", "2024-06-01");
    assertThat(healthy.exitCode()).as(healthy.toString()).isZero();
    assertThat(healthy.out())
        .contains("ok    connect.direct", "archive_a", "ok    partition.row_count")
        .containsPattern("\\d+ checks: \\d+ ok, 0 warnings, 0 failures\\.");

    JsonNode json =
        CommandLineTest.parse(strata("doctor", "--json", "--deep", "--now", "2024-06-01").out());
    assertThat(json.get("status").asText()).isEqualTo("ok");
    assertThat(json.get("exit_code").asInt()).isZero();
    assertThat(json.findValuesAsText("check")).contains("connect.fdw", "partition.checksum");

    sql(main, "ALTER SERVER archive_a OPTIONS (SET fetch_size '100')");
    CliRun warned = strata("doctor", "--now", "2024-06-01");
    assertThat(warned.exitCode()).as(warned.toString()).isEqualTo(3);
    assertThat(warned.out())
        .contains("warn  fdw.fetch_size", "fix: servers.archive_a.fdw.fetch_size: 10000")
        .contains(" 1 warning, 0 failures.");

    sql(archive, "ALTER TABLE emp_2020 RENAME TO emp_2020_gone");
    try {
      CliRun failed = strata("doctor", "--json", "--now", "2024-06-01");
      assertThat(failed.exitCode()).isEqualTo(1);
      JsonNode failures = CommandLineTest.parse(failed.out());
      assertThat(failures.get("status").asText()).isEqualTo("fail");
      assertThat(failures.at("/summary/fail").asInt()).isPositive();
    } finally {
      sql(archive, "ALTER TABLE emp_2020_gone RENAME TO emp_2020");
    }
    assertThat(strata("apply", "--yes", "--now", "2024-06-01").exitCode()).isZero();
    assertThat(strata("doctor", "--now", "2024-06-01").exitCode()).isZero();

    CliRun badNow = strata("doctor", "--now", "someday");
    assertThat(badNow.exitCode()).isEqualTo(2);
    assertThat(badNow.err()).contains("--now someday is not a date");
  }

  @Test
  void helpListsTheExitCodes() {
    CliRun help = CliRun.run(ENVIRONMENT, "help", "doctor");
    assertThat(help.out())
        .contains("0 every check ok, 1 any check failed, 3 warnings but no failure");
    assertThat(CliRun.run(ENVIRONMENT, "--help").out()).contains("doctor", "grants", "analyze");
  }

  @Test
  void analyzeGathersStatisticsForForeignPartitions() {
    CliRun analyzed = strata("analyze", "emp");
    assertThat(analyzed.exitCode()).as(analyzed.toString()).isZero();
    assertThat(analyzed.out()).contains("public.emp_2020", "archive_a", "500", "analyzed");
    JsonNode json = CommandLineTest.parse(strata("analyze", "--json").out());
    assertThat(json.at("/partitions/0/partition").asText()).isEqualTo("public.emp_2020");
    assertThat(json.at("/partitions/0/rows").asLong()).isEqualTo(500);
  }

  @Test
  void grantsPrintsAndAppliesLeastPrivilegeSql() {
    CliRun printed = strata("grants");
    assertThat(printed.exitCode()).as(printed.toString()).isZero();
    assertThat(printed.out())
        .contains(
            "-- on coordinator",
            "REVOKE USAGE ON FOREIGN SERVER \"archive_a\" FROM PUBLIC;",
            "-- on archive_a",
            "GRANT SELECT ON TABLE \"public\".\"emp_2020\" TO \"doctor_cli_reader\";")
        .doesNotContain(PASSWORD);
    JsonNode json = CommandLineTest.parse(strata("grants", "--json").out());
    assertThat(json.get("applied").asBoolean()).isFalse();
    assertThat(json.at("/servers/1/server").asText()).isEqualTo("archive_a");

    CliRun applied = strata("grants", "--apply", "--read-role", "doctor_cli_read");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    assertThat(applied.out())
        .contains("-- on archive_a", "GRANT CONNECT ON DATABASE \"doctor_command_test\"")
        .contains("Grants applied.");
  }
}
