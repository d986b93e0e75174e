package dev.strata.mirror;

import dev.strata.catalog.Column;
import dev.strata.config.MirrorConfig;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL that makes and refreshes mirrors, rendered from parsed names and catalog facts: every
 * identifier quoted, every value bound.
 *
 * <p>The full refresh of a {@code table} or {@code incremental} mirror is one transaction on the
 * coordinator: the source's rows are read once through the proxy into a temporary table, then the
 * difference is applied to the copy (rows gone deleted, new and changed rows upserted by key).
 * Readers are never blocked, since no statement takes a lock stronger than ROW EXCLUSIVE on the
 * copy, and until the commit they see the previous copy, whole; a failure anywhere rolls everything
 * back. The temporary table disappears with the transaction, so a killed refresh leaves nothing
 * behind.
 */
final class MirrorStatements {
  /** The temporary table a refresh reads the source into. */
  static final String ROWS = "pg_temp.strata_mirror_rows";

  /** The temporary table of the source's keys, for deletions. */
  static final String KEYS = "pg_temp.strata_mirror_keys";

  static final int FETCH_SIZE = 10_000;

  static final int FILLFACTOR = 90;

  private MirrorStatements() {}

  static String columnList(List<Column> columns) {
    return columns.stream().map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
  }

  private static String quotedList(List<String> names) {
    return names.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
  }

  static SqlStatement proxySchema() {
    return SqlStatement.of("CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(Mirror.PROXY_SCHEMA));
  }

  /** The foreign table the mirror reads through, with the source's columns. */
  static SqlStatement createProxy(Mirror mirror, List<Column> columns) {
    return SqlStatement.of(
        "CREATE FOREIGN TABLE "
            + mirror.proxy().quoted()
            + " ("
            + columns.stream()
                .map(c -> Identifiers.quote(c.name()) + " " + c.type())
                .collect(Collectors.joining(", "))
            + ") SERVER "
            + Identifiers.quote(mirror.server())
            + " OPTIONS (schema_name "
            + Identifiers.literal(mirror.remote().schema())
            + ", table_name "
            + Identifiers.literal(mirror.remote().name())
            + ", fetch_size "
            + Identifiers.literal(Integer.toString(FETCH_SIZE))
            + ")");
  }

  static SqlStatement dropProxy(Mirror mirror) {
    return SqlStatement.of("DROP FOREIGN TABLE IF EXISTS " + mirror.proxy().quoted());
  }

  static SqlStatement localSchema(QualifiedName name) {
    return SqlStatement.of("CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(name.schema()));
  }

  /**
   * The copy of a table, incremental or replica mirror, with the source's NOT NULLs. Its pages are
   * filled to 90%, so that a refresh's updates can stay on their page without touching the indexes
   * (HOT updates) when no indexed column changed.
   */
  static SqlStatement createTable(Mirror mirror, List<Column> columns) {
    return SqlStatement.of(
        "CREATE TABLE "
            + mirror.name().quoted()
            + " ("
            + columns.stream()
                .map(
                    c ->
                        Identifiers.quote(c.name())
                            + " "
                            + c.type()
                            + (c.notNull() ? " NOT NULL" : ""))
                .collect(Collectors.joining(", "))
            + ") WITH (fillfactor = "
            + FILLFACTOR
            + ")");
  }

  /** A matview mirror, empty until its first refresh fills it. */
  static SqlStatement createMatview(Mirror mirror, List<Column> columns) {
    return SqlStatement.of(
        "CREATE MATERIALIZED VIEW "
            + mirror.name().quoted()
            + " AS SELECT "
            + columnList(columns)
            + " FROM "
            + mirror.proxy().quoted()
            + " WITH NO DATA");
  }

  static String keyIndexName(Mirror mirror) {
    return Mirror.derivedName(mirror.name().name(), "_strata_key");
  }

  /** The unique index on the key: what ON CONFLICT and a concurrent refresh need. */
  static SqlStatement keyIndex(Mirror mirror, List<String> key) {
    return SqlStatement.of(
        "CREATE UNIQUE INDEX "
            + Identifiers.quote(keyIndexName(mirror))
            + " ON "
            + mirror.name().quoted()
            + " ("
            + quotedList(key)
            + ")");
  }

  /** A replica's key is its primary key, which logical replication finds rows by. */
  static SqlStatement primaryKey(Mirror mirror, List<String> key) {
    return SqlStatement.of(
        "ALTER TABLE "
            + mirror.name().quoted()
            + " ADD CONSTRAINT "
            + Identifiers.quote(keyIndexName(mirror))
            + " PRIMARY KEY ("
            + quotedList(key)
            + ")");
  }

  static String indexName(Mirror mirror, MirrorConfig.Index index) {
    return Mirror.derivedName(
        mirror.name().name() + "_" + String.join("_", index.columns()),
        index.unique() ? "_key" : "_idx");
  }

  static SqlStatement createIndex(Mirror mirror, MirrorConfig.Index index) {
    return SqlStatement.of(
        "CREATE "
            + (index.unique() ? "UNIQUE " : "")
            + "INDEX "
            + Identifiers.quote(indexName(mirror, index))
            + " ON "
            + mirror.name().quoted()
            + " USING "
            + index.method()
            + " ("
            + quotedList(index.columns())
            + ")");
  }

  static SqlStatement dropIndex(QualifiedName mirror, String index) {
    return SqlStatement.of(
        "DROP INDEX IF EXISTS " + QualifiedName.of(mirror.schema(), index).quoted());
  }

  static SqlStatement comment(Mirror mirror) {
    return SqlStatement.of(
        "COMMENT ON "
            + (mirror.mode() == MirrorConfig.Mode.MATVIEW ? "MATERIALIZED VIEW " : "TABLE ")
            + mirror.name().quoted()
            + " IS "
            + Identifiers.literal(
                "Strata mirror of "
                    + mirror.remote().display()
                    + " on "
                    + mirror.server()
                    + " ("
                    + mirror.mode().label()
                    + "): Strata replaces its rows at each refresh; write to the source"));
  }

  static SqlStatement dropLocal(QualifiedName name, String mode) {
    return SqlStatement.of(
        "DROP "
            + (mode.equals(MirrorConfig.Mode.MATVIEW.label()) ? "MATERIALIZED VIEW" : "TABLE")
            + " IF EXISTS "
            + name.quoted());
  }

  static SqlStatement recordMirror(Mirror mirror, List<String> key, List<String> indexes) {
    return SqlStatement.of(
        "INSERT INTO strata.mirror (schema_name, name, entry, server, remote_schema, remote_table,"
            + " mode, key_columns, indexes) VALUES (?, ?, ?, ?, ?, ?, ?, ?::text[], ?::text[])"
            + " ON CONFLICT (schema_name, name) DO UPDATE SET entry = EXCLUDED.entry, server ="
            + " EXCLUDED.server, remote_schema = EXCLUDED.remote_schema, remote_table ="
            + " EXCLUDED.remote_table, mode = EXCLUDED.mode, key_columns = EXCLUDED.key_columns,"
            + " indexes = EXCLUDED.indexes",
        mirror.name().schema(),
        mirror.name().name(),
        mirror.config().entry(),
        mirror.server(),
        mirror.remote().schema(),
        mirror.remote().name(),
        mirror.mode().label(),
        key.toArray(String[]::new),
        indexes.toArray(String[]::new));
  }

  static SqlStatement recordIndexes(QualifiedName mirror, List<String> indexes) {
    return SqlStatement.of(
        "UPDATE strata.mirror SET indexes = ?::text[] WHERE schema_name = ? AND name = ?",
        indexes.toArray(String[]::new),
        mirror.schema(),
        mirror.name());
  }

  static SqlStatement forget(QualifiedName mirror) {
    return SqlStatement.of(
        "DELETE FROM strata.mirror WHERE schema_name = ? AND name = ?",
        mirror.schema(),
        mirror.name());
  }

  // ------------------------------------------------------------------ refresh

  static SqlStatement createRows(Mirror mirror) {
    return SqlStatement.of(
        "CREATE TEMPORARY TABLE strata_mirror_rows (LIKE "
            + mirror.name().quoted()
            + ") ON COMMIT DROP");
  }

  /** Reads the source (past the watermark, when one is given) into the temporary table. */
  static SqlStatement loadRows(
      Mirror mirror, List<Column> columns, String watermarkCondition, Object... parameters) {
    return SqlStatement.of(
        "INSERT INTO "
            + ROWS
            + " ("
            + columnList(columns)
            + ") SELECT "
            + columnList(columns)
            + " FROM "
            + mirror.proxy().quoted()
            + (watermarkCondition.isEmpty() ? "" : " WHERE " + watermarkCondition),
        parameters);
  }

  static SqlStatement analyze(String table) {
    return SqlStatement.of("ANALYZE " + table);
  }

  /** Rows of the copy whose key the source no longer has. */
  static SqlStatement deleteMissing(Mirror mirror, List<String> key, String from) {
    return SqlStatement.of(
        "DELETE FROM "
            + mirror.name().quoted()
            + " m WHERE NOT EXISTS (SELECT FROM "
            + from
            + " s WHERE "
            + key.stream()
                .map(k -> "s." + Identifiers.quote(k) + " = m." + Identifiers.quote(k))
                .collect(Collectors.joining(" AND "))
            + ")");
  }

  /**
   * New rows inserted and changed rows updated by key; a row equal to the copy's is not written.
   * Columns whose type has no default btree equality (json, point, ...) compare as text.
   *
   * @param textCompared columns compared by their text form
   * @param fewRows the rows read are few against the copy (an incremental refresh)
   */
  static SqlStatement upsert(
      Mirror mirror,
      List<Column> columns,
      List<String> key,
      List<String> textCompared,
      boolean fewRows) {
    List<Column> others = columns.stream().filter(c -> !key.contains(c.name())).toList();
    // A one-column row needs ROW(...), or the parentheses are read as grouping.
    String row = others.size() == 1 ? "ROW(" : "(";
    String conflict =
        others.isEmpty()
            ? "DO NOTHING"
            : "DO UPDATE SET "
                + others.stream()
                    .map(
                        c ->
                            Identifiers.quote(c.name())
                                + " = EXCLUDED."
                                + Identifiers.quote(c.name()))
                    .collect(Collectors.joining(", "))
                + " WHERE "
                + row
                + others.stream()
                    .map(c -> compared("m", c, textCompared))
                    .collect(Collectors.joining(", "))
                + ") IS DISTINCT FROM "
                + row
                + others.stream()
                    .map(c -> compared("EXCLUDED", c, textCompared))
                    .collect(Collectors.joining(", "))
                + ")";
    // Rows equal to the copy's are left out before the upsert, by one anti-join on the key:
    // a refresh that changes 1% of the rows writes (and checks the key index for) only those.
    String unchanged =
        key.stream()
                .map(k -> "m." + Identifiers.quote(k) + " = s." + Identifiers.quote(k))
                .collect(Collectors.joining(" AND "))
            + (others.isEmpty()
                ? ""
                : " AND "
                    + row
                    + others.stream()
                        .map(c -> compared("m", c, textCompared))
                        .collect(Collectors.joining(", "))
                    + ") IS NOT DISTINCT FROM "
                    + row
                    + others.stream()
                        .map(c -> compared("s", c, textCompared))
                        .collect(Collectors.joining(", "))
                    + ")");
    return SqlStatement.of(
        "INSERT INTO "
            + mirror.name().quoted()
            + " AS m ("
            + columnList(columns)
            + ") SELECT "
            + columns.stream()
                .map(c -> "s." + Identifiers.quote(c.name()))
                .collect(Collectors.joining(", "))
            + " FROM "
            + ROWS
            + " s"
            // Few rows (an incremental refresh, rows that changed by their watermark): no
            // anti-join,
            // which could hash the whole copy to compare a few rows; ON CONFLICT's own test skips
            // the rare row read again unchanged.
            + (fewRows
                ? ""
                : " WHERE NOT EXISTS (SELECT FROM "
                    + mirror.name().quoted()
                    + " m WHERE "
                    + unchanged
                    + ")")
            + " ON CONFLICT ("
            + quotedList(key)
            + ") "
            + conflict);
  }

  /**
   * An upsert that returns how many rows it wrote and how many of those were new (a row an ON
   * CONFLICT updated has its transaction in xmax; a new one has none).
   */
  static SqlStatement tallied(SqlStatement upsert) {
    return SqlStatement.of(
        "WITH written AS ("
            + upsert.sql()
            + " RETURNING (m.xmax = 0) AS new) SELECT count(*), count(*) FILTER (WHERE new) FROM"
            + " written",
        upsert.boundValues());
  }

  private static String compared(String alias, Column column, List<String> textCompared) {
    String reference = alias + "." + Identifiers.quote(column.name());
    return textCompared.contains(column.name()) ? reference + "::text" : reference;
  }

  /** A copy without a key: every row replaced, still in the one transaction. */
  static List<SqlStatement> replaceAll(Mirror mirror, List<Column> columns) {
    List<SqlStatement> statements = new ArrayList<>();
    statements.add(SqlStatement.of("DELETE FROM " + mirror.name().quoted()));
    statements.add(
        SqlStatement.of(
            "INSERT INTO "
                + mirror.name().quoted()
                + " ("
                + columnList(columns)
                + ") SELECT "
                + columnList(columns)
                + " FROM "
                + ROWS));
    return statements;
  }

  static SqlStatement loadKeys(Mirror mirror, List<String> key) {
    return SqlStatement.of(
        "CREATE TEMPORARY TABLE strata_mirror_keys ON COMMIT DROP AS SELECT "
            + quotedList(key)
            + " FROM "
            + mirror.proxy().quoted());
  }

  static SqlStatement refreshMatview(Mirror mirror, boolean concurrently) {
    return SqlStatement.of(
        "REFRESH MATERIALIZED VIEW "
            + (concurrently ? "CONCURRENTLY " : "")
            + mirror.name().quoted());
  }
}
