package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.PartitionStrategy;
import dev.strata.catalog.PartitionedTable;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.connect.SqlStates;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Creates local partitions and attaches existing remote tables as foreign partitions.
 *
 * <p>Attaching a foreign table is where hand-written setups go wrong: PostgreSQL does not (and
 * cannot) check a foreign table's rows against the partition bound, so a remote table with rows
 * outside the range, with different columns, or with NULLs in a NOT NULL column is accepted
 * silently and then answers queries wrongly. Strata checks all three on the server itself before
 * changing anything, then creates and attaches every foreign table in one coordinator transaction,
 * so either all requested partitions appear or none does.
 */
public final class PartitionManager {
  private final Connections connections;

  public PartitionManager(Connections connections) {
    this.connections = connections;
  }

  /** Checks everything and returns the statements; changes nothing. */
  public AttachPlan planAttach(AttachRequest request) {
    var server = connections.config().server(request.server());
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      CatalogReader catalog = new CatalogReader(coordinator);
      PartitionedTable parent = catalog.partitionedTable(request.parent());
      Column key = rangeKey(parent);
      refuseUniqueIndexes(parent);
      if (catalog.server().foreignServer(server.name()).isEmpty()) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "foreign server " + server.name() + " does not exist on the coordinator yet",
            "run `strata apply` first: it creates the foreign servers and user mappings from the config");
      }
      List<AttachPlan.Item> items = new ArrayList<>();
      List<String> warnings = new ArrayList<>();
      List<SqlStatement> statements = new ArrayList<>();
      Set<QualifiedName> localNames = new HashSet<>();
      try (Database remote = new Database(server.name(), connections.server(server.name()))) {
        CatalogReader remoteCatalog = new CatalogReader(remote);
        for (AttachRequest.Remote spec : request.remotes()) {
          QualifiedName localName =
              spec.localName()
                  .orElse(QualifiedName.of(parent.name().schema(), spec.remoteTable().name()));
          if (!localNames.add(localName)) {
            throw new StrataException(
                ErrorCode.USAGE, "partition " + localName + " is named twice in one attach", null);
          }
          if (catalog.findRelation(localName).isPresent()) {
            throw new StrataException(
                ErrorCode.INVALID_TARGET,
                localName + " already exists on the coordinator",
                "choose another name for the foreign table with --name (or NAME:REMOTE in --each)");
          }
          RangeBounds bounds = RangeBounds.normalise(coordinator, key, spec.from(), spec.to());
          List<Column> remoteColumns =
              remoteCatalog
                  .tableColumns(spec.remoteTable())
                  .orElseThrow(
                      () ->
                          new StrataException(
                              ErrorCode.INVALID_TARGET,
                              "remote table "
                                  + spec.remoteTable()
                                  + " does not exist on server "
                                  + server.name()
                                  + " ("
                                  + server.connection().displayUri()
                                  + ")",
                              "create it there first, or check the schema and name (unquoted names are"
                                  + " lower-cased)"));
          List<String> nullable =
              compareColumns(parent, remoteColumns, spec.remoteTable(), server.name(), warnings);
          long[] counts = countViolations(remote, spec.remoteTable(), bounds, nullable);
          if (counts[1] > 0) {
            throw new StrataException(
                ErrorCode.CHECK_FAILED,
                "remote table "
                    + spec.remoteTable()
                    + " on server "
                    + server.name()
                    + " holds "
                    + counts[1]
                    + " of its "
                    + counts[0]
                    + " rows outside the partition "
                    + bounds
                    + " (or with a NULL "
                    + key.name()
                    + "); PostgreSQL would not notice, and queries through "
                    + parent.name()
                    + " would return wrong answers",
                "move those rows out of the remote table, or attach it with bounds that cover them."
                    + " Nothing was changed.");
          }
          for (int i = 0; i < nullable.size(); i++) {
            if (counts[i + 2] > 0) {
              throw new StrataException(
                  ErrorCode.CHECK_FAILED,
                  "remote table "
                      + spec.remoteTable()
                      + " on server "
                      + server.name()
                      + " has "
                      + counts[i + 2]
                      + " rows with NULL in column "
                      + nullable.get(i)
                      + ", which is NOT NULL in "
                      + parent.name(),
                  "fix those rows on the server. Nothing was changed.");
            }
          }
          items.add(
              new AttachPlan.Item(
                  localName.display(), spec.remoteTable().display(), bounds, counts[0]));
          statements.add(
              createForeignTable(
                  parent, localName, server.name(), spec.remoteTable(), request.readOnly()));
          statements.add(
              SqlStatement.of(
                  "ALTER TABLE "
                      + parent.name().quoted()
                      + " ATTACH PARTITION "
                      + localName.quoted()
                      + " "
                      + bounds.toSql()));
        }
      }
      return new AttachPlan(request, items, warnings, statements);
    }
  }

  /** Runs a checked plan in one coordinator transaction. */
  public void attach(AttachPlan plan) {
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      runAtomically(coordinator, plan.statements(), plan.request().parent());
    }
  }

  /** A local partition of {@code parent}; checked, not executed. */
  public record CreatePlan(
      QualifiedName parent,
      QualifiedName name,
      RangeBounds bounds,
      List<SqlStatement> statements) {}

  public CreatePlan planCreate(
      QualifiedName parentName, String from, String to, Optional<QualifiedName> name) {
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      CatalogReader catalog = new CatalogReader(coordinator);
      PartitionedTable parent = catalog.partitionedTable(parentName);
      Column key = rangeKey(parent);
      RangeBounds bounds = RangeBounds.normalise(coordinator, key, from, to);
      QualifiedName partition =
          name.orElse(PartitionNames.forRange(parent.name(), bounds.from(), bounds.to()));
      if (catalog.findRelation(partition).isPresent()) {
        throw new StrataException(
            ErrorCode.INVALID_TARGET,
            partition + " already exists on the coordinator",
            "choose another name with --name");
      }
      return new CreatePlan(
          parent.name(),
          partition,
          bounds,
          List.of(
              SqlStatement.of(
                  "CREATE TABLE "
                      + partition.quoted()
                      + " PARTITION OF "
                      + parent.name().quoted()
                      + " "
                      + bounds.toSql())));
    }
  }

  public void create(CreatePlan plan) {
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      runAtomically(coordinator, plan.statements(), plan.parent());
    }
  }

  private static void runAtomically(
      Database coordinator, List<SqlStatement> statements, QualifiedName parent) {
    try {
      coordinator.inTransaction(
          db -> {
            for (SqlStatement statement : statements) {
              db.execute(statement);
            }
            return null;
          });
    } catch (StrataException e) {
      if (e.getCause() instanceof SQLException sql) {
        if (SqlStates.INVALID_OBJECT_DEFINITION.equals(sql.getSQLState())) {
          // The bounds given do not fit the table (they overlap a partition): a wrong argument,
          // like an empty range, not a failed check of the data.
          throw new StrataException(
              ErrorCode.USAGE,
              "PostgreSQL refused the partition: "
                  + Database.describe(sql)
                  + ". Nothing was changed.",
              "check the bounds against `strata status " + parent.display() + "`",
              e);
        }
        if (SqlStates.LOCK_NOT_AVAILABLE.equals(sql.getSQLState())) {
          throw new StrataException(
              ErrorCode.TIMEOUT,
              "could not lock "
                  + parent.display()
                  + " within the lock timeout: other sessions hold it. Nothing was changed.",
              "retry when the long-running transactions on the table have finished, or raise"
                  + " timeouts.lock",
              e);
        }
      }
      throw e;
    }
  }

  private static Column rangeKey(PartitionedTable parent) {
    if (parent.strategy() != PartitionStrategy.RANGE || parent.keyColumns().size() != 1) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          parent.name()
              + " is partitioned by "
              + parent.keyDefinition()
              + "; this command needs a range key on one column",
          "list and hash partitions can be managed with plain SQL; Strata's moves work on range partitions");
    }
    String keyName = parent.keyColumns().get(0);
    return parent
        .column(keyName)
        .orElseThrow(
            () ->
                new StrataException(
                    ErrorCode.INVALID_TARGET,
                    parent.name()
                        + " is partitioned by an expression ("
                        + parent.keyDefinition()
                        + ")",
                    "Strata's partition commands need a plain key column"));
  }

  static void refuseUniqueIndexes(PartitionedTable parent) {
    if (!parent.uniqueIndexes().isEmpty()) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          parent.name()
              + " has a primary key or unique index ("
              + String.join(", ", parent.uniqueIndexes())
              + "), and PostgreSQL cannot attach a foreign table as a partition of such a table:"
              + " it cannot enforce uniqueness on another server",
          "drop the constraint on the parent (ALTER TABLE "
              + parent.name().display()
              + " DROP CONSTRAINT ...) and keep a unique index on each local partition instead;"
              + " the key then stays unique within each partition only (the per-partition key"
              + " choice of `strata adopt`, which partitions a plain table that way: `strata adopt"
              + " TABLE --by COLUMN --interval I --keys per-partition`; what each choice gives up:"
              + " docs/adopt.md). Nothing was changed.");
    }
  }

  /**
   * Compares the parent's columns with the remote table's. Returns the parent's NOT NULL columns
   * that are nullable on the remote (their NULLs must be counted); throws on missing columns or
   * type differences; adds a warning for extra remote columns.
   */
  private static List<String> compareColumns(
      PartitionedTable parent,
      List<Column> remoteColumns,
      QualifiedName remoteTable,
      String server,
      List<String> warnings) {
    Map<String, Column> remoteByName =
        remoteColumns.stream().collect(Collectors.toMap(Column::name, Function.identity()));
    List<String> problems = new ArrayList<>();
    List<String> nullable = new ArrayList<>();
    for (Column column : parent.columns()) {
      Column remote = remoteByName.get(column.name());
      if (remote == null) {
        problems.add("column " + column.name() + " (" + column.type() + ") is missing");
      } else if (!remote.type().equals(column.type())) {
        problems.add(
            "column "
                + column.name()
                + " is "
                + remote.type()
                + " there but "
                + column.type()
                + " in "
                + parent.name());
      } else if (column.notNull() && !remote.notNull()) {
        nullable.add(column.name());
      }
    }
    if (!problems.isEmpty()) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "remote table "
              + remoteTable
              + " on server "
              + server
              + " does not match "
              + parent.name()
              + ": "
              + String.join("; ", problems),
          "give the remote table the parent's columns and types (ALTER TABLE on the server). Nothing"
              + " was changed.");
    }
    Set<String> parentNames =
        parent.columns().stream().map(Column::name).collect(Collectors.toSet());
    List<String> extra =
        remoteColumns.stream()
            .map(Column::name)
            .filter(name -> !parentNames.contains(name))
            .toList();
    if (!extra.isEmpty()) {
      warnings.add(
          "remote table "
              + remoteTable
              + " has columns the parent does not have ("
              + String.join(", ", extra)
              + "); queries through the parent will not see them, and rows inserted through it"
              + " leave them at their defaults");
    }
    return nullable;
  }

  /** [total rows, rows outside bounds, NULL count per nullable column...] on the remote table. */
  private static long[] countViolations(
      Database remote, QualifiedName table, RangeBounds bounds, List<String> nullableColumns) {
    StringBuilder sql =
        new StringBuilder("SELECT count(*), count(*) FILTER (WHERE ")
            .append(bounds.outsideCondition())
            .append(')');
    for (String column : nullableColumns) {
      sql.append(", count(*) FILTER (WHERE ").append(Identifiers.quote(column)).append(" IS NULL)");
    }
    sql.append(" FROM ").append(table.quoted());
    int width = 2 + nullableColumns.size();
    return remote
        .queryOne(
            sql.toString(),
            row -> {
              long[] counts = new long[width];
              for (int i = 0; i < width; i++) {
                counts[i] = row.getLong(i + 1);
              }
              return counts;
            },
            bounds.parameters())
        .orElseThrow();
  }

  private static SqlStatement createForeignTable(
      PartitionedTable parent,
      QualifiedName localName,
      String server,
      QualifiedName remoteTable,
      boolean readOnly) {
    String columns =
        parent.columns().stream()
            .map(
                c ->
                    Identifiers.quote(c.name()) + " " + c.type() + (c.notNull() ? " NOT NULL" : ""))
            .collect(Collectors.joining(", "));
    String options =
        "schema_name "
            + Identifiers.literal(remoteTable.schema())
            + ", table_name "
            + Identifiers.literal(remoteTable.name())
            + (readOnly ? ", updatable 'false'" : "");
    return SqlStatement.of(
        "CREATE FOREIGN TABLE "
            + localName.quoted()
            + " ("
            + columns
            + ") SERVER "
            + Identifiers.quote(server)
            + " OPTIONS ("
            + options
            + ")");
  }
}
