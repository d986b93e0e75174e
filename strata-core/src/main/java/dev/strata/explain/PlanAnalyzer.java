package dev.strata.explain;

import dev.strata.catalog.CatalogReader.FunctionDefinition;
import dev.strata.catalog.CatalogReader.OperatorDefinition;
import dev.strata.catalog.Column;
import dev.strata.catalog.ForeignServer;
import dev.strata.catalog.Partition;
import dev.strata.catalog.Tier;
import dev.strata.catalog.Volatility;
import dev.strata.explain.ExplainReport.Finding;
import dev.strata.explain.ExplainReport.FindingKind;
import dev.strata.explain.ExplainReport.ForeignScanReport;
import dev.strata.explain.ExplainReport.PartitionReport;
import dev.strata.explain.ExplainReport.PartitionState;
import dev.strata.explain.ExplainReport.Placement;
import dev.strata.explain.ExplainReport.TableReport;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Reads a plan and the catalog facts about it into an {@link ExplainReport}: what each partition
 * did, and findings for what ran on the coordinator although it could have run on a server.
 *
 * <p>The rules follow postgres_fdw (PostgreSQL 14 to 18):
 *
 * <ul>
 *   <li>A condition is sent to the server only if every function and operator in it is immutable
 *       and built in (OID below 10000) or belongs to an extension listed in the server's {@code
 *       extensions} option, and a function with a collatable input only if that collation comes
 *       from a column of the foreign table (so {@code EXTRACT(year FROM time)}, whose field name is
 *       a text constant, is not sent). A condition that is not sent appears as the Foreign Scan's
 *       {@code Filter}.
 *   <li>A join is pushed only between foreign tables of the same server (and user mapping); a
 *       pushed join is a Foreign Scan whose {@code Relations} contains {@code JOIN}.
 *   <li>An aggregate is pushed only when a whole aggregate over one foreign table (or pushed join)
 *       can be computed remotely, never a partial one; through a partitioned parent that needs
 *       partitionwise aggregation ({@code enable_partitionwise_aggregate}) with the partition key
 *       in GROUP BY. A pushed aggregate is a Foreign Scan whose {@code Relations} starts with
 *       {@code Aggregate on}.
 *   <li>ORDER BY and LIMIT appear in the Remote SQL when pushed; a Sort or Limit node above a
 *       Foreign Scan ran locally.
 * </ul>
 *
 * <p>Why a condition was not shipped is not in the plan; it is inferred from the names in the
 * printed condition, looked up in the catalog. The inference is advice, stated as such where it is
 * a guess (operators are matched by name and by the types of the columns the condition reads).
 */
final class PlanAnalyzer {
  /** Functions whose value is a point in time: the usual non-immutable calls in time filters. */
  private static final Set<String> CLOCK_FUNCTIONS =
      Set.of(
          "now",
          "current_timestamp",
          "transaction_timestamp",
          "statement_timestamp",
          "clock_timestamp",
          "localtimestamp",
          "current_date",
          "localtime",
          "current_time");

  private static final String TIMESTAMP = "timestamp without time zone";
  private static final String TIMESTAMPTZ = "timestamp with time zone";

  /**
   * A scan in the plan with what its node says.
   *
   * @param visit the node and its ancestors
   * @param relations what it reads
   * @param server for a Foreign Scan, its server
   * @param remoteConditions conditions in the Remote SQL's WHERE
   * @param localConditions conditions of its Filter
   */
  private record ScanInfo(
      PlanWalk.Visit visit,
      List<QualifiedName> relations,
      Optional<String> server,
      List<String> remoteConditions,
      List<String> localConditions) {
    PlanNode node() {
      return visit.node();
    }

    boolean foreign() {
      return node().isForeignScan();
    }

    String remoteSql() {
      return node().remoteSql().orElse("");
    }

    boolean aggregatePushed() {
      return node().relations().map(r -> r.startsWith("Aggregate on")).orElse(false);
    }

    boolean joinPushed() {
      return node().relations().map(r -> r.contains(" JOIN ")).orElse(false);
    }

    boolean sortPushed() {
      return foreign() && ExpressionText.remoteClause(remoteSql(), "order").isPresent();
    }

    boolean limitPushed() {
      return foreign() && ExpressionText.remoteClause(remoteSql(), "limit").isPresent();
    }

    Optional<Placement> aggregate() {
      return placement(aggregatePushed(), PlanNode::isAggregate);
    }

    Optional<Placement> sort() {
      return placement(sortPushed(), PlanNode::isSort);
    }

    Optional<Placement> limit() {
      return placement(limitPushed(), PlanNode::isLimit);
    }

    Optional<Placement> join() {
      return placement(joinPushed(), PlanNode::isJoin);
    }

    private Optional<Placement> placement(boolean pushed, Predicate<PlanNode> above) {
      if (pushed) {
        return Optional.of(Placement.REMOTE);
      }
      return visit.ancestors().stream().anyMatch(above)
          ? Optional.of(Placement.LOCAL)
          : Optional.empty();
    }

    String display() {
      return relations.stream().map(QualifiedName::display).collect(Collectors.joining(" + "));
    }
  }

  private final StatementText statement;
  private final boolean analyzed;
  private final PlanWalk walk;
  private final CatalogFacts facts;
  private final List<ScanInfo> scans = new ArrayList<>();
  private final Map<QualifiedName, CatalogFacts.InvolvedTable> tableOfLeaf = new LinkedHashMap<>();
  private final Map<QualifiedName, Partition> leaves = new LinkedHashMap<>();
  private final FindingList findings = new FindingList();

  private PlanAnalyzer(
      StatementText statement, boolean analyzed, PlanWalk walk, CatalogFacts facts) {
    this.statement = statement;
    this.analyzed = analyzed;
    this.walk = walk;
    this.facts = facts;
    for (CatalogFacts.InvolvedTable table : facts.tables()) {
      for (Partition leaf : table.leaves()) {
        tableOfLeaf.put(leaf.name(), table);
        leaves.put(leaf.name(), leaf);
      }
    }
    for (PlanWalk.Visit visit : walk.scans()) {
      PlanNode node = visit.node();
      List<QualifiedName> relations = visit.relations();
      Optional<String> server =
          node.isForeignScan()
              ? relations.stream()
                  .map(facts.foreignTableServers()::get)
                  .filter(s -> s != null)
                  .findFirst()
              : Optional.empty();
      scans.add(
          new ScanInfo(
              visit,
              relations,
              server,
              node.remoteSql().map(ExpressionText::remoteConditions).orElse(List.of()),
              node.filter().map(ExpressionText::conjuncts).orElse(List.of())));
    }
  }

  static ExplainReport analyze(
      StatementText statement,
      boolean analyzed,
      PlanWalk walk,
      CatalogFacts facts,
      Map<String, String> settings,
      Optional<Double> planningMillis,
      Optional<Double> executionMillis) {
    PlanAnalyzer analyzer = new PlanAnalyzer(statement, analyzed, walk, facts);
    analyzer.conditionFindings();
    analyzer.joinFindings();
    analyzer.aggregateFindings();
    analyzer.sortAndLimitFindings();
    analyzer.serialScanFindings();
    List<ForeignScanReport> foreignScans = analyzer.foreignScanReports();
    OptionalLong total = OptionalLong.empty();
    Map<String, Long> byServer = new TreeMap<>();
    if (analyzed) {
      long sum = 0;
      for (ScanInfo scan : analyzer.scans) {
        if (scan.foreign()) {
          sum += scan.node().rowsBeforeFilter();
          byServer.merge(
              scan.server().orElse("unknown"), scan.node().rowsBeforeFilter(), Long::sum);
        }
      }
      total = OptionalLong.of(sum);
    }
    return new ExplainReport(
        statement.body(),
        analyzed,
        settings,
        analyzer.tableReports(),
        foreignScans,
        analyzer.findings.build(),
        total,
        byServer,
        planningMillis,
        executionMillis);
  }

  // Reports -----------------------------------------------------------------------------------

  private List<TableReport> tableReports() {
    List<TableReport> tables = new ArrayList<>();
    for (CatalogFacts.InvolvedTable involved : facts.tables()) {
      List<PartitionReport> partitions = new ArrayList<>();
      for (Partition leaf : involved.leaves()) {
        partitions.add(partitionReport(leaf));
      }
      tables.add(
          new TableReport(
              involved.table().name().display(),
              involved.table().keyDefinition(),
              involved.table().keyColumns(),
              partitions));
    }
    return tables;
  }

  private PartitionReport partitionReport(Partition partition) {
    List<ScanInfo> mine =
        scans.stream().filter(scan -> scan.relations().contains(partition.name())).toList();
    PartitionState state;
    if (mine.isEmpty()) {
      state = PartitionState.PRUNED;
    } else if (mine.stream().noneMatch(scan -> scan.node().executed())) {
      state = PartitionState.NOT_EXECUTED;
    } else {
      state = PartitionState.SCANNED;
    }
    OptionalLong rows = OptionalLong.empty();
    OptionalLong network = OptionalLong.empty();
    if (analyzed && !mine.isEmpty()) {
      rows = OptionalLong.of(mine.stream().mapToLong(scan -> scan.node().totalRows()).sum());
      if (!partition.isLocal()) {
        network =
            OptionalLong.of(
                mine.stream()
                    .filter(ScanInfo::foreign)
                    .mapToLong(scan -> scan.node().rowsBeforeFilter())
                    .sum());
      }
    }
    return new PartitionReport(
        partition.name().display(),
        partition.bound().expression(),
        partition.tier().label(),
        partition.foreign().map(f -> QualifiedName.of(f.remoteSchema(), f.remoteTable()).display()),
        state,
        distinct(mine.stream().map(scan -> scan.node().label()).toList()),
        distinct(mine.stream().filter(ScanInfo::foreign).map(ScanInfo::remoteSql).toList()),
        distinct(mine.stream().flatMap(scan -> scan.remoteConditions().stream()).toList()),
        distinct(mine.stream().flatMap(scan -> scan.localConditions().stream()).toList()),
        worst(mine.stream().map(ScanInfo::aggregate).toList()),
        worst(mine.stream().map(ScanInfo::sort).toList()),
        worst(mine.stream().map(ScanInfo::limit).toList()),
        worst(mine.stream().map(ScanInfo::join).toList()),
        rows,
        network);
  }

  /** LOCAL if any scan did it locally, else REMOTE if any did it remotely. */
  private static Optional<Placement> worst(List<Optional<Placement>> placements) {
    if (placements.stream().anyMatch(p -> p.equals(Optional.of(Placement.LOCAL)))) {
      return Optional.of(Placement.LOCAL);
    }
    if (placements.stream().anyMatch(p -> p.equals(Optional.of(Placement.REMOTE)))) {
      return Optional.of(Placement.REMOTE);
    }
    return Optional.empty();
  }

  private static List<String> distinct(List<String> values) {
    return List.copyOf(new LinkedHashSet<>(values));
  }

  private List<ForeignScanReport> foreignScanReports() {
    List<ForeignScanReport> reports = new ArrayList<>();
    for (ScanInfo scan : scans) {
      if (!scan.foreign()) {
        continue;
      }
      reports.add(
          new ForeignScanReport(
              scan.server().orElse("unknown"),
              scan.relations().stream().map(QualifiedName::display).toList(),
              scan.remoteSql(),
              scan.remoteConditions(),
              scan.localConditions(),
              scan.node().asyncCapable(),
              scan.aggregatePushed(),
              scan.joinPushed(),
              scan.sortPushed(),
              scan.limitPushed(),
              analyzed ? OptionalLong.of(scan.node().rowsBeforeFilter()) : OptionalLong.empty()));
    }
    return reports;
  }

  // Conditions --------------------------------------------------------------------------------

  private void conditionFindings() {
    for (ScanInfo scan : scans) {
      if (!scan.foreign()) {
        continue;
      }
      for (String condition : scan.localConditions()) {
        diagnoseCondition(scan, condition);
      }
    }
  }

  private void diagnoseCondition(ScanInfo scan, String condition) {
    String server = scan.server().orElse("its server");
    Set<String> listed = extensionsOf(scan.server());
    Map<String, String> columnTypes = columnTypes(scan, condition);
    boolean explained = false;
    for (ExpressionText.FunctionCall call : ExpressionText.functionCalls(condition)) {
      if (call.keyword()) {
        nonImmutableFunction(scan, condition, call.display(), Volatility.STABLE, null, columnTypes);
        explained = true;
        continue;
      }
      List<FunctionDefinition> definitions =
          facts.functions().stream()
              .filter(f -> f.name().equals(call.name()))
              .filter(f -> call.schema().map(f.schema()::equals).orElse(f.visible()))
              .toList();
      if (definitions.isEmpty()) {
        continue;
      }
      boolean allMutable =
          definitions.stream().allMatch(f -> f.volatility() != Volatility.IMMUTABLE);
      boolean userDefined = definitions.stream().noneMatch(FunctionDefinition::builtIn);
      if (allMutable) {
        Volatility volatility =
            definitions.stream().anyMatch(f -> f.volatility() == Volatility.VOLATILE)
                ? Volatility.VOLATILE
                : Volatility.STABLE;
        nonImmutableFunction(
            scan,
            condition,
            call.display() + "()",
            volatility,
            userDefined ? definitions.get(0) : null,
            columnTypes);
        explained = true;
      } else if (userDefined) {
        FunctionDefinition function = definitions.get(0);
        if (function.extension().isPresent()) {
          if (!listed.contains(function.extension().get())) {
            extensionNotListed(
                scan, condition, "function " + function.signature(), function.extension().get());
            explained = true;
          }
        } else {
          findings.add(
              FindingKind.FUNCTION_NOT_SHIPPABLE,
              function.signature(),
              function.signature()
                  + " is a user-defined function that belongs to no extension, so postgres_fdw"
                  + " keeps conditions that call it on the coordinator, e.g. `"
                  + condition
                  + "`: it sends only built-in functions and those of extensions listed in the"
                  + " server's `extensions` option.",
              "Write the condition with built-in functions and operators (a LANGUAGE sql"
                  + " function that PostgreSQL can inline is sent as its body); or package the"
                  + " function as an extension, install it on the coordinator and on each"
                  + " server listed here (same version), add it to `servers.<server>.fdw.extensions`"
                  + " in the config and run `strata apply`.",
              List.of(scan));
          explained = true;
        }
      } else if (call.hasTextConstant()
          && !readsCollatableColumn(call.arguments(), columnTypes)
          && definitions.stream()
              .anyMatch(f -> f.builtIn() && f.volatility() == Volatility.IMMUTABLE)) {
        constantTextArgument(scan, condition, call, columnTypes);
        explained = true;
      }
    }
    if (!explained) {
      explained = diagnoseOperators(scan, condition, listed, columnTypes);
    }
    if (!explained
        && !facts.coordinatorVersion().atLeast(15)
        && ExpressionText.hasCase(condition)) {
      // postgres_fdw deparses CASE expressions from PostgreSQL 15 on; 14 keeps them local.
      findings.add(
          FindingKind.CONDITION_NOT_PUSHED,
          condition,
          "`"
              + condition
              + "` runs on the coordinator on every row "
              + server
              + " sends: it contains a CASE expression, which postgres_fdw sends to the server"
              + " only from PostgreSQL 15 on, and the coordinator runs "
              + facts.coordinatorVersion()
              + ".",
          "Write the condition without CASE (with AND, OR and COALESCE), or upgrade the"
              + " coordinator to PostgreSQL 15 or later.",
          List.of(scan));
      explained = true;
    }
    if (!explained) {
      boolean subPlan = ExpressionText.hasSubPlan(condition);
      findings.add(
          FindingKind.CONDITION_NOT_PUSHED,
          condition,
          "`"
              + condition
              + "` runs on the coordinator on every row "
              + server
              + " sends: postgres_fdw did not send it to the server."
              + (subPlan
                  ? " It contains a sub-select that depends on the row (SubPlan), which"
                      + " postgres_fdw never sends."
                  : " It calls no function Strata recognises as the cause."),
          subPlan
              ? "Rewrite the sub-select as a join, or, if it does not depend on the row, as a"
                  + " scalar sub-select computed once (an InitPlan), whose value postgres_fdw"
                  + " sends as a parameter."
              : "Write it with built-in immutable functions and operators on the table's own"
                  + " columns: postgres_fdw also refuses non-default collations (COLLATE), system"
                  + " columns, whole-row references, types that are not built in, and operators"
                  + " whose result depends on settings (e.g. comparing timestamp with timestamp"
                  + " with time zone).",
          List.of(scan));
    }
  }

  private boolean diagnoseOperators(
      ScanInfo scan, String condition, Set<String> listed, Map<String, String> columnTypes) {
    Set<String> types = new LinkedHashSet<>(columnTypes.values());
    boolean explained = false;
    for (String operator : ExpressionText.operators(condition)) {
      List<OperatorDefinition> relevant =
          facts.operators().stream()
              .filter(o -> o.name().equals(operator))
              .filter(
                  o ->
                      types.contains(o.rightType())
                          || o.leftType().map(types::contains).orElse(false))
              .toList();
      for (OperatorDefinition definition : relevant) {
        if (definition.builtIn()) {
          continue;
        }
        if (definition.volatility() != Volatility.IMMUTABLE) {
          String owner =
              definition.extension().map(e -> " of extension " + e).orElse(" (user-defined)");
          findings.add(
              FindingKind.NON_IMMUTABLE_FUNCTION,
              "operator " + definition.signature(),
              "operator "
                  + definition.signature()
                  + owner
                  + " is "
                  + definition.volatility().label()
                  + ", so postgres_fdw keeps conditions that use it on the coordinator, e.g. `"
                  + condition
                  + "`, even when its extension is listed in the server's `extensions` option.",
              "Use an immutable function or operator instead"
                  + (definition.extension().filter("pg_trgm"::equals).isPresent()
                      ? " (pg_trgm's % depends on pg_trgm.similarity_threshold; write"
                          + " `similarity(a, b) > 0.3`, which is immutable)"
                      : "")
                  + definition
                      .extension()
                      .map(e -> ", with " + e + " in `servers.<server>.fdw.extensions`")
                      .orElse("")
                  + "; or add conditions postgres_fdw can send, so fewer rows come over.",
              List.of(scan));
          return true;
        }
        if (definition.extension().isPresent()) {
          if (!listed.contains(definition.extension().get())) {
            extensionNotListed(
                scan,
                condition,
                "operator " + definition.signature(),
                definition.extension().get());
            explained = true;
          }
        } else {
          findings.add(
              FindingKind.FUNCTION_NOT_SHIPPABLE,
              "operator " + definition.signature(),
              "operator "
                  + definition.signature()
                  + " is user-defined and belongs to no extension, so postgres_fdw keeps"
                  + " conditions that use it on the coordinator, e.g. `"
                  + condition
                  + "`.",
              "Use built-in operators; or package the operator as an extension installed on"
                  + " the coordinator and on each server listed here, and add it to"
                  + " `servers.<server>.fdw.extensions`.",
              List.of(scan));
          explained = true;
        }
        if (explained) {
          return true;
        }
      }
      List<OperatorDefinition> mutable =
          relevant.stream()
              .filter(OperatorDefinition::builtIn)
              .filter(o -> o.volatility() != Volatility.IMMUTABLE)
              .toList();
      if (!mutable.isEmpty()) {
        String column =
            columnTypes.entrySet().stream()
                .filter(
                    entry ->
                        mutable.stream()
                            .anyMatch(
                                o ->
                                    o.rightType().equals(entry.getValue())
                                        || o.leftType()
                                            .map(entry.getValue()::equals)
                                            .orElse(false)))
                .map(entry -> entry.getKey() + " (" + entry.getValue() + ")")
                .findFirst()
                .orElse("a column");
        OperatorDefinition example = mutable.get(0);
        findings.add(
            FindingKind.NON_IMMUTABLE_FUNCTION,
            "operator " + operator + " on " + column,
            "`"
                + condition
                + "` compares "
                + column
                + " with a value of another type; operators such as "
                + example.signature()
                + " are "
                + example.volatility().label()
                + " (their result depends on settings like TimeZone), so postgres_fdw keeps the"
                + " condition on the coordinator. This is inferred from the operator's name and"
                + " the column's type.",
            "Compare with a value of the column's own type, computed once: "
                + valueExample(columnTypes.values())
                + ". A scalar sub-select is evaluated once and sent to the server as a parameter"
                + " ($1).",
            List.of(scan));
        return true;
      }
    }
    return explained;
  }

  private void nonImmutableFunction(
      ScanInfo scan,
      String condition,
      String function,
      Volatility volatility,
      FunctionDefinition userDefined,
      Map<String, String> columnTypes) {
    String name = function.replace("()", "").toLowerCase(Locale.ROOT);
    String problem =
        function
            + " is "
            + volatility.label()
            + ", so postgres_fdw keeps conditions that call it on the coordinator, e.g. `"
            + condition
            + "`: a non-immutable function could give another answer on the server (its clock,"
            + " TimeZone or state). Every row the rest of the query lets through comes over the"
            + " network first.";
    String fix;
    if (volatility == Volatility.VOLATILE) {
      fix =
          function
              + " must give a new value for every row, so it can only run on the coordinator. If"
              + " one value for the whole statement is meant, compute it once in a scalar"
              + " sub-select, `(SELECT "
              + (function.endsWith("()") ? function : function + "()")
              + ")`, which postgres_fdw sends to the server as a parameter; otherwise add"
              + " conditions postgres_fdw can send (on the partition key or other columns) so"
              + " fewer rows come over.";
    } else {
      fix =
          "Compute the value once, before the scan: "
              + (CLOCK_FUNCTIONS.contains(name)
                  ? valueExample(columnTypes.values())
                  : "write it as a scalar sub-select, `(SELECT " + function + " ...)`")
              + ", or bind it as a query parameter. PostgreSQL evaluates it once and postgres_fdw"
              + " sends the value to the server as a parameter ($1), so the condition runs there.";
      if (CLOCK_FUNCTIONS.contains(name) && columnTypes.containsValue(TIMESTAMP)) {
        fix +=
            " Keep the column's type: comparing a timestamp without time zone column with"
                + " now() or current_timestamp (timestamp with time zone) is itself stable and"
                + " stays on the coordinator; use localtimestamp.";
      }
    }
    if (userDefined != null) {
      fix +=
          " If "
              + userDefined.signature()
              + " returns the same result for the same arguments, declare it IMMUTABLE; as a"
              + " user-defined function it must also belong to an extension listed in the"
              + " server's `extensions` option to be sent.";
    }
    findings.add(FindingKind.NON_IMMUTABLE_FUNCTION, function, problem, fix, List.of(scan));
  }

  /** Types whose values have a collation. */
  private static final Set<String> COLLATABLE_TYPES =
      Set.of("text", "character varying", "character", "name", "citext");

  private static boolean readsCollatableColumn(String expression, Map<String, String> columns) {
    Set<String> names = ExpressionText.names(expression);
    return columns.entrySet().stream()
        .anyMatch(c -> names.contains(c.getKey()) && COLLATABLE_TYPES.contains(c.getValue()));
  }

  /**
   * postgres_fdw's collation rule ({@code foreign_expr_walker}): a function whose input collation
   * does not come from a column of the foreign table is not sent. A constant text argument, such as
   * EXTRACT's field name or date_trunc's unit, has the default collation but no remote column
   * behind it, so {@code EXTRACT(year FROM time)} stays local (PostgreSQL 14 to 18), while {@code
   * date_part(text_column, time)} is sent.
   */
  private void constantTextArgument(
      ScanInfo scan,
      String condition,
      ExpressionText.FunctionCall call,
      Map<String, String> columnTypes) {
    String column =
        columnTypes.entrySet().stream()
            .filter(c -> !COLLATABLE_TYPES.contains(c.getValue()))
            .map(Map.Entry::getKey)
            .findFirst()
            .orElse("column");
    String function =
        call.display().toUpperCase(Locale.ROOT).equals("EXTRACT")
            ? "EXTRACT(field FROM ...)"
            : call.display() + "('...', ...)";
    findings.add(
        FindingKind.CONSTANT_TEXT_ARGUMENT,
        function,
        "`"
            + condition
            + "` calls "
            + call.display()
            + " with a constant text argument. postgres_fdw sends a function whose input has a"
            + " collation only when that collation comes from a column of the foreign table, and a"
            + " constant's does not, so the condition runs on the coordinator although "
            + call.display()
            + " is built in and immutable. EXTRACT, date_part and date_trunc with a constant field"
            + " name all behave this way.",
        "Compare the column itself with constants: `"
            + column
            + " >= '2024-01-01' AND "
            + column
            + " < '2025-01-01'` rather than `EXTRACT(year FROM "
            + column
            + ") = 2024` or `date_trunc('year', "
            + column
            + ") = '2024-01-01'`. postgres_fdw sends such a range, and on the partition key it"
            + " also lets PostgreSQL prune partitions.",
        List.of(scan));
  }

  private static String valueExample(Collection<String> columnTypes) {
    if (columnTypes.contains(TIMESTAMP)) {
      return "for a timestamp without time zone column write `(SELECT localtimestamp - interval"
          + " '1 day')`";
    }
    if (columnTypes.contains(TIMESTAMPTZ)) {
      return "for a timestamp with time zone column write `(SELECT now() - interval '1 day')`";
    }
    if (columnTypes.contains("date")) {
      return "for a date column write `(SELECT current_date - 1)`";
    }
    return "write it as a scalar sub-select, `(SELECT ...)`, of the column's type";
  }

  private void extensionNotListed(
      ScanInfo scan, String condition, String object, String extension) {
    String server = scan.server().orElse("its server");
    Set<String> listed = new LinkedHashSet<>(extensionsOf(scan.server()));
    String current = String.join(",", listed);
    listed.add(extension);
    findings.add(
        FindingKind.EXTENSION_NOT_LISTED,
        "extension " + extension + " on " + server,
        "`"
            + condition
            + "` uses "
            + object
            + " of extension "
            + extension
            + ", which is not in the `extensions` option of foreign server "
            + server
            + (current.isEmpty() ? "" : " (" + current + ")")
            + ": postgres_fdw sends an extension's functions and operators only to servers that"
            + " list it, so the condition runs on the coordinator.",
        "Install "
            + extension
            + " on "
            + server
            + " (the same version as on the coordinator), set `servers."
            + server
            + ".fdw.extensions: ["
            + String.join(", ", listed)
            + "]` in the config and run `strata apply`, which runs ALTER SERVER "
            + server
            + " OPTIONS ("
            + (current.isEmpty() ? "ADD" : "SET")
            + " extensions '"
            + String.join(",", listed)
            + "').",
        List.of(scan));
  }

  private Set<String> extensionsOf(Optional<String> server) {
    ForeignServer foreign = server.map(facts.foreignServers()::get).orElse(null);
    if (foreign == null || !foreign.options().containsKey("extensions")) {
      return Set.of();
    }
    Set<String> names = new LinkedHashSet<>();
    for (String name : foreign.options().get("extensions").split(",")) {
      if (!name.isBlank()) {
        names.add(name.strip());
      }
    }
    return names;
  }

  /** The columns of the scanned relation that a condition names, with their types. */
  private Map<String, String> columnTypes(ScanInfo scan, String condition) {
    Set<String> names = ExpressionText.names(condition);
    Map<String, String> types = new LinkedHashMap<>();
    for (QualifiedName relation : scan.relations()) {
      for (Column column : facts.columns().getOrDefault(relation, List.of())) {
        if (names.contains(column.name())) {
          types.putIfAbsent(column.name(), ExpressionText.withoutTypeModifier(column.type()));
        }
      }
    }
    return types;
  }

  // Joins -------------------------------------------------------------------------------------

  private void joinFindings() {
    List<PlanWalk.Visit> joins =
        walk.visits().stream()
            .filter(v -> v.node().isJoin())
            .sorted((a, b) -> Integer.compare(b.ancestors().size(), a.ancestors().size()))
            .toList();
    List<PlanNode> reported = new ArrayList<>();
    for (PlanWalk.Visit join : joins) {
      List<PlanNode> inputs =
          join.node().children().stream().filter(child -> !child.isSubquery()).toList();
      if (inputs.size() != 2) {
        continue;
      }
      boolean containsReported =
          reported.stream()
              .anyMatch(r -> walk.visitOf(r).map(v -> v.isBelow(join.node())).orElse(false));
      if (containsReported) {
        continue;
      }
      List<ScanInfo> left = foreignScansUnder(inputs.get(0));
      List<ScanInfo> right = foreignScansUnder(inputs.get(1));
      if (left.isEmpty() || right.isEmpty()) {
        continue;
      }
      Set<String> servers = new LinkedHashSet<>();
      left.forEach(scan -> servers.add(scan.server().orElse("unknown")));
      right.forEach(scan -> servers.add(scan.server().orElse("unknown")));
      String subject = side(left) + " with " + side(right);
      List<ScanInfo> both = new ArrayList<>(left);
      both.addAll(right);
      String type = join.node().nodeType();
      if (servers.size() > 1) {
        findings.add(
            FindingKind.CROSS_SERVER_JOIN,
            subject,
            "The "
                + type
                + " of "
                + side(left)
                + " and "
                + side(right)
                + " runs on the coordinator: postgres_fdw pushes a join to a server only when"
                + " both sides are foreign tables on that same server, so each side's rows come"
                + " over the network from "
                + String.join(" and ", servers)
                + " and are joined here.",
            "Reduce both sides with conditions postgres_fdw sends (above all on the partition"
                + " key, so fewer partitions take part); keep a local copy of the smaller side on"
                + " the coordinator (a lookup table or materialized view, refreshed on a"
                + " schedule); or place tables that are joined together on the same server.",
            both);
      } else {
        String server = servers.iterator().next();
        boolean partitioned =
            both.stream()
                .anyMatch(scan -> scan.relations().stream().anyMatch(tableOfLeaf::containsKey));
        findings.add(
            FindingKind.JOIN_NOT_PUSHED,
            subject,
            "The "
                + type
                + " of "
                + side(left)
                + " and "
                + side(right)
                + ", both on "
                + server
                + ", runs on the coordinator, so both sides' rows come over the network.",
            "postgres_fdw pushes a join when both tables use the same foreign server and user"
                + " mapping, every join condition can be sent (built-in, immutable), and it"
                + " estimates the remote join cheaper: ANALYZE the foreign tables (or set"
                + " use_remote_estimate) so it can tell."
                + (partitioned
                    ? " For two partitioned tables with the same bounds joined on their"
                        + " partition key, SET enable_partitionwise_join = on (now "
                        + facts.settings().getOrDefault("enable_partitionwise_join", "off")
                        + ") lets partitions on one server be joined there."
                    : ""),
            both);
      }
      reported.add(join.node());
    }
  }

  private List<ScanInfo> foreignScansUnder(PlanNode node) {
    List<PlanWalk.Visit> under = walk.scansUnder(node);
    return scans.stream()
        .filter(ScanInfo::foreign)
        .filter(scan -> under.stream().anyMatch(v -> v.node() == scan.node()))
        .toList();
  }

  private static String side(List<ScanInfo> scans) {
    Map<String, List<String>> byServer = new LinkedHashMap<>();
    for (ScanInfo scan : scans) {
      byServer
          .computeIfAbsent(scan.server().orElse("unknown"), s -> new ArrayList<>())
          .add(scan.display());
    }
    return byServer.entrySet().stream()
        .map(entry -> String.join(", ", entry.getValue()) + " (" + entry.getKey() + ")")
        .collect(Collectors.joining(", "));
  }

  // Aggregates --------------------------------------------------------------------------------

  private void aggregateFindings() {
    // The nearest Aggregate above each foreign scan, unless a join comes first (then the join
    // decides, and has its own finding).
    Map<PlanNode, List<ScanInfo>> byAggregate = new IdentityHashMap<>();
    List<PlanNode> order = new ArrayList<>();
    for (ScanInfo scan : scans) {
      if (!scan.foreign() || scan.aggregatePushed()) {
        continue;
      }
      List<PlanNode> ancestors = scan.visit().ancestors();
      for (int i = ancestors.size() - 1; i >= 0; i--) {
        PlanNode ancestor = ancestors.get(i);
        if (ancestor.isJoin()) {
          break;
        }
        if (ancestor.isAggregate()) {
          if (!byAggregate.containsKey(ancestor)) {
            order.add(ancestor);
          }
          byAggregate.computeIfAbsent(ancestor, a -> new ArrayList<>()).add(scan);
          break;
        }
      }
    }
    for (PlanNode aggregate : order) {
      Map<String, List<ScanInfo>> byTable = new LinkedHashMap<>();
      for (ScanInfo scan : byAggregate.get(aggregate)) {
        byTable.computeIfAbsent(throughParent(scan), t -> new ArrayList<>()).add(scan);
      }
      byTable.forEach((table, tableScans) -> aggregateFinding(aggregate, table, tableScans));
    }
  }

  /**
   * The partitioned table a scan was reached through, or "" when the statement names the scanned
   * relation itself (a plain foreign table, or a partition queried directly).
   */
  private String throughParent(ScanInfo scan) {
    for (QualifiedName relation : scan.relations()) {
      CatalogFacts.InvolvedTable table = tableOfLeaf.get(relation);
      if (table == null) {
        continue;
      }
      boolean partitionNamed = statement.identifiers().contains(relation.name());
      boolean parentNamed = statement.identifiers().contains(table.table().name().name());
      if (parentNamed || !partitionNamed) {
        return table.table().name().display();
      }
    }
    return "";
  }

  private void aggregateFinding(PlanNode aggregate, String table, List<ScanInfo> tableScans) {
    String relations = side(tableScans);
    boolean localConditions = tableScans.stream().anyMatch(s -> !s.localConditions().isEmpty());
    String conditionsNote =
        localConditions
            ? " Conditions evaluated on the coordinator (see the findings about them) also keep"
                + " the aggregate there: postgres_fdw pushes an aggregate only when every"
                + " condition on its rows runs on the server."
            : "";
    CatalogFacts.InvolvedTable involved =
        facts.tables().stream()
            .filter(t -> t.table().name().display().equals(table))
            .findFirst()
            .orElse(null);
    if (involved == null) {
      Optional<String> textConstant =
          textConstantExpression(
              aggregate.groupKey().stream().map(ExpressionText::unwrap).toList());
      findings.add(
          FindingKind.AGGREGATE_NOT_PUSHED,
          "aggregate over " + relations,
          "The aggregate over "
              + relations
              + " runs on the coordinator, over every row the server sends."
              + textConstant
                  .map(
                      g ->
                          " Its GROUP BY "
                              + g
                              + " calls a function with a constant text argument, which"
                              + " postgres_fdw does not send (its input collation comes from no"
                              + " remote column); group by plain columns, or, when the table"
                              + " holds one group, leave out the GROUP BY and derive the value"
                              + " from the aggregates (e.g. EXTRACT(YEAR FROM min(time))).")
                  .orElse("")
              + conditionsNote,
          "postgres_fdw pushes an aggregate when all its conditions run on the server and its"
              + " aggregate functions and their arguments are built in (or of a listed extension)"
              + " and immutable; ANALYZE the foreign table so the planner can cost the remote"
              + " aggregate.",
          tableScans);
      return;
    }
    List<String> keyColumns = involved.table().keyColumns();
    List<String> groupKey = aggregate.groupKey().stream().map(ExpressionText::unwrap).toList();
    String key = String.join(", ", keyColumns);
    String partitionList =
        tableScans.stream()
            .flatMap(s -> s.relations().stream())
            .distinct()
            .map(QualifiedName::display)
            .collect(Collectors.joining(", "));
    String firstPartition = tableScans.get(0).relations().get(0).display();
    boolean keyExpression =
        groupKey.stream()
            .anyMatch(
                g ->
                    keyColumns.stream()
                        .anyMatch(
                            k ->
                                ExpressionText.names(g).contains(k)
                                    && !ExpressionText.isColumn(g, k)));
    Optional<String> textConstantKey = textConstantExpression(groupKey);
    String perPartition;
    if (keyExpression) {
      String keyColumn = keyColumns.get(0);
      perPartition =
          "aggregate each foreign partition directly and combine the results with UNION ALL."
              + " Each partition covers one range of "
              + keyColumn
              + ", so when a group is a whole partition, leave out the GROUP BY and derive the"
              + " group's value from the aggregates: e.g. `SELECT EXTRACT(YEAR FROM min("
              + keyColumn
              + ")) AS year, count(*), ... FROM "
              + firstPartition
              + " UNION ALL SELECT ... FROM <next partition> ... ORDER BY 1`; postgres_fdw sends"
              + " each whole aggregate to its server"
              + textConstantKey
                  .map(
                      g ->
                          " (it would not send GROUP BY "
                              + g
                              + ": a function with a constant text argument)")
                  .orElse("");
    } else {
      perPartition =
          "aggregate each foreign partition directly, where the whole aggregate is sent to its"
              + " server, and combine the results with UNION ALL: e.g. `SELECT ... FROM "
              + firstPartition
              + (groupKey.isEmpty() ? "" : " GROUP BY ...")
              + " UNION ALL SELECT ... FROM <next partition> ...`";
    }
    if (groupKey.isEmpty()) {
      findings.add(
          FindingKind.AGGREGATE_NOT_PUSHED,
          "aggregate over " + table,
          "The aggregate over "
              + table
              + " has no GROUP BY, so it is finished on the coordinator: postgres_fdw sends only"
              + " whole aggregates of one foreign table, never partial ones, and a query through"
              + " the parent gets at most a partial aggregate per partition. Every row of "
              + partitionList
              + " comes over the network."
              + conditionsNote,
          "To compute it on the servers, "
              + perPartition
              + ", or for a count: `SELECT sum(n) FROM (SELECT count(*) AS n FROM <partition>"
              + " UNION ALL ...) s`.",
          tableScans);
      return;
    }
    boolean keyInGroupBy =
        !keyColumns.isEmpty()
            && keyColumns.stream()
                .allMatch(
                    column -> groupKey.stream().anyMatch(g -> ExpressionText.isColumn(g, column)));
    String grouping = String.join(", ", groupKey);
    if (!keyInGroupBy) {
      findings.add(
          FindingKind.GROUP_BY_NOT_ON_PARTITION_KEY,
          "GROUP BY " + grouping + " over " + table,
          "The aggregate over "
              + table
              + " groups by "
              + grouping
              + ", not by its partition key ("
              + key
              + "), so PostgreSQL cannot tell that no group spans partitions and cannot compute"
              + " each partition's groups on its server: partitionwise aggregation needs the"
              + " partition key itself in GROUP BY (an expression of it, such as EXTRACT(year"
              + " FROM "
              + key
              + "), does not count), and postgres_fdw never sends partial aggregates. Every row"
              + " of "
              + partitionList
              + " comes over the network and is aggregated on the coordinator."
              + conditionsNote,
          "If the answer allows it, include the partition key ("
              + key
              + ") in GROUP BY and SET enable_partitionwise_aggregate = on (now "
              + facts.settings().getOrDefault("enable_partitionwise_aggregate", "off")
              + "; per session, or ALTER ROLE/DATABASE ... SET); each foreign partition's groups"
              + " are then computed on its server. Otherwise "
              + perPartition
              + ".",
          tableScans);
    } else if (!facts.settingOn("enable_partitionwise_aggregate")) {
      findings.add(
          FindingKind.PARTITIONWISE_AGGREGATE_OFF,
          "GROUP BY " + grouping + " over " + table,
          "The aggregate over "
              + table
              + " groups by its partition key, but enable_partitionwise_aggregate is off, so it"
              + " runs on the coordinator over every row of "
              + partitionList
              + ".",
          "SET enable_partitionwise_aggregate = on (per session, or ALTER ROLE/DATABASE ..."
              + " SET): each foreign partition's groups are then computed on its server and only"
              + " the groups come over the network.",
          tableScans);
    } else {
      findings.add(
          FindingKind.AGGREGATE_NOT_PUSHED,
          "GROUP BY " + grouping + " over " + table,
          "The aggregate over "
              + partitionList
              + " runs on the coordinator although it groups by the partition key and"
              + " partitionwise aggregation is on."
              + conditionsNote,
          "postgres_fdw sends an aggregate when all its conditions run on the server and its"
              + " aggregate functions and arguments are built in (or of a listed extension) and"
              + " immutable, and it estimates the remote aggregate cheaper: ANALYZE the foreign"
              + " tables (or set use_remote_estimate) so it can tell.",
          tableScans);
    }
  }

  /** The first expression calling a function with a constant text argument (EXTRACT, ...). */
  private static Optional<String> textConstantExpression(List<String> expressions) {
    return expressions.stream()
        .filter(
            e ->
                ExpressionText.functionCalls(e).stream()
                    .anyMatch(ExpressionText.FunctionCall::hasTextConstant))
        .findFirst();
  }

  // Sort and limit ----------------------------------------------------------------------------

  private void sortAndLimitFindings() {
    for (PlanWalk.Visit visit : walk.visits()) {
      PlanNode node = visit.node();
      if (!node.isSort() && !node.isLimit()) {
        continue;
      }
      List<ScanInfo> fed =
          foreignScansUnder(node).stream()
              .filter(scan -> !scan.aggregatePushed())
              .filter(
                  scan ->
                      scan.visit().between(node).stream()
                          .noneMatch(n -> n.isAggregate() || n.isJoin()))
              .filter(scan -> node.isSort() ? !scan.sortPushed() : !scan.limitPushed())
              .toList();
      if (fed.isEmpty()) {
        continue;
      }
      String relations = side(fed);
      if (node.isSort()) {
        String keys = String.join(", ", node.sortKey());
        findings.add(
            FindingKind.SORT_NOT_PUSHED,
            "ORDER BY " + keys,
            "Rows of " + relations + " are sorted on the coordinator (" + keys + ").",
            "postgres_fdw sends ORDER BY when the sort keys can be sent and it estimates the"
                + " remote sort cheaper: with analyzed foreign tables (or use_remote_estimate) and"
                + " an index on the server, each partition can return its rows in order and the"
                + " coordinator only merges them (Merge Append). Usually worth it only together"
                + " with a LIMIT.",
            fed);
      } else {
        findings.add(
            FindingKind.LIMIT_NOT_PUSHED,
            "LIMIT over " + relations,
            "LIMIT is applied on the coordinator to rows of "
                + relations
                + ": postgres_fdw sends LIMIT only in a query on one foreign table (or one pushed"
                + " join) whose conditions and ORDER BY all run on the server. Each scanned"
                + " partition may still send a whole batch (fetch_size rows) before the limit"
                + " stops it.",
            "Add a condition on the partition key so one partition remains, or query that"
                + " partition directly, and make every condition one postgres_fdw can send.",
            fed);
      }
    }
  }

  // Async -------------------------------------------------------------------------------------

  private void serialScanFindings() {
    for (PlanWalk.Visit visit : walk.visits()) {
      PlanNode node = visit.node();
      if (!node.nodeType().equals("Append")) {
        continue;
      }
      List<PlanNode> members = node.children().stream().filter(c -> !c.isSubquery()).toList();
      List<ScanInfo> foreign =
          scans.stream()
              .filter(ScanInfo::foreign)
              .filter(scan -> members.stream().anyMatch(m -> m == scan.node()))
              .toList();
      if (members.size() < 2 || foreign.isEmpty()) {
        continue;
      }
      List<ScanInfo> serial = foreign.stream().filter(s -> !s.node().asyncCapable()).toList();
      if (serial.isEmpty()) {
        continue;
      }
      if (!facts.settingOn("enable_async_append")) {
        findings.add(
            FindingKind.SERIAL_FOREIGN_SCANS,
            "enable_async_append",
            "enable_async_append is off, so the partitions of one Append are scanned one after"
                + " another: each server waits until the coordinator asks for its rows.",
            "SET enable_async_append = on (PostgreSQL's default).",
            serial);
        continue;
      }
      List<ScanInfo> notCapable = serial.stream().filter(s -> !asyncCapable(s)).toList();
      if (notCapable.isEmpty()) {
        continue;
      }
      Set<String> servers = new LinkedHashSet<>();
      notCapable.forEach(s -> servers.add(s.server().orElse("unknown")));
      findings.add(
          FindingKind.SERIAL_FOREIGN_SCANS,
          "async_capable on " + String.join(", ", servers),
          "The foreign partitions "
              + side(notCapable)
              + " are scanned one after another, not concurrently with the other partitions of"
              + " the Append: their foreign servers (or tables) do not set async_capable.",
          "Set async_capable 'true', Strata's default: remove any `async_capable: false` from "
              + servers.stream()
                  .map(s -> "`servers." + s + ".fdw`")
                  .collect(Collectors.joining(", "))
              + " and run `strata apply` (ALTER SERVER ... OPTIONS (ADD async_capable 'true')),"
              + " so the Append starts every server's scan at once.",
          notCapable);
    }
  }

  private boolean asyncCapable(ScanInfo scan) {
    for (QualifiedName relation : scan.relations()) {
      Partition partition = leaves.get(relation);
      if (partition != null && partition.tier() instanceof Tier.Foreign foreign) {
        String tableOption = foreign.options().get("async_capable");
        if (tableOption != null) {
          return tableOption.equalsIgnoreCase("true");
        }
      }
    }
    ForeignServer server = scan.server().map(facts.foreignServers()::get).orElse(null);
    return server != null
        && "true".equalsIgnoreCase(server.options().getOrDefault("async_capable", "false"));
  }

  // Findings ----------------------------------------------------------------------------------

  /** Findings merged by kind and subject, so one cause over many partitions is one finding. */
  private final class FindingList {
    private final class Entry {
      final FindingKind kind;
      final String subject;
      final String problem;
      final String fix;
      final Set<String> relations = new LinkedHashSet<>();
      final Set<String> servers = new LinkedHashSet<>();
      final Map<PlanNode, Boolean> scans = new IdentityHashMap<>();
      long rows;

      Entry(FindingKind kind, String subject, String problem, String fix) {
        this.kind = kind;
        this.subject = subject;
        this.problem = problem;
        this.fix = fix;
      }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    void add(
        FindingKind kind,
        String subject,
        String problem,
        String fix,
        Collection<ScanInfo> concerned) {
      Entry entry =
          entries.computeIfAbsent(
              kind + "\u0000" + subject, k -> new Entry(kind, subject, problem, fix));
      for (ScanInfo scan : concerned) {
        scan.relations().forEach(r -> entry.relations.add(r.display()));
        scan.server().ifPresent(entry.servers::add);
        if (scan.foreign() && entry.scans.put(scan.node(), Boolean.TRUE) == null) {
          entry.rows += scan.node().rowsBeforeFilter();
        }
      }
    }

    List<Finding> build() {
      return entries.values().stream()
          .map(
              entry ->
                  new Finding(
                      entry.kind,
                      entry.subject,
                      entry.problem,
                      entry.fix,
                      List.copyOf(entry.relations),
                      List.copyOf(entry.servers),
                      analyzed ? OptionalLong.of(entry.rows) : OptionalLong.empty()))
          .toList();
    }
  }
}
