package dev.strata.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.explain.ExplainReport.Finding;
import dev.strata.explain.ExplainReport.FindingKind;
import dev.strata.explain.ExplainReport.PartitionReport;
import dev.strata.explain.ExplainReport.PartitionState;
import dev.strata.explain.ExplainReport.Placement;
import dev.strata.operation.AttachRequest;
import dev.strata.operation.PartitionManager;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import dev.strata.testkit.LocalServer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code strata explain} against real servers: seed 000's {@code emp} with 2023 on archive_a, 2024
 * on archive_b (both attached by Strata to foreign servers with Strata's defaults, foreign tables
 * analyzed) and 2025 local; 1000 rows per year, a quarter of them in Sales.
 */
class ExplainServiceTest {
  static final QualifiedName EMP = QualifiedName.of("public", "emp");
  static TestLayout layout;
  static StrataConfig config;
  static ExplainService service;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("explain_service_test");
    config = layout.config();
    Connections connections = new Connections(config);
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    layout.sql(
        layout.main(),
        "CREATE TABLE emp (id int NOT NULL, name text NOT NULL, time timestamp NOT NULL,"
            + " department text, salary numeric(10,2)) PARTITION BY RANGE (time)",
        "CREATE TABLE emp_2025 PARTITION OF emp FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        rows("emp_2025", 2025));
    createArchive(layout.archiveA(), 2023);
    createArchive(layout.archiveB(), 2024);
    PartitionManager partitions = new PartitionManager(connections);
    attach(partitions, "archive_a", 2023);
    attach(partitions, "archive_b", 2024);
    layout.sql(layout.main(), "ANALYZE emp_2025", "ANALYZE emp_2023", "ANALYZE emp_2024");
    service = new ExplainService(connections);
  }

  static void createArchive(LocalServer server, int year) {
    layout.sql(
        server,
        "CREATE TABLE emp_"
            + year
            + " (id int NOT NULL, name text NOT NULL, time timestamp NOT NULL,"
            + " department text, salary numeric(10,2))",
        rows("emp_" + year, year),
        "ANALYZE emp_" + year);
  }

  static String rows(String table, int year) {
    return "INSERT INTO "
        + table
        + " SELECT g, 'name' || g, timestamp '"
        + year
        + "-01-01' + (g % 50) * interval '1 day',"
        + " (ARRAY['Sales', 'Engineering', 'HR', 'Marketing'])[1 + g % 4], 1000 + g"
        + " FROM generate_series(1, 1000) g";
  }

  static void attach(PartitionManager partitions, String server, int year) {
    partitions.attach(
        partitions.planAttach(
            new AttachRequest(
                EMP,
                server,
                List.of(
                    new AttachRequest.Remote(
                        QualifiedName.of("public", "emp_" + year),
                        year + "-01-01",
                        (year + 1) + "-01-01",
                        Optional.empty())),
                false)));
  }

  static ExplainReport explain(String sql) {
    return service.explain(ExplainRequest.of(sql, false));
  }

  static ExplainReport analyze(String sql) {
    return service.explain(ExplainRequest.of(sql, true));
  }

  static PartitionReport partition(ExplainReport report, String name) {
    return report.tables().stream()
        .filter(t -> t.table().equals("public.emp"))
        .flatMap(t -> t.partitions().stream())
        .filter(p -> p.name().equals("public." + name))
        .findFirst()
        .orElseThrow();
  }

  static List<Finding> findings(ExplainReport report, FindingKind kind) {
    return report.findings().stream().filter(f -> f.kind() == kind).toList();
  }

  @Test
  void filterOnThePartitionKeyPrunesToOneForeignPartitionAndSendsTheCondition() {
    ExplainReport report =
        explain(
            "SELECT * FROM emp WHERE time >= '2024-01-01' AND time < '2025-01-01'"
                + " AND salary > 1500;");

    assertThat(report.statement()).doesNotEndWith(";");
    assertThat(report.tables())
        .singleElement()
        .satisfies(t -> assertThat(t.keyColumns()).containsExactly("time"));
    assertThat(partition(report, "emp_2023").state()).isEqualTo(PartitionState.PRUNED);
    assertThat(partition(report, "emp_2025").state()).isEqualTo(PartitionState.PRUNED);
    PartitionReport scanned = partition(report, "emp_2024");
    assertThat(scanned.state()).isEqualTo(PartitionState.SCANNED);
    assertThat(scanned.tier()).isEqualTo("archive_b");
    assertThat(scanned.remoteTable()).hasValue("public.emp_2024");
    assertThat(scanned.scans()).containsExactly("Foreign Scan");
    assertThat(scanned.remoteSql())
        .singleElement()
        .asString()
        .contains("FROM public.emp_2024 WHERE", "salary > 1500");
    assertThat(scanned.remoteConditions()).anyMatch(c -> c.contains("salary > 1500"));
    assertThat(scanned.localConditions()).isEmpty();
    assertThat(scanned.rowsOverNetwork()).isEmpty();
    assertThat(report.foreignScans())
        .singleElement()
        .satisfies(scan -> assertThat(scan.server()).isEqualTo("archive_b"));
    assertThat(report.findings()).isEmpty();
  }

  @Test
  void countOfAForeignPartitionIsPushedAsAnAggregate() {
    ExplainReport report = explain("SELECT count(*) FROM emp_2024");

    assertThat(report.foreignScans())
        .singleElement()
        .satisfies(
            scan -> {
              assertThat(scan.aggregatePushed()).isTrue();
              assertThat(scan.remoteSql()).contains("SELECT count(*) FROM public.emp_2024");
            });
    PartitionReport partition = partition(report, "emp_2024");
    assertThat(partition.aggregate()).hasValue(Placement.REMOTE);
    assertThat(partition(report, "emp_2023").state()).isEqualTo(PartitionState.PRUNED);
    assertThat(report.findings()).isEmpty();
  }

  @Test
  void groupByThePartitionKeyIsPushedPerPartitionWithPartitionwiseAggregation() {
    String sql = "SELECT time, count(*) FROM emp GROUP BY time";
    ExplainReport off = explain(sql);
    assertThat(partition(off, "emp_2023").aggregate()).hasValue(Placement.LOCAL);
    assertThat(findings(off, FindingKind.PARTITIONWISE_AGGREGATE_OFF))
        .singleElement()
        .satisfies(f -> assertThat(f.fix()).contains("SET enable_partitionwise_aggregate = on"));

    ExplainReport on =
        service.explain(
            new ExplainRequest(sql, false, Map.of("enable_partitionwise_aggregate", "on")));
    assertThat(on.settings()).containsEntry("enable_partitionwise_aggregate", "on");
    assertThat(partition(on, "emp_2023").aggregate()).hasValue(Placement.REMOTE);
    assertThat(partition(on, "emp_2024").aggregate()).hasValue(Placement.REMOTE);
    assertThat(partition(on, "emp_2024").remoteSql())
        .singleElement()
        .asString()
        .contains("count(*)", "GROUP BY");
    assertThat(on.findings())
        .extracting(Finding::kind)
        .doesNotContain(FindingKind.PARTITIONWISE_AGGREGATE_OFF);
  }

  @Test
  void countThroughTheParentIsFinishedOnTheCoordinator() {
    ExplainReport report =
        explain("SELECT count(*) FROM emp WHERE time >= '2024-01-01' AND time < '2025-01-01'");

    assertThat(partition(report, "emp_2024").aggregate()).hasValue(Placement.LOCAL);
    assertThat(findings(report, FindingKind.AGGREGATE_NOT_PUSHED))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.relations()).containsExactly("public.emp_2024");
              assertThat(f.problem()).contains("no GROUP BY", "never partial");
              assertThat(f.fix()).contains("UNION ALL", "public.emp_2024");
            });
  }

  @Test
  void nowStaysOnTheCoordinatorAndTheFixIsAScalarSubselectOfTheColumnsType() {
    ExplainReport report = explain("SELECT * FROM emp WHERE time < now() AND salary > 1000");

    PartitionReport archived = partition(report, "emp_2023");
    assertThat(archived.state()).isEqualTo(PartitionState.SCANNED);
    assertThat(archived.localConditions()).singleElement().asString().contains("now()");
    assertThat(archived.remoteConditions()).anyMatch(c -> c.contains("salary > 1000"));
    assertThat(findings(report, FindingKind.NON_IMMUTABLE_FUNCTION))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.subject()).isEqualTo("now()");
              assertThat(f.problem()).contains("now() is stable");
              assertThat(f.fix()).contains("(SELECT localtimestamp - interval '1 day')");
              assertThat(f.relations()).containsExactly("public.emp_2023", "public.emp_2024");
              assertThat(f.servers()).containsExactly("archive_a", "archive_b");
            });

    ExplainReport fixed =
        explain("SELECT * FROM emp WHERE time < (SELECT localtimestamp) AND salary > 1000");
    assertThat(partition(fixed, "emp_2023").localConditions()).isEmpty();
    assertThat(partition(fixed, "emp_2023").remoteConditions()).anyMatch(c -> c.contains("$1"));
    assertThat(fixed.findings()).isEmpty();
  }

  @Test
  void randomIsVolatileAndRunsOnTheCoordinator() {
    ExplainReport report = explain("SELECT * FROM emp WHERE random() < 0.5");

    assertThat(partition(report, "emp_2024").localConditions())
        .singleElement()
        .asString()
        .contains("random()");
    assertThat(findings(report, FindingKind.NON_IMMUTABLE_FUNCTION))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.problem()).contains("random() is volatile");
              assertThat(f.fix()).contains("(SELECT random())");
            });
  }

  @Test
  void comparingATimestampColumnWithTimestamptzIsAStableOperator() {
    ExplainReport report =
        explain("SELECT * FROM emp WHERE time > (SELECT now() - interval '10 years')");

    assertThat(findings(report, FindingKind.NON_IMMUTABLE_FUNCTION))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.subject()).isEqualTo("operator > on time (timestamp without time zone)");
              assertThat(f.problem()).contains("timestamp with time zone", "stable");
              assertThat(f.fix()).contains("localtimestamp");
            });
  }

  @Test
  void extractWithItsConstantFieldNameIsNotSent() {
    ExplainReport report =
        explain("SELECT * FROM emp WHERE EXTRACT(YEAR FROM time) = 2024 AND salary > 1000");

    assertThat(partition(report, "emp_2024").localConditions())
        .singleElement()
        .asString()
        .startsWith("EXTRACT(year FROM");
    assertThat(findings(report, FindingKind.CONSTANT_TEXT_ARGUMENT))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.subject()).isEqualTo("EXTRACT(field FROM ...)");
              assertThat(f.problem()).contains("collation");
              assertThat(f.fix()).contains("time >= '2024-01-01' AND time < '2025-01-01'");
            });

    ExplainReport grouped =
        explain("SELECT EXTRACT(YEAR FROM time), count(*) FROM emp_2024 GROUP BY 1");
    assertThat(findings(grouped, FindingKind.AGGREGATE_NOT_PUSHED))
        .singleElement()
        .satisfies(
            f ->
                assertThat(f.problem())
                    .contains("constant text argument", "EXTRACT(YEAR FROM min(time))"));
    ExplainReport whole = explain("SELECT EXTRACT(YEAR FROM min(time)), count(*) FROM emp_2024");
    assertThat(whole.foreignScans())
        .singleElement()
        .satisfies(scan -> assertThat(scan.aggregatePushed()).isTrue());
    assertThat(whole.findings()).isEmpty();
  }

  @Test
  void aFunctionOfAnExtensionNotListedOnTheServerStaysLocalUntilListed() {
    layout.sql(layout.main(), "CREATE EXTENSION IF NOT EXISTS pg_trgm");
    layout.sql(layout.archiveA(), "CREATE EXTENSION IF NOT EXISTS pg_trgm");
    String sql = "SELECT * FROM emp WHERE time < '2024-01-01' AND similarity(name, 'name12') > 0.5";

    ExplainReport report = explain(sql);
    assertThat(partition(report, "emp_2023").localConditions())
        .singleElement()
        .asString()
        .contains("similarity(");
    assertThat(findings(report, FindingKind.EXTENSION_NOT_LISTED))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.subject()).isEqualTo("extension pg_trgm on archive_a");
              assertThat(f.problem()).contains("function public.similarity(text, text)");
              assertThat(f.fix())
                  .contains(
                      "servers.archive_a.fdw.extensions: [pg_trgm]",
                      "ALTER SERVER archive_a OPTIONS (ADD extensions 'pg_trgm')");
            });

    layout.sql(layout.main(), "ALTER SERVER archive_a OPTIONS (ADD extensions 'pg_trgm')");
    try {
      ExplainReport listed = explain(sql);
      assertThat(partition(listed, "emp_2023").localConditions()).isEmpty();
      assertThat(partition(listed, "emp_2023").remoteConditions())
          .anyMatch(c -> c.contains("similarity("));
      assertThat(listed.findings()).isEmpty();

      // pg_trgm's % operator is stable (it reads pg_trgm.similarity_threshold): never sent.
      ExplainReport stable =
          explain("SELECT * FROM emp WHERE time < '2024-01-01' AND name % 'name12'");
      assertThat(findings(stable, FindingKind.NON_IMMUTABLE_FUNCTION))
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.subject()).isEqualTo("operator public.% (text, text)");
                assertThat(f.problem()).contains("of extension pg_trgm is stable");
                assertThat(f.fix()).contains("similarity(a, b) > 0.3");
              });
    } finally {
      layout.sql(layout.main(), "ALTER SERVER archive_a OPTIONS (DROP extensions)");
    }
  }

  @Test
  void aUserDefinedFunctionIsNotSent() {
    layout.sql(
        layout.main(),
        "CREATE OR REPLACE FUNCTION bonus(numeric) RETURNS numeric LANGUAGE plpgsql IMMUTABLE"
            + " AS $$ BEGIN RETURN $1 * 0.1; END $$");
    ExplainReport report = explain("SELECT * FROM emp WHERE bonus(salary) > 150");

    assertThat(findings(report, FindingKind.FUNCTION_NOT_SHIPPABLE))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.subject()).isEqualTo("public.bonus(numeric)");
              assertThat(f.fix()).contains("extension", "servers.<server>.fdw.extensions");
              assertThat(f.servers()).containsExactly("archive_a", "archive_b");
            });
  }

  @Test
  void aJoinOfPartitionsOnTwoServersRunsOnTheCoordinator() {
    ExplainReport report =
        explain(
            "SELECT a.id FROM emp a JOIN emp b ON a.id = b.id"
                + " WHERE a.time < '2024-01-01' AND b.time >= '2024-01-01' AND b.time < '2025-01-01'");

    assertThat(partition(report, "emp_2023").join()).hasValue(Placement.LOCAL);
    assertThat(partition(report, "emp_2025").state()).isEqualTo(PartitionState.PRUNED);
    assertThat(findings(report, FindingKind.CROSS_SERVER_JOIN))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.servers()).containsExactlyInAnyOrder("archive_a", "archive_b");
              assertThat(f.relations())
                  .containsExactlyInAnyOrder("public.emp_2023", "public.emp_2024");
              assertThat(f.problem()).contains("same server");
              assertThat(f.fix()).contains("local copy");
            });
  }

  @Test
  void groupByAColumnThatIsNotThePartitionKeyAggregatesEveryRowLocally() {
    ExplainReport report = explain("SELECT department, count(*) FROM emp GROUP BY department");

    assertThat(partition(report, "emp_2023").aggregate()).hasValue(Placement.LOCAL);
    assertThat(findings(report, FindingKind.GROUP_BY_NOT_ON_PARTITION_KEY))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.subject()).contains("department", "public.emp");
              assertThat(f.problem()).contains("partition key (time)");
              assertThat(f.fix()).contains("enable_partitionwise_aggregate", "UNION ALL");
              assertThat(f.relations()).containsExactly("public.emp_2023", "public.emp_2024");
            });

    assertThat(findings(report, FindingKind.GROUP_BY_NOT_ON_PARTITION_KEY).get(0).fix())
        .doesNotContain("min(time)");

    ExplainReport perYear =
        explain(
            "SELECT EXTRACT(YEAR FROM time) AS year, COUNT(*), AVG(salary), MIN(time), MAX(time)"
                + " FROM emp GROUP BY 1 ORDER BY 1");
    assertThat(findings(perYear, FindingKind.GROUP_BY_NOT_ON_PARTITION_KEY))
        .singleElement()
        .satisfies(
            f ->
                assertThat(f.fix())
                    .contains(
                        "SELECT EXTRACT(YEAR FROM min(time)) AS year, count(*), ... FROM"
                            + " public.emp_2023 UNION ALL",
                        "it would not send GROUP BY EXTRACT(year FROM emp.\"time\")"));
    assertThat(partition(perYear, "emp_2024").sort()).hasValue(Placement.LOCAL);
  }

  @Test
  void analyzeCountsTheRowsThatCrossTheNetwork() {
    ExplainReport report = analyze("SELECT * FROM emp WHERE department = 'Sales'");

    assertThat(report.analyzed()).isTrue();
    assertThat(report.rowsOverNetwork()).hasValue(500);
    assertThat(report.rowsOverNetworkByServer())
        .containsOnly(entry("archive_a", 250L), entry("archive_b", 250L));
    assertThat(partition(report, "emp_2023").rowsOverNetwork()).hasValue(250);
    assertThat(partition(report, "emp_2025").rows()).hasValue(250);
    assertThat(partition(report, "emp_2025").rowsOverNetwork()).isEmpty();
    assertThat(report.executionMillis()).isPresent();

    ExplainReport local = analyze("SELECT * FROM emp WHERE random() >= 0");
    assertThat(local.rowsOverNetwork()).hasValue(2000);
    assertThat(findings(local, FindingKind.NON_IMMUTABLE_FUNCTION))
        .singleElement()
        .satisfies(f -> assertThat(f.rowsOverNetwork()).hasValue(2000));

    ExplainReport pushed = analyze("SELECT count(*) FROM emp_2023");
    assertThat(pushed.rowsOverNetwork()).hasValue(1);
  }

  @Test
  void analyzeRefusesStatementsThatWriteOrLock() {
    assertRefused("DELETE FROM emp", "starts with DELETE");
    assertRefused(
        "WITH gone AS (DELETE FROM emp RETURNING *) SELECT count(*) FROM gone", "ModifyTable");
    assertRefused("SELECT * FROM emp_2025 FOR UPDATE", "locks rows");
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM emp")).isEqualTo("3000");

    ExplainReport plan = explain("DELETE FROM emp WHERE time < '2024-01-01'");
    assertThat(plan.analyzed()).isFalse();
    assertThat(partition(plan, "emp_2023").state()).isEqualTo(PartitionState.SCANNED);
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM emp")).isEqualTo("3000");
  }

  private static void assertRefused(String sql, String message) {
    assertThatThrownBy(() -> analyze(sql))
        .isInstanceOfSatisfying(
            StrataException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.USAGE))
        .hasMessageContaining(message);
  }

  @Test
  void aSecondStatementIsRefusedInEveryMode() {
    assertThatThrownBy(() -> explain("SELECT 1; DELETE FROM emp"))
        .isInstanceOfSatisfying(
            StrataException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.USAGE))
        .hasMessageContaining("more than one statement");
    assertThatThrownBy(() -> explain("EXPLAIN SELECT 1"))
        .hasMessageContaining("starts with EXPLAIN");
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM emp")).isEqualTo("3000");
  }

  @Test
  void aTableWhosePartitionsAreAllPrunedIsStillListed() {
    ExplainReport report = explain("SELECT * FROM emp WHERE time < '1900-01-01'");

    assertThat(report.tables())
        .singleElement()
        .satisfies(
            table -> {
              assertThat(table.count(PartitionState.PRUNED)).isEqualTo(3);
              assertThat(table.count(PartitionState.SCANNED)).isZero();
            });
  }

  @Test
  void partitionsOfAServerWithoutAsyncCapableAreScannedOneAfterAnother() {
    assertThat(explain("SELECT * FROM emp").findings()).isEmpty();
    layout.sql(layout.main(), "ALTER SERVER archive_a OPTIONS (SET async_capable 'false')");
    try {
      ExplainReport report = explain("SELECT * FROM emp");
      assertThat(partition(report, "emp_2023").scans()).containsExactly("Foreign Scan");
      assertThat(partition(report, "emp_2024").scans()).containsExactly("Async Foreign Scan");
      assertThat(findings(report, FindingKind.SERIAL_FOREIGN_SCANS))
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.servers()).containsExactly("archive_a");
                assertThat(f.fix()).contains("async_capable");
              });
    } finally {
      layout.sql(layout.main(), "ALTER SERVER archive_a OPTIONS (SET async_capable 'true')");
    }
  }

  @Test
  void aBadSettingIsAUsageError() {
    assertThatThrownBy(
            () ->
                service.explain(
                    new ExplainRequest("SELECT 1", false, Map.of("no_such_setting", "on"))))
        .isInstanceOfSatisfying(
            StrataException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.USAGE))
        .hasMessageContaining("no_such_setting");
  }
}
