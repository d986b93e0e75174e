package dev.strata.explain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionedTable;
import dev.strata.connect.Database;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which leaf partitions an INSERT through a partitioned table writes to. PostgreSQL routes each row
 * when the statement runs, so the INSERT's own plan names only the parent. For an {@code INSERT ...
 * VALUES} whose key values are constants ({@link InsertValues}), PostgreSQL's partition pruning
 * answers instead: {@code EXPLAIN SELECT 1 FROM parent WHERE (key = $1 AND ...) OR (...)}, with the
 * values bound as parameters of unknown type (so each takes its key column's type, as in the
 * INSERT), lists exactly the partitions the rows go to. Otherwise every leaf under the table is a
 * possible target ({@code EXPLAIN SELECT 1 FROM parent}).
 *
 * <p>The values are converted with the session's settings, which for Strata's sessions means {@code
 * TimeZone = UTC}: a {@code timestamptz} key written without a zone is read as UTC, which may
 * differ from the application's session by the zone's offset. Both EXPLAINs run inside a savepoint
 * of the explaining transaction, so a value PostgreSQL rejects leaves it usable.
 */
final class InsertRouting {
  /** More rows than this are not routed one by one: every leaf is taken as possible. */
  static final int MAX_ROUTED_ROWS = 1000;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Where the rows go.
   *
   * @param leaves the leaf partitions, with their tiers
   * @param exact whether these are the partitions the rows go to (else the ones they may go to)
   */
  record Routed(List<Partition> leaves, boolean exact) {
    Routed {
      leaves = List.copyOf(leaves);
    }
  }

  private final Database database;
  private final CatalogReader catalog;

  InsertRouting(Database database) {
    this.database = database;
    this.catalog = new CatalogReader(database);
  }

  /** Empty when {@code target} is not a partitioned table. */
  Optional<Routed> route(QualifiedName target, Optional<InsertValues> values) {
    Optional<CatalogReader.Relation> relation = catalog.findRelation(target);
    if (relation.isEmpty() || !relation.get().kind().equals("p")) {
      return Optional.empty();
    }
    Map<QualifiedName, Partition> leaves = new LinkedHashMap<>();
    Set<String> keyColumns = new LinkedHashSet<>();
    collect(catalog.partitionedTable(target), leaves, keyColumns);
    Optional<List<List<String>>> keyRows =
        values
            .filter(v -> v.table().get(v.table().size() - 1).equals(target.name()))
            .flatMap(v -> keyRows(target, v, List.copyOf(keyColumns)));
    if (keyRows.isPresent()) {
      Optional<Set<QualifiedName>> routed = explainLeaves(target, List.copyOf(keyColumns), keyRows);
      if (routed.isPresent()) {
        return Optional.of(new Routed(pick(leaves, routed.get()), true));
      }
    }
    Set<QualifiedName> all =
        explainLeaves(target, List.of(), Optional.empty()).orElse(leaves.keySet());
    return Optional.of(new Routed(pick(leaves, all), false));
  }

  /** Leaves and key columns of every level below {@code table}. */
  private void collect(
      PartitionedTable table, Map<QualifiedName, Partition> leaves, Set<String> keyColumns) {
    keyColumns.addAll(table.keyColumns());
    for (Partition partition : table.partitions()) {
      if (partition.subPartitioned()) {
        collect(catalog.partitionedTable(partition.name()), leaves, keyColumns);
      } else {
        leaves.put(partition.name(), partition);
      }
    }
  }

  /** Each row's values of {@code keyColumns}, or empty when any is not a known constant. */
  private Optional<List<List<String>>> keyRows(
      QualifiedName target, InsertValues values, List<String> keyColumns) {
    if (values.rows().size() > MAX_ROUTED_ROWS) {
      return Optional.empty();
    }
    List<String> tableColumns =
        catalog.tableColumns(target).orElse(List.of()).stream().map(Column::name).toList();
    List<String> columns = values.columns().isEmpty() ? tableColumns : values.columns();
    List<Integer> positions = new ArrayList<>();
    for (String key : keyColumns) {
      // An expression key appears as its text, which names no column.
      if (!tableColumns.contains(key) || !columns.contains(key)) {
        return Optional.empty();
      }
      positions.add(columns.indexOf(key));
    }
    List<List<String>> rows = new ArrayList<>();
    for (List<Optional<String>> row : values.rows()) {
      List<String> keys = new ArrayList<>();
      for (int position : positions) {
        if (position >= row.size() || row.get(position).isEmpty()) {
          return Optional.empty();
        }
        keys.add(row.get(position).get());
      }
      rows.add(keys);
    }
    return Optional.of(rows);
  }

  /**
   * The leaves a plan of {@code SELECT 1 FROM target [WHERE ...]} scans after pruning; empty when
   * PostgreSQL refused it (a value that is not valid for its column).
   */
  private Optional<Set<QualifiedName>> explainLeaves(
      QualifiedName target, List<String> keyColumns, Optional<List<List<String>>> keyRows) {
    StringBuilder sql =
        new StringBuilder("EXPLAIN (FORMAT JSON) SELECT 1 FROM ").append(target.quoted());
    List<String> parameters = new ArrayList<>();
    if (keyRows.isPresent()) {
      List<String> alternatives = new ArrayList<>();
      for (List<String> row : keyRows.get()) {
        List<String> conditions = new ArrayList<>();
        for (int k = 0; k < keyColumns.size(); k++) {
          conditions.add(Identifiers.quote(keyColumns.get(k)) + " = ?");
          parameters.add(row.get(k));
        }
        alternatives.add("(" + String.join(" AND ", conditions) + ")");
      }
      sql.append(" WHERE ").append(String.join(" OR ", alternatives));
    }
    Connection connection = database.connection();
    try (Statement savepoint = connection.createStatement()) {
      savepoint.execute("SAVEPOINT strata_insert_routing");
      try (PreparedStatement explain = connection.prepareStatement(sql.toString())) {
        for (int i = 0; i < parameters.size(); i++) {
          // Unknown type: PostgreSQL gives it the key column's type, as the INSERT would.
          explain.setObject(i + 1, parameters.get(i), Types.OTHER);
        }
        try (ResultSet rows = explain.executeQuery()) {
          rows.next();
          JsonNode plan = JSON.readTree(rows.getString(1)).path(0).path("Plan");
          Set<QualifiedName> leaves = new LinkedHashSet<>();
          PlanWalk.of(PlanNode.fromJson(plan)).scans().forEach(s -> leaves.addAll(s.relations()));
          savepoint.execute("RELEASE SAVEPOINT strata_insert_routing");
          return Optional.of(leaves);
        }
      } catch (SQLException | IOException e) {
        savepoint.execute("ROLLBACK TO SAVEPOINT strata_insert_routing");
        return Optional.empty();
      }
    } catch (SQLException e) {
      throw database.failure("SAVEPOINT strata_insert_routing", e);
    }
  }

  private static List<Partition> pick(
      Map<QualifiedName, Partition> leaves, Set<QualifiedName> names) {
    return names.stream().map(leaves::get).filter(p -> p != null).toList();
  }
}
