package dev.strata.mirror;

import dev.strata.catalog.Column;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.util.List;
import java.util.Optional;

/**
 * A mirrored table as its server describes it, read on a direct connection to that server.
 *
 * @param name the table
 * @param columns its columns, in order
 * @param primaryKey the columns of its primary key, in key order; empty without one
 * @param replicaIdentity whether UPDATE and DELETE can be published: a primary key, a replica
 *     identity index, or REPLICA IDENTITY FULL
 */
public record SourceTable(
    QualifiedName name, List<Column> columns, List<String> primaryKey, boolean replicaIdentity) {
  public SourceTable {
    columns = List.copyOf(columns);
    primaryKey = List.copyOf(primaryKey);
  }

  public Optional<Column> column(String column) {
    return columns.stream().filter(c -> c.name().equals(column)).findFirst();
  }

  /** The table at {@code server}, or empty when there is no table (or view) of that name. */
  static Optional<SourceTable> read(Database server, QualifiedName name) {
    Optional<Long> oid =
        server.queryOne(
            "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid ="
                + " c.relnamespace WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r',"
                + " 'p', 'v', 'm', 'f')",
            row -> row.getLong(1),
            name.schema(),
            name.name());
    if (oid.isEmpty()) {
      return Optional.empty();
    }
    List<Column> columns =
        server.query(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull"
                + " FROM pg_catalog.pg_attribute a WHERE a.attrelid = ? AND a.attnum > 0 AND NOT"
                + " a.attisdropped ORDER BY a.attnum",
            row -> new Column(row.getString(1), row.getString(2), row.getBoolean(3)),
            oid.get());
    List<String> primaryKey =
        server.query(
            "SELECT a.attname FROM pg_catalog.pg_index i CROSS JOIN LATERAL"
                + " unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) JOIN"
                + " pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                + " WHERE i.indrelid = ? AND i.indisprimary ORDER BY k.position",
            row -> row.getString(1),
            oid.get());
    boolean replicaIdentity =
        server
            .queryOne(
                "SELECT c.relreplident = 'f' OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM"
                    + " pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)) OR"
                    + " (c.relreplident = 'i' AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i"
                    + " WHERE i.indrelid = c.oid AND i.indisreplident)) FROM pg_catalog.pg_class c"
                    + " WHERE c.oid = ?",
                row -> row.getBoolean(1),
                oid.get())
            .orElse(false);
    return Optional.of(new SourceTable(name, columns, primaryKey, replicaIdentity));
  }

  /** The tables and views of {@code schema} at {@code server}, by name. */
  static List<String> tablesOf(Database server, String schema) {
    return server.query(
        "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid ="
            + " c.relnamespace WHERE n.nspname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND"
            + " NOT c.relispartition ORDER BY c.relname",
        row -> row.getString(1),
        schema);
  }
}
