package dev.strata.operation;

import dev.strata.catalog.Column;
import dev.strata.catalog.PartitionBound;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL of the move protocol, built in one place so that the mover executes and {@code --dry-run}
 * prints the same statements.
 */
public final class MoveStatements {
  static final String BOUNDS_CONSTRAINT = "strata_partition_bounds";

  private MoveStatements() {}

  public static String columnList(List<Column> columns) {
    return columns.stream().map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
  }

  public static String columnDefinitions(List<Column> columns) {
    return columns.stream()
        .map(c -> Identifiers.quote(c.name()) + " " + c.type() + (c.notNull() ? " NOT NULL" : ""))
        .collect(Collectors.joining(", "));
  }

  /** P2: the target table with the bounds as a CHECK constraint, tagged with its owner. */
  static List<String> createTarget(
      QualifiedName table,
      List<Column> columns,
      RangeBounds bounds,
      String ownerTag,
      boolean createSchema) {
    List<String> statements = new ArrayList<>();
    if (createSchema) {
      statements.add("CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(table.schema()));
    }
    statements.add(
        "CREATE TABLE "
            + table.quoted()
            + " ("
            + columnDefinitions(columns)
            + ", CONSTRAINT "
            + BOUNDS_CONSTRAINT
            + " CHECK ("
            + bounds.insideLiteral()
            + "))");
    statements.add("COMMENT ON TABLE " + table.quoted() + " IS " + Identifiers.literal(ownerTag));
    return statements;
  }

  /**
   * The rights the coordinator's user mapping needs on an archived table: SELECT, and the write
   * rights only when archived partitions are configured writable. Least privilege: nothing when the
   * mapping logs in as the table's owner.
   */
  public static List<String> grantToMapping(
      QualifiedName table, String mappingUser, String owner, boolean writable) {
    if (mappingUser.equals(owner)) {
      return List.of();
    }
    return List.of(
        "GRANT USAGE ON SCHEMA "
            + Identifiers.quote(table.schema())
            + " TO "
            + Identifiers.quote(mappingUser),
        "GRANT "
            + (writable ? "SELECT, INSERT, UPDATE, DELETE" : "SELECT")
            + " ON TABLE "
            + table.quoted()
            + " TO "
            + Identifiers.quote(mappingUser));
  }

  /** P4: the source side of the copy, optionally limited to a block range. */
  static String copyOut(QualifiedName source, List<Column> columns, String blockRange) {
    return copyOutText(source, columns, blockRange) + " (FORMAT binary)";
  }

  /** The same in COPY's text format (exports: portable across versions, readable by people). */
  static String copyOutText(QualifiedName source, List<Column> columns, String blockRange) {
    return "COPY (SELECT "
        + columnList(columns)
        + " FROM "
        + source.quoted()
        + blockRange
        + ") TO STDOUT";
  }

  /** P4: the target side; FREEZE only when the same transaction truncated the table. */
  static String copyIn(QualifiedName target, List<Column> columns, boolean freeze) {
    return "COPY "
        + target.quoted()
        + " ("
        + columnList(columns)
        + ") FROM STDIN (FORMAT binary"
        + (freeze ? ", FREEZE)" : ")");
  }

  /** Rows in block range [from, to) of a heap; open-ended when {@code to} is negative. */
  static String blockRange(long from, long to) {
    return " WHERE ctid >= '("
        + from
        + ",0)'::tid"
        + (to < 0 ? "" : " AND ctid < '(" + to + ",0)'::tid");
  }

  /** P7 for an archive: the foreign table that replaces the partition. */
  static String createIncomingForeignTable(
      QualifiedName staging,
      List<Column> columns,
      String server,
      QualifiedName remoteTable,
      boolean updatable) {
    return "CREATE FOREIGN TABLE "
        + staging.quoted()
        + " ("
        + columnDefinitions(columns)
        + ") SERVER "
        + Identifiers.quote(server)
        + " OPTIONS (schema_name "
        + Identifiers.literal(remoteTable.schema())
        + ", table_name "
        + Identifiers.literal(remoteTable.name())
        + ", updatable "
        + Identifiers.literal(Boolean.toString(updatable))
        + ")";
  }

  /** P7: detach, rename aside, rename in, attach; in this order, inside one transaction. */
  static List<String> swap(
      QualifiedName parent,
      QualifiedName partition,
      QualifiedName staging,
      QualifiedName detached,
      PartitionBound bound) {
    return List.of(
        "ALTER TABLE " + parent.quoted() + " DETACH PARTITION " + partition.quoted(),
        "ALTER TABLE " + partition.quoted() + " RENAME TO " + Identifiers.quote(detached.name()),
        "ALTER TABLE " + staging.quoted() + " RENAME TO " + Identifiers.quote(partition.name()),
        "ALTER TABLE "
            + parent.quoted()
            + " ATTACH PARTITION "
            + partition.quoted()
            + " "
            + bound.sql());
  }

  /**
   * An index of the source rebuilt on {@code target} under the same name: {@code pg_get_indexdef}'s
   * text after {@code ON schema.table} (method, keys, operator classes, collations, INCLUDE,
   * predicate), which PostgreSQL itself printed, after a prefix Strata checks to the character and
   * renders anew. {@code IF NOT EXISTS}: an index of an interrupted attempt is kept (an index build
   * is transactional, so one that exists is complete); pre-flight refuses a name that another
   * relation holds on the target.
   */
  static String indexOn(QualifiedName target, dev.strata.catalog.CatalogReader.Index index) {
    String printedName = index.printedName();
    for (String unique : List.of("CREATE UNIQUE INDEX ", "CREATE INDEX ")) {
      String prefix = unique + printedName + " ON " + index.table() + " ";
      if (index.definition().startsWith(prefix)) {
        return unique
            + "IF NOT EXISTS "
            + Identifiers.quote(index.name())
            + " ON "
            + target.quoted()
            + " "
            + index.definition().substring(prefix.length());
      }
    }
    throw new dev.strata.StrataException(
        dev.strata.ErrorCode.INTERNAL, "cannot read index definition: " + index.definition());
  }

  /** The owner, grants and comment a new partition takes over from the one it replaces. */
  static List<String> ownership(
      QualifiedName table, boolean foreign, dev.strata.catalog.CatalogReader.Ownership ownership) {
    String kind = foreign ? "FOREIGN TABLE " : "TABLE ";
    List<String> statements = new ArrayList<>();
    statements.add(
        "ALTER " + kind + table.quoted() + " OWNER TO " + Identifiers.quote(ownership.owner()));
    for (var grant : ownership.grants()) {
      statements.add(
          "GRANT "
              + grant.privilege()
              + " ON TABLE "
              + table.quoted()
              + " TO "
              + grant.grantee().map(Identifiers::quote).orElse("PUBLIC")
              + (grant.grantable() ? " WITH GRANT OPTION" : ""));
    }
    statements.add(
        "COMMENT ON "
            + kind
            + table.quoted()
            + " IS "
            + ownership.comment().map(Identifiers::literal).orElse("NULL"));
    return statements;
  }

  static String countRows(QualifiedName table) {
    return "SELECT count(*) FROM " + table.quoted();
  }
}
