package dev.strata.catalog;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Relations and partitions, on the coordinator or on any server: what a name is, partitioned tables
 * with their partitions, bounds and tiers, columns, indexes, constraints, ownership and grants, the
 * objects a table depends on, Strata's tags. Read-only; every name is bound as a parameter and
 * resolved through {@code pg_namespace}/{@code pg_class}, never through a {@code ::regclass} cast
 * of user text. Server facts are {@link ServerFacts}', a table's rows {@link TableData}'s.
 */
public final class CatalogReader {
  private final Database database;

  public CatalogReader(Database database) {
    this.database = database;
  }

  /** The same server's facts (extensions, foreign servers, settings, roles, sessions). */
  /** Plain tables, as {@code strata adopt} and doctor's adoption check read them. */
  public PlainTableReader plainTables() {
    return new PlainTableReader(database);
  }

  public ServerFacts server() {
    return new ServerFacts(database);
  }

  /** The same server's table data (sizes, estimates, counts). */
  public TableData data() {
    return new TableData(database);
  }

  /**
   * What a relation is: {@code r} table, {@code p} partitioned table, {@code f} foreign table, ...
   */
  public record Relation(long oid, QualifiedName name, String kind, boolean isPartition) {}

  public Optional<Relation> findRelation(QualifiedName name) {
    return database.queryOne(
        """
        SELECT c.oid, c.relkind::text, c.relispartition
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ? AND c.relname = ?
        """,
        row -> new Relation(row.getLong(1), name, row.getString(2), row.getBoolean(3)),
        name.schema(),
        name.name());
  }

  /**
   * The partitioned table {@code name}, or an error saying it does not exist or is not partitioned.
   */
  public PartitionedTable partitionedTable(QualifiedName name) {
    Relation relation =
        findRelation(name)
            .orElseThrow(
                () ->
                    new StrataException(
                        ErrorCode.INVALID_TARGET,
                        "table " + name + " does not exist on the " + database.serverName(),
                        "check the name; as in SQL, the ASCII letters of an unquoted name are"
                            + " lower-cased (write \"Name\" to keep capitals)"
                            + suggestion(name)));
    if (!relation.kind().equals("p")) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          name + " is not a partitioned table (it is a " + describeKind(relation.kind()) + ")",
          "Strata manages tables created with PARTITION BY RANGE/LIST/HASH");
    }
    return readPartitionedTable(relation);
  }

  private String suggestion(QualifiedName name) {
    List<String> similar =
        database.query(
            """
            SELECT n.nspname || '.' || c.relname
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'p' AND lower(c.relname) = lower(?)
            ORDER BY 1 LIMIT 3
            """,
            row -> row.getString(1),
            name.name());
    return similar.isEmpty()
        ? ""
        : "; partitioned tables with a similar name: " + String.join(", ", similar);
  }

  static String describeKind(String kind) {
    return switch (kind) {
      case "r" -> "plain table";
      case "p" -> "partitioned table";
      case "f" -> "foreign table";
      case "v" -> "view";
      case "m" -> "materialized view";
      case "i", "I" -> "index";
      case "S" -> "sequence";
      default -> "relation of kind " + kind;
    };
  }

  /** All partitioned tables that are not themselves partitions, outside system schemas. */
  public List<QualifiedName> partitionedTables() {
    return database.query(
        """
        SELECT n.nspname, c.relname
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'p' AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'strata')
        ORDER BY 1, 2
        """,
        row -> QualifiedName.of(row.getString(1), row.getString(2)));
  }

  private PartitionedTable readPartitionedTable(Relation parent) {
    record Key(String strategy, String definition, List<String> columns) {}
    Key key =
        database
            .queryOne(
                """
                SELECT pt.partstrat::text, pg_catalog.pg_get_partkeydef(pt.partrelid),
                       ARRAY(SELECT coalesce(a.attname::text, '(expression)')
                             FROM unnest(pt.partattrs::int2[]) WITH ORDINALITY k(attnum, ord)
                             LEFT JOIN pg_catalog.pg_attribute a
                               ON a.attrelid = pt.partrelid AND a.attnum = k.attnum
                             ORDER BY k.ord)
                FROM pg_catalog.pg_partitioned_table pt
                WHERE pt.partrelid = ?
                """,
                row -> new Key(row.getString(1), row.getString(2), textArray(row.getArray(3))),
                parent.oid())
            .orElseThrow();
    List<Partition> partitions =
        new ArrayList<>(
            database.query(
                """
                SELECT n.nspname, c.relname, c.relkind::text,
                       pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                       c.reltuples::bigint,
                       CASE WHEN c.relkind IN ('r', 'p')
                            THEN pg_catalog.pg_total_relation_size(c.oid) END,
                       fs.srvname, ft.ftoptions
                FROM pg_catalog.pg_inherits i
                JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
                LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
                WHERE i.inhparent = ?
                """,
                CatalogReader::partition,
                parent.oid()));
    partitions.sort((a, b) -> PartitionBound.KEY_ORDER.compare(a.bound(), b.bound()));
    List<String> uniqueIndexes =
        database.query(
            """
            SELECT ic.relname FROM pg_catalog.pg_index x
            JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
            WHERE x.indrelid = ? AND (x.indisunique OR x.indisprimary)
            ORDER BY 1
            """,
            row -> row.getString(1),
            parent.oid());
    return new PartitionedTable(
        parent.name(),
        PartitionStrategy.fromCatalog(key.strategy()),
        key.columns(),
        key.definition(),
        columns(parent.oid()),
        partitions,
        uniqueIndexes);
  }

  private static Partition partition(ResultSet row) throws SQLException {
    QualifiedName name = QualifiedName.of(row.getString(1), row.getString(2));
    String kind = row.getString(3);
    PartitionBound bound = PartitionBound.parse(row.getString(4));
    long reltuples = row.getLong(5);
    long size = row.getLong(6);
    boolean hasSize = !row.wasNull();
    Tier tier;
    if (kind.equals("f")) {
      Map<String, String> options = options(row.getArray(8));
      tier =
          new Tier.Foreign(
              row.getString(7),
              options.getOrDefault("schema_name", name.schema()),
              options.getOrDefault("table_name", name.name()),
              options);
    } else {
      tier = new Tier.Local();
    }
    // reltuples is -1 for a table never vacuumed or analyzed (PostgreSQL 14+), and meaningless on
    // the coordinator for a foreign table.
    OptionalLong estimate =
        kind.equals("f") || reltuples < 0 ? OptionalLong.empty() : OptionalLong.of(reltuples);
    return new Partition(
        name,
        bound,
        tier,
        kind.equals("p"),
        estimate,
        hasSize ? OptionalLong.of(size) : OptionalLong.empty());
  }

  /** Columns of any relation, in order, without dropped ones. */
  public List<Column> columns(long relationOid) {
    return database.query(
        """
        SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """,
        row -> new Column(row.getString(1), row.getString(2), row.getBoolean(3)),
        relationOid);
  }

  /** Columns of a table by name, or empty when there is no such table (or view) on this server. */
  public Optional<List<Column>> tableColumns(QualifiedName name) {
    return findRelation(name)
        .filter(r -> List.of("r", "p", "f", "v", "m").contains(r.kind()))
        .map(r -> columns(r.oid()));
  }

  /**
   * Columns of {@code table} with a collation other than the database default, {@code C} or {@code
   * POSIX}: one that may be nondeterministic, so that equal values need not be equal bytes.
   */
  public List<String> columnsWithOtherCollations(QualifiedName table) {
    return database.query(
        """
        SELECT a.attname FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = (SELECT c.oid FROM pg_catalog.pg_class c
                            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                            WHERE n.nspname = ? AND c.relname = ?)
          AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attcollation <> 0
          AND a.attcollation NOT IN ('pg_catalog.default'::regcollation, 'pg_catalog."C"'::regcollation,
                                     'pg_catalog."POSIX"'::regcollation)
        ORDER BY a.attnum""",
        row -> row.getString(1),
        table.schema(),
        table.name());
  }

  /** Columns of {@code table} whose values are generated ({@code GENERATED ALWAYS AS ...}). */
  public List<String> generatedColumns(QualifiedName table) {
    return database.query(
        """
        SELECT a.attname
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attgenerated <> ''
        ORDER BY a.attnum
        """,
        row -> row.getString(1),
        table.schema(),
        table.name());
  }

  /**
   * An object a table relies on that is not built into PostgreSQL (OID 16384 and above), so another
   * server may lack it.
   *
   * @param kind {@code type}, {@code function}, {@code operator class} or {@code collation}
   * @param name how to look it up: a qualified type name, a function signature {@code
   *     schema.name(argument types)}, {@code schema.opclass USING method}, a qualified collation
   * @param usedBy the column or index that uses it
   * @param extension the extension it belongs to, if any
   */
  public record Dependency(String kind, String name, String usedBy, Optional<String> extension) {
    @Override
    public String toString() {
      return kind
          + " "
          + name
          + extension.map(e -> " (extension " + e + ")").orElse("")
          + ", used by "
          + usedBy;
    }
  }

  /**
   * The user-defined types of {@code table}'s columns, and the user-defined functions, operator
   * classes and collations its indexes use (expression and partial indexes, non-default operator
   * classes): what a copy of the table and its indexes needs on another server.
   */
  public List<Dependency> userDefinedDependencies(QualifiedName table) {
    return database.query(
        """
        WITH t AS (
          SELECT c.oid FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ? AND c.relname = ?),
        used AS (
          SELECT 'type' AS kind, a.atttypid AS oid, 'pg_catalog.pg_type'::regclass AS class,
                 'column ' || quote_ident(a.attname) AS used_by
          FROM pg_catalog.pg_attribute a, t
          WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
            AND a.atttypid >= 16384
          UNION
          SELECT CASE d.refclassid
                   WHEN 'pg_catalog.pg_proc'::regclass THEN 'function'
                   WHEN 'pg_catalog.pg_opclass'::regclass THEN 'operator class'
                   WHEN 'pg_catalog.pg_collation'::regclass THEN 'collation'
                   ELSE 'type' END,
                 d.refobjid, d.refclassid, 'index ' || quote_ident(ic.relname)
          FROM pg_catalog.pg_index x
          JOIN t ON x.indrelid = t.oid
          JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
          JOIN pg_catalog.pg_depend d
            ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = x.indexrelid
          WHERE d.refobjid >= 16384
            AND d.refclassid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_opclass'::regclass,
                                 'pg_catalog.pg_collation'::regclass, 'pg_catalog.pg_type'::regclass))
        SELECT u.kind,
               CASE u.kind
                 WHEN 'type' THEN pg_catalog.format_type(u.oid, NULL)
                 WHEN 'function' THEN (
                   SELECT format('%I.%I(%s)', pn.nspname, p.proname,
                                 pg_catalog.pg_get_function_identity_arguments(p.oid))
                   FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
                   WHERE p.oid = u.oid)
                 WHEN 'operator class' THEN (
                   SELECT format('%I.%I USING %I', on_.nspname, oc.opcname, am.amname)
                   FROM pg_catalog.pg_opclass oc
                   JOIN pg_catalog.pg_namespace on_ ON on_.oid = oc.opcnamespace
                   JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod
                   WHERE oc.oid = u.oid)
                 ELSE (
                   SELECT format('%I.%I', cn.nspname, co.collname)
                   FROM pg_catalog.pg_collation co
                   JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                   WHERE co.oid = u.oid)
               END,
               u.used_by,
               (SELECT e.extname FROM pg_catalog.pg_depend ed
                JOIN pg_catalog.pg_extension e ON e.oid = ed.refobjid
                WHERE ed.classid = u.class AND ed.objid = u.oid AND ed.deptype = 'e')
        FROM used u
        ORDER BY 3, 1, 2
        """,
        row ->
            new Dependency(
                row.getString(1),
                row.getString(2),
                row.getString(3),
                Optional.ofNullable(row.getString(4))),
        table.schema(),
        table.name());
  }

  /** Whether this server has the object a {@link Dependency} names. */
  public boolean has(Dependency dependency) {
    String sql =
        switch (dependency.kind()) {
          case "type" -> "SELECT pg_catalog.to_regtype(?) IS NOT NULL";
          case "function" -> "SELECT pg_catalog.to_regprocedure(?) IS NOT NULL";
          case "collation" -> "SELECT pg_catalog.to_regcollation(?) IS NOT NULL";
          default ->
              """
              SELECT EXISTS (
                SELECT 1 FROM pg_catalog.pg_opclass oc
                JOIN pg_catalog.pg_namespace n ON n.oid = oc.opcnamespace
                JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod
                WHERE format('%I.%I USING %I', n.nspname, oc.opcname, am.amname) = ?)
              """;
        };
    return database.queryOne(sql, row -> row.getBoolean(1), dependency.name()).orElse(false);
  }

  /**
   * An index of a table, as {@code pg_get_indexdef} prints it.
   *
   * @param name the index's name
   * @param definition {@code CREATE [UNIQUE] INDEX name ON schema.table USING ...}
   * @param table the table as the definition names it, {@code schema.table} quoted as needed
   * @param printedName the name as the definition prints it (quoted as needed)
   */
  public record Index(String name, String definition, String table, String printedName) {}

  /** The indexes of {@code table}, by name. */
  public List<Index> indexes(QualifiedName table) {
    return database.query(
        """
        SELECT ic.relname, pg_catalog.pg_get_indexdef(x.indexrelid),
               format('%I.%I', n.nspname, c.relname), format('%I', ic.relname)
        FROM pg_catalog.pg_index x
        JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
        JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ? AND c.relname = ?
        ORDER BY ic.relname
        """,
        row -> new Index(row.getString(1), row.getString(2), row.getString(3), row.getString(4)),
        table.schema(),
        table.name());
  }

  /**
   * Who owns a table, what was granted on it, and its comment: what a partition's replacement takes
   * over at a swap.
   *
   * @param grants each grant: privilege, grantee (empty: PUBLIC), grantable
   */
  public record Ownership(String owner, List<Grant> grants, Optional<String> comment) {}

  public record Grant(String privilege, Optional<String> grantee, boolean grantable) {}

  public Ownership ownership(QualifiedName table) {
    String owner =
        database
            .queryOne(
                """
                SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = ? AND c.relname = ?""",
                row -> row.getString(1),
                table.schema(),
                table.name())
            .orElseThrow(
                () ->
                    new StrataException(
                        ErrorCode.INVALID_TARGET,
                        "table "
                            + table.display()
                            + " does not exist on the "
                            + database.serverName()));
    List<Grant> grants =
        database.query(
            """
            SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
                   a.privilege_type, a.is_grantable
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
                 pg_catalog.aclexplode(c.relacl) a
            WHERE n.nspname = ? AND c.relname = ? AND a.grantee <> c.relowner
            ORDER BY 1 NULLS FIRST, 2""",
            row ->
                new Grant(
                    row.getString(2), Optional.ofNullable(row.getString(1)), row.getBoolean(3)),
            table.schema(),
            table.name());
    return new Ownership(owner, grants, tableComment(table));
  }

  /** The comment on a relation, if it exists and has one. */
  public Optional<String> tableComment(QualifiedName table) {
    return database
        .queryOne(
            """
            SELECT obj_description(c.oid, 'pg_class') FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relname = ?""",
            row -> Optional.ofNullable(row.getString(1)),
            table.schema(),
            table.name())
        .flatMap(comment -> comment);
  }

  /**
   * The named triggers on a table with their enabled state and row version ({@code
   * name:enabled:xmin}, comma-separated in name order), or NULL when it has none of them; with
   * parameters schema, table and trigger names. Any ALTER, DROP or CREATE OR REPLACE of a trigger
   * writes a new {@code pg_trigger} row version, so an unchanged text proves the triggers were not
   * touched. The journal embeds it to record the freeze in the freeze's own transaction.
   */
  public static final String TRIGGER_VERSIONS_QUERY =
      """
      SELECT string_agg(t.tgname || ':' || t.tgenabled::text || ':' || t.xmin::text, ','
                        ORDER BY t.tgname)
      FROM pg_catalog.pg_trigger t
      JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ? AND c.relname = ? AND t.tgname = ANY (?)""";

  /** Whether a foreign table has the option set (to choose ADD or SET in ALTER ... OPTIONS). */
  public boolean foreignTableHasOption(QualifiedName table, String option) {
    return database
        .queryOne(
            """
            SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_table f
              JOIN pg_catalog.pg_class c ON c.oid = f.ftrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
              pg_catalog.pg_options_to_table(f.ftoptions) o
              WHERE n.nspname = ? AND c.relname = ? AND o.option_name = ?)""",
            row -> row.getBoolean(1),
            table.schema(),
            table.name(),
            option)
        .orElse(false);
  }

  // Plan analysis (strata explain) ----------------------------------------------------------

  /**
   * The root of the partition tree of each relation in {@code relations} that is a partition (at
   * any depth); relations that are not partitions, or do not exist, are absent from the result.
   */
  public Map<QualifiedName, QualifiedName> partitionRoots(Collection<QualifiedName> relations) {
    if (relations.isEmpty()) {
      return Map.of();
    }
    Map<QualifiedName, QualifiedName> roots = new LinkedHashMap<>();
    database
        .query(
            """
            SELECT n.nspname, c.relname, rn.nspname, r.relname
            FROM unnest(?::text[], ?::text[]) AS t(schema_name, relation_name)
            JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema_name
            JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.relation_name
            JOIN pg_catalog.pg_class r ON r.oid = pg_catalog.pg_partition_root(c.oid)
            JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
            WHERE c.relispartition
            """,
            row ->
                Map.entry(
                    QualifiedName.of(row.getString(1), row.getString(2)),
                    QualifiedName.of(row.getString(3), row.getString(4))),
            schemas(relations),
            names(relations))
        .forEach(entry -> roots.put(entry.getKey(), entry.getValue()));
    return roots;
  }

  /**
   * Partitioned tables that are not partitions themselves and whose name is one of {@code names},
   * either visible on the search path or in a schema whose name is also among {@code names}: the
   * tables a statement's identifiers may refer to.
   */
  public List<QualifiedName> partitionedTablesNamed(Collection<String> names) {
    if (names.isEmpty()) {
      return List.of();
    }
    String[] candidates = names.toArray(String[]::new);
    return database.query(
        """
        SELECT n.nspname, c.relname
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'p' AND NOT c.relispartition AND c.relname = ANY (?::text[])
          AND (pg_catalog.pg_table_is_visible(c.oid) OR n.nspname = ANY (?::text[]))
        ORDER BY 1, 2
        """,
        row -> QualifiedName.of(row.getString(1), row.getString(2)),
        candidates,
        candidates);
  }

  /** The foreign server of each foreign table among {@code relations}; others are absent. */
  public Map<QualifiedName, String> foreignTableServers(Collection<QualifiedName> relations) {
    if (relations.isEmpty()) {
      return Map.of();
    }
    Map<QualifiedName, String> servers = new LinkedHashMap<>();
    database
        .query(
            """
            SELECT n.nspname, c.relname, s.srvname
            FROM unnest(?::text[], ?::text[]) AS t(schema_name, relation_name)
            JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema_name
            JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.relation_name
            JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
            JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
            """,
            row ->
                Map.entry(QualifiedName.of(row.getString(1), row.getString(2)), row.getString(3)),
            schemas(relations),
            names(relations))
        .forEach(entry -> servers.put(entry.getKey(), entry.getValue()));
    return servers;
  }

  /**
   * A function (or aggregate, or procedure) as postgres_fdw judges it for shipping.
   *
   * @param schema its schema
   * @param name its name
   * @param arguments {@code pg_get_function_identity_arguments}, e.g. {@code numeric, integer}
   * @param volatility immutable, stable or volatile
   * @param builtIn whether PostgreSQL itself defines it: postgres_fdw's {@code is_builtin} test, an
   *     OID below {@code FirstGenbkiObjectId} (10000)
   * @param extension the extension it belongs to, if any
   * @param visible whether it is found without a schema on the current search path
   */
  public record FunctionDefinition(
      String schema,
      String name,
      String arguments,
      Volatility volatility,
      boolean builtIn,
      Optional<String> extension,
      boolean visible) {
    /** {@code schema.name(arguments)}. */
    public String signature() {
      return schema + "." + name + "(" + arguments + ")";
    }
  }

  /** Every function whose name is one of {@code names}, in every schema. */
  public List<FunctionDefinition> functionsNamed(Collection<String> names) {
    if (names.isEmpty()) {
      return List.of();
    }
    return database.query(
        """
        SELECT n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid),
               p.provolatile::text, p.oid < 10000,
               (SELECT e.extname FROM pg_catalog.pg_depend d
                JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
                WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                  AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
                LIMIT 1),
               pg_catalog.pg_function_is_visible(p.oid)
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE p.proname = ANY (?::text[])
        ORDER BY 1, 2, 3
        """,
        row ->
            new FunctionDefinition(
                row.getString(1),
                row.getString(2),
                row.getString(3),
                Volatility.fromCatalog(row.getString(4)),
                row.getBoolean(5),
                Optional.ofNullable(row.getString(6)),
                row.getBoolean(7)),
        (Object) names.toArray(String[]::new));
  }

  /**
   * An operator as postgres_fdw judges it for shipping.
   *
   * @param schema its schema
   * @param name its name, e.g. {@code %}
   * @param leftType left operand type ({@code format_type}, no type modifier); empty for a prefix
   *     operator
   * @param rightType right operand type
   * @param volatility the volatility of the function implementing it
   * @param builtIn whether PostgreSQL itself defines it (OID below 10000, as for functions)
   * @param extension the extension it belongs to, if any
   * @param visible whether it is found without a schema on the current search path
   */
  public record OperatorDefinition(
      String schema,
      String name,
      Optional<String> leftType,
      String rightType,
      Volatility volatility,
      boolean builtIn,
      Optional<String> extension,
      boolean visible) {
    /** {@code schema.name (left, right)}. */
    public String signature() {
      return schema
          + "."
          + name
          + " ("
          + leftType.map(type -> type + ", ").orElse("NONE, ")
          + rightType
          + ")";
    }
  }

  /** Every operator whose name is one of {@code names}, in every schema. */
  public List<OperatorDefinition> operatorsNamed(Collection<String> names) {
    if (names.isEmpty()) {
      return List.of();
    }
    return database.query(
        """
        SELECT n.nspname, o.oprname,
               CASE WHEN o.oprleft <> 0 THEN pg_catalog.format_type(o.oprleft, NULL) END,
               pg_catalog.format_type(o.oprright, NULL),
               p.provolatile::text, o.oid < 10000,
               (SELECT e.extname FROM pg_catalog.pg_depend d
                JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
                WHERE d.classid = 'pg_catalog.pg_operator'::regclass AND d.objid = o.oid
                  AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
                LIMIT 1),
               pg_catalog.pg_operator_is_visible(o.oid)
        FROM pg_catalog.pg_operator o
        JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
        JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode
        WHERE o.oprname = ANY (?::text[])
        ORDER BY 1, 2, 3, 4
        """,
        row ->
            new OperatorDefinition(
                row.getString(1),
                row.getString(2),
                Optional.ofNullable(row.getString(3)),
                row.getString(4),
                Volatility.fromCatalog(row.getString(5)),
                row.getBoolean(6),
                Optional.ofNullable(row.getString(7)),
                row.getBoolean(8)),
        (Object) names.toArray(String[]::new));
  }

  private static String[] schemas(Collection<QualifiedName> relations) {
    return relations.stream().map(QualifiedName::schema).toArray(String[]::new);
  }

  private static String[] names(Collection<QualifiedName> relations) {
    return relations.stream().map(QualifiedName::name).toArray(String[]::new);
  }

  /** The owner of a relation, or empty when there is no such relation. */
  public Optional<String> owner(QualifiedName name) {
    return database.queryOne(
        """
        SELECT pg_catalog.pg_get_userbyid(c.relowner)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ? AND c.relname = ?
        """,
        row -> row.getString(1),
        name.schema(),
        name.name());
  }

  /**
   * A CHECK constraint as PostgreSQL prints it.
   *
   * @param name constraint name
   * @param definition {@code pg_get_constraintdef}, e.g. {@code CHECK ((id > 0))}
   * @param validated whether every existing row is known to satisfy it
   */
  public record CheckConstraint(String name, String definition, boolean validated) {}

  public List<CheckConstraint> checkConstraints(QualifiedName table) {
    return database.query(
        """
        SELECT k.conname, pg_catalog.pg_get_constraintdef(k.oid), k.convalidated
        FROM pg_catalog.pg_constraint k
        JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ? AND c.relname = ? AND k.contype = 'c'
        ORDER BY 1
        """,
        row -> new CheckConstraint(row.getString(1), row.getString(2), row.getBoolean(3)),
        table.schema(),
        table.name());
  }

  /**
   * How PostgreSQL prints {@code CHECK (expression)} on a table with these columns, so that a
   * constraint written by hand can be compared with the one Strata expects by their canonical text
   * (PostgreSQL normalises casts, parentheses and constants; the printed constants depend on
   * session settings such as TimeZone, so the comparison must use the same session).
   *
   * <p>The only way to get that text is to let PostgreSQL parse the expression against a relation:
   * this creates a temporary table inside a transaction that is always rolled back, so nothing is
   * left behind. It needs the TEMPORARY privilege on the database, which PUBLIC has by default; on
   * a read-only server (a standby) it fails, and the caller says the comparison was not possible.
   *
   * @param expression SQL over the columns, with literals only (no parameters)
   */
  public String canonicalCheck(List<Column> columns, String expression) {
    String columnDefinitions =
        columns.stream()
            .map(c -> dev.strata.sql.Identifiers.quote(c.name()) + " " + c.type())
            .collect(java.util.stream.Collectors.joining(", "));
    try {
      java.sql.Connection connection = database.connection();
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try {
        database.execute(
            "CREATE TEMPORARY TABLE strata_check_probe ("
                + columnDefinitions
                + ", CONSTRAINT strata_check_probe_bounds CHECK ("
                + expression
                + ")) ON COMMIT DROP");
        return database
            .queryOne(
                """
                SELECT pg_catalog.pg_get_constraintdef(k.oid)
                FROM pg_catalog.pg_constraint k
                WHERE k.conname = 'strata_check_probe_bounds'
                  AND k.conrelid = 'pg_temp.strata_check_probe'::regclass
                """,
                row -> row.getString(1))
            .orElseThrow();
      } finally {
        connection.rollback();
        connection.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw database.failure("ROLLBACK", e);
    }
  }

  /**
   * A table on this server that a Strata operation created: its comment is {@code
   * strata:operation:ID}.
   */
  public record TaggedTable(QualifiedName name, long operationId) {}

  public List<TaggedTable> strataTaggedTables() {
    return database.query(
        """
        SELECT n.nspname, c.relname, substring(d.description FROM '^strata:operation:([0-9]+)$')
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_description d
          ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
        WHERE c.relkind IN ('r', 'p') AND d.description ~ '^strata:operation:[0-9]+$'
        ORDER BY 1, 2
        """,
        row ->
            new TaggedTable(
                QualifiedName.of(row.getString(1), row.getString(2)),
                Long.parseLong(row.getString(3))));
  }

  static List<String> textArray(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    return List.of((String[]) array.getArray());
  }

  /** Parses a {@code {key=value,...}} options array; a value may itself contain '='. */
  static Map<String, String> options(Array array) throws SQLException {
    Map<String, String> options = new LinkedHashMap<>();
    for (String entry : textArray(array)) {
      int equals = entry.indexOf('=');
      if (equals > 0) {
        options.put(entry.substring(0, equals), entry.substring(equals + 1));
      }
    }
    return options;
  }

  /** Foreign partitions per foreign server: what a server still serves. */
  public Map<String, Integer> foreignPartitionsByServer() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    database
        .query(
            """
            SELECT s.srvname, count(*) FROM pg_catalog.pg_foreign_table f
            JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver
            JOIN pg_catalog.pg_class c ON c.oid = f.ftrelid
            WHERE c.relispartition
            GROUP BY 1""",
            row -> Map.entry(row.getString(1), row.getInt(2)))
        .forEach(e -> counts.put(e.getKey(), e.getValue()));
    return counts;
  }

  /**
   * True when {@code table} exists and has no row-level security enabled: a query for checks that
   * run as actions of a move (so dry runs show it).
   */
  public static SqlStatement rowSecurityOff(QualifiedName table) {
    return SqlStatement.of(
        "SELECT coalesce((SELECT NOT c.relrowsecurity FROM pg_catalog.pg_class c"
            + " WHERE c.oid = pg_catalog.to_regclass(?)), false)",
        table.quoted());
  }

  /** A partition's parent and bound. */
  public record PartitionOf(QualifiedName parent, PartitionBound bound) {}

  /** The parent and bound of {@code partition}; empty when it is not a partition. */
  public Optional<PartitionOf> partitionOf(QualifiedName partition) {
    return database.queryOne(
        """
        SELECT pn.nspname, p.relname, pg_catalog.pg_get_expr(c.relpartbound, c.oid)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid
        JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
        WHERE n.nspname = ? AND c.relname = ? AND c.relispartition
        """,
        row ->
            new PartitionOf(
                QualifiedName.of(row.getString(1), row.getString(2)),
                PartitionBound.parse(row.getString(3))),
        partition.schema(),
        partition.name());
  }
}
