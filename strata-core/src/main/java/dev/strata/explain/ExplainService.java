package dev.strata.explain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.ForeignServer;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionedTable;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.connect.ForeignServerProbe;
import dev.strata.connect.SqlStates;
import dev.strata.sql.QualifiedName;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code strata explain}: runs {@code EXPLAIN (VERBOSE, FORMAT JSON)} on the coordinator and reads
 * the plan into an {@link ExplainReport} (see {@link PlanAnalyzer} for the rules).
 *
 * <p>Safety. The statement runs only with {@code analyze}, and then only if it reads: its first
 * keyword must be SELECT, WITH, TABLE or VALUES, its plan (explained first without ANALYZE) must
 * contain no ModifyTable (a data-modifying WITH) and no LockRows (FOR UPDATE), and it runs in a
 * {@code READ ONLY} transaction that is always rolled back, so even a function with side effects
 * fails instead of writing. A second statement after a semicolon is refused in every mode: the JDBC
 * driver would run it outside EXPLAIN. Without {@code analyze} nothing is executed; the plan is
 * made in a transaction that is rolled back too, as are the settings applied for it.
 *
 * <p>The catalog is read on the same connection, inside the same transaction, after the plan: the
 * plan and the partitions it is compared with are one consistent picture.
 */
public final class ExplainService {
  /** Settings that decide what postgres_fdw can push, reported with every plan. */
  static final List<String> PLANNER_SETTINGS =
      List.of("enable_partitionwise_aggregate", "enable_partitionwise_join", "enable_async_append");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Connections connections;

  public ExplainService(Connections connections) {
    this.connections = connections;
  }

  public ExplainReport explain(ExplainRequest request) {
    StatementText statement = check(request);
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      Connection connection = coordinator.connection();
      Set<String> servers = Set.of();
      if (request.analyze()) {
        servers = checkBeforeRunning(coordinator, statement, request);
      }
      try {
        connection.setAutoCommit(false);
        if (request.analyze()) {
          coordinator.execute("SET TRANSACTION READ ONLY");
        }
        for (Map.Entry<String, String> setting : request.settings().entrySet()) {
          applySetting(coordinator, setting.getKey(), setting.getValue());
        }
        JsonNode output;
        try {
          output = explain(coordinator, statement, request.analyze());
        } catch (StrataException e) {
          throw timedOut(e, servers);
        }
        PlanWalk walk = PlanWalk.of(plan(output));
        CatalogReader catalog = new CatalogReader(coordinator);
        Map<String, String> settings = settings(catalog, request.settings());
        CatalogFacts facts = facts(catalog, statement, walk, settings);
        ExplainReport report =
            PlanAnalyzer.analyze(
                statement,
                request.analyze(),
                walk,
                facts,
                settings,
                milliseconds(output, "Planning Time"),
                milliseconds(output, "Execution Time"));
        InsertRouting routing = new InsertRouting(coordinator);
        return WriteSpread.find(statement, walk, facts, routing::route)
            .map(finding -> withFirstFinding(report, finding))
            .orElse(report);
      } catch (SQLException e) {
        throw coordinator.failure("BEGIN", e);
      } finally {
        rollback(connection);
      }
    }
  }

  /** The most consequential finding, a write that is not atomic, comes first. */
  private static ExplainReport withFirstFinding(ExplainReport report, ExplainReport.Finding first) {
    List<ExplainReport.Finding> findings = new ArrayList<>();
    findings.add(first);
    findings.addAll(report.findings());
    return new ExplainReport(
        report.statement(),
        report.analyzed(),
        report.settings(),
        report.tables(),
        report.foreignScans(),
        findings,
        report.rowsOverNetwork(),
        report.rowsOverNetworkByServer(),
        report.planningMillis(),
        report.executionMillis());
  }

  /** Refuses what must not run, before connecting; returns the statement read. */
  static StatementText check(ExplainRequest request) {
    StatementText statement = StatementText.of(request.statement());
    if (statement.isEmpty()) {
      throw new StrataException(
          ErrorCode.USAGE,
          "no statement to explain",
          "give one SQL statement, e.g. strata explain \"SELECT count(*) FROM emp\"");
    }
    if (statement.moreStatements()) {
      throw new StrataException(
          ErrorCode.USAGE,
          "more than one statement given; strata explain takes exactly one",
          "remove everything after the first semicolon");
    }
    if (statement.firstKeyword().filter(k -> k.equals("EXPLAIN")).isPresent()) {
      throw new StrataException(
          ErrorCode.USAGE,
          "the statement starts with EXPLAIN; strata explain adds it itself",
          "give the statement without EXPLAIN (and use --analyze to run it)");
    }
    if (request.analyze() && !statement.isReading()) {
      throw new StrataException(
          ErrorCode.USAGE,
          "--analyze runs the statement, so it accepts only statements that start with "
              + String.join(", ", StatementText.READING_KEYWORDS)
              + "; this one starts with "
              + statement.firstKeyword().orElse("something else"),
          "run it without --analyze to see its plan without executing it");
    }
    return statement;
  }

  /**
   * Before {@code --analyze} runs the statement: plans it (nothing runs) to refuse writes and to
   * learn which servers it reads from, then probes each of them through the coordinator, bounded by
   * {@code timeouts.connect}. postgres_fdw waits for a server that does not answer without a
   * deadline (PostgreSQL 16+), so this turns "hangs until the statement timeout" into "server X did
   * not answer within 10 s"; the probe's connection stays cached for the statement.
   */
  private Set<String> checkBeforeRunning(
      Database coordinator, StatementText statement, ExplainRequest request) {
    Connection connection = coordinator.connection();
    Set<String> servers = new java.util.TreeSet<>();
    try {
      connection.setAutoCommit(false);
      for (Map.Entry<String, String> setting : request.settings().entrySet()) {
        applySetting(coordinator, setting.getKey(), setting.getValue());
      }
      PlanWalk walk = PlanWalk.of(plan(explain(coordinator, statement, false)));
      refuseWrites(walk);
      Set<QualifiedName> scanned = new LinkedHashSet<>();
      walk.scans().forEach(scan -> scanned.addAll(scan.relations()));
      servers.addAll(new CatalogReader(coordinator).foreignTableServers(scanned).values());
      connection.rollback();
      connection.setAutoCommit(true);
    } catch (SQLException e) {
      throw coordinator.failure("ROLLBACK", e);
    } finally {
      rollback(connection);
    }
    for (String server : servers) {
      ForeignServerProbe.probe(
          coordinator, server, connections.config().timeouts().connect(), Optional.empty());
    }
    return servers;
  }

  /** A statement timeout, said with the servers the statement reads from. */
  private StrataException timedOut(StrataException e, Set<String> servers) {
    if (!(e.getCause() instanceof SQLException sql)
        || !SqlStates.QUERY_CANCELED.equals(sql.getSQLState())) {
      return e;
    }
    java.time.Duration bound = connections.config().timeouts().statement();
    return new StrataException(
        ErrorCode.TIMEOUT,
        "the statement did not finish within "
            + bound.toSeconds()
            + " s (timeouts.statement)"
            + (servers.isEmpty()
                ? ""
                : "; it reads from "
                    + (servers.size() == 1 ? "server " : "servers ")
                    + String.join(", ", servers)
                    + " through postgres_fdw"),
        "`strata doctor` shows whether each server answers; for a statement that needs longer,"
            + " raise it: --set timeouts.statement=30min",
        e);
  }

  private static void applySetting(Database coordinator, String name, String value) {
    try {
      coordinator.execute("SELECT pg_catalog.set_config(?, ?, true)", name, value);
    } catch (StrataException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "cannot set " + name + " = " + value + ": " + e.getMessage(),
          "give a PostgreSQL setting the session may change, e.g. --setting"
              + " enable_partitionwise_aggregate=on",
          e);
    }
  }

  private static void refuseWrites(PlanWalk walk) {
    if (walk.contains("ModifyTable")
        || walk.visits().stream()
            .anyMatch(
                v ->
                    v.node().isForeignScan()
                        && v.node().operation().filter(o -> !o.equals("Select")).isPresent())) {
      throw new StrataException(
          ErrorCode.USAGE,
          "--analyze would run a statement that changes data (its plan has a ModifyTable node,"
              + " e.g. from INSERT, UPDATE or DELETE inside WITH)",
          "run it without --analyze to see its plan without executing it");
    }
    if (walk.contains("LockRows")) {
      throw new StrataException(
          ErrorCode.USAGE,
          "--analyze would run a statement that locks rows (FOR UPDATE or FOR SHARE)",
          "remove the locking clause, or run it without --analyze");
    }
  }

  private static JsonNode explain(Database coordinator, StatementText statement, boolean analyze) {
    // A plain Statement, not a PreparedStatement: the JDBC driver would take a '?' (a jsonb
    // operator, say) for a parameter placeholder.
    String sql =
        "EXPLAIN (VERBOSE, FORMAT JSON" + (analyze ? ", ANALYZE" : "") + ") " + statement.body();
    try (Statement explain = coordinator.connection().createStatement();
        ResultSet rows = explain.executeQuery(sql)) {
      if (!rows.next()) {
        throw new StrataException(ErrorCode.INTERNAL, "EXPLAIN returned no rows");
      }
      return JSON.readTree(rows.getString(1));
    } catch (SQLException e) {
      if (isStatementError(e)) {
        throw new StrataException(
            ErrorCode.USAGE,
            "the coordinator cannot "
                + (analyze ? "run" : "plan")
                + " the statement: "
                + Database.describe(e),
            "fix the statement: it is explained on the coordinator as written, and it ran in a"
                + " transaction that was rolled back",
            e);
      }
      throw coordinator.failure(sql, e);
    } catch (IOException e) {
      throw new StrataException(
          ErrorCode.INTERNAL, "cannot read EXPLAIN's JSON output: " + e.getMessage(), null, e);
    }
  }

  /**
   * A failure of the statement the user gave rather than of the server: a syntax error, an unknown
   * table or column (SQLSTATE class 42, but for a missing privilege), or a bad value (class 22).
   */
  private static boolean isStatementError(SQLException e) {
    String state = e.getSQLState();
    if (state == null || state.equals("42501")) {
      return false;
    }
    return state.startsWith("42") || state.startsWith("22");
  }

  private static PlanNode plan(JsonNode output) {
    return PlanNode.fromJson(output.path(0).path("Plan"));
  }

  private static Optional<Double> milliseconds(JsonNode output, String key) {
    JsonNode value = output.path(0).get(key);
    return value == null || !value.isNumber() ? Optional.empty() : Optional.of(value.asDouble());
  }

  private static Map<String, String> settings(
      CatalogReader catalog, Map<String, String> requested) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (String name : PLANNER_SETTINGS) {
      catalog.server().currentSetting(name).ifPresent(value -> settings.put(name, value));
    }
    for (String name : requested.keySet()) {
      catalog.server().currentSetting(name).ifPresent(value -> settings.put(name, value));
    }
    return settings;
  }

  private static CatalogFacts facts(
      CatalogReader catalog, StatementText statement, PlanWalk walk, Map<String, String> settings) {
    Set<QualifiedName> scanned = new LinkedHashSet<>();
    walk.scans().forEach(scan -> scanned.addAll(scan.relations()));
    // What a statement writes is looked up like what it reads: its partitions' tables, its servers.
    walk.visits().stream()
        .filter(visit -> visit.node().isModifyTable())
        .forEach(visit -> scanned.addAll(visit.node().writtenRelations()));
    Set<QualifiedName> roots = new LinkedHashSet<>(catalog.partitionRoots(scanned).values());
    roots.addAll(catalog.partitionedTablesNamed(statement.identifiers()));
    List<CatalogFacts.InvolvedTable> tables = new ArrayList<>();
    for (QualifiedName root : roots) {
      PartitionedTable table = catalog.partitionedTable(root);
      tables.add(new CatalogFacts.InvolvedTable(table, leaves(catalog, table)));
    }
    Map<QualifiedName, List<Column>> columns = new LinkedHashMap<>();
    for (QualifiedName relation : scanned) {
      catalog.tableColumns(relation).ifPresent(found -> columns.put(relation, found));
    }
    Set<String> functionNames = new LinkedHashSet<>();
    Set<String> operatorNames = new LinkedHashSet<>();
    for (PlanWalk.Visit scan : walk.scans()) {
      if (scan.node().isForeignScan() && scan.node().filter().isPresent()) {
        String filter = scan.node().filter().get();
        ExpressionText.functionCalls(filter).stream()
            .filter(call -> !call.keyword())
            .forEach(call -> functionNames.add(call.name()));
        operatorNames.addAll(ExpressionText.operators(filter));
      }
    }
    Map<String, ForeignServer> servers = new LinkedHashMap<>();
    catalog.server().foreignServers().forEach(server -> servers.put(server.name(), server));
    return new CatalogFacts(
        tables,
        catalog.foreignTableServers(scanned),
        servers,
        columns,
        catalog.functionsNamed(functionNames),
        catalog.operatorsNamed(operatorNames),
        settings,
        catalog.server().version());
  }

  /** Leaf partitions in key order: a sub-partitioned partition is replaced by its own leaves. */
  private static List<Partition> leaves(CatalogReader catalog, PartitionedTable table) {
    List<Partition> leaves = new ArrayList<>();
    for (Partition partition : table.partitions()) {
      if (partition.subPartitioned()) {
        leaves.addAll(leaves(catalog, catalog.partitionedTable(partition.name())));
      } else {
        leaves.add(partition);
      }
    }
    return leaves;
  }

  private static void rollback(Connection connection) {
    try {
      if (!connection.isClosed()) {
        connection.rollback();
      }
    } catch (SQLException e) {
      // The connection is closed right after; PostgreSQL rolls back an open transaction then.
    }
  }
}
