package dev.strata.adopt;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.PlainTable;
import dev.strata.catalog.PlainTable.DependentView;
import dev.strata.catalog.PlainTable.ForeignKey;
import dev.strata.catalog.PlainTable.Grant;
import dev.strata.catalog.PlainTable.IndexDefinition;
import dev.strata.catalog.PlainTable.Key;
import dev.strata.catalog.PlainTable.OwnedSequence;
import dev.strata.catalog.PlainTable.TableColumn;
import dev.strata.catalog.PlainTableReader;
import dev.strata.config.Interval;
import dev.strata.config.Suggestions;
import dev.strata.connect.Database;
import dev.strata.operation.PartitionNames;
import dev.strata.plan.Periods;
import dev.strata.sql.DollarQuote;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks that a table can be adopted and builds the {@link AdoptPlan}. Every refusal happens here,
 * before anything is changed, and says what is wrong and what to do.
 *
 * <p>Hazards it guards against: a table whose rows cannot be told apart (no key: changes made
 * during the copy could not be replayed), objects PostgreSQL binds to the table's OID that adopt
 * does not carry over (triggers, rules, row security, SQL-standard function bodies, views over
 * views), foreign keys of other tables that the new parent could not satisfy, and keys whose
 * meaning would change silently (the user chooses with {@link KeyMode}).
 */
public final class AdoptPlanner {
  /** More partitions than this is almost certainly an interval given in the wrong unit. */
  static final int MAX_PARTITIONS = 1000;

  private static final Set<String> INTEGER_TYPES = Set.of("smallint", "integer", "bigint");

  private AdoptPlanner() {}

  /** Reads the table and refuses what adopt cannot do. {@code fresh}: no adoption started yet. */
  public static AdoptPlan plan(Database database, AdoptRequest request, boolean fresh) {
    QualifiedName name = request.table();
    PlainTable table =
        new PlainTableReader(database)
            .read(name)
            .orElseThrow(
                () ->
                    new StrataException(
                        ErrorCode.INVALID_TARGET,
                        "table " + name.display() + " does not exist on the coordinator",
                        "check the name (SCHEMA.TABLE; unquoted names are folded to lower case)."
                            + " Nothing was changed."));
    refuseKind(table);
    TableColumn column = partitionColumn(table, request.column());
    List<String[]> ranges = ranges(database, table, column, request.interval());
    Key tracking = trackingKey(table);
    KeyMode keys = keyMode(table, request);
    refuseOthers(table);
    List<ForeignKey> dropped = referencingForeignKeys(table, column.name(), keys, request);
    if (fresh) {
      refuseTakenNames(database, table, ranges);
    }
    return build(table, column, request.interval(), keys, tracking, ranges, dropped);
  }

  private static void refuseKind(PlainTable table) {
    String display = table.name().display();
    if (table.kind().equals("p")) {
      throw refusal(
          display + " is already partitioned",
          "nothing to adopt: add it under `tables:` in strata.yaml and use `strata plan`/`strata"
              + " apply`. Nothing was changed.");
    }
    if (!table.kind().equals("r")) {
      throw refusal(
          display + " is not a plain table (" + kindName(table.kind()) + ")",
          "strata adopt turns a plain table into a partitioned one. Nothing was changed.");
    }
    if (table.persistence().equals("t")) {
      throw refusal(
          display + " is a temporary table",
          "a temporary table lives only in its session; adopt a permanent table. Nothing was"
              + " changed.");
    }
    if (table.persistence().equals("u")) {
      throw refusal(
          display
              + " is unlogged: its rows are lost after a crash, so a resumable adoption"
              + " cannot rely on them",
          "make it logged first (ALTER TABLE "
              + display
              + " SET LOGGED), then adopt it. Nothing"
              + " was changed.");
    }
    if (table.inheritanceChild()) {
      throw refusal(
          display + " inherits from another table (table inheritance)",
          "detach it first (ALTER TABLE " + display + " NO INHERIT parent). Nothing was changed.");
    }
    if (table.inheritanceParent()) {
      throw refusal(
          display
              + " has inheritance children: their rows are part of the table's queries and"
              + " would not be part of the partitioned one",
          "move or detach the children first (ALTER TABLE child NO INHERIT "
              + display
              + "). Nothing was changed.");
    }
  }

  private static String kindName(String kind) {
    return switch (kind) {
      case "v" -> "a view";
      case "m" -> "a materialized view";
      case "f" -> "a foreign table";
      case "S" -> "a sequence";
      case "i", "I" -> "an index";
      default -> "relkind " + kind;
    };
  }

  private static TableColumn partitionColumn(PlainTable table, String name) {
    TableColumn column =
        table
            .column(name)
            .orElseThrow(
                () ->
                    refusal(
                        "column "
                            + name
                            + " does not exist in "
                            + table.name().display()
                            + Suggestions.closest(
                                    name, table.columns().stream().map(TableColumn::name).toList())
                                .map(s -> "; did you mean " + s + "?")
                                .orElse(""),
                        "its columns: "
                            + table.columns().stream()
                                .map(TableColumn::name)
                                .collect(Collectors.joining(", "))
                            + ". Nothing was changed."));
    if (!Periods.isTimeType(column.type()) && !INTEGER_TYPES.contains(column.type())) {
      throw refusal(
          "column "
              + column.name()
              + " of "
              + table.name().display()
              + " has type "
              + column.type()
              + ", which Strata cannot range-partition by",
          "partition by a date, timestamp, timestamptz (interval like '1 month') or smallint,"
              + " integer, bigint column (interval a number of key values). Nothing was changed.");
    }
    if (column.generated()) {
      throw refusal(
          "column " + column.name() + " is a generated column",
          "partition by a stored column. Nothing was changed.");
    }
    return column;
  }

  /** From, to bounds (SQL literal text) of every partition, in order. */
  private static List<String[]> ranges(
      Database database, PlainTable table, TableColumn column, String intervalText) {
    String quoted = Identifiers.quote(column.name());
    String[] extremes =
        database
            .queryOne(
                "SELECT min("
                    + quoted
                    + ")::text, max("
                    + quoted
                    + ")::text FROM "
                    + table.name().quoted(),
                row -> new String[] {row.getString(1), row.getString(2)})
            .orElseThrow();
    List<String[]> ranges = new ArrayList<>();
    if (INTEGER_TYPES.contains(column.type())) {
      long step;
      try {
        step = Long.parseLong(intervalText.strip());
      } catch (NumberFormatException e) {
        throw new StrataException(
            ErrorCode.USAGE,
            "--interval " + intervalText + " is not a whole number",
            "column "
                + column.name()
                + " is "
                + column.type()
                + ": give the width of each"
                + " partition in key values, e.g. --interval 1000000");
      }
      if (step <= 0) {
        throw new StrataException(ErrorCode.USAGE, "--interval must be positive", null);
      }
      long low = extremes[0] == null ? 0 : Long.parseLong(extremes[0]);
      long high = extremes[1] == null ? 0 : Long.parseLong(extremes[1]);
      long start = Math.floorDiv(low, step) * step;
      long last = Math.floorDiv(high, step) * step + step;
      if ((last - start) / step + 1 > MAX_PARTITIONS) {
        throw tooMany(table, column, intervalText, (last - start) / step + 1);
      }
      for (long from = start; from <= last; from += step) {
        ranges.add(new String[] {Long.toString(from), Long.toString(from + step)});
      }
      return ranges;
    }
    Interval interval;
    try {
      interval = Interval.parse(intervalText);
    } catch (IllegalArgumentException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "--interval: " + e.getMessage(),
          "column "
              + column.name()
              + " is "
              + column.type()
              + ": give a calendar interval, e.g."
              + " --interval '1 month'");
    }
    LocalDateTime now = LocalDateTime.now(java.time.ZoneOffset.UTC);
    LocalDateTime low = extremes[0] == null ? now : Periods.parseBound(extremes[0]).orElse(now);
    LocalDateTime high = extremes[1] == null ? now : Periods.parseBound(extremes[1]).orElse(now);
    LocalDateTime start = Periods.periodStart(low, interval);
    LocalDateTime last = Periods.plus(Periods.periodStart(high, interval), interval, 1);
    for (LocalDateTime from = start; !from.isAfter(last); from = Periods.plus(from, interval, 1)) {
      if (ranges.size() >= MAX_PARTITIONS) {
        throw tooMany(table, column, intervalText, ranges.size() + 1);
      }
      ranges.add(
          new String[] {
            Periods.boundText(from, column.type()),
            Periods.boundText(Periods.plus(from, interval, 1), column.type())
          });
    }
    return ranges;
  }

  private static StrataException tooMany(
      PlainTable table, TableColumn column, String interval, long count) {
    return new StrataException(
        ErrorCode.USAGE,
        "--interval "
            + interval
            + " would split "
            + table.name().display()
            + " into "
            + (count > MAX_PARTITIONS ? "more than " + MAX_PARTITIONS : Long.toString(count))
            + " partitions over the values of "
            + column.name(),
        "choose a larger interval (at most "
            + MAX_PARTITIONS
            + " partitions). Nothing was changed.");
  }

  private static Key trackingKey(PlainTable table) {
    Optional<Key> primary = table.primaryKey();
    if (primary.isPresent()) {
      return primary.get();
    }
    for (Key key : table.keys()) {
      if (key.type() == 'u'
          && key.columns().stream()
              .allMatch(c -> table.column(c).map(TableColumn::notNull).orElse(false))) {
        return key;
      }
    }
    throw refusal(
        table.name().display()
            + " has no primary key and no unique constraint on NOT NULL columns: adopting online"
            + " needs one to find the rows that change while it copies",
        "add one (ALTER TABLE "
            + table.name().display()
            + " ADD PRIMARY KEY (...)), then adopt. Nothing was changed.");
  }

  private static KeyMode keyMode(PlainTable table, AdoptRequest request) {
    for (Key key : table.keys()) {
      if (key.type() == 'x') {
        throw refusal(
            table.name().display()
                + " has exclusion constraint "
                + key.name()
                + " ("
                + key.definition()
                + "), which adopt does not carry over",
            "drop it, adopt, and re-create it per partition. Nothing was changed.");
      }
    }
    return request
        .keys()
        .orElseThrow(
            () ->
                new StrataException(
                    ErrorCode.USAGE,
                    table.name().display()
                        + " has "
                        + table.keys().stream()
                            .map(k -> k.name() + " " + k.definition())
                            .collect(Collectors.joining(", "))
                        + ": choose what becomes of it with --keys",
                    "--keys include-partition-key: the key gets the partition column (PRIMARY"
                        + " KEY (id) becomes (id, "
                        + request.column()
                        + ")), as PostgreSQL requires; id alone is then unique only together"
                        + " with "
                        + request.column()
                        + ", and the table cannot have archived (foreign) partitions."
                        + " --keys per-partition: a unique index in each partition and no key on"
                        + " the table; the same id may then exist in two partitions and no"
                        + " foreign key can reference the table, but partitions can be archived."
                        + " Nothing was changed."));
  }

  private static void refuseOthers(PlainTable table) {
    if (!table.otherObjects().isEmpty()) {
      throw refusal(
          table.name().display()
              + " has objects that adopt does not carry over: "
              + String.join(", ", table.otherObjects()),
          "drop them, adopt, and re-create them on the partitioned table (a SQL function can"
              + " use a plain body instead of BEGIN ATOMIC). Nothing was changed.");
    }
  }

  /**
   * Foreign keys of other tables that point at this one: kept (re-pointed in the swap) when the new
   * parent has a unique constraint on exactly their columns, else dropped when asked, else refused.
   * Returns the ones to drop.
   */
  private static List<ForeignKey> referencingForeignKeys(
      PlainTable table, String column, KeyMode keys, AdoptRequest request) {
    List<ForeignKey> unkeepable = new ArrayList<>();
    for (ForeignKey key : table.referencingForeignKeys()) {
      if (!keepable(table, key, column, keys)) {
        unkeepable.add(key);
      }
    }
    if (unkeepable.isEmpty() || request.dropReferencingForeignKeys()) {
      return unkeepable;
    }
    ForeignKey first = unkeepable.get(0);
    throw refusal(
        "foreign key "
            + first.name()
            + " on "
            + first.table().display()
            + " ("
            + first.definition()
            + ")"
            + (unkeepable.size() > 1 ? " and " + (unkeepable.size() - 1) + " more" : "")
            + " references "
            + table.name().display()
            + ", and the partitioned table would have no unique constraint on "
            + String.join(", ", first.referencedColumns())
            + (keys == KeyMode.PER_PARTITION
                ? " (--keys per-partition keeps no key on the table)"
                : " alone (its keys must include " + column + ")"),
        "partition by the referenced column with --keys include-partition-key, or drop these"
            + " foreign keys in the swap with --drop-referencing-foreign-keys (their definitions"
            + " are printed and journaled). Nothing was changed.");
  }

  private static boolean keepable(PlainTable table, ForeignKey key, String column, KeyMode keys) {
    if (keys != KeyMode.INCLUDE_PARTITION_KEY) {
      return false;
    }
    Set<String> referenced = new LinkedHashSet<>(key.referencedColumns());
    return referenced.contains(column)
        && table.keys().stream().anyMatch(k -> new LinkedHashSet<>(k.columns()).equals(referenced));
  }

  private static void refuseTakenNames(Database database, PlainTable table, List<String[]> ranges) {
    List<QualifiedName> names = new ArrayList<>();
    names.add(AdoptNames.newTable(table.name()));
    names.add(AdoptNames.oldTable(table.name()));
    names.add(defaultPartition(table.name()));
    for (String[] range : ranges) {
      names.add(PartitionNames.forRange(table.name(), range[0], range[1]));
    }
    for (QualifiedName name : names) {
      boolean taken =
          database
              .queryOne(
                  "SELECT to_regclass(?) IS NOT NULL", row -> row.getBoolean(1), name.quoted())
              .orElse(false);
      if (taken) {
        throw refusal(
            "adopting "
                + table.name().display()
                + " needs the name "
                + name.display()
                + ", which is taken",
            "rename or drop "
                + name.display()
                + " (a leftover of an aborted adoption can be dropped), then adopt. Nothing was"
                + " changed.");
      }
    }
  }

  static QualifiedName defaultPartition(QualifiedName table) {
    return QualifiedName.of(table.schema(), AdoptNames.suffixed(table.name(), "_default"));
  }

  private static StrataException refusal(String message, String hint) {
    return new StrataException(ErrorCode.INVALID_TARGET, message, hint);
  }

  // ---- statements ------------------------------------------------------------------------

  private static AdoptPlan build(
      PlainTable table,
      TableColumn column,
      String interval,
      KeyMode keys,
      Key tracking,
      List<String[]> ranges,
      List<ForeignKey> dropped) {
    QualifiedName name = table.name();
    QualifiedName fresh = AdoptNames.newTable(name);
    QualifiedName old = AdoptNames.oldTable(name);
    QualifiedName log = AdoptNames.log(table.oid());
    QualifiedName capture = AdoptNames.captureFunction(table.oid());
    QualifiedName refuseTruncate = AdoptNames.truncateFunction(table.oid());
    String owner = Identifiers.quote(table.owner());

    List<SqlStatement> prepare = new ArrayList<>();
    // Creating the triggers waits for the table's writers, and writers arriving meanwhile queue
    // behind it: a short wait, retried, keeps that queue short.
    prepare.add(lockTimeout());
    prepare.add(
        SqlStatement.of(
            "CREATE TABLE "
                + fresh.quoted()
                + " (LIKE "
                + name.quoted()
                + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY"
                + " INCLUDING COMMENTS INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING"
                + " STATISTICS) PARTITION BY RANGE ("
                + Identifiers.quote(column.name())
                + ")"));
    prepare.add(SqlStatement.of("ALTER TABLE " + fresh.quoted() + " OWNER TO " + owner));
    table
        .comment()
        .ifPresent(
            comment ->
                prepare.add(
                    SqlStatement.of(
                        "COMMENT ON TABLE "
                            + fresh.quoted()
                            + " IS "
                            + Identifiers.literal(comment))));
    prepare.addAll(grants("TABLE", fresh, table.grants()));
    String with = storageOptions(table.storageOptions());
    List<QualifiedName> partitionNames = new ArrayList<>();
    List<String> partitionLines = new ArrayList<>();
    for (String[] range : ranges) {
      QualifiedName partition = PartitionNames.forRange(name, range[0], range[1]);
      partitionNames.add(partition);
      partitionLines.add(partition.display() + ": " + range[0] + " .. " + range[1]);
      prepare.add(
          SqlStatement.of(
              "CREATE TABLE "
                  + partition.quoted()
                  + " PARTITION OF "
                  + fresh.quoted()
                  + " FOR VALUES FROM ("
                  + Identifiers.literal(range[0])
                  + ") TO ("
                  + Identifiers.literal(range[1])
                  + ")"
                  + with));
    }
    QualifiedName defaultPartition = defaultPartition(name);
    partitionNames.add(defaultPartition);
    partitionLines.add(
        defaultPartition.display() + ": DEFAULT (rows beyond these ranges, and NULL keys)");
    prepare.add(
        SqlStatement.of(
            "CREATE TABLE "
                + defaultPartition.quoted()
                + " PARTITION OF "
                + fresh.quoted()
                + " DEFAULT"
                + with));
    for (QualifiedName partition : partitionNames) {
      prepare.add(SqlStatement.of("ALTER TABLE " + partition.quoted() + " OWNER TO " + owner));
    }

    // Keys, and the renames they need at the swap (constraint names follow their index's).
    List<String[]> renames = new ArrayList<>();
    for (Key key : table.keys()) {
      List<String> columns = new ArrayList<>(key.columns());
      if (keys == KeyMode.INCLUDE_PARTITION_KEY) {
        if (!columns.contains(column.name())) {
          columns.add(column.name());
        }
        String temporary = AdoptNames.suffixed(key.name(), AdoptNames.NEW_SUFFIX);
        prepare.add(
            SqlStatement.of(
                "ALTER TABLE "
                    + fresh.quoted()
                    + " ADD CONSTRAINT "
                    + Identifiers.quote(temporary)
                    + (key.type() == 'p' ? " PRIMARY KEY " : " UNIQUE ")
                    + quotedList(columns)));
        renames.add(new String[] {key.name(), temporary, key.name()});
      } else {
        for (QualifiedName partition : partitionNames) {
          prepare.add(
              SqlStatement.of(
                  "CREATE UNIQUE INDEX ON " + partition.quoted() + " " + quotedList(columns)));
        }
        // A plain index on the parent: partitions created later get it, lookups by key stay fast.
        String temporary = AdoptNames.suffixed(key.name(), AdoptNames.NEW_SUFFIX);
        prepare.add(
            SqlStatement.of(
                "CREATE INDEX "
                    + Identifiers.quote(temporary)
                    + " ON "
                    + fresh.quoted()
                    + " "
                    + quotedList(columns)));
        renames.add(
            new String[] {
              key.name(),
              temporary,
              AdoptNames.suffixed(name.name() + "_" + String.join("_", key.columns()), "_idx")
            });
      }
    }
    for (ForeignKey key : table.foreignKeys()) {
      prepare.add(
          SqlStatement.of(
              "ALTER TABLE "
                  + fresh.quoted()
                  + " ADD CONSTRAINT "
                  + Identifiers.quote(key.name())
                  + " "
                  + foreignKeyClause(key, key.referenced())));
    }

    // The change log and the capture triggers, ENABLE ALWAYS: PostgreSQL skips ordinary
    // triggers in sessions with session_replication_role = replica, and such a write must not
    // be lost.
    List<String> keyColumns = tracking.columns();
    List<String> keyTypes =
        keyColumns.stream().map(c -> table.column(c).orElseThrow().type()).toList();
    StringBuilder logColumns = new StringBuilder();
    for (int i = 0; i < keyColumns.size(); i++) {
      logColumns
          .append(", ")
          .append(Identifiers.quote(keyColumns.get(i)))
          .append(' ')
          .append(keyTypes.get(i))
          .append(" NOT NULL");
    }
    prepare.add(
        SqlStatement.of(
            "CREATE TABLE "
                + log.quoted()
                + " (strata_log_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
                + logColumns
                + ")"));
    String logKeyList = quotedList(keyColumns);
    String newKeys = keyColumns.stream().map(c -> "NEW." + Identifiers.quote(c)).collect(joining());
    String oldKeys = keyColumns.stream().map(c -> "OLD." + Identifiers.quote(c)).collect(joining());
    String body =
        "\nBEGIN\n"
            + "  IF TG_OP <> 'DELETE' THEN\n"
            + "    INSERT INTO "
            + log.quoted()
            + " "
            + logKeyList
            + " VALUES ("
            + newKeys
            + ");\n"
            + "  END IF;\n"
            + "  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ("
            + oldKeys
            + ") IS DISTINCT FROM ("
            + newKeys
            + ")) THEN\n"
            + "    INSERT INTO "
            + log.quoted()
            + " "
            + logKeyList
            + " VALUES ("
            + oldKeys
            + ");\n"
            + "  END IF;\n"
            + "  RETURN NULL;\n"
            + "END\n";
    // SECURITY DEFINER: the application's roles write the log without rights on schema strata;
    // a fixed search_path keeps the definer's rights from being borrowed.
    prepare.add(
        SqlStatement.of(
            "CREATE FUNCTION "
                + capture.quoted()
                + "() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
                + " SET search_path = pg_catalog, pg_temp AS "
                + DollarQuote.quote(body)));
    String truncateBody =
        "\nBEGIN\n  RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = "
            + Identifiers.literal(
                name.display()
                    + " is being adopted by Strata (strata adopt): TRUNCATE is refused until it"
                    + " finishes or is aborted")
            + ";\nEND\n";
    prepare.add(
        SqlStatement.of(
            "CREATE FUNCTION "
                + refuseTruncate.quoted()
                + "() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS "
                + DollarQuote.quote(truncateBody)));
    prepare.add(
        SqlStatement.of(
            "CREATE TRIGGER "
                + Identifiers.quote(AdoptNames.CAPTURE_TRIGGER)
                + " AFTER INSERT OR UPDATE OR DELETE ON "
                + name.quoted()
                + " FOR EACH ROW EXECUTE FUNCTION "
                + capture.quoted()
                + "()"));
    prepare.add(
        SqlStatement.of(
            "CREATE TRIGGER "
                + Identifiers.quote(AdoptNames.TRUNCATE_TRIGGER)
                + " BEFORE TRUNCATE ON "
                + name.quoted()
                + " FOR EACH STATEMENT EXECUTE FUNCTION "
                + refuseTruncate.quoted()
                + "()"));
    for (String trigger : List.of(AdoptNames.CAPTURE_TRIGGER, AdoptNames.TRUNCATE_TRIGGER)) {
      prepare.add(
          SqlStatement.of(
              "ALTER TABLE "
                  + name.quoted()
                  + " ENABLE ALWAYS TRIGGER "
                  + Identifiers.quote(trigger)));
    }

    // Other indexes, built once the rows are in.
    List<SqlStatement> indexes = new ArrayList<>();
    for (IndexDefinition index : table.indexes()) {
      String temporary = AdoptNames.suffixed(index.name(), AdoptNames.NEW_SUFFIX);
      List<String> expressions = new ArrayList<>(index.keyExpressions());
      if (index.unique() && keys == KeyMode.PER_PARTITION) {
        for (QualifiedName partition : partitionNames) {
          indexes.add(
              SqlStatement.of(
                  "CREATE UNIQUE INDEX ON " + partition.quoted() + indexTail(index, expressions)));
        }
        continue;
      }
      if (index.unique()
          && !index.keyExpressions().contains(Identifiers.quote(column.name()))
          && !index.keyExpressions().contains(column.name())) {
        expressions.add(Identifiers.quote(column.name()));
      }
      indexes.add(
          SqlStatement.of(
              "CREATE "
                  + (index.unique() ? "UNIQUE " : "")
                  + "INDEX "
                  + Identifiers.quote(temporary)
                  + " ON "
                  + fresh.quoted()
                  + indexTail(index, expressions)));
      renames.add(new String[] {index.name(), temporary, index.name()});
    }

    // The swap, after the original is locked and the last changes replayed.
    List<SqlStatement> swap = new ArrayList<>();
    for (String trigger : List.of(AdoptNames.CAPTURE_TRIGGER, AdoptNames.TRUNCATE_TRIGGER)) {
      swap.add(
          SqlStatement.of("DROP TRIGGER " + Identifiers.quote(trigger) + " ON " + name.quoted()));
    }
    swap.add(SqlStatement.of("DROP FUNCTION " + capture.quoted() + "()"));
    swap.add(SqlStatement.of("DROP FUNCTION " + refuseTruncate.quoted() + "()"));
    swap.add(SqlStatement.of("DROP TABLE " + log.quoted()));
    for (DependentView view : table.views()) {
      swap.add(SqlStatement.of("DROP VIEW " + view.name().quoted()));
    }
    List<ForeignKey> kept = new ArrayList<>();
    for (ForeignKey key : table.referencingForeignKeys()) {
      swap.add(
          SqlStatement.of(
              "ALTER TABLE "
                  + key.table().quoted()
                  + " DROP CONSTRAINT "
                  + Identifiers.quote(key.name())));
      if (!dropped.contains(key)) {
        kept.add(key);
      }
    }
    swap.add(
        SqlStatement.of(
            "ALTER TABLE " + name.quoted() + " RENAME TO " + Identifiers.quote(old.name())));
    for (String[] rename : renames) {
      swap.add(
          SqlStatement.of(
              "ALTER INDEX "
                  + QualifiedName.of(name.schema(), rename[0]).quoted()
                  + " RENAME TO "
                  + Identifiers.quote(AdoptNames.suffixed(rename[0], AdoptNames.OLD_SUFFIX))));
    }
    swap.add(
        SqlStatement.of(
            "ALTER TABLE " + fresh.quoted() + " RENAME TO " + Identifiers.quote(name.name())));
    for (String[] rename : renames) {
      swap.add(
          SqlStatement.of(
              "ALTER INDEX "
                  + QualifiedName.of(name.schema(), rename[1]).quoted()
                  + " RENAME TO "
                  + Identifiers.quote(rename[2])));
    }
    for (OwnedSequence sequence : table.sequences()) {
      if (sequence.identity()) {
        // The new identity column has its own sequence: it continues where the original's is.
        swap.add(
            SqlStatement.of(
                "SELECT setval(pg_get_serial_sequence(?, ?), s.last_value, s.is_called) FROM "
                    + sequence.name().quoted()
                    + " s",
                name.quoted(),
                sequence.column()));
      } else {
        swap.add(
            SqlStatement.of(
                "ALTER SEQUENCE "
                    + sequence.name().quoted()
                    + " OWNED BY "
                    + name.quoted()
                    + "."
                    + Identifiers.quote(sequence.column())));
      }
    }
    for (DependentView view : table.views()) {
      swap.add(
          SqlStatement.of(
              "CREATE VIEW "
                  + view.name().quoted()
                  + storageOptions(view.options())
                  + " AS "
                  + view.definition().strip().replaceAll(";$", "")));
      swap.add(
          SqlStatement.of(
              "ALTER VIEW "
                  + view.name().quoted()
                  + " OWNER TO "
                  + Identifiers.quote(view.owner())));
      view.comment()
          .ifPresent(
              comment ->
                  swap.add(
                      SqlStatement.of(
                          "COMMENT ON VIEW "
                              + view.name().quoted()
                              + " IS "
                              + Identifiers.literal(comment))));
      swap.addAll(grants("TABLE", view.name(), view.grants()));
    }
    List<SqlStatement> afterSwap = new ArrayList<>();
    for (ForeignKey key : kept) {
      // NOT VALID keeps the swap short; the check of existing rows runs after it, without
      // blocking writers of either table (SHARE UPDATE EXCLUSIVE).
      swap.add(
          SqlStatement.of(
              "ALTER TABLE "
                  + key.table().quoted()
                  + " ADD CONSTRAINT "
                  + Identifiers.quote(key.name())
                  + " "
                  + foreignKeyClause(key, name)
                  + " NOT VALID"));
      afterSwap.add(
          SqlStatement.of(
              "ALTER TABLE "
                  + key.table().quoted()
                  + " VALIDATE CONSTRAINT "
                  + Identifiers.quote(key.name())));
    }

    List<SqlStatement> abort = abortStatements(name, table.oid());

    List<String> insertColumns =
        table.columns().stream().filter(c -> !c.generated()).map(TableColumn::name).toList();
    boolean identity = table.columns().stream().anyMatch(c -> !c.identity().isEmpty());
    return new AdoptPlan(
        table,
        column.name(),
        interval,
        keys,
        fresh,
        old,
        log,
        keyColumns,
        keyTypes,
        insertColumns,
        identity,
        partitionLines,
        prepare,
        indexes,
        swap,
        afterSwap,
        abort,
        dropped);
  }

  /** What an abort before the swap runs: everything adopt created is dropped, nothing else. */
  public static List<SqlStatement> abortStatements(QualifiedName name, long tableOid) {
    List<SqlStatement> abort = new ArrayList<>();
    abort.add(lockTimeout());
    for (String trigger : List.of(AdoptNames.CAPTURE_TRIGGER, AdoptNames.TRUNCATE_TRIGGER)) {
      abort.add(
          SqlStatement.of(
              "DROP TRIGGER IF EXISTS " + Identifiers.quote(trigger) + " ON " + name.quoted()));
    }
    abort.add(
        SqlStatement.of(
            "DROP FUNCTION IF EXISTS " + AdoptNames.captureFunction(tableOid).quoted() + "()"));
    abort.add(
        SqlStatement.of(
            "DROP FUNCTION IF EXISTS " + AdoptNames.truncateFunction(tableOid).quoted() + "()"));
    abort.add(SqlStatement.of("DROP TABLE IF EXISTS " + AdoptNames.log(tableOid).quoted()));
    abort.add(SqlStatement.of("DROP TABLE IF EXISTS " + AdoptNames.newTable(name).quoted()));
    return abort;
  }

  /** The wait for a lock on the original table, per attempt (attempts are retried). */
  static final String LOCK_TIMEOUT = "500ms";

  /** {@code SET LOCAL lock_timeout}: for the transactions that lock the original table. */
  public static SqlStatement lockTimeout() {
    return SqlStatement.of("SET LOCAL lock_timeout = " + Identifiers.literal(LOCK_TIMEOUT));
  }

  private static java.util.stream.Collector<CharSequence, ?, String> joining() {
    return Collectors.joining(", ");
  }

  private static String indexTail(IndexDefinition index, List<String> expressions) {
    return " USING "
        + Identifiers.quote(index.method())
        + " ("
        + String.join(", ", expressions)
        + ")"
        + (index.includeColumns().isEmpty()
            ? ""
            : " INCLUDE (" + String.join(", ", index.includeColumns()) + ")")
        + index.predicate().map(p -> " WHERE " + p).orElse("");
  }

  private static String quotedList(List<String> columns) {
    return columns.stream().map(Identifiers::quote).collect(Collectors.joining(", ", "(", ")"));
  }

  private static String foreignKeyClause(ForeignKey key, QualifiedName referenced) {
    return "FOREIGN KEY "
        + quotedList(key.columns())
        + " REFERENCES "
        + referenced.quoted()
        + " "
        + quotedList(key.referencedColumns())
        + (key.match() == 'f' ? " MATCH FULL" : "")
        + " ON UPDATE "
        + action(key.onUpdate())
        + " ON DELETE "
        + action(key.onDelete())
        + (key.deferrable() ? " DEFERRABLE" : "")
        + (key.initiallyDeferred() ? " INITIALLY DEFERRED" : "");
  }

  private static String action(char code) {
    return switch (code) {
      case 'r' -> "RESTRICT";
      case 'c' -> "CASCADE";
      case 'n' -> "SET NULL";
      case 'd' -> "SET DEFAULT";
      default -> "NO ACTION";
    };
  }

  /** {@code WITH (name = 'value', ...)} from {@code reloptions}, or nothing. */
  private static String storageOptions(List<String> options) {
    if (options.isEmpty()) {
      return "";
    }
    return options.stream()
        .map(
            option -> {
              int equals = option.indexOf('=');
              return Identifiers.quote(option.substring(0, equals))
                  + " = "
                  + Identifiers.literal(option.substring(equals + 1));
            })
        .collect(Collectors.joining(", ", " WITH (", ")"));
  }

  private static List<SqlStatement> grants(
      String kind, QualifiedName relation, List<Grant> grants) {
    List<SqlStatement> statements = new ArrayList<>();
    for (Grant grant : grants) {
      statements.add(
          SqlStatement.of(
              "GRANT "
                  + grant.privilege()
                  + " ON "
                  + kind
                  + " "
                  + relation.quoted()
                  + " TO "
                  + (grant.grantee().equals("PUBLIC")
                      ? "PUBLIC"
                      : Identifiers.quote(grant.grantee()))
                  + (grant.grantable() ? " WITH GRANT OPTION" : "")));
    }
    return statements;
  }
}
