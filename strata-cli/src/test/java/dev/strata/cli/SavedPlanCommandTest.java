package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code strata plan --out FILE} and {@code strata apply FILE} on the command line. */
class SavedPlanCommandTest {
  static final String DATABASE = "saved_plan_command_test";
  @TempDir static Path directory;
  static Path config;
  static LocalServer main;

  @BeforeAll
  static void setUp() throws Exception {
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    sql("CREATE TABLE emp (id int NOT NULL, time timestamp NOT NULL) PARTITION BY RANGE (time)");
    for (int year = 2020; year <= 2022; year++) {
      sql(
          "CREATE TABLE emp_"
              + year
              + " PARTITION OF emp FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO emp SELECT g, timestamp '"
              + year
              + "-01-01' + g * interval '1 hour' FROM generate_series(1, 500) g");
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
            + "\", user: postgres, password: \"${env:SAVED_PLAN_PASSWORD}\" }\n"
            + "tables:\n"
            + "  emp:\n"
            + "    partition_by: { column: time, interval: 1 year }\n"
            + "    premake: 1\n"
            + "    hot: 1 year\n"
            + "    archive_to: archive_a\n");
  }

  static void sql(String... statements) throws SQLException {
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  static CliRun strata(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "-c";
    all[args.length + 1] = config.toString();
    return CliRun.run(Map.of("SAVED_PLAN_PASSWORD", "pl4n-s3cret"), all);
  }

  static String partitions() throws SQLException {
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement();
        var rows =
            statement.executeQuery(
                "SELECT string_agg(c.relname || '@' || coalesce(s.srvname, 'local'), ','"
                    + " ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    + " LEFT JOIN pg_foreign_table f ON f.ftrelid = c.oid"
                    + " LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver"
                    + " WHERE i.inhparent = 'emp'::regclass")) {
      rows.next();
      return rows.getString(1);
    }
  }

  @Test
  void appliesTheSavedPlanOnceAndRefusesItWhenTheStateChanged() throws Exception {
    Path plan = directory.resolve("tonight.plan");
    CliRun planned = strata("plan", "--now", "2023-06-01", "--out", plan.toString());
    assertThat(planned.exitCode()).as(planned.toString()).isZero();
    assertThat(planned.out())
        .contains("[server] create foreign server archive_a")
        .contains("[archive] archive public.emp_2020 to archive_a")
        .contains("[archive] archive public.emp_2021 to archive_a")
        .contains("Saved to " + plan);
    String saved = Files.readString(plan);
    assertThat(saved)
        .contains("\"format\" : \"strata-plan-1\"")
        .contains("${env:SAVED_PLAN_PASSWORD}")
        .doesNotContain("pl4n-s3cret");

    // Flags that would change the plan are a usage error: the file carries its own.
    CliRun both = strata("apply", plan.toString(), "--now", "2024-01-01");
    assertThat(both.exitCode()).as(both.toString()).isEqualTo(2);
    assertThat(both.err()).contains("give PLAN or --now/--only, not both");
    CliRun missing = strata("apply", directory.resolve("missing.plan").toString());
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(2);
    assertThat(missing.err()).contains("cannot read the plan");

    CliRun dryRun = strata("apply", plan.toString(), "--dry-run");
    assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
    assertThat(dryRun.out())
        .contains("-- dry run: nothing was executed; " + plan + " still matches the coordinator")
        .doesNotContain("pl4n-s3cret");
    String before = partitions();
    assertThat(before).isEqualTo("emp_2020@local,emp_2021@local,emp_2022@local");

    CliRun applied = strata("apply", plan.toString(), "--quiet");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    assertThat(applied.out()).contains("applied: archive public.emp_2021 to archive_a");
    assertThat(partitions())
        .isEqualTo(
            "emp_2020@archive_a,emp_2021@archive_a,emp_2022@local,emp_2023@local,emp_2024@local");

    CliRun again = strata("apply", plan.toString());
    assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
    assertThat(again.err())
        .contains("the approved plan no longer matches the coordinator; nothing was changed")
        .contains("no longer: partition public.emp_2020")
        .contains("hint: make a new plan (`strata plan --out FILE`)");

    // A change made between plan and apply: refused, and nothing changed.
    Path next = directory.resolve("next.plan");
    assertThat(strata("plan", "--now", "2024-06-01", "--out", next.toString()).exitCode()).isZero();
    sql("CREATE TABLE emp_2030 PARTITION OF emp FOR VALUES FROM ('2030-01-01') TO ('2031-01-01')");
    String changed = partitions();
    CliRun refused = strata("apply", next.toString());
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
    assertThat(refused.err()).contains("now: partition public.emp_2030");
    assertThat(partitions()).isEqualTo(changed);
  }
}
