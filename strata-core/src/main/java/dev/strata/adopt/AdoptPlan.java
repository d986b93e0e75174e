package dev.strata.adopt;

import dev.strata.catalog.Column;
import dev.strata.catalog.PlainTable;
import dev.strata.catalog.PlainTable.ForeignKey;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Everything an adoption runs, built once from the catalog by {@link AdoptPlanner}: the statements
 * of each step, and the statements of the copy and replay batches (whose bounds are known only when
 * they run, so they are built here from the values given). A dry run prints these same statements.
 *
 * @param trackingKey the primary key (or unique NOT NULL key) that identifies a row while it is
 *     copied and its changes replayed
 * @param trackingKeyTypes their types as {@code format_type} prints them
 * @param insertColumns every column but generated ones (PostgreSQL computes those)
 * @param overridingSystemValue whether inserts must say {@code OVERRIDING SYSTEM VALUE} (an
 *     identity column keeps the values of the original rows)
 * @param partitions the ranges created, for people ({@code orders_2024: 2024-01-01 .. 2025-01-01})
 * @param prepare one transaction: the new table, its partitions, keys and foreign keys, grants, the
 *     change log and the capture triggers
 * @param indexes one transaction after the copy: the table's other indexes on the new parent
 * @param swap in the swap transaction, after the last replay: names change hands
 * @param afterSwap after the swap commits: re-pointed foreign keys validated
 * @param abort what an abort before the swap runs: everything adopt created, dropped
 * @param droppedForeignKeys foreign keys of other tables dropped in the swap (only with {@code
 *     --drop-referencing-foreign-keys})
 */
public record AdoptPlan(
    PlainTable table,
    String partitionColumn,
    String interval,
    KeyMode keys,
    QualifiedName newTable,
    QualifiedName oldTable,
    QualifiedName log,
    List<String> trackingKey,
    List<String> trackingKeyTypes,
    List<String> insertColumns,
    boolean overridingSystemValue,
    List<String> partitions,
    List<SqlStatement> prepare,
    List<SqlStatement> indexes,
    List<SqlStatement> swap,
    List<SqlStatement> afterSwap,
    List<SqlStatement> abort,
    List<ForeignKey> droppedForeignKeys) {

  /** The lock the swap takes first: no write and no read of the original until it commits. */
  public SqlStatement lockOriginal() {
    return SqlStatement.of("LOCK TABLE " + table.name().quoted() + " IN ACCESS EXCLUSIVE MODE");
  }

  public SqlStatement dropOld() {
    return TableAdopter.dropOldStatement(table.name());
  }

  private String keyList(String alias) {
    return trackingKey.stream()
        .map(k -> (alias.isEmpty() ? "" : alias + ".") + Identifiers.quote(k))
        .collect(Collectors.joining(", ", "(", ")"));
  }

  private String keyText() {
    return trackingKey.stream()
        .map(k -> Identifiers.quote(k) + "::text")
        .collect(Collectors.joining(", "));
  }

  private String boundKey() {
    StringBuilder tuple = new StringBuilder("(");
    for (int i = 0; i < trackingKey.size(); i++) {
      tuple
          .append(i == 0 ? "" : ", ")
          .append("CAST(? AS ")
          .append(trackingKeyTypes.get(i))
          .append(')');
    }
    return tuple.append(')').toString();
  }

  private String columnList() {
    return insertColumns.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
  }

  private String insertInto() {
    return "INSERT INTO "
        + newTable.quoted()
        + " ("
        + columnList()
        + ")"
        + (overridingSystemValue ? " OVERRIDING SYSTEM VALUE" : "");
  }

  /**
   * The key of the last row of the next batch (as text), after {@code highWater} (null: from the
   * start); no row when the copy is complete.
   */
  public SqlStatement nextBatchEnd(List<?> highWater, int batchRows) {
    String where = highWater == null ? "" : " WHERE " + keyList("") + " > " + boundKey();
    Object[] parameters = parameters(highWater, batchRows);
    return SqlStatement.of(
        "SELECT "
            + keyText()
            + " FROM (SELECT "
            + String.join(", ", trackingKey.stream().map(Identifiers::quote).toList())
            + " FROM "
            + table.name().quoted()
            + where
            + " ORDER BY "
            + keyList("").substring(1, keyList("").length() - 1)
            + " LIMIT ?) b ORDER BY "
            + trackingKey.stream()
                .map(k -> Identifiers.quote(k) + " DESC")
                .collect(Collectors.joining(", "))
            + " LIMIT 1",
        parameters);
  }

  private static Object[] parameters(List<?> highWater, Object last) {
    int size = highWater == null ? 0 : highWater.size();
    Object[] parameters = new Object[size + 1];
    for (int i = 0; i < size; i++) {
      parameters[i] = highWater.get(i);
    }
    parameters[size] = last;
    return parameters;
  }

  /** Copies the rows with keys after {@code highWater} (null: from the start) up to {@code end}. */
  public SqlStatement copyBatch(List<?> highWater, List<?> end) {
    String after = highWater == null ? "" : keyList("") + " > " + boundKey() + " AND ";
    Object[] parameters = new Object[(highWater == null ? 0 : highWater.size()) + end.size()];
    int i = 0;
    if (highWater != null) {
      for (Object value : highWater) {
        parameters[i++] = value;
      }
    }
    for (Object value : end) {
      parameters[i++] = value;
    }
    return SqlStatement.of(
        insertInto()
            + " SELECT "
            + columnList()
            + " FROM "
            + table.name().quoted()
            + " WHERE "
            + after
            + keyList("")
            + " <= "
            + boundKey(),
        parameters);
  }

  /** The highest log entry of the next replay batch of at most {@code rows} entries. */
  public SqlStatement replayBatchEnd(int rows) {
    return SqlStatement.of(
        "SELECT max(strata_log_id) FROM (SELECT strata_log_id FROM "
            + log.quoted()
            + " ORDER BY strata_log_id LIMIT ?) b",
        rows);
  }

  private String loggedKeys(boolean upTo) {
    return "(SELECT "
        + trackingKey.stream().map(Identifiers::quote).collect(Collectors.joining(", "))
        + " FROM "
        + log.quoted()
        + (upTo ? " WHERE strata_log_id <= ?" : "")
        + ")";
  }

  /**
   * Replays the logged changes up to entry {@code upTo} (all visible ones when null): the rows of
   * those keys are deleted from the new table and copied again from the original as they are now.
   * Idempotent; run in one REPEATABLE READ transaction so the copy and the log entries removed are
   * read in one snapshot.
   */
  public List<SqlStatement> replay(Object upTo) {
    Object[] bound = upTo == null ? new Object[0] : new Object[] {upTo};
    return List.of(
        SqlStatement.of(
            "DELETE FROM "
                + newTable.quoted()
                + " WHERE "
                + keyList("")
                + " IN "
                + loggedKeys(upTo != null),
            bound),
        SqlStatement.of(
            insertInto()
                + " SELECT "
                + columnList()
                + " FROM "
                + table.name().quoted()
                + " WHERE "
                + keyList("")
                + " IN "
                + loggedKeys(upTo != null),
            bound),
        SqlStatement.of(
            "DELETE FROM " + log.quoted() + (upTo == null ? "" : " WHERE strata_log_id <= ?"),
            bound));
  }

  /** Count and checksum of the rows of {@code relation} whose keys are in the change log. */
  public SqlStatement loggedRowsFingerprint(QualifiedName relation, String rowHash) {
    return SqlStatement.of(
        "SELECT count(*), coalesce(sum("
            + rowHash
            + "), 0) FROM (SELECT "
            + table.columns().stream()
                .map(c -> Identifiers.quote(c.name()))
                .collect(Collectors.joining(", "))
            + " FROM "
            + relation.quoted()
            + " WHERE "
            + keyList("")
            + " IN "
            + loggedKeys(false)
            + ") r");
  }

  /**
   * The change log's size, from its first and last entry ids (two index probes, where count(*)
   * would read the whole log): exact but for ids of rolled-back writes.
   */
  public SqlStatement logSize() {
    return SqlStatement.of(
        "SELECT coalesce(max(strata_log_id) - min(strata_log_id) + 1, 0) FROM " + log.quoted());
  }

  /** The columns as the verification code takes them. */
  public List<Column> fingerprintColumns() {
    return table.columns().stream().map(c -> new Column(c.name(), c.type(), c.notNull())).toList();
  }
}
