package dev.strata.explain;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * {@code strata explain}: where each part of one statement ran. Per partitioned table involved,
 * every partition with its state (scanned or pruned), tier, remote query and what ran where; every
 * Foreign Scan node; and findings: what did not run on the servers, why, and the fix. Immutable;
 * rendered as text or JSON by the command line.
 *
 * @param statement the statement explained, as given (without a trailing semicolon)
 * @param analyzed whether it ran ({@code EXPLAIN ANALYZE}, in a rolled-back read-only transaction)
 * @param settings planner settings in effect that decide pushdown, and any the caller set
 * @param tables every partitioned table whose partitions the plan scans, or the statement names
 * @param foreignScans every Foreign Scan node of the plan, in plan order
 * @param findings what was not pushed to the servers, with the reason and the fix; empty when
 *     everything that could run remotely did
 * @param rowsOverNetwork with ANALYZE: rows all Foreign Scans received from their servers
 * @param rowsOverNetworkByServer with ANALYZE: the same per foreign server
 * @param planningMillis with ANALYZE: PostgreSQL's planning time
 * @param executionMillis with ANALYZE: PostgreSQL's execution time
 */
public record ExplainReport(
    String statement,
    boolean analyzed,
    Map<String, String> settings,
    List<TableReport> tables,
    List<ForeignScanReport> foreignScans,
    List<Finding> findings,
    OptionalLong rowsOverNetwork,
    Map<String, Long> rowsOverNetworkByServer,
    Optional<Double> planningMillis,
    Optional<Double> executionMillis) {
  public ExplainReport {
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    tables = List.copyOf(tables);
    foreignScans = List.copyOf(foreignScans);
    findings = List.copyOf(findings);
    rowsOverNetworkByServer = Collections.unmodifiableMap(new TreeMap<>(rowsOverNetworkByServer));
  }

  /** Whether a partition took part in the plan. */
  public enum PartitionState {
    /** Scanned (with ANALYZE: executed at least once). */
    SCANNED,
    /** In the plan but never executed: pruned while running (ANALYZE only). */
    NOT_EXECUTED,
    /** Absent from the plan: pruned when planning or when the executor started. */
    PRUNED;

    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
  }

  /** Where a step of the query ran. */
  public enum Placement {
    /** On the foreign server, inside the Remote SQL. */
    REMOTE,
    /** On the coordinator, after the rows came over the network (or from a local partition). */
    LOCAL;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A partitioned table the statement reads.
   *
   * @param table the parent
   * @param partitionKey {@code pg_get_partkeydef}, e.g. {@code RANGE ("time")}
   * @param keyColumns the partition key's columns
   * @param partitions its leaf partitions in key order (sub-partitions expanded)
   */
  public record TableReport(
      String table,
      String partitionKey,
      List<String> keyColumns,
      List<PartitionReport> partitions) {
    public TableReport {
      keyColumns = List.copyOf(keyColumns);
      partitions = List.copyOf(partitions);
    }

    public long count(PartitionState state) {
      return partitions.stream().filter(p -> p.state() == state).count();
    }
  }

  /**
   * One partition.
   *
   * @param name the partition
   * @param bound its bound as PostgreSQL prints it
   * @param tier {@code local} or the foreign server holding it
   * @param remoteTable {@code schema.table} on the server, for foreign partitions
   * @param state scanned, not executed, or pruned
   * @param scans how it was scanned, as EXPLAIN names the nodes (a partition can be scanned more
   *     than once, e.g. in a self-join)
   * @param remoteSql the queries sent to its server
   * @param remoteConditions conditions its server evaluated (from the Remote SQL's WHERE)
   * @param localConditions conditions the coordinator evaluated on its rows (Filter of the scan)
   * @param aggregate where an aggregate over its rows ran, if the statement aggregates
   * @param sort where its rows were sorted, if they were
   * @param limit where a LIMIT over its rows was applied, if there is one
   * @param join where a join with its rows ran, if there is one
   * @param rows with ANALYZE: rows its scans returned (after local conditions)
   * @param rowsOverNetwork with ANALYZE, for foreign partitions: rows its server sent; a pushed
   *     join counts for every partition in it
   */
  public record PartitionReport(
      String name,
      String bound,
      String tier,
      Optional<String> remoteTable,
      PartitionState state,
      List<String> scans,
      List<String> remoteSql,
      List<String> remoteConditions,
      List<String> localConditions,
      Optional<Placement> aggregate,
      Optional<Placement> sort,
      Optional<Placement> limit,
      Optional<Placement> join,
      OptionalLong rows,
      OptionalLong rowsOverNetwork) {
    public PartitionReport {
      scans = List.copyOf(scans);
      remoteSql = List.copyOf(remoteSql);
      remoteConditions = List.copyOf(remoteConditions);
      localConditions = List.copyOf(localConditions);
    }
  }

  /**
   * One Foreign Scan node.
   *
   * @param server its foreign server
   * @param relations the foreign tables it reads (several for a pushed join)
   * @param remoteSql the query it sends
   * @param remoteConditions conditions the server evaluates
   * @param localConditions conditions the coordinator evaluates on the rows it receives
   * @param async whether it runs asynchronously (Async Foreign Scan)
   * @param aggregatePushed whether it is a pushed aggregate ({@code Aggregate on ...})
   * @param joinPushed whether it is a pushed join
   * @param sortPushed whether its Remote SQL has ORDER BY
   * @param limitPushed whether its Remote SQL has LIMIT
   * @param rowsOverNetwork with ANALYZE: rows it received, before local conditions
   */
  public record ForeignScanReport(
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
    public ForeignScanReport {
      relations = List.copyOf(relations);
      remoteConditions = List.copyOf(remoteConditions);
      localConditions = List.copyOf(localConditions);
    }
  }

  /** What a finding is about. */
  public enum FindingKind {
    NON_IMMUTABLE_FUNCTION("non-immutable function"),
    EXTENSION_NOT_LISTED("extension not in the server's extensions option"),
    FUNCTION_NOT_SHIPPABLE("user-defined function"),
    CONDITION_NOT_PUSHED("condition not pushed"),
    CONSTANT_TEXT_ARGUMENT("function with a constant text argument"),
    CROSS_SERVER_JOIN("join across servers"),
    JOIN_NOT_PUSHED("join not pushed"),
    GROUP_BY_NOT_ON_PARTITION_KEY("GROUP BY not on the partition key"),
    PARTITIONWISE_AGGREGATE_OFF("partitionwise aggregation off"),
    AGGREGATE_NOT_PUSHED("aggregate not pushed"),
    SORT_NOT_PUSHED("sort not pushed"),
    LIMIT_NOT_PUSHED("limit not pushed"),
    SERIAL_FOREIGN_SCANS("foreign partitions scanned one after another"),
    WRITE_ACROSS_SERVERS("write not atomic across servers");

    private final String label;

    FindingKind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * Something that ran on the coordinator although it could have run on a server, or made rows
   * cross the network that need not have.
   *
   * @param kind what it is about
   * @param subject the function, join, GROUP BY, ... in question
   * @param problem what happened and why, in PostgreSQL's terms
   * @param fix what to do about it
   * @param relations the relations (partitions or foreign tables) concerned
   * @param servers their foreign servers
   * @param rowsOverNetwork with ANALYZE: rows the concerned Foreign Scans received
   */
  public record Finding(
      FindingKind kind,
      String subject,
      String problem,
      String fix,
      List<String> relations,
      List<String> servers,
      OptionalLong rowsOverNetwork) {
    public Finding {
      relations = List.copyOf(relations);
      servers = List.copyOf(servers);
    }
  }
}
