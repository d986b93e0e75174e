package dev.strata.catalog;

import dev.strata.catalog.PlainTable.DependentView;
import dev.strata.catalog.PlainTable.ForeignKey;
import dev.strata.catalog.PlainTable.Grant;
import dev.strata.catalog.PlainTable.IndexDefinition;
import dev.strata.catalog.PlainTable.Key;
import dev.strata.catalog.PlainTable.OwnedSequence;
import dev.strata.catalog.PlainTable.TableColumn;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.sql.Array;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads a table that {@code strata adopt} may turn into a partitioned one: every catalog query
 * adopt needs, in one place. Read-only. Expressions (defaults, CHECKs, view bodies, index keys)
 * come as PostgreSQL prints them ({@code pg_get_expr}, {@code pg_get_viewdef}, {@code
 * pg_get_indexdef}), the text pg_dump also relies on; everything else as names and letters.
 */
public final class PlainTableReader {
  /** Triggers Strata installs itself are not the user's: named with this prefix. */
  public static final String STRATA_TRIGGER_PREFIX = "strata_adopt_capture";

  private final Database database;

  public PlainTableReader(Database database) {
    this.database = database;
  }

  /** The table, or empty when no relation of that name exists. */
  public Optional<PlainTable> read(QualifiedName name) {
    Optional<Object[]> relation =
        database.queryOne(
            """
            SELECT c.oid, c.relkind::text, c.relpersistence::text,
                   EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid),
                   EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = c.oid),
                   pg_get_userbyid(c.relowner), obj_description(c.oid, 'pg_class'),
                   coalesce(c.reloptions, '{}')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relname = ?""",
            row ->
                new Object[] {
                  row.getLong(1),
                  row.getString(2),
                  row.getString(3),
                  row.getBoolean(4),
                  row.getBoolean(5),
                  row.getString(6),
                  row.getString(7),
                  texts(row.getArray(8))
                },
            name.schema(),
            name.name());
    if (relation.isEmpty()) {
      return Optional.empty();
    }
    Object[] r = relation.get();
    long oid = (Long) r[0];
    @SuppressWarnings("unchecked")
    List<String> options = (List<String>) r[7];
    return Optional.of(
        new PlainTable(
            name,
            oid,
            (String) r[1],
            (String) r[2],
            (Boolean) r[3],
            (Boolean) r[4],
            (String) r[5],
            Optional.ofNullable((String) r[6]),
            options,
            columns(oid),
            keys(oid),
            foreignKeys(oid, "c.conrelid = ?"),
            foreignKeys(oid, "c.confrelid = ? AND c.conrelid <> c.confrelid"),
            indexes(oid),
            views(oid),
            sequences(oid),
            grants(oid),
            otherObjects(oid)));
  }

  private List<TableColumn> columns(long oid) {
    return database.query(
        """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               a.attidentity::text, a.attgenerated <> ''
        FROM pg_attribute a
        WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum""",
        row ->
            new TableColumn(
                row.getString(1),
                row.getString(2),
                row.getBoolean(3),
                row.getString(4),
                row.getBoolean(5)),
        oid);
  }

  private List<Key> keys(long oid) {
    return database.query(
        """
        SELECT c.conname, c.contype::text,
               ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(num, i)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num
                     ORDER BY k.i),
               pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.conrelid = ? AND c.contype IN ('p', 'u', 'x')
        ORDER BY c.contype, c.conname""",
        row ->
            new Key(
                row.getString(1),
                row.getString(2).charAt(0),
                texts(row.getArray(3)),
                row.getString(4)),
        oid);
  }

  private List<ForeignKey> foreignKeys(long oid, String condition) {
    return database.query(
        """
        SELECT c.conname, tn.nspname, t.relname,
               ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(num, i)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num
                     ORDER BY k.i),
               rn.nspname, r.relname,
               ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(num, i)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num
                     ORDER BY k.i),
               c.confupdtype::text, c.confdeltype::text, c.confmatchtype::text,
               c.condeferrable, c.condeferred, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
        JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
        WHERE c.contype = 'f' AND c.conparentid = 0 AND\s"""
            + condition
            + " ORDER BY tn.nspname, t.relname, c.conname",
        row ->
            new ForeignKey(
                row.getString(1),
                QualifiedName.of(row.getString(2), row.getString(3)),
                texts(row.getArray(4)),
                QualifiedName.of(row.getString(5), row.getString(6)),
                texts(row.getArray(7)),
                row.getString(8).charAt(0),
                row.getString(9).charAt(0),
                row.getString(10).charAt(0),
                row.getBoolean(11),
                row.getBoolean(12),
                row.getString(13)),
        oid);
  }

  private List<IndexDefinition> indexes(long oid) {
    return database.query(
        """
        SELECT ic.relname, i.indisunique, am.amname,
               ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
                       || CASE WHEN oc.opcdefault THEN ''
                               ELSE ' ' || quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) END
                       || CASE WHEN (i.indoption[k - 1] & 1) = 1 THEN ' DESC' ELSE '' END
                       || CASE WHEN (i.indoption[k - 1] & 3) = 2 THEN ' NULLS FIRST'
                               WHEN (i.indoption[k - 1] & 3) = 1 THEN ' NULLS LAST' ELSE '' END
                     FROM generate_series(1, i.indnkeyatts) k
                     JOIN pg_opclass oc ON oc.oid = i.indclass[k - 1]
                     JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
                     ORDER BY k),
               ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
                     FROM generate_series(i.indnkeyatts + 1, i.indnatts) k ORDER BY k),
               pg_get_expr(i.indpred, i.indrelid, true),
               pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_am am ON am.oid = ic.relam
        WHERE i.indrelid = ?
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                          AND c.conrelid = i.indrelid)
        ORDER BY ic.relname""",
        row ->
            new IndexDefinition(
                row.getString(1),
                row.getBoolean(2),
                row.getString(3),
                texts(row.getArray(4)),
                texts(row.getArray(5)),
                Optional.ofNullable(row.getString(6)),
                row.getString(7)),
        oid);
  }

  private List<DependentView> views(long oid) {
    List<Object[]> found =
        database.query(
            """
            SELECT DISTINCT v.oid, vn.nspname, v.relname, pg_get_viewdef(v.oid, true),
                   coalesce(v.reloptions, '{}'), pg_get_userbyid(v.relowner),
                   obj_description(v.oid, 'pg_class')
            FROM pg_depend d
            JOIN pg_rewrite r ON r.oid = d.objid
            JOIN pg_class v ON v.oid = r.ev_class
            JOIN pg_namespace vn ON vn.oid = v.relnamespace
            WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = ? AND v.oid <> ? AND v.relkind = 'v'
            ORDER BY vn.nspname, v.relname""",
            row ->
                new Object[] {
                  row.getLong(1),
                  QualifiedName.of(row.getString(2), row.getString(3)),
                  row.getString(4),
                  texts(row.getArray(5)),
                  row.getString(6),
                  row.getString(7)
                },
            oid,
            oid);
    List<DependentView> views = new ArrayList<>();
    for (Object[] v : found) {
      @SuppressWarnings("unchecked")
      List<String> viewOptions = (List<String>) v[3];
      views.add(
          new DependentView(
              (QualifiedName) v[1],
              (String) v[2],
              viewOptions,
              (String) v[4],
              Optional.ofNullable((String) v[5]),
              grants((Long) v[0])));
    }
    return views;
  }

  private List<OwnedSequence> sequences(long oid) {
    return database.query(
        """
        SELECT sn.nspname, s.relname, a.attname, d.deptype = 'i'
        FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_namespace sn ON sn.oid = s.relnamespace
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
          AND d.refobjid = ? AND d.deptype IN ('a', 'i')
        ORDER BY a.attnum""",
        row ->
            new OwnedSequence(
                QualifiedName.of(row.getString(1), row.getString(2)),
                row.getString(3),
                row.getBoolean(4)),
        oid);
  }

  /** Grants of a relation, except the owner's own implicit ones. */
  private List<Grant> grants(long oid) {
    return database.query(
        """
        SELECT CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(g.grantee) END,
               g.privilege_type, g.is_grantable
        FROM pg_class c, aclexplode(c.relacl) g
        WHERE c.oid = ? AND g.grantee <> c.relowner
        ORDER BY 1, 2""",
        row -> new Grant(row.getString(1), row.getString(2), row.getBoolean(3)),
        oid);
  }

  private List<String> otherObjects(long oid) {
    return database.query(
        """
        SELECT 'trigger ' || quote_ident(t.tgname) FROM pg_trigger t
          WHERE t.tgrelid = ? AND NOT t.tgisinternal AND t.tgname NOT LIKE 'strata_adopt_capture%'
        UNION ALL
        SELECT 'rule ' || quote_ident(r.rulename) FROM pg_rewrite r
          WHERE r.ev_class = ? AND r.rulename <> '_RETURN'
        UNION ALL
        SELECT 'row-level security policy ' || quote_ident(p.polname) FROM pg_policy p
          WHERE p.polrelid = ?
        UNION ALL
        SELECT 'row-level security (enabled)' FROM pg_class c
          WHERE c.oid = ? AND c.relrowsecurity
        UNION ALL
        SELECT 'column privileges on ' || quote_ident(a.attname) FROM pg_attribute a
          WHERE a.attrelid = ? AND a.attacl IS NOT NULL AND a.attnum > 0
        UNION ALL
        SELECT 'publication ' || quote_ident(p.pubname) FROM pg_publication_rel pr
          JOIN pg_publication p ON p.oid = pr.prpubid WHERE pr.prrelid = ?
        UNION ALL
        SELECT DISTINCT 'function ' || d.objid::regprocedure::text || ' (a SQL-standard body binds to the table)'
          FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
          AND d.refclassid = 'pg_class'::regclass AND d.refobjid = ?
        UNION ALL
        SELECT DISTINCT CASE v.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END
                 || v.oid::regclass::text
                 || CASE v.relkind WHEN 'm' THEN '' ELSE ' (other views read it)' END
          FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
          WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
            AND d.refobjid = ? AND v.oid <> ?
            AND (v.relkind = 'm' OR EXISTS (
                 SELECT 1 FROM pg_depend d2 JOIN pg_rewrite r2 ON r2.oid = d2.objid
                 WHERE d2.classid = 'pg_rewrite'::regclass AND d2.refobjid = v.oid
                   AND r2.ev_class <> v.oid))
        UNION ALL
        SELECT 'foreign key ' || quote_ident(c.conname) || ' referencing itself' FROM pg_constraint c
          WHERE c.contype = 'f' AND c.conrelid = ? AND c.confrelid = ?""",
        row -> row.getString(1), oid, oid, oid, oid, oid, oid, oid, oid, oid, oid, oid);
  }

  /**
   * A table an adoption has left something on: capture triggers, a {@code _strata_new} table, or an
   * unfinished journal entry.
   *
   * @param journal the unfinished journal entry, as {@code id, state, --by, --interval, --keys}
   */
  public record HalfAdopted(
      QualifiedName table, boolean capturing, boolean newTable, Optional<String[]> journal) {}

  /** Every table an adoption has left something on. */
  public List<HalfAdopted> halfAdopted() {
    boolean journaled =
        database
            .queryOne("SELECT to_regclass('strata.adoption') IS NOT NULL", row -> row.getBoolean(1))
            .orElse(false);
    String journal =
        journaled
            ? """
              UNION
              SELECT table_schema, table_name FROM strata.adoption
              WHERE state NOT IN ('done', 'aborted')"""
            : "";
    List<QualifiedName> tables =
        database.query(
            """
            SELECT n.nspname, c.relname FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE t.tgname = 'strata_adopt_capture'
            UNION
            SELECT n.nspname, left(c.relname, length(c.relname) - length('_strata_new'))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'p' AND c.relname LIKE '%\\_strata\\_new'"""
                + journal
                + " ORDER BY 1, 2",
            row -> QualifiedName.of(row.getString(1), row.getString(2)));
    List<HalfAdopted> found = new ArrayList<>();
    for (QualifiedName table : tables) {
      boolean capturing =
          database
              .queryOne(
                  "SELECT EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                      + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND"
                      + " c.relname = ? AND t.tgname = 'strata_adopt_capture')",
                  row -> row.getBoolean(1),
                  table.schema(),
                  table.name())
              .orElse(false);
      boolean newTable =
          database
              .queryOne(
                  "SELECT to_regclass(?) IS NOT NULL",
                  row -> row.getBoolean(1),
                  QualifiedName.of(table.schema(), table.name() + "_strata_new").quoted())
              .orElse(false);
      Optional<String[]> entry =
          journaled
              ? database.queryOne(
                  "SELECT id::text, state, partition_column, partition_interval, keys FROM"
                      + " strata.adoption WHERE table_schema = ? AND table_name = ? AND state NOT"
                      + " IN ('done', 'aborted')",
                  row ->
                      new String[] {
                        row.getString(1),
                        row.getString(2),
                        row.getString(3),
                        row.getString(4),
                        row.getString(5)
                      },
                  table.schema(),
                  table.name())
              : Optional.empty();
      found.add(new HalfAdopted(table, capturing, newTable, entry));
    }
    return found;
  }

  /** Whether any adoption artefact (capture trigger) is on the table. */
  public boolean hasCaptureTrigger(long oid) {
    return database
        .queryOne(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ? AND tgname LIKE"
                + " 'strata_adopt_capture%')",
            row -> row.getBoolean(1), oid)
        .orElse(false);
  }

  private static List<String> texts(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    return Arrays.asList((String[]) array.getArray());
  }
}
