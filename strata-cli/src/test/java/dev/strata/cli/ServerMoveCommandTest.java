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

/** {@code strata move} and {@code strata drain} on the command line. */
class ServerMoveCommandTest {
  static final String DATABASE = "server_move_command_test";
  @TempDir static Path directory;
  static Path config;
  static LocalServer main;

  @BeforeAll
  static void setUp() throws Exception {
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_B, DATABASE);
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE emp (id int NOT NULL, time timestamp NOT NULL) PARTITION BY RANGE (time)");
      for (int year = 2020; year <= 2022; year++) {
        statement.execute(
            "CREATE TABLE emp_"
                + year
                + " PARTITION OF emp FOR VALUES FROM ('"
                + year
                + "-01-01') TO ('"
                + (year + 1)
                + "-01-01')");
        statement.execute(
            "INSERT INTO emp SELECT g, timestamp '"
                + year
                + "-01-01' + g * interval '1 hour' FROM generate_series(1, 2000) g");
      }
    }
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
            + "  emp:\n"
            + "    partition_by: { column: time, interval: 1 year }\n"
            + "    archive_to: [archive_a, archive_b]\n");
    assertThat(strata("apply", "--yes").exitCode()).isZero();
    for (int year = 2020; year <= 2022; year++) {
      CliRun archived = strata("archive", "emp", "emp_" + year, "--to", "archive_a", "--quiet");
      assertThat(archived.exitCode()).as(archived.toString()).isZero();
    }
  }

  static CliRun strata(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "-c";
    all[args.length + 1] = config.toString();
    return CliRun.run(Map.of(), all);
  }

  static String count() throws SQLException {
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement();
        var rows = statement.executeQuery("SELECT count(*) FROM emp")) {
      rows.next();
      return rows.getString(1);
    }
  }

  @Test
  void moveShowsItsStatementsThenMovesAndSaysSoOnARerun() throws Exception {
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE emp_2030 PARTITION OF emp FOR VALUES FROM ('2030-01-01') TO ('2031-01-01')");
      statement.execute(
          "INSERT INTO emp SELECT g, timestamp '2030-01-01' + g * interval '1 hour'"
              + " FROM generate_series(1, 2000) g");
    }
    assertThat(strata("archive", "emp", "emp_2030", "--to", "archive_b", "--quiet").exitCode())
        .isZero();
    String before = count();
    CliRun dryRun = strata("move", "emp", "emp_2030", "--to", "archive_a", "--dry-run");
    assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
    assertThat(dryRun.out())
        .contains("-- P4 copy", "-- on archive_b (copy)", "-- on archive_a (copy)")
        .contains(
            "COPY (SELECT \"id\", \"time\" FROM \"public\".\"emp_2030\") TO STDOUT (FORMAT binary)")
        .contains("SERVER \"archive_a\"");
    CliRun moved = strata("move", "emp", "emp_2030", "--to", "archive_a", "--json");
    assertThat(moved.exitCode()).as(moved.toString()).isZero();
    JsonNode result = CommandLineTest.parse(moved.out());
    assertThat(result.at("/operation/kind").asText()).isEqualTo("move");
    assertThat(result.at("/operation/state").asText()).isEqualTo("done");
    assertThat(result.at("/rows_copied").asLong()).isEqualTo(2000);
    CliRun again = strata("move", "emp", "emp_2030", "--to", "archive_a");
    assertThat(again.exitCode()).isZero();
    assertThat(again.out()).contains("already archived on server archive_a");
    CliRun missing = strata("move", "emp", "emp_2099", "--to", "archive_b");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(count()).isEqualTo(before);
  }

  @Test
  void drainEmptiesAServerAndRefusesWhenAPartitionHasNowhereToGo() throws Exception {
    String before = count();
    CliRun nowhere = strata("drain", "archive_a", "--to", "archive_a");
    assertThat(nowhere.exitCode()).isEqualTo(2);
    assertThat(nowhere.err()).contains("--to archive_a is the server being drained");
    CliRun dryRun = strata("drain", "archive_a", "--dry-run");
    assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
    assertThat(dryRun.out()).contains("move public.emp_2021 from archive_a to archive_b");
    CliRun drained = strata("drain", "archive_a", "--quiet");
    assertThat(drained.exitCode()).as(drained.toString()).isZero();
    assertThat(drained.out()).contains("Server archive_a holds no archived partition any more.");
    assertThat(strata("drain", "archive_a").out()).contains("nothing to do");
    assertThat(count()).isEqualTo(before);
  }
}
