package dev.strata.catalog;

import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What Strata reads about a table's rows: its size and page count, the planner's estimate, exact
 * counts, rows matching a condition, the range of its key. Read-only; names are bound as
 * parameters. Relations and partitions are {@link CatalogReader}'s, server facts {@link
 * ServerFacts}'.
 */
public final class TableData {
  private final Database database;

  public TableData(Database database) {
    this.database = database;
  }

  /** The size of a table's heap in pages (for splitting a copy into block ranges). */
  public long pages(QualifiedName table) {
    return database
        .queryOne(
            """
            SELECT pg_catalog.pg_relation_size(c.oid)
                   / pg_catalog.current_setting('block_size')::bigint
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relname = ?""",
            row -> row.getLong(1),
            table.schema(),
            table.name())
        .orElse(1L);
  }

  /** Estimated rows and total size of a table on this server, for tables that live here. */
  public record TableSize(OptionalLong estimatedRows, long totalBytes) {}

  public Optional<TableSize> tableSize(QualifiedName name) {
    return database.queryOne(
        """
        SELECT c.reltuples::bigint, pg_catalog.pg_total_relation_size(c.oid)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')
        """,
        row -> {
          long tuples = row.getLong(1);
          return new TableSize(
              tuples < 0 ? OptionalLong.empty() : OptionalLong.of(tuples), row.getLong(2));
        },
        name.schema(),
        name.name());
  }

  /**
   * Exact row count of a relation ({@code count(*)}; postgres_fdw pushes it down for foreign
   * tables).
   */
  public long exactRowCount(QualifiedName name) {
    return database
        .queryOne("SELECT count(*) FROM " + name.quoted(), row -> row.getLong(1))
        .orElseThrow();
  }

  /**
   * {@code pg_class.reltuples} of a relation: -1 when it was never analyzed (PostgreSQL 14+), which
   * for a foreign table means the planner knows nothing about it; empty when there is no such
   * relation.
   */
  public OptionalLong reltuples(QualifiedName name) {
    return database
        .queryOne(
            """
            SELECT c.reltuples::bigint
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relname = ?
            """,
            row -> row.getLong(1),
            name.schema(),
            name.name())
        .map(OptionalLong::of)
        .orElse(OptionalLong.empty());
  }

  /**
   * Rows of a table for which {@code condition} is true; values in it are {@code ?} placeholders
   * for {@code parameters}.
   */
  public long countWhere(QualifiedName table, String condition, Object... parameters) {
    return database
        .queryOne(
            "SELECT count(*) FROM " + table.quoted() + " WHERE " + condition,
            row -> row.getLong(1),
            parameters)
        .orElseThrow();
  }

  /** The smallest and largest value of a column, as text; empty when the table has no row. */
  public Optional<List<String>> keyRange(QualifiedName table, String column) {
    String quoted = dev.strata.sql.Identifiers.quote(column);
    return database
        .queryOne(
            "SELECT min(" + quoted + ")::text, max(" + quoted + ")::text FROM " + table.quoted(),
            row ->
                row.getString(1) == null
                    ? List.<String>of()
                    : List.of(row.getString(1), row.getString(2)))
        .filter(range -> !range.isEmpty());
  }

  /**
   * The smallest value of {@code key} in {@code table} (at or after {@code from}, a bound text the
   * key's type casts), as a timestamp's text; empty for no row.
   */
  public Optional<String> minimumKey(QualifiedName table, Column key, Optional<String> from) {
    String quotedKey = dev.strata.sql.Identifiers.quote(key.name());
    String sql =
        "SELECT min("
            + quotedKey
            + ")::timestamp::text FROM "
            + table.quoted()
            + (from.isPresent() ? " WHERE " + quotedKey + " >= CAST(? AS " + key.type() + ")" : "");
    return database
        .queryOne(sql, row -> Optional.ofNullable(row.getString(1)), from.stream().toArray())
        .flatMap(value -> value);
  }

  /** Rows of {@code table} whose {@code key} is in [{@code start}, {@code end}). */
  public long countBetween(QualifiedName table, Column key, String start, String end) {
    String quotedKey = dev.strata.sql.Identifiers.quote(key.name());
    return database
        .queryOne(
            "SELECT count(*) FROM "
                + table.quoted()
                + " WHERE "
                + quotedKey
                + " >= CAST(? AS "
                + key.type()
                + ") AND "
                + quotedKey
                + " < CAST(? AS "
                + key.type()
                + ")",
            row -> row.getLong(1),
            start,
            end)
        .orElse(0L);
  }
}
