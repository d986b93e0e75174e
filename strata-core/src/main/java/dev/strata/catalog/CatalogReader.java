package dev.strata.catalog;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Every catalog query Strata runs, on the coordinator or on any server. Read-only; every name is
 * bound as a parameter and resolved through {@code pg_namespace}/{@code pg_class}, never through a
 * {@code ::regclass} cast of user text.
 */
public final class CatalogReader {
  private final Database database;

  public CatalogReader(Database database) {
    this.database = database;
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
                        "check the name; unquoted names are lower-cased, as in SQL"
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

  public boolean extensionInstalled(String extension) {
    return database
        .queryOne("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = ?", row -> true, extension)
        .isPresent();
  }

  public boolean extensionAvailable(String extension) {
    return database
        .queryOne(
            "SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = ?",
            row -> true,
            extension)
        .isPresent();
  }

  public List<ForeignServer> foreignServers() {
    return database.query(
        """
        SELECT s.srvname, w.fdwname, s.srvoptions
        FROM pg_catalog.pg_foreign_server s
        JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
        ORDER BY 1
        """,
        row -> new ForeignServer(row.getString(1), row.getString(2), options(row.getArray(3))));
  }

  public Optional<ForeignServer> foreignServer(String name) {
    return foreignServers().stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * User mappings, without passwords: the password option is filtered out in SQL, so it never
   * reaches this process.
   */
  public List<UserMapping> userMappings() {
    return database.query(
        """
        SELECT m.srvname, m.usename,
               ARRAY(SELECT o.option_name || '=' || o.option_value
                     FROM pg_catalog.pg_options_to_table(m.umoptions) o
                     WHERE o.option_name <> 'password'
                     ORDER BY 1),
               EXISTS (SELECT 1 FROM pg_catalog.pg_options_to_table(m.umoptions) o
                       WHERE o.option_name = 'password')
        FROM pg_catalog.pg_user_mappings m
        ORDER BY 1, 2
        """,
        row ->
            new UserMapping(
                row.getString(1), row.getString(2), options(row.getArray(3)), row.getBoolean(4)));
  }

  /**
   * Whether the mapping's stored password equals {@code candidate}. The comparison runs in SQL with
   * the candidate bound as a parameter, so the stored password never leaves the server.
   */
  public boolean mappingPasswordEquals(String server, String localUser, String candidate) {
    return database
        .queryOne(
            """
            SELECT o.option_value = ?
            FROM pg_catalog.pg_user_mappings m,
                 pg_catalog.pg_options_to_table(m.umoptions) o
            WHERE m.srvname = ? AND m.usename = ? AND o.option_name = 'password'
            """,
            row -> row.getBoolean(1),
            candidate,
            server,
            localUser)
        .orElse(false);
  }

  public String serverVersion() {
    return database.queryOne("SHOW server_version", row -> row.getString(1)).orElseThrow();
  }

  public String currentUser() {
    return database.queryOne("SELECT current_user", row -> row.getString(1)).orElseThrow();
  }

  private static List<String> textArray(Array array) throws SQLException {
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
}
