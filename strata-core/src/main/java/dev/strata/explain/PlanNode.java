package dev.strata.explain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One node of a plan from {@code EXPLAIN (VERBOSE, FORMAT JSON)}, with the fields plan analysis
 * reads. Names are PostgreSQL's JSON keys; {@code Relation Name} and {@code Schema} are raw names
 * (unquoted), while {@code Relations} (a pushed join or aggregate) is printed with quoting.
 *
 * @param nodeType {@code Foreign Scan}, {@code Append}, {@code Aggregate}, ...
 * @param relationName the scanned relation, for scans of one relation
 * @param schema its schema (VERBOSE)
 * @param alias its alias in the query
 * @param relations for a Foreign Scan that is a pushed join or aggregate, e.g. {@code Aggregate on
 *     (public.emp_2024 emp)}
 * @param remoteSql the query postgres_fdw sends
 * @param filter the condition evaluated on the coordinator on this node's rows
 * @param joinFilter the join condition evaluated on the coordinator
 * @param parentRelationship {@code Outer}, {@code Inner}, {@code Member}, {@code InitPlan}, {@code
 *     SubPlan}, ...
 * @param strategy an Aggregate's strategy ({@code Plain}, {@code Hashed}, {@code Sorted})
 * @param partialMode an Aggregate's mode ({@code Simple}, {@code Partial}, {@code Finalize})
 * @param operation a Foreign Scan's or ModifyTable's operation ({@code Select}, {@code Insert},
 *     ...)
 * @param indexName the index of an index scan
 * @param groupKey an Aggregate's or Group's group key
 * @param sortKey a Sort's or Merge Append's sort key
 * @param asyncCapable whether the node runs asynchronously (PostgreSQL 14+)
 * @param actualRows with ANALYZE: rows returned per loop (PostgreSQL 18 prints fractions)
 * @param actualLoops with ANALYZE: how often the node ran (0: never executed)
 * @param rowsRemovedByFilter with ANALYZE: rows the {@code filter} discarded, per loop
 * @param targetTables a ModifyTable's {@code Target Tables}: the partitions an UPDATE, DELETE or
 *     MERGE through a partitioned parent may change (PostgreSQL 14+); empty for an INSERT, whose
 *     rows are routed when it runs, and for a ModifyTable of one table
 * @param children the nodes below, in PostgreSQL's order
 */
record PlanNode(
    String nodeType,
    Optional<String> relationName,
    Optional<String> schema,
    Optional<String> alias,
    Optional<String> relations,
    Optional<String> remoteSql,
    Optional<String> filter,
    Optional<String> joinFilter,
    Optional<String> parentRelationship,
    Optional<String> strategy,
    Optional<String> partialMode,
    Optional<String> operation,
    Optional<String> indexName,
    List<String> groupKey,
    List<String> sortKey,
    boolean asyncCapable,
    OptionalDouble actualRows,
    OptionalDouble actualLoops,
    OptionalDouble rowsRemovedByFilter,
    List<QualifiedName> targetTables,
    List<PlanNode> children) {
  PlanNode {
    targetTables = List.copyOf(targetTables);
    groupKey = List.copyOf(groupKey);
    sortKey = List.copyOf(sortKey);
    children = List.copyOf(children);
  }

  static PlanNode fromJson(JsonNode node) {
    List<PlanNode> children = new ArrayList<>();
    for (JsonNode child : node.path("Plans")) {
      children.add(fromJson(child));
    }
    List<String> groupKey = new ArrayList<>(strings(node.path("Group Key")));
    for (JsonNode set : node.path("Grouping Sets")) {
      for (JsonNode keys : set.path("Group Keys")) {
        groupKey.addAll(strings(keys));
      }
    }
    List<QualifiedName> targetTables = new ArrayList<>();
    for (JsonNode target : node.path("Target Tables")) {
      targetTables.add(
          QualifiedName.of(
              target.path("Schema").asText("public"), target.path("Relation Name").asText()));
    }
    return new PlanNode(
        node.path("Node Type").asText(),
        text(node, "Relation Name"),
        text(node, "Schema"),
        text(node, "Alias"),
        text(node, "Relations"),
        text(node, "Remote SQL"),
        text(node, "Filter"),
        text(node, "Join Filter"),
        text(node, "Parent Relationship"),
        text(node, "Strategy"),
        text(node, "Partial Mode"),
        text(node, "Operation"),
        text(node, "Index Name"),
        groupKey,
        strings(node.path("Sort Key")),
        node.path("Async Capable").asBoolean(false),
        number(node, "Actual Rows"),
        number(node, "Actual Loops"),
        number(node, "Rows Removed by Filter"),
        targetTables,
        children);
  }

  private static Optional<String> text(JsonNode node, String key) {
    JsonNode value = node.get(key);
    return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
  }

  private static OptionalDouble number(JsonNode node, String key) {
    JsonNode value = node.get(key);
    return value == null || !value.isNumber()
        ? OptionalDouble.empty()
        : OptionalDouble.of(value.asDouble());
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    for (JsonNode value : array) {
      values.add(value.asText());
    }
    return values;
  }

  boolean isModifyTable() {
    return nodeType.equals("ModifyTable");
  }

  /**
   * The relations a ModifyTable changes as the plan names them: its Target Tables, else its own
   * relation (for an INSERT through a partitioned parent, the parent).
   */
  List<QualifiedName> writtenRelations() {
    if (!targetTables.isEmpty()) {
      return targetTables;
    }
    return relationName
        .map(name -> List.of(QualifiedName.of(schema.orElse("public"), name)))
        .orElse(List.of());
  }

  boolean isForeignScan() {
    return nodeType.equals("Foreign Scan");
  }

  /** Scans of tables (not ModifyTable, whose Relation Name is the target). */
  boolean isScan() {
    return (relationName.isPresent() || relations.isPresent()) && !nodeType.equals("ModifyTable");
  }

  boolean isJoin() {
    return nodeType.equals("Nested Loop")
        || nodeType.equals("Hash Join")
        || nodeType.equals("Merge Join");
  }

  boolean isAggregate() {
    return nodeType.equals("Aggregate") || nodeType.equals("Group");
  }

  boolean isSort() {
    return nodeType.equals("Sort") || nodeType.equals("Incremental Sort");
  }

  boolean isLimit() {
    return nodeType.equals("Limit");
  }

  /** A child that is a separate query block (InitPlan or SubPlan), not this node's input. */
  boolean isSubquery() {
    return parentRelationship.map(r -> r.equals("InitPlan") || r.equals("SubPlan")).orElse(false);
  }

  /** Whether EXPLAIN ANALYZE ran this node at least once; true without ANALYZE. */
  boolean executed() {
    return actualLoops.isEmpty() || actualLoops.getAsDouble() > 0;
  }

  /** Rows this node returned in all its loops (ANALYZE), rounded. */
  long totalRows() {
    return Math.round(actualRows.orElse(0) * actualLoops.orElse(0));
  }

  /** Rows this node read before its filter: returned plus removed, in all loops (ANALYZE). */
  long rowsBeforeFilter() {
    return Math.round(
        (actualRows.orElse(0) + rowsRemovedByFilter.orElse(0)) * actualLoops.orElse(0));
  }

  /** {@code Async Foreign Scan}, {@code Index Scan using emp_2025_time_idx}, as EXPLAIN prints. */
  String label() {
    return (asyncCapable ? "Async " : "")
        + nodeType
        + indexName.map(index -> " using " + index).orElse("");
  }
}
