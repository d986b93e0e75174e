package dev.strata.cli;

import dev.strata.explain.ExplainReport;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code explain --json}: docs/json.md#explain. The same facts as {@link ExplainReport}; its enums
 * appear as lower-case names ({@code scanned}, {@code remote}, {@code cross_server_join}).
 */
record ExplainDocument(
    String statement,
    boolean analyzed,
    Map<String, String> settings,
    List<Table> tables,
    List<ForeignScan> foreignScans,
    List<Finding> findings,
    OptionalLong rowsOverNetwork,
    Map<String, Long> rowsOverNetworkByServer,
    Optional<Double> planningMs,
    Optional<Double> executionMs) {

  static ExplainDocument of(ExplainReport report) {
    return new ExplainDocument(
        report.statement(),
        report.analyzed(),
        report.settings(),
        report.tables().stream().map(Table::of).toList(),
        report.foreignScans().stream().map(ForeignScan::of).toList(),
        report.findings().stream().map(Finding::of).toList(),
        report.rowsOverNetwork(),
        report.rowsOverNetworkByServer(),
        report.planningMillis(),
        report.executionMillis());
  }

  record Table(
      String table, String partitionKey, List<String> keyColumns, List<Partition> partitions) {
    static Table of(ExplainReport.TableReport table) {
      return new Table(
          table.table(),
          table.partitionKey(),
          table.keyColumns(),
          table.partitions().stream().map(Partition::of).toList());
    }
  }

  record Partition(
      String name,
      String bound,
      String tier,
      Optional<String> remoteTable,
      String state,
      List<String> scans,
      List<String> remoteSql,
      List<String> remoteConditions,
      List<String> localConditions,
      Optional<String> aggregate,
      Optional<String> sort,
      Optional<String> limit,
      Optional<String> join,
      OptionalLong rows,
      OptionalLong rowsOverNetwork) {
    static Partition of(ExplainReport.PartitionReport partition) {
      return new Partition(
          partition.name(),
          partition.bound(),
          partition.tier(),
          partition.remoteTable(),
          lowerCase(partition.state()),
          partition.scans(),
          partition.remoteSql(),
          partition.remoteConditions(),
          partition.localConditions(),
          partition.aggregate().map(ExplainDocument::lowerCase),
          partition.sort().map(ExplainDocument::lowerCase),
          partition.limit().map(ExplainDocument::lowerCase),
          partition.join().map(ExplainDocument::lowerCase),
          partition.rows(),
          partition.rowsOverNetwork());
    }
  }

  record ForeignScan(
      String server,
      List<String> relations,
      String remoteSql,
      List<String> remoteConditions,
      List<String> localConditions,
      boolean async,
      boolean aggregatePushed,
      boolean joinPushed,
      boolean sortPushed,
      boolean limitPushed,
      OptionalLong rowsOverNetwork) {
    static ForeignScan of(ExplainReport.ForeignScanReport scan) {
      return new ForeignScan(
          scan.server(),
          scan.relations(),
          scan.remoteSql(),
          scan.remoteConditions(),
          scan.localConditions(),
          scan.async(),
          scan.aggregatePushed(),
          scan.joinPushed(),
          scan.sortPushed(),
          scan.limitPushed(),
          scan.rowsOverNetwork());
    }
  }

  record Finding(
      String kind,
      String subject,
      String problem,
      String fix,
      List<String> relations,
      List<String> servers,
      OptionalLong rowsOverNetwork) {
    static Finding of(ExplainReport.Finding finding) {
      return new Finding(
          lowerCase(finding.kind()),
          finding.subject(),
          finding.problem(),
          finding.fix(),
          finding.relations(),
          finding.servers(),
          finding.rowsOverNetwork());
    }
  }

  private static String lowerCase(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
