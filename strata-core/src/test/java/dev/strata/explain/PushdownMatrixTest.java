package dev.strata.explain;

import static dev.strata.support.EventsTable.EVENTS;
import static dev.strata.support.EventsTable.partition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.explain.ExplainReport.FindingKind;
import dev.strata.explain.ExplainReport.PartitionReport;
import dev.strata.explain.ExplainReport.PartitionState;
import dev.strata.explain.ExplainReport.Placement;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.PartitionMover;
import dev.strata.support.EventsTable;
import dev.strata.support.MatrixVersions;
import dev.strata.support.TestLayout;
import dev.strata.support.VersionMatrix;
import java.util.List;

/**
 * What postgres_fdw sends to the servers, and what {@code strata explain} says about it, on every
 * PostgreSQL version of the matrix: events 2020 archived to archive_a and 2021 to archive_b, 2022
 * local. Pruning, conditions, aggregates, sorts and limits reach the server on every version, and
 * scans of several servers run concurrently (async Append, PostgreSQL 14+); a CASE condition is
 * sent only from PostgreSQL 15, and on 14 {@code strata explain} says so and how to write it.
 */
class PushdownMatrixTest {
  static ExplainService service(int version, String test) {
    TestLayout layout = MatrixVersions.layout("pushdown_matrix_" + test, version);
    StrataConfig config = layout.config();
    EventsTable.applyForeignServers(config);
    EventsTable.create(layout, 1_000, 2020, 2021, 2022);
    PartitionMover mover = new PartitionMover(new Connections(config), MoveProgress.NONE);
    mover.archive(EVENTS, partition(2020), "archive_a", 1);
    mover.archive(EVENTS, partition(2021), "archive_b", 1);
    layout.sql(layout.main(), "ANALYZE events");
    return new ExplainService(new Connections(config));
  }

  static ExplainReport explain(ExplainService service, String sql) {
    return service.explain(ExplainRequest.of(sql, false));
  }

  static PartitionReport partition2021(ExplainReport report) {
    return report.tables().stream()
        .flatMap(t -> t.partitions().stream())
        .filter(p -> p.name().equals("public.events_2021"))
        .findFirst()
        .orElseThrow();
  }

  static List<ExplainReport.Finding> findings(ExplainReport report, FindingKind kind) {
    return report.findings().stream().filter(f -> f.kind() == kind).toList();
  }

  @VersionMatrix(suite = "explain")
  void pruningConditionsAggregatesSortsAndLimitsReachTheServer(int version) {
    ExplainService service = service(version, "common");

    ExplainReport pruned =
        explain(
            service,
            "SELECT * FROM events WHERE at >= '2021-01-01' AND at < '2022-01-01' AND amount > 100");
    PartitionReport scanned = partition2021(pruned);
    assertThat(scanned.state()).isEqualTo(PartitionState.SCANNED);
    assertThat(scanned.tier()).isEqualTo("archive_b");
    assertThat(String.join(" ", scanned.remoteSql())).contains("amount > 100");
    assertThat(scanned.localConditions()).isEmpty();
    assertThat(pruned.tables().get(0).count(PartitionState.PRUNED)).isEqualTo(2);
    assertThat(pruned.findings()).isEmpty();

    ExplainReport counted = explain(service, "SELECT count(*), sum(amount) FROM events_2021");
    assertThat(partition2021(counted).aggregate()).hasValue(Placement.REMOTE);

    ExplainReport limited =
        explain(service, "SELECT id, stamp FROM events_2021 ORDER BY stamp DESC LIMIT 5");
    assertThat(limited.foreignScans())
        .singleElement()
        .satisfies(
            scan -> {
              assertThat(scan.sortPushed()).isTrue();
              assertThat(scan.limitPushed()).isTrue();
            });

    ExplainReport both = explain(service, "SELECT * FROM events WHERE at < '2022-01-01'");
    assertThat(both.foreignScans()).hasSize(2).allMatch(ExplainReport.ForeignScanReport::async);
    assertThat(findings(both, FindingKind.SERIAL_FOREIGN_SCANS)).isEmpty();
  }

  @VersionMatrix(suite = "explain")
  void aCaseConditionIsSentFromPostgresFifteenAndExplainedBefore(int version) {
    ExplainService service = service(version, "case");

    ExplainReport report =
        explain(
            service, "SELECT * FROM events_2021 WHERE CASE WHEN flag THEN amount ELSE 0 END > 100");

    PartitionReport scanned = partition2021(report);
    if (version >= 15) {
      assertThat(scanned.localConditions()).isEmpty();
      assertThat(String.join(" ", scanned.remoteSql())).contains("CASE WHEN");
      assertThat(findings(report, FindingKind.CONDITION_NOT_PUSHED)).isEmpty();
    } else {
      assertThat(scanned.localConditions()).singleElement().asString().contains("CASE WHEN");
      assertThat(findings(report, FindingKind.CONDITION_NOT_PUSHED))
          .singleElement()
          .satisfies(
              finding -> {
                assertThat(finding.problem())
                    .contains("postgres_fdw sends to the server only from PostgreSQL 15 on")
                    .contains("the coordinator runs PostgreSQL " + version + ".");
                assertThat(finding.fix()).contains("without CASE");
              });
    }
  }
}
