package dev.strata.catalog;

import dev.strata.sql.QualifiedName;
import java.util.List;
import java.util.Optional;

/**
 * A table as {@code strata adopt} needs to know it before turning it into a partitioned table: what
 * it is (kind, persistence, inheritance), its columns, keys, indexes, foreign keys both ways, the
 * views and functions bound to it, owned sequences and grants. Read by {@link PlainTableReader}.
 *
 * @param kind {@code pg_class.relkind}: {@code r} plain, {@code p} partitioned, ...
 * @param persistence {@code pg_class.relpersistence}: {@code p} permanent, {@code u} unlogged,
 *     {@code t} temporary
 * @param storageOptions {@code pg_class.reloptions} as {@code name=value}
 * @param otherObjects objects that bind to the table and that adopt does not carry over (user
 *     triggers, rules, row security, column grants, SQL-standard function bodies, materialized
 *     views, views over views, publications), each described for an error message
 */
public record PlainTable(
    QualifiedName name,
    long oid,
    String kind,
    String persistence,
    boolean inheritanceChild,
    boolean inheritanceParent,
    String owner,
    Optional<String> comment,
    List<String> storageOptions,
    List<TableColumn> columns,
    List<Key> keys,
    List<ForeignKey> foreignKeys,
    List<ForeignKey> referencingForeignKeys,
    List<IndexDefinition> indexes,
    List<DependentView> views,
    List<OwnedSequence> sequences,
    List<Grant> grants,
    List<String> otherObjects) {

  /**
   * @param identity {@code a} (ALWAYS), {@code d} (BY DEFAULT) or empty
   * @param generated whether the column is {@code GENERATED ALWAYS AS (...) STORED}
   */
  public record TableColumn(
      String name, String type, boolean notNull, String identity, boolean generated) {}

  /** A primary key ({@code p}) or unique constraint ({@code u}), or exclusion ({@code x}). */
  public record Key(String name, char type, List<String> columns, String definition) {}

  /**
   * A foreign key. {@code table} holds it, {@code referenced} is the table it points at; actions
   * and match type as {@code pg_constraint} stores them (one letter each).
   */
  public record ForeignKey(
      String name,
      QualifiedName table,
      List<String> columns,
      QualifiedName referenced,
      List<String> referencedColumns,
      char onUpdate,
      char onDelete,
      char match,
      boolean deferrable,
      boolean initiallyDeferred,
      String definition) {}

  /**
   * An index that does not back a constraint.
   *
   * @param keyExpressions each key column or expression as {@code pg_get_indexdef} prints it,
   *     followed by a non-default operator class and DESC / NULLS options
   * @param predicate a partial index's WHERE condition, as {@code pg_get_expr} prints it
   */
  public record IndexDefinition(
      String name,
      boolean unique,
      String method,
      List<String> keyExpressions,
      List<String> includeColumns,
      Optional<String> predicate,
      String definition) {}

  /** A view that reads the table; PostgreSQL binds it to the table's OID, not its name. */
  public record DependentView(
      QualifiedName name,
      String definition,
      List<String> options,
      String owner,
      Optional<String> comment,
      List<Grant> grants) {}

  /**
   * A sequence tied to a column: {@code serial} ({@code identity} false, owned by the column) or
   * the sequence behind an identity column.
   */
  public record OwnedSequence(QualifiedName name, String column, boolean identity) {}

  /** One privilege of one grantee ({@code PUBLIC} for everyone). */
  public record Grant(String grantee, String privilege, boolean grantable) {}

  public Optional<TableColumn> column(String columnName) {
    return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
  }

  public Optional<Key> primaryKey() {
    return keys.stream().filter(k -> k.type() == 'p').findFirst();
  }
}
