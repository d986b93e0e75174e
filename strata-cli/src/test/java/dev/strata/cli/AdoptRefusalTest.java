package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code strata adopt} refuses, before changing anything: each refusal exits 2 and says what
 * is wrong and what to do, and leaves no trace (no journal row, no new table, no trigger).
 */
class AdoptRefusalTest {
  static final String DATABASE = "adopt_refusal_test";
  @TempDir static Path scratch;
  static Path config;
  static LocalServer main;

  @BeforeAll
  static void setUp() throws Exception {
    main = SharedServers.get().server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    config = CliRun.coordinatorConfig(scratch, main, DATABASE);
    sql(
        "CREATE TABLE plain (id int PRIMARY KEY, at timestamptz NOT NULL, label text, doc jsonb)",
        "INSERT INTO plain SELECT g, now() - g * interval '1 day', 'l' || g, '{}' FROM"
            + " generate_series(1, 100) g",
        "CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at)",
        "CREATE TABLE base (id int PRIMARY KEY, at date)",
        "CREATE TABLE heir (extra int) INHERITS (base)",
        "CREATE UNLOGGED TABLE scratchpad (id int PRIMARY KEY, at date)",
        "CREATE TABLE keyless (at date, note text)",
        "CREATE TABLE parents (id int PRIMARY KEY, at date NOT NULL)",
        "CREATE TABLE children (id int PRIMARY KEY, parent int REFERENCES parents (id))",
        "CREATE TABLE audited (id int PRIMARY KEY, at date)",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "CREATE TRIGGER touch BEFORE UPDATE ON audited FOR EACH ROW EXECUTE FUNCTION touch()");
  }

  @AfterEach
  void nothingChanged() throws SQLException {
    assertThat(
            query(
                "SELECT to_regclass('strata.adoption') IS NULL OR NOT EXISTS (SELECT 1 FROM strata.adoption)"))
        .isEqualTo("t");
    assertThat(query("SELECT count(*) FROM pg_class WHERE relname LIKE '%strata_new%'"))
        .isEqualTo("0");
    assertThat(query("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'strata_adopt%'"))
        .isEqualTo("0");
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

  static CliRun adopt(String... args) {
    List<String> all = new ArrayList<>(List.of("adopt"));
    all.addAll(List.of(args));
    all.addAll(List.of("-c", config.toString()));
    return CliRun.run(Map.of(), all.toArray(String[]::new));
  }

  static void refused(CliRun run, String... words) {
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
    assertThat(run.err()).as(run.toString()).contains(words).doesNotContain("\tat ");
  }

  @Test
  void aMissingTable() {
    refused(adopt("nosuch", "--by", "at", "--interval", "1 month"), "does not exist");
  }

  @Test
  void aMissingColumn() {
    refused(
        adopt("plain", "--by", "att", "--interval", "1 month", "--keys", "per-partition"),
        "column att does not exist in public.plain",
        "did you mean at?");
  }

  @Test
  void aColumnThatCannotBeRangePartitioned() {
    refused(
        adopt("plain", "--by", "doc", "--interval", "1 month", "--keys", "per-partition"),
        "has type jsonb, which Strata cannot range-partition by",
        "date, timestamp, timestamptz");
    refused(
        adopt("plain", "--by", "label", "--interval", "1 month", "--keys", "per-partition"),
        "has type text");
  }

  @Test
  void anIntervalOfTheWrongKind() {
    refused(
        adopt("plain", "--by", "at", "--interval", "30", "--keys", "per-partition"), "has no unit");
    refused(
        adopt("plain", "--by", "id", "--interval", "1 month", "--keys", "per-partition"),
        "not a whole number");
    refused(
        adopt("plain", "--by", "at", "--interval", "1 minute", "--keys", "per-partition"),
        "more than 1000 partitions");
  }

  @Test
  void aTableAlreadyPartitioned() {
    refused(adopt("parted", "--by", "at", "--interval", "1 month"), "already partitioned");
  }

  @Test
  void inheritance() {
    refused(
        adopt("heir", "--by", "at", "--interval", "1 month", "--keys", "per-partition"),
        "inherits from another table",
        "NO INHERIT");
    refused(
        adopt("base", "--by", "at", "--interval", "1 month", "--keys", "per-partition"),
        "has inheritance children");
  }

  @Test
  void unloggedAndTemporaryTables() throws Exception {
    refused(
        adopt("scratchpad", "--by", "at", "--interval", "1 month", "--keys", "per-partition"),
        "is unlogged",
        "SET LOGGED");
    try (Connection session = main.connect(DATABASE);
        var statement = session.createStatement()) {
      statement.execute("CREATE TEMPORARY TABLE fleeting (id int PRIMARY KEY, at date)");
      var rows =
          statement.executeQuery(
              "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                  + " WHERE c.relname = 'fleeting'");
      rows.next();
      refused(
          adopt(
              rows.getString(1) + ".fleeting",
              "--by",
              "at",
              "--interval",
              "1 month",
              "--keys",
              "per-partition"),
          "is a temporary table");
    }
  }

  @Test
  void aTableWithoutAKey() {
    refused(
        adopt("keyless", "--by", "at", "--interval", "1 month"),
        "has no primary key",
        "ADD PRIMARY KEY");
  }

  @Test
  void aKeyWithoutAChoice() {
    refused(
        adopt("plain", "--by", "at", "--interval", "1 month"),
        "choose what becomes of it with --keys",
        "--keys include-partition-key",
        "--keys per-partition");
    refused(
        adopt("plain", "--by", "at", "--interval", "1 month", "--keys", "sometimes"),
        "is not a key mode");
  }

  @Test
  void aForeignKeyThatCouldNotBeKept() {
    refused(
        adopt("parents", "--by", "at", "--interval", "1 year", "--keys", "include-partition-key"),
        "foreign key children_parent_fkey on public.children",
        "its keys must include at",
        "--drop-referencing-foreign-keys");
    refused(
        adopt("parents", "--by", "id", "--interval", "1000", "--keys", "per-partition"),
        "--keys per-partition keeps no key on the table");
  }

  @Test
  void objectsAdoptDoesNotCarryOver() {
    refused(
        adopt("audited", "--by", "at", "--interval", "1 year", "--keys", "per-partition"),
        "trigger touch");
  }

  @Test
  void aDryRunPrintsEveryStepAndChangesNothing() {
    CliRun run =
        adopt(
            "plain", "--by", "at", "--interval", "1 month", "--keys", "per-partition", "--dry-run");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("checks passed; dry run, nothing was executed")
        .contains("CREATE TABLE \"public\".\"plain_strata_new\" (LIKE \"public\".\"plain\"")
        .contains("ENABLE ALWAYS TRIGGER \"strata_adopt_capture\"")
        .contains("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;")
        .contains("LOCK TABLE \"public\".\"plain\" IN ACCESS EXCLUSIVE MODE;")
        .contains("ALTER TABLE \"public\".\"plain_strata_new\" RENAME TO \"plain\";")
        .contains("$1 = <last key of the batch: id>");
  }

  @Test
  void theRequiredOptions() {
    refused(adopt("plain"), "needs --by COLUMN and --interval I");
    refused(adopt("plain", "--abort"), "no unfinished adoption of public.plain");
  }
}
