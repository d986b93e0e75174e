package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Invariant 1 (docs/architecture.md): whatever step is interrupted, a rerun converges. For every
 * failpoint of the archive and restore protocols, a separate JVM runs the real command and halts
 * there (no shutdown hooks, connections cut, like kill -9); then the same command is run again and
 * the layout must be exactly right: the same rows (count and checksum through the parent), exactly
 * one partition covering the range, on the expected tier, the journal terminal, no orphan remote
 * table, no freeze trigger, no leftover staging or detached table. Also {@code strata resume} and
 * {@code strata abort} after a halt, a copy in parallel streams, and retire, decommission and
 * import halted. Tagged slow (about three minutes): {@code mvn verify} runs it in CI, where {@code
 * CI=true}.
 */
@Tag("slow")
class CrashRecoveryTest {
  static final String DATABASE = "crash_recovery_test";
  static final AtomicInteger NEXT_YEAR = new AtomicInteger(1990);
  @TempDir static Path scratch;
  static volatile Path config;
  static LocalServer main;
  static LocalServer archive;

  @BeforeAll
  static void setUp() throws Exception {
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    archive = servers.server(SharedServers.ARCHIVE_A);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_B, DATABASE);
    sql(
        main,
        "CREATE TABLE emp (id int NOT NULL, name text NOT NULL, time timestamp NOT NULL, department text, salary numeric(10,2)) PARTITION BY RANGE (time)");
    config = Files.createTempFile(scratch, "crash-recovery", ".yaml");
    Files.writeString(
        config,
        "coordinator: { url: \"postgresql://127.0.0.1:"
            + main.port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n"
            + "servers:\n"
            + "  archive_a: { url: \"postgresql://127.0.0.1:"
            + archive.port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n"
            + "  archive_b: { url: \"postgresql://127.0.0.1:"
            + servers.server(SharedServers.ARCHIVE_B).port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n",
        StandardCharsets.UTF_8);
    assertThat(CliRun.run(Map.of(), "apply", "-c", config.toString()).exitCode()).isZero();
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

  static int newYear() throws SQLException {
    int year = NEXT_YEAR.getAndIncrement();
    sql(
        main,
        "CREATE TABLE emp_"
            + year
            + " PARTITION OF emp FOR VALUES FROM ('"
            + year
            + "-01-01') TO ('"
            + (year + 1)
            + "-01-01')",
        "INSERT INTO emp SELECT g, 'n' || g, timestamp '"
            + year
            + "-01-01' + g * interval '1 minute', 'd' || (g % 5), g * 1.25"
            + " FROM generate_series(1, 20000) g",
        "CREATE INDEX ON emp_" + year + " (time)");
    return year;
  }

  static String fingerprint(int year) throws SQLException {
    return query(
        main,
        "SELECT count(*) || '/' || coalesce(sum(hashtextextended(t::text, 0)), 0) FROM (SELECT id, name, time, department, salary"
            + " FROM emp WHERE time >= '"
            + year
            + "-01-01' AND time < '"
            + (year + 1)
            + "-01-01') t");
  }

  /** Runs the command line in a new JVM with a failpoint armed; returns its exit code. */
  static int runHalting(String failpoint, String... args) throws Exception {
    return HaltingRun.run(config, scratch, failpoint, args);
  }

  @ParameterizedTest(name = "archive halted at {0}")
  @ValueSource(
      strings = {
        "archive.after_intent=halt",
        "archive.after_target=halt",
        "archive.after_freeze=halt",
        "archive.copy_rows=halt@7000",
        "archive.after_copy=halt",
        "archive.after_indexes=halt",
        "archive.after_verify=halt",
        "archive.before_swap_commit=halt",
        "archive.after_swap=halt",
        "archive.after_cleanup=halt"
      })
  void archiveConvergesAfterAHalt(String failpoint) throws Exception {
    int year = newYear();
    String before = fingerprint(year);
    String[] command = {"archive", "emp", "emp_" + year, "--to", "archive_a"};
    assertThat(runHalting(failpoint, command)).isEqualTo(137);
    if (failpoint.startsWith("archive.after_freeze")) {
      assertThat(writeError(year)).contains("is frozen by Strata operation");
    }
    CliRun rerun = CliRun.run(Map.of(), withConfig(command));
    assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
    assertConverged(year, before, "archive_a", 1);
  }

  @ParameterizedTest(name = "restore halted at {0}")
  @ValueSource(
      strings = {
        "restore.after_intent=halt",
        "restore.after_target=halt",
        "restore.after_freeze=halt",
        "restore.copy_rows=halt@7000",
        "restore.after_copy=halt",
        "restore.after_indexes=halt",
        "restore.after_verify=halt",
        "restore.before_swap_commit=halt",
        "restore.after_swap=halt",
        "restore.after_cleanup=halt"
      })
  void restoreConvergesAfterAHalt(String failpoint) throws Exception {
    int year = newYear();
    String before = fingerprint(year);
    CliRun archived =
        CliRun.run(
            Map.of(), withConfig("archive", "emp", "emp_" + year, "--to", "archive_a", "--quiet"));
    assertThat(archived.exitCode()).as(archived.toString()).isZero();
    String[] command = {"restore", "emp", "emp_" + year};
    assertThat(runHalting(failpoint, command)).isEqualTo(137);
    CliRun rerun = CliRun.run(Map.of(), withConfig(command));
    assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
    assertConverged(year, before, "local", 0);
  }

  @ParameterizedTest(name = "archive with 3 streams halted at {0}")
  @ValueSource(strings = {"archive.copy_rows=halt@9000", "archive.after_copy=halt"})
  void aParallelArchiveConvergesAfterAHalt(String failpoint) throws Exception {
    int year = newYear();
    String before = fingerprint(year);
    String[] command = {"archive", "emp", "emp_" + year, "--to", "archive_a", "--jobs", "3"};
    assertThat(runHalting(failpoint, command)).isEqualTo(137);
    CliRun rerun = CliRun.run(Map.of(), withConfig(command));
    assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
    assertConverged(year, before, "archive_a", 1);
  }

  @ParameterizedTest(name = "strata resume after a halt at {0}")
  @ValueSource(strings = {"archive.after_freeze=halt", "archive.after_indexes=halt"})
  void resumeFinishesAnArchiveAfterAHalt(String failpoint) throws Exception {
    int year = newYear();
    String before = fingerprint(year);
    assertThat(runHalting(failpoint, "archive", "emp", "emp_" + year, "--to", "archive_a"))
        .isEqualTo(137);
    CliRun resumed = CliRun.run(Map.of(), withConfig("resume", unfinishedOperation(year)));
    assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
    assertThat(resumed.out())
        .contains("archive of public.emp_" + year + " to server archive_a: done");
    assertConverged(year, before, "archive_a", 1);
  }

  @ParameterizedTest(name = "strata abort after a halt at {0}")
  @ValueSource(
      strings = {
        "archive.after_target=halt",
        "archive.after_freeze=halt",
        "archive.copy_rows=halt@7000",
        "archive.after_verify=halt"
      })
  void abortRollsBackAnArchiveAfterAHalt(String failpoint) throws Exception {
    int year = newYear();
    String before = fingerprint(year);
    assertThat(runHalting(failpoint, "archive", "emp", "emp_" + year, "--to", "archive_a"))
        .isEqualTo(137);
    CliRun aborted = CliRun.run(Map.of(), withConfig("abort", unfinishedOperation(year)));
    assertThat(aborted.exitCode()).as(aborted.toString()).isZero();
    assertConverged(year, before, "local", 0);
    assertThat(writeError(year)).isEqualTo("accepted");
  }

  @ParameterizedTest(name = "strata abort of a restore after a halt at {0}")
  @ValueSource(strings = {"restore.after_freeze=halt", "restore.after_indexes=halt"})
  void abortRollsBackARestoreAfterAHalt(String failpoint) throws Exception {
    int year = newYear();
    String before = fingerprint(year);
    CliRun archived =
        CliRun.run(
            Map.of(), withConfig("archive", "emp", "emp_" + year, "--to", "archive_a", "--quiet"));
    assertThat(archived.exitCode()).as(archived.toString()).isZero();
    assertThat(runHalting(failpoint, "restore", "emp", "emp_" + year)).isEqualTo(137);
    CliRun aborted = CliRun.run(Map.of(), withConfig("abort", unfinishedOperation(year)));
    assertThat(aborted.exitCode()).as(aborted.toString()).isZero();
    assertConverged(year, before, "archive_a", 1);
    assertThat(
            query(
                archive,
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'strata_freeze%'"
                    + " AND tgrelid = 'emp_"
                    + year
                    + "'::regclass"))
        .as("the remote table is no longer frozen")
        .isEqualTo("0");
  }

  @ParameterizedTest(name = "move between servers halted at {0}")
  @ValueSource(
      strings = {
        "move.after_intent=halt",
        "move.after_target=halt",
        "move.after_freeze=halt",
        "move.copy_rows=halt@7000",
        "move.after_copy=halt",
        "move.after_indexes=halt",
        "move.after_verify=halt",
        "move.before_swap_commit=halt",
        "move.after_swap=halt",
        "move.after_cleanup=halt"
      })
  void aMoveBetweenServersConvergesAfterAHalt(String failpoint) throws Exception {
    int year = newYear();
    String before = fingerprint(year);
    CliRun archived =
        CliRun.run(
            Map.of(), withConfig("archive", "emp", "emp_" + year, "--to", "archive_a", "--quiet"));
    assertThat(archived.exitCode()).as(archived.toString()).isZero();
    String[] command = {"move", "emp", "emp_" + year, "--to", "archive_b"};
    assertThat(runHalting(failpoint, command)).isEqualTo(137);
    CliRun rerun = CliRun.run(Map.of(), withConfig(command));
    assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
    assertConverged(year, before, "archive_b", 0);
    assertThat(
            query(
                SharedServers.get().server(SharedServers.ARCHIVE_B),
                "SELECT count(*) FROM pg_class WHERE relname = 'emp_"
                    + year
                    + "' AND relkind = 'r'"))
        .as("the table on the new server")
        .isEqualTo("1");
    assertThat(
            query(
                SharedServers.get().server(SharedServers.ARCHIVE_B),
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'strata_freeze%'"))
        .as("no freeze left on the new server")
        .isEqualTo("0");
  }

  static String unfinishedOperation(int year) throws SQLException {
    return query(
        main,
        "SELECT id FROM strata.operation WHERE partition_name = 'emp_"
            + year
            + "' AND state NOT IN ('done', 'aborted')");
  }

  static final AtomicInteger NEXT_TABLE = new AtomicInteger();

  @ParameterizedTest(name = "default-partition rows moved by apply, halted at {0}")
  @ValueSource(strings = {"default_rows.before_commit=halt", "default_rows.after_commit=halt"})
  void defaultPartitionRowMovesConvergeAfterAHalt(String failpoint) throws Exception {
    String table = "stray" + NEXT_TABLE.incrementAndGet();
    sql(
        main,
        "CREATE TABLE "
            + table
            + " (id int NOT NULL, time timestamp NOT NULL, v text)"
            + " PARTITION BY RANGE (time)",
        "CREATE TABLE " + table + "_default PARTITION OF " + table + " DEFAULT",
        "CREATE TABLE "
            + table
            + "_2026 PARTITION OF "
            + table
            + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        "INSERT INTO "
            + table
            + " SELECT g, timestamp '2022-03-01' + g * interval '1 hour', 'v' || g"
            + " FROM generate_series(1, 2000) g",
        "INSERT INTO "
            + table
            + " SELECT -g, timestamp '2024-03-01' + g * interval '1 hour', 'w' || g"
            + " FROM generate_series(1, 3000) g");
    String rows =
        query(
            main,
            "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM " + table + " t");
    Path policy = Files.createTempFile(scratch, "crash-default-rows", ".yaml");
    Files.writeString(
        policy,
        Files.readString(config)
            + "tables:\n  "
            + table
            + ":\n    partition_by: { column: time, interval: 1 year }\n    premake: 0\n");
    Path saved = config;
    config = policy;
    try {
      assertThat(runHalting(failpoint, "apply", "--now", "2026-02-01", "--yes")).isEqualTo(137);
      CliRun rerun =
          CliRun.run(Map.of(), withConfig("apply", "--now", "2026-02-01", "--yes", "--quiet"));
      assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
      assertThat(CliRun.run(Map.of(), withConfig("plan", "--now", "2026-02-01")).out())
          .contains("Nothing to change");
    } finally {
      config = saved;
    }
    assertThat(
            query(
                main,
                "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM " + table + " t"))
        .as("no row lost or duplicated")
        .isEqualTo(rows);
    assertThat(query(main, "SELECT count(*) FROM ONLY " + table + "_default"))
        .as("the default partition is empty")
        .isEqualTo("0");
    assertThat(
            query(
                main,
                "SELECT string_agg(tableoid::regclass::text || ':' || n, ',' ORDER BY tableoid::regclass::text)"
                    + " FROM (SELECT tableoid, count(*) n FROM "
                    + table
                    + " GROUP BY tableoid) t"))
        .isEqualTo(table + "_2022:2000," + table + "_2024:3000");
  }

  /**
   * Retire of archived partitions (export, detach and drop, drop of the remote table), the
   * decommission of the server they were on, and the import of an export, each halted: a rerun
   * converges on the same end state, and the exports are complete.
   */
  @ParameterizedTest(name = "retire and decommission halted at {0}")
  @ValueSource(
      strings = {
        "retire.after_export=halt",
        "retire.after_drop=halt",
        "retire.after_remote_drop=halt",
        "decommission.before_commit=halt"
      })
  void retireOfArchivedPartitionsAndDecommissionConvergeAfterAHalt(String failpoint)
      throws Exception {
    String table = "gone" + NEXT_TABLE.incrementAndGet();
    sql(
        main,
        "CREATE TABLE "
            + table
            + " (id int NOT NULL, time timestamp NOT NULL, v text) PARTITION BY RANGE (time)");
    for (int year = 2010; year <= 2011; year++) {
      sql(
          main,
          "CREATE TABLE "
              + table
              + "_"
              + year
              + " PARTITION OF "
              + table
              + " FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO "
              + table
              + " SELECT g, timestamp '"
              + year
              + "-01-01' + g * interval '1 minute', 'v' || g FROM generate_series(1, 3000) g");
    }
    String rows =
        query(
            main,
            "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM " + table + " t");
    Path exports = Files.createTempDirectory(scratch, "crash-retire-exports");
    // A server of its own name (on the second archive's host), so decommissioning it leaves the
    // other tests' foreign servers alone.
    String servers =
        Files.readString(config)
            + "  archive_c: { url: \"postgresql://127.0.0.1:"
            + SharedServers.get().server(SharedServers.ARCHIVE_B).port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n";
    Path archiving = Files.createTempFile(scratch, "crash-archiving", ".yaml");
    Files.writeString(
        archiving,
        servers
            + "tables:\n  "
            + table
            + ":\n    partition_by: { column: time, interval: 1 year }\n    premake: 0\n"
            + "    hot: 1 year\n    archive_to: archive_c\n");
    Path retiring = Files.createTempFile(scratch, "crash-retiring", ".yaml");
    Files.writeString(
        retiring,
        servers
            + "tables:\n  "
            + table
            + ":\n    partition_by: { column: time, interval: 1 year }\n    premake: 1\n"
            + "    hot: 1 year\n    archive_to: archive_a\n    retention: 2 years\n"
            + "    export_before_retire: "
            + exports
            + "\n    decommission: true\n");
    Path saved = config;
    try {
      config = archiving;
      CliRun archived =
          CliRun.run(Map.of(), withConfig("apply", "--now", "2026-02-01", "--yes", "--quiet"));
      assertThat(archived.exitCode()).as(archived.toString()).isZero();
      assertThat(query(main, "SELECT count(*) FROM pg_foreign_server WHERE srvname = 'archive_c'"))
          .isEqualTo("1");
      config = retiring;
      assertThat(runHalting(failpoint, "apply", "--now", "2026-02-01", "--yes")).isEqualTo(137);
      CliRun rerun =
          CliRun.run(Map.of(), withConfig("apply", "--now", "2026-02-01", "--yes", "--quiet"));
      assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
      assertThat(CliRun.run(Map.of(), withConfig("plan", "--now", "2026-02-01")).out())
          .contains("Nothing to change");
    } finally {
      config = saved;
    }
    assertThat(query(main, "SELECT count(*) FROM pg_foreign_server WHERE srvname = 'archive_c'"))
        .as("archive_c decommissioned")
        .isEqualTo("0");
    assertThat(
            query(
                SharedServers.get().server(SharedServers.ARCHIVE_B),
                "SELECT count(*) FROM pg_class WHERE relname LIKE '" + table + "%'"))
        .as("remote tables dropped")
        .isEqualTo("0");
    assertThat(
            query(
                main,
                "SELECT count(*) FROM strata.operation WHERE state NOT IN ('done', 'aborted')"))
        .isEqualTo("0");
    List<Path> manifests;
    try (var files = Files.list(exports)) {
      manifests = files.filter(f -> f.toString().endsWith(".manifest.json")).sorted().toList();
    }
    assertThat(manifests).hasSize(2);
    // An import halted before its commit leaves nothing; run again, it brings the rows back.
    for (Path manifest : manifests) {
      assertThat(runHalting("import.before_commit=halt", "import", manifest.toString()))
          .isEqualTo(137);
      CliRun imported = CliRun.run(Map.of(), withConfig("import", manifest.toString()));
      assertThat(imported.exitCode()).as(imported.toString()).isZero();
    }
    assertThat(
            query(
                main,
                "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM " + table + " t"))
        .as("every retired row came back from the exports")
        .isEqualTo(rows);
  }

  @ParameterizedTest(name = "apply halted at {0}")
  @ValueSource(
      strings = {
        "archive.after_copy=halt",
        "archive.before_swap_commit=halt",
        "retire.after_intent=halt",
        "retire.after_export=halt",
        "retire.after_drop=halt"
      })
  void applyConvergesAfterAHalt(String failpoint) throws Exception {
    String table = "life" + NEXT_TABLE.incrementAndGet();
    sql(
        main,
        "CREATE TABLE "
            + table
            + " (id int NOT NULL, time timestamp NOT NULL, v text) PARTITION BY RANGE (time)");
    for (int year = 2010; year <= 2013; year++) {
      sql(
          main,
          "CREATE TABLE "
              + table
              + "_"
              + year
              + " PARTITION OF "
              + table
              + " FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO "
              + table
              + " SELECT g, timestamp '"
              + year
              + "-01-01' + g * interval '1 minute', 'v' || g FROM generate_series(1, 5000) g");
    }
    String kept =
        query(
            main,
            "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM (SELECT * FROM "
                + table
                + " WHERE time >= '2011-01-01') t");
    Path exports = Files.createTempDirectory(scratch, "crash-exports");
    Path policy = Files.createTempFile(scratch, "crash-policy", ".yaml");
    Files.writeString(
        policy,
        Files.readString(config)
            + "tables:\n  "
            + table
            + ":\n    partition_by: { column: time, interval: 1 year }\n    premake: 0\n    hot: 1 year\n    archive_to: archive_a\n"
            + "    retention: 15 years\n    export_before_retire: "
            + exports
            + "\n");
    Path saved = config;
    config = policy;
    try {
      assertThat(runHalting(failpoint, "apply", "--now", "2026-02-01", "--yes")).isEqualTo(137);
      CliRun rerun =
          CliRun.run(Map.of(), withConfig("apply", "--now", "2026-02-01", "--yes", "--quiet"));
      assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
      assertThat(CliRun.run(Map.of(), withConfig("plan", "--now", "2026-02-01")).out())
          .contains("Nothing to change");
    } finally {
      config = saved;
    }
    assertThat(
            query(
                main,
                "SELECT string_agg(c.relname || '@' || coalesce(s.srvname, 'local'), ',' ORDER BY c.relname) FROM pg_inherits i"
                    + " JOIN pg_class c ON c.oid = i.inhrelid LEFT JOIN pg_foreign_table f ON f.ftrelid = c.oid"
                    + " LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver WHERE i.inhparent = '"
                    + table
                    + "'::regclass"))
        .isEqualTo(
            table
                + "_2011@archive_a,"
                + table
                + "_2012@archive_a,"
                + table
                + "_2013@archive_a,"
                + table
                + "_2025@local,"
                + table
                + "_2026@local");
    assertThat(
            query(
                main,
                "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM (SELECT * FROM "
                    + table
                    + " WHERE time >= '2011-01-01') t"))
        .isEqualTo(kept);
    assertThat(
            query(
                main,
                "SELECT count(*) FROM strata.operation WHERE state NOT IN ('done', 'aborted')"))
        .isEqualTo("0");
    assertThat(query(main, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'strata_freeze%'"))
        .isEqualTo("0");
    assertThat(query(main, "SELECT count(*) FROM pg_class WHERE relname = '" + table + "_2010'"))
        .isEqualTo("0");
    try (var files = Files.list(exports)) {
      assertThat(files.filter(f -> f.toString().endsWith(".manifest.json")).count()).isEqualTo(1);
    }
  }

  static String writeError(int year) {
    try {
      sql(main, "INSERT INTO emp VALUES (0, 'late', '" + year + "-06-06', NULL, 1)");
      return "accepted";
    } catch (SQLException e) {
      return e.getMessage();
    }
  }

  static void assertConverged(int year, String before, String tier, int remoteTables)
      throws SQLException {
    assertThat(fingerprint(year)).as("rows through the parent").isEqualTo(before);
    assertThat(
            query(
                main,
                "SELECT count(*) || ':' || string_agg(coalesce(s.srvname, 'local'), ',') FROM pg_inherits i"
                    + " JOIN pg_class c ON c.oid = i.inhrelid"
                    + " LEFT JOIN pg_foreign_table f ON f.ftrelid = c.oid LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver"
                    + " WHERE i.inhparent = 'emp'::regclass AND pg_get_expr(c.relpartbound, c.oid) LIKE '%FROM (''"
                    + year
                    + "-01-01 00:00:00'')%'"))
        .as("partitions covering the range")
        .isEqualTo("1:" + tier);
    assertThat(
            query(
                main,
                "SELECT count(*) FROM strata.operation WHERE state NOT IN ('done', 'aborted')"))
        .as("unfinished operations")
        .isEqualTo("0");
    assertThat(query(main, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'strata_freeze%'"))
        .as("freeze triggers")
        .isEqualTo("0");
    assertThat(
            query(main, "SELECT count(*) FROM pg_class WHERE relname LIKE 'emp_" + year + "_s%'"))
        .as("staging or detached tables")
        .isEqualTo("0");
    assertThat(
            query(
                archive,
                "SELECT count(*) FROM pg_class WHERE relname = 'emp_"
                    + year
                    + "' AND relkind = 'r'"))
        .as("remote tables")
        .isEqualTo(Integer.toString(remoteTables));
  }

  static String[] withConfig(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "-c";
    all[args.length + 1] = config.toString();
    return all;
  }
}
