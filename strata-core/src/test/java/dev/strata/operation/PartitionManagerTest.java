package dev.strata.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PartitionManagerTest {
  static TestLayout layout;
  static PartitionManager manager;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("partition_manager_test");
    StrataConfig config = layout.config();
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    manager = new PartitionManager(new Connections(config));
    String columns =
        "(id int NOT NULL, name text NOT NULL, time timestamp NOT NULL, salary numeric(10,2))";
    layout.sql(
        layout.main(),
        "CREATE TABLE emp " + columns + " PARTITION BY RANGE (time)",
        "CREATE TABLE with_key (id int PRIMARY KEY, time timestamp NOT NULL) PARTITION BY RANGE (id)",
        "CREATE TABLE plain (id int)",
        "CREATE TABLE \"Ünïcode; \"\"Tbl\"\"\" (k int NOT NULL, v text) PARTITION BY RANGE (k)");
    layout.sql(
        layout.archiveA(),
        "CREATE TABLE emp_2023 " + columns,
        "INSERT INTO emp_2023 VALUES (1, 'a', '2023-03-01', 10), (2, 'b', '2023-12-31 23:59:59', 20)",
        "CREATE TABLE emp_2022 " + columns,
        "INSERT INTO emp_2022 VALUES (3, 'c', '2022-05-01', 30), (4, 'd', '2023-01-01', 40)",
        "CREATE TABLE emp_2021 (id int NOT NULL, name text NOT NULL, time timestamp NOT NULL, salary numeric(12,2))",
        "CREATE TABLE emp_2020 (id int NOT NULL, name text, time timestamp NOT NULL, salary numeric(10,2), extra int)",
        "INSERT INTO emp_2020 VALUES (5, NULL, '2020-02-02', 1, 0)",
        "CREATE TABLE emp_2019 (id int NOT NULL, name text NOT NULL, time timestamp NOT NULL, salary numeric(10,2), extra int)",
        "INSERT INTO emp_2019 VALUES (6, 'f', '2019-02-02', 1, 0)",
        "CREATE SCHEMA \"Arch Ive\"",
        "CREATE TABLE \"Arch Ive\".\"Ünïcode; \"\"Tbl\"\"_1\" (k int NOT NULL, v text)",
        "INSERT INTO \"Arch Ive\".\"Ünïcode; \"\"Tbl\"\"_1\" VALUES (1, 'x'), (9, 'y')");
    layout.sql(
        layout.archiveB(), "CREATE TABLE emp_2018 " + columns, "CREATE TABLE emp_2017 " + columns);
  }

  private static AttachRequest request(
      String table, String server, String remote, String from, String to) {
    return new AttachRequest(
        QualifiedName.parse(table),
        server,
        List.of(new AttachRequest.Remote(QualifiedName.parse(remote), from, to, Optional.empty())),
        false);
  }

  private static String partitionsOf(String table) {
    return layout.queryString(
        layout.main(),
        "SELECT string_agg(inhrelid::regclass::text, ',' ORDER BY inhrelid::regclass::text) FROM pg_inherits"
            + " WHERE inhparent = '"
            + table
            + "'::regclass");
  }

  @Test
  void attachesACheckedRemoteTableAndQueriesThroughTheParent() {
    AttachPlan plan =
        manager.planAttach(request("emp", "archive_a", "emp_2023", "2023-01-01", "2024-01-01"));
    assertThat(plan.items())
        .singleElement()
        .satisfies(
            item -> {
              assertThat(item.remoteRows()).isEqualTo(2);
              assertThat(item.bounds().toString())
                  .isEqualTo("FROM ('2023-01-01 00:00:00') TO ('2024-01-01 00:00:00')");
            });
    assertThat(plan.statements())
        .extracting(s -> s.sql())
        .containsExactly(
            "CREATE FOREIGN TABLE \"public\".\"emp_2023\" (\"id\" integer NOT NULL, \"name\" text NOT NULL,"
                + " \"time\" timestamp without time zone NOT NULL, \"salary\" numeric(10,2)) SERVER \"archive_a\""
                + " OPTIONS (schema_name 'public', table_name 'emp_2023')",
            "ALTER TABLE \"public\".\"emp\" ATTACH PARTITION \"public\".\"emp_2023\" FOR VALUES FROM"
                + " ('2023-01-01 00:00:00') TO ('2024-01-01 00:00:00')");
    manager.attach(plan);
    assertThat(
            layout.queryString(
                layout.main(), "SELECT sum(salary) FROM emp WHERE time < '2024-01-01'"))
        .isEqualTo("30.00");
  }

  @Test
  void attachesSeveralInOneTransactionOrNone() {
    var both =
        new AttachRequest(
            QualifiedName.parse("emp"),
            "archive_b",
            List.of(
                new AttachRequest.Remote(
                    QualifiedName.parse("emp_2018"), "2018-01-01", "2019-01-01", Optional.empty()),
                new AttachRequest.Remote(
                    QualifiedName.parse("emp_2017"),
                    "2017-01-01",
                    "2018-01-01",
                    Optional.of(QualifiedName.parse("emp_y2017")))),
            true);
    manager.attach(manager.planAttach(both));
    assertThat(partitionsOf("emp")).contains("emp_2018", "emp_y2017");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT ftoptions::text FROM pg_foreign_table WHERE ftrelid = 'emp_y2017'::regclass"))
        .contains("updatable=false");
    assertThatThrownBy(
            () -> layout.sql(layout.main(), "INSERT INTO emp VALUES (1, 'late', '2017-05-05', 1)"))
        .hasMessageContaining("foreign table \"emp_y2017\" does not allow inserts");
  }

  @Test
  void refusesRowsOutsideTheBoundsAndChangesNothing() {
    String before = partitionsOf("emp");
    expectRefusal(
        () ->
            manager.planAttach(request("emp", "archive_a", "emp_2022", "2022-01-01", "2023-01-01")),
        ErrorCode.CHECK_FAILED,
        "remote table public.emp_2022 on server archive_a holds 1 of its 2 rows outside the partition"
            + " FROM ('2022-01-01 00:00:00') TO ('2023-01-01 00:00:00')");
    assertThat(partitionsOf("emp")).isEqualTo(before);
  }

  @Test
  void refusesDifferentColumnsNullsAndMissingTables() {
    expectRefusal(
        () ->
            manager.planAttach(request("emp", "archive_a", "emp_2021", "2021-01-01", "2022-01-01")),
        ErrorCode.CHECK_FAILED,
        "does not match public.emp: column salary is numeric(12,2) there but numeric(10,2) in public.emp");
    expectRefusal(
        () ->
            manager.planAttach(request("emp", "archive_a", "emp_2020", "2020-01-01", "2021-01-01")),
        ErrorCode.CHECK_FAILED,
        "has 1 rows with NULL in column name, which is NOT NULL in public.emp");
    expectRefusal(
        () ->
            manager.planAttach(request("emp", "archive_a", "emp_1999", "1999-01-01", "2000-01-01")),
        ErrorCode.INVALID_TARGET,
        "remote table public.emp_1999 does not exist on server archive_a");
    AttachPlan extra =
        manager.planAttach(request("emp", "archive_a", "emp_2019", "2019-01-01", "2020-01-01"));
    assertThat(extra.warnings())
        .singleElement()
        .asString()
        .contains("columns the parent does not have (extra)");
  }

  @Test
  void refusesBadParentsBoundsAndServers() {
    expectRefusal(
        () ->
            manager.planAttach(
                request("nope", "archive_a", "emp_2023", "2023-01-01", "2024-01-01")),
        ErrorCode.INVALID_TARGET,
        "table public.nope does not exist on the coordinator");
    expectRefusal(
        () ->
            manager.planAttach(
                request("plain", "archive_a", "emp_2023", "2023-01-01", "2024-01-01")),
        ErrorCode.INVALID_TARGET,
        "public.plain is not a partitioned table");
    expectRefusal(
        () -> manager.planAttach(request("with_key", "archive_a", "emp_2023", "1", "2")),
        ErrorCode.CHECK_FAILED,
        "has a primary key or unique index (with_key_pkey)");
    assertThatThrownBy(
            () -> manager.planAttach(request("with_key", "archive_a", "emp_2023", "1", "2")))
        .satisfies(
            e ->
                assertThat(((StrataException) e).hint())
                    .contains("strata adopt TABLE --by COLUMN --interval I --keys per-partition")
                    .contains("docs/adopt.md"));
    expectRefusal(
        () ->
            manager.planAttach(request("emp", "archive_a", "emp_2022", "2023-13-45", "2024-01-01")),
        ErrorCode.USAGE,
        "--from '2023-13-45' is not a valid timestamp without time zone");
    expectRefusal(
        () ->
            manager.planAttach(request("emp", "archive_a", "emp_2022", "2024-01-01", "2023-01-01")),
        ErrorCode.USAGE,
        "is empty: --from must be less than --to");
    expectRefusal(
        () ->
            manager.planAttach(
                request("emp", "archive_zz", "emp_2023", "2023-01-01", "2024-01-01")),
        ErrorCode.USAGE,
        "no server named \"archive_zz\" in the configuration");
  }

  @Test
  void overlappingBoundsAreRefusedByPostgresAndRolledBack() {
    manager.create(
        manager.planCreate(
            QualifiedName.parse("emp"), "2030-01-01", "2031-01-01", Optional.empty()));
    layout.sql(
        layout.archiveB(),
        "CREATE TABLE overlap "
            + "(id int NOT NULL, name text NOT NULL, time timestamp NOT NULL, salary numeric(10,2))");
    AttachPlan plan =
        manager.planAttach(request("emp", "archive_b", "overlap", "2030-06-01", "2031-06-01"));
    expectRefusal(
        () -> manager.attach(plan), ErrorCode.USAGE, "would overlap partition \"emp_2030\"");
    assertThat(partitionsOf("emp")).doesNotContain("overlap");
    assertThat(
            layout.queryString(
                layout.main(), "SELECT count(*) FROM pg_class WHERE relname = 'overlap'"))
        .isEqualTo("0");
  }

  @Test
  void handlesQuotedUnicodeAndSemicolonNamesLiterally() {
    var request =
        new AttachRequest(
            QualifiedName.parse("\"Ünïcode; \"\"Tbl\"\"\""),
            "archive_a",
            List.of(
                new AttachRequest.Remote(
                    QualifiedName.of("Arch Ive", "Ünïcode; \"Tbl\"_1"),
                    "0",
                    "10",
                    Optional.empty())),
            false);
    manager.attach(manager.planAttach(request));
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM \"Ünïcode; \"\"Tbl\"\"\""))
        .isEqualTo("2");
    var created =
        manager.planCreate(
            QualifiedName.parse("\"Ünïcode; \"\"Tbl\"\"\""), "10", "20", Optional.empty());
    assertThat(created.name().name()).isEqualTo("Ünïcode; \"Tbl\"_10_20");
    manager.create(created);
  }

  @Test
  void createsLocalPartitionsNamedByPeriod() {
    var plan =
        manager.planCreate(
            QualifiedName.parse("emp"), "2025-01-01", "2026-01-01", Optional.empty());
    assertThat(plan.name()).isEqualTo(QualifiedName.of("public", "emp_2025"));
    manager.create(plan);
    layout.sql(layout.main(), "INSERT INTO emp VALUES (7, 'g', '2025-06-01', 1)");
    assertThat(
            layout.queryString(
                layout.main(), "SELECT tableoid::regclass::text FROM emp WHERE id = 7"))
        .isEqualTo("emp_2025");
    expectRefusal(
        () ->
            manager.planCreate(
                QualifiedName.parse("emp"), "2025-01-01", "2026-01-01", Optional.empty()),
        ErrorCode.INVALID_TARGET,
        "public.emp_2025 already exists on the coordinator");
  }

  private static void expectRefusal(ThrowingCallable call, ErrorCode code, String messagePart) {
    assertThatThrownBy(call)
        .isInstanceOf(StrataException.class)
        .hasMessageContaining(messagePart)
        .satisfies(e -> assertThat(((StrataException) e).code()).isEqualTo(code));
  }
}
