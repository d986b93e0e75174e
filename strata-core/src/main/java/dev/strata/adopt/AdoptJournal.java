package dev.strata.adopt;

import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code strata.adoption} on the coordinator: one row per adoption. Each step records its end in
 * the same transaction as its work where the work is transactional (copy batches, the swap), so a
 * rerun resumes exactly where the last committed step ended.
 */
final class AdoptJournal {
  private static final String COLUMNS =
      "id, table_schema, table_name, table_oid, partition_column, partition_interval, keys, state,"
          + " high_water, copied_rows, verified_rows, verified_checksum, dropped_foreign_keys,"
          + " after_swap, swap_attempts, swap_millis, last_error";

  private AdoptJournal() {}

  static Optional<Adoption> unfinished(Database db, QualifiedName table) {
    return db.queryOne(
        "SELECT "
            + COLUMNS
            + " FROM strata.adoption WHERE table_schema = ? AND table_name = ?"
            + " AND state NOT IN ('done', 'aborted')",
        AdoptJournal::read,
        table.schema(),
        table.name());
  }

  static Optional<Adoption> lastDone(Database db, QualifiedName table) {
    return db
        .query(
            "SELECT "
                + COLUMNS
                + " FROM strata.adoption WHERE table_schema = ? AND table_name = ?"
                + " AND state = 'done' ORDER BY id DESC LIMIT 1",
            AdoptJournal::read,
            table.schema(),
            table.name())
        .stream()
        .findFirst();
  }

  static Adoption get(Database db, long id) {
    return db.queryOne(
            "SELECT " + COLUMNS + " FROM strata.adoption WHERE id = ?", AdoptJournal::read, id)
        .orElseThrow();
  }

  /** The intent, committed before anything is created. */
  static SqlStatement create(AdoptPlan plan) {
    return SqlStatement.of(
        "INSERT INTO strata.adoption (table_schema, table_name, table_oid, partition_column,"
            + " partition_interval, keys, state, dropped_foreign_keys, after_swap, old_table)"
            + " VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?) RETURNING id",
        plan.table().name().schema(),
        plan.table().name().name(),
        plan.table().oid(),
        plan.partitionColumn(),
        plan.interval(),
        plan.keys().label(),
        plan.droppedForeignKeys().stream()
            .map(k -> k.table().display() + "." + k.name() + ": " + k.definition())
            .toArray(String[]::new),
        plan.afterSwap().stream().map(SqlStatement::sql).toArray(String[]::new),
        plan.oldTable().name());
  }

  static long insert(Database db, AdoptPlan plan) {
    SqlStatement statement = create(plan);
    return db.inTransaction(
        tx -> {
          Object[] values = statement.boundValues();
          for (int i = 0; i < values.length; i++) {
            if (values[i] instanceof String[] array) {
              values[i] = tx.connection().createArrayOf("text", array);
            }
          }
          return tx.queryOne(statement.sql(), row -> row.getLong(1), values).orElseThrow();
        });
  }

  static void state(Database db, long id, AdoptState state) {
    db.update(
        "UPDATE strata.adoption SET state = ?, updated_at = now(),"
            + " finished_at = CASE WHEN ? IN ('done', 'aborted') THEN now() END WHERE id = ?",
        state.label(),
        state.label(),
        id);
  }

  static void advance(Database db, long id, List<String> highWater, long rows) {
    try {
      db.update(
          "UPDATE strata.adoption SET high_water = ?, copied_rows = copied_rows + ?,"
              + " updated_at = now() WHERE id = ?",
          db.connection().createArrayOf("text", highWater.toArray()),
          rows,
          id);
    } catch (SQLException e) {
      throw db.failure("createArrayOf", e);
    }
  }

  static void verified(Database db, long id, long rows, java.math.BigDecimal checksum) {
    db.update(
        "UPDATE strata.adoption SET state = 'verified', verified_rows = ?, verified_checksum = ?,"
            + " updated_at = now() WHERE id = ?",
        rows,
        checksum,
        id);
  }

  static void swapped(Database db, long id, int attempts, long millis) {
    db.update(
        "UPDATE strata.adoption SET state = 'swapped', swap_attempts = ?, swap_millis = ?,"
            + " updated_at = now() WHERE id = ?",
        attempts,
        millis,
        id);
  }

  static void error(Database db, long id, String message) {
    try {
      db.update(
          "UPDATE strata.adoption SET last_error = ?, updated_at = now() WHERE id = ?",
          message,
          id);
    } catch (RuntimeException e) {
      // Recording the error must never hide it: the caller rethrows the original.
    }
  }

  private static Adoption read(ResultSet row) throws SQLException {
    long verified = row.getLong(11);
    boolean verifiedNull = row.wasNull();
    int attempts = row.getInt(15);
    boolean attemptsNull = row.wasNull();
    long millis = row.getLong(16);
    boolean millisNull = row.wasNull();
    return new Adoption(
        row.getLong(1),
        QualifiedName.of(row.getString(2), row.getString(3)),
        row.getLong(4),
        row.getString(5),
        row.getString(6),
        KeyMode.ofLabel(row.getString(7)).orElseThrow(),
        AdoptState.ofLabel(row.getString(8)),
        Optional.ofNullable(texts(row.getArray(9))),
        row.getLong(10),
        verifiedNull ? Optional.empty() : Optional.of(verified),
        Optional.ofNullable(row.getBigDecimal(12)),
        texts(row.getArray(13)),
        texts(row.getArray(14)),
        attemptsNull ? Optional.empty() : Optional.of(attempts),
        millisNull ? Optional.empty() : Optional.of(millis),
        Optional.ofNullable(row.getString(17)));
  }

  private static List<String> texts(Array array) throws SQLException {
    return array == null ? null : Arrays.asList((String[]) array.getArray());
  }
}
