package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code strata adopt} halted at each of its failpoints in a separate JVM (no shutdown hooks,
 * connections cut, like kill -9), the table written to while the adoption is stopped, then the same
 * command run again: it converges on a partitioned table with exactly the rows the table had, and
 * nothing of the adoption left. {@code strata adopt --abort} after a halt before the swap leaves
 * the original exactly as it was: its rows and its catalog definition.
 */
class AdoptCrashRecoveryTest {
  static final String DATABASE = "adopt_crash_test";
  static final AtomicInteger NEXT = new AtomicInteger(1);
  @TempDir static Path scratch;
  static Path config;
  static LocalServer main;

  @BeforeAll
  static void setUp() throws Exception {
    main = SharedServers.get().server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    config = CliRun.coordinatorConfig(scratch, main, DATABASE);
  }

  static void sql(String... statements) throws SQLException {
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  static String query(String sql) throws SQLException {
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getString(1) : null;
    }
  }

  /** A fresh plain table of 20,000 rows with a serial key, an index and a view. */
  static String newTable() throws SQLException {
    String table = "ledger_" + NEXT.getAndIncrement();
    sql(
        "CREATE TABLE "
            + table
            + " (id serial PRIMARY KEY, booked date NOT NULL, account int NOT NULL, amount numeric(12,2))",
        "INSERT INTO "
            + table
            + " (booked, account, amount) SELECT date '2023-01-01' + (g % 700), g % 37, g * 1.5"
            + " FROM generate_series(1, 20000) g",
        "CREATE INDEX ON " + table + " (account)",
        "CREATE VIEW "
            + table
            + "_recent AS SELECT * FROM "
            + table
            + " WHERE booked > '2024-06-01'");
    return table;
  }

  static String fingerprint(String table) throws SQLException {
    return query(
        "SELECT count(*) || '/' || coalesce(sum(hashtextextended(t::text, 0)), 0) FROM (SELECT id,"
            + " booked, account, amount FROM "
            + table
            + ") t");
  }

  /** Columns, constraints, indexes, triggers, grants and comments, as one text. */
  static String definition(String table) throws SQLException {
    return query(
        "SELECT (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || ' ' ||"
            + " attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ', ' ORDER BY"
            + " attnum) FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND"
            + " d.adnum = a.attnum WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped)"
            + " || ' | ' || (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', '"
            + " ORDER BY conname) FROM pg_constraint WHERE conrelid = c.oid)"
            + " || ' | ' || (SELECT string_agg(pg_get_indexdef(indexrelid), ', ' ORDER BY 1) FROM"
            + " pg_index WHERE indrelid = c.oid)"
            + " || ' | ' || coalesce((SELECT string_agg(tgname, ', ') FROM pg_trigger WHERE tgrelid"
            + " = c.oid), 'no triggers')"
            + " || ' | ' || c.relkind::text || ' ' || coalesce(c.relacl::text, 'default acl')"
            + " || ' | ' || c.oid"
            + " FROM pg_class c WHERE c.oid = '"
            + table
            + "'::regclass");
  }

  /** Writes while the adoption is stopped: they must be in the result. */
  static void writeSome(String table) throws SQLException {
    sql(
        "INSERT INTO " + table + " (booked, account, amount) VALUES ('2025-02-02', 1, 9.99)",
        "UPDATE " + table + " SET amount = amount + 1 WHERE id % 97 = 0",
        "DELETE FROM " + table + " WHERE id % 101 = 0");
  }

  static String[] command(String table) {
    return new String[] {
      "adopt",
      table,
      "--by",
      "booked",
      "--interval",
      "6 months",
      "--keys",
      "include-partition-key",
      "--batch-rows",
      "3000",
      "-c",
      config.toString()
    };
  }

  static String[] haltingCommand(String table) {
    String[] full = command(table);
    return java.util.Arrays.copyOf(full, full.length - 2);
  }

  @ParameterizedTest(name = "adopt halted at {0}")
  @ValueSource(
      strings = {
        "adopt.after_intent=halt",
        "adopt.after_prepare=halt",
        "adopt.copy_rows=halt@7000",
        "adopt.after_copy=halt",
        "adopt.after_indexes=halt",
        "adopt.after_verify=halt",
        "adopt.before_swap_commit=halt",
        "adopt.after_swap=halt",
        "adopt.after_cleanup=halt"
      })
  void adoptConvergesAfterAHalt(String failpoint) throws Exception {
    String table = newTable();
    assertThat(HaltingRun.run(config, scratch, failpoint, haltingCommand(table))).isEqualTo(137);
    writeSome(table);
    String before = fingerprint(table);
    CliRun rerun = CliRun.run(Map.of(), command(table));
    assertThat(rerun.exitCode()).as(rerun.toString()).isZero();
    assertThat(rerun.out())
        .contains("tables:", "public." + table + ":", "column: booked, interval: 6 months");
    assertThat(fingerprint(table)).isEqualTo(before);
    assertThat(query("SELECT relkind FROM pg_class WHERE oid = '" + table + "'::regclass"))
        .isEqualTo("p");
    assertThat(query("SELECT count(*) FROM " + table + "_recent"))
        .isEqualTo(query("SELECT count(*) FROM " + table + " WHERE booked > '2024-06-01'"));
    assertThat(
            query(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '"
                    + table
                    + "'::regclass AND contype = 'p'"))
        .isEqualTo("PRIMARY KEY (id, booked)");
    assertNothingLeft(table);
    assertThat(query("SELECT to_regclass('" + table + "_strata_old') IS NOT NULL")).isEqualTo("t");
    assertThat(
            query(
                "SELECT string_agg(state, ',') FROM strata.adoption WHERE table_name = '"
                    + table
                    + "'"))
        .isEqualTo("done");
    CliRun again = CliRun.run(Map.of(), command(table));
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out()).contains("nothing to do");
  }

  static void assertNothingLeft(String table) throws SQLException {
    assertThat(
            query(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM pg_class WHERE"
                    + " relname LIKE '"
                    + table
                    + "%') AND NOT tgisinternal"))
        .isEqualTo("0");
    assertThat(query("SELECT to_regclass('" + table + "_strata_new') IS NULL")).isEqualTo("t");
    assertThat(
            query(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = 'strata' AND c.relname LIKE 'adopt_log_%'"))
        .isEqualTo("0");
    assertThat(
            query(
                "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                    + " WHERE n.nspname = 'strata' AND p.proname LIKE 'adopt_%'"))
        .isEqualTo("0");
  }

  @ParameterizedTest(name = "abort after a halt at {0}")
  @ValueSource(
      strings = {
        "adopt.after_prepare=halt",
        "adopt.copy_rows=halt@7000",
        "adopt.after_verify=halt",
        "adopt.before_swap_commit=halt"
      })
  void abortLeavesTheOriginalAsItWas(String failpoint) throws Exception {
    String table = newTable();
    String rows = fingerprint(table);
    String definition = definition(table);
    assertThat(HaltingRun.run(config, scratch, failpoint, haltingCommand(table))).isEqualTo(137);
    if (failpoint.startsWith("adopt.after_prepare")) {
      CliRun doctor = CliRun.run(Map.of(), "doctor", "-c", config.toString());
      assertThat(doctor.exitCode()).as(doctor.toString()).isEqualTo(1);
      assertThat(doctor.out())
          .contains("orphan.adoption")
          .contains("public." + table)
          .contains("capture triggers on the table")
          .contains("strata adopt public." + table + " --abort to undo it");
    }
    CliRun aborted = CliRun.run(Map.of(), "adopt", table, "--abort", "-c", config.toString());
    assertThat(aborted.exitCode()).as(aborted.toString()).isZero();
    assertThat(aborted.out()).contains("aborted");
    assertThat(fingerprint(table)).isEqualTo(rows);
    assertThat(definition(table)).isEqualTo(definition);
    assertNothingLeft(table);
    assertThat(query("SELECT to_regclass('" + table + "_strata_old') IS NULL")).isEqualTo("t");
    // The table can be adopted afresh after an abort.
    CliRun adopted = CliRun.run(Map.of(), command(table));
    assertThat(adopted.exitCode()).as(adopted.toString()).isZero();
    assertThat(adopted.err())
        .contains(": copy public." + table + " in key order")
        .contains("copied 20,000 rows in")
        .contains(": swap")
        .doesNotContain("MB");
    assertThat(fingerprint(table)).isEqualTo(rows);
  }

  @Test
  void abortAfterTheSwapIsRefusedAndChangesNothing() throws Exception {
    String table = newTable();
    assertThat(HaltingRun.run(config, scratch, "adopt.after_swap=halt", haltingCommand(table)))
        .isEqualTo(137);
    CliRun aborted = CliRun.run(Map.of(), "adopt", table, "--abort", "-c", config.toString());
    assertThat(aborted.exitCode()).isEqualTo(1);
    assertThat(aborted.err()).contains("has already swapped").contains("rerun `strata adopt`");
    String[] json = java.util.Arrays.copyOf(command(table), command(table).length + 1);
    json[json.length - 1] = "--json";
    CliRun finished = CliRun.run(Map.of(), json);
    assertThat(finished.exitCode()).as(finished.toString()).isZero();
    assertThat(finished.out())
        .contains("\"schema_version\" : 1")
        .contains("\"state\" : \"done\"")
        .contains("\"old_table\" : \"public." + table + "_strata_old\"");
    CliRun drop = CliRun.run(Map.of(), "adopt", table, "--drop-old", "-c", config.toString());
    assertThat(drop.exitCode()).as(drop.toString()).isZero();
    assertThat(query("SELECT to_regclass('" + table + "_strata_old') IS NULL")).isEqualTo("t");
  }
}
