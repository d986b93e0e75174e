package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The operation journal ({@code strata.operation} on the coordinator). Every write is its own
 * committed transaction on the connection given, except {@link #markSwapped}, which joins the
 * swap's transaction so the swap and its record commit together.
 */
public final class Journal {
  private static final String COLUMNS =
      """
      id, kind, parent_schema, parent_name, partition_schema, partition_name, bound, server,
      remote_schema, remote_table, staging_name, detached_name, state, jobs, keep_remote,
      source_rows, source_checksum::text, drop_after, last_error, freeze_marker, created_at,
      updated_at""";

  private final Database coordinator;

  public Journal(Database coordinator) {
    this.coordinator = coordinator;
    JournalSchema.ensure(coordinator);
  }

  /** Records the intent (P1) and returns the new operation. */
  public Operation begin(
      OperationKind kind,
      QualifiedName parent,
      QualifiedName partition,
      String bound,
      String server,
      QualifiedName remoteTable,
      java.util.function.LongFunction<QualifiedName> stagingName,
      java.util.function.LongFunction<QualifiedName> detachedName,
      int jobs,
      boolean keepRemote) {
    return coordinator.inTransaction(
        db -> {
          long id =
              db.queryOne(
                      """
                      INSERT INTO strata.operation (kind, parent_schema, parent_name, partition_schema,
                        partition_name, bound, server, remote_schema, remote_table, staging_name,
                        detached_name, state, jobs, keep_remote)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 'intent', ?, ?)
                      RETURNING id""",
                      row -> row.getLong(1),
                      kind.label(),
                      parent.schema(),
                      parent.name(),
                      partition.schema(),
                      partition.name(),
                      bound,
                      server,
                      remoteTable.schema(),
                      remoteTable.name(),
                      jobs,
                      keepRemote)
                  .orElseThrow();
          db.update(
              "UPDATE strata.operation SET staging_name = ?, detached_name = ? WHERE id = ?",
              stagingName.apply(id).name(),
              detachedName.apply(id).name(),
              id);
          event(db, id, OperationState.INTENT, "intent recorded");
          return find(db, id).orElseThrow();
        });
  }

  public Optional<Operation> find(long id) {
    return find(coordinator, id);
  }

  private static Optional<Operation> find(Database db, long id) {
    return db.queryOne(
        "SELECT " + COLUMNS + " FROM strata.operation WHERE id = ?", Journal::operation, id);
  }

  /** The unfinished operation on this partition, if any. */
  public Optional<Operation> unfinished(QualifiedName partition) {
    return coordinator.queryOne(
        "SELECT "
            + COLUMNS
            + " FROM strata.operation WHERE partition_schema = ? AND partition_name = ?"
            + " AND state NOT IN ('done', 'aborted')",
        Journal::operation,
        partition.schema(),
        partition.name());
  }

  /** The latest finished operation of {@code kind} on this partition, if any. */
  public Optional<Operation> lastDone(QualifiedName partition, OperationKind kind) {
    return coordinator
        .query(
            "SELECT "
                + COLUMNS
                + " FROM strata.operation WHERE partition_schema = ? AND partition_name = ?"
                + " AND kind = ? AND state = 'done' ORDER BY id DESC LIMIT 1",
            Journal::operation,
            partition.schema(),
            partition.name(),
            kind.label())
        .stream()
        .findFirst();
  }

  public List<Operation> all() {
    return coordinator.query(
        "SELECT " + COLUMNS + " FROM strata.operation ORDER BY id", Journal::operation);
  }

  /** Operations swapped but not yet cleaned up whose grace period has ended. */
  public List<Operation> dueForCleanup() {
    return coordinator.query(
        "SELECT "
            + COLUMNS
            + " FROM strata.operation WHERE state = 'swapped' AND (drop_after IS NULL OR drop_after <= now())"
            + " ORDER BY id",
        Journal::operation);
  }

  /** Whether an unfinished or finished archive of this operation's kind owns a remote table. */
  public boolean ownsRemoteTable(String server, QualifiedName remoteTable, long exceptOperation) {
    return coordinator
        .queryOne(
            """
            SELECT 1 FROM strata.operation
            WHERE server = ? AND remote_schema = ? AND remote_table = ? AND id <> ?
              AND state NOT IN ('aborted')
            LIMIT 1""",
            row -> true,
            server,
            remoteTable.schema(),
            remoteTable.name(),
            exceptOperation)
        .isPresent();
  }

  public Operation advance(Operation operation, OperationState state, String detail) {
    coordinator.inTransaction(
        db -> {
          db.update(
              "UPDATE strata.operation SET state = ?, last_error = NULL, updated_at = now(),"
                  + " finished_at = CASE WHEN ? IN ('done', 'aborted') THEN now() END WHERE id = ?",
              state.label(),
              state.label(),
              operation.id());
          event(db, operation.id(), state, detail);
          return null;
        });
    return find(operation.id()).orElseThrow();
  }

  /**
   * Part of the freeze's transaction on {@code freezeTransaction}: records the triggers' identity
   * with the freeze itself, so a rerun that freezes again records the new one.
   */
  static void recordFreeze(Database freezeTransaction, Operation operation, String marker) {
    freezeTransaction.update(
        "UPDATE strata.operation SET freeze_marker = ?, updated_at = now() WHERE id = ?",
        marker,
        operation.id());
  }

  public Operation recordVerified(Operation operation, long rows, BigDecimal checksum) {
    coordinator.inTransaction(
        db -> {
          db.update(
              "UPDATE strata.operation SET state = 'verified', source_rows = ?, source_checksum = ?,"
                  + " last_error = NULL, updated_at = now() WHERE id = ?",
              rows,
              checksum,
              operation.id());
          event(db, operation.id(), OperationState.VERIFIED, rows + " rows, checksum " + checksum);
          return null;
        });
    return find(operation.id()).orElseThrow();
  }

  /** Part of the swap transaction on {@code swapTransaction}: commits or rolls back with it. */
  static void markSwapped(Database swapTransaction, Operation operation, Duration grace) {
    swapTransaction.update(
        "UPDATE strata.operation SET state = 'swapped', updated_at = now(),"
            + " drop_after = now() + make_interval(secs => ?) WHERE id = ?",
        (double) grace.toMillis() / 1000.0,
        operation.id());
    event(swapTransaction, operation.id(), OperationState.SWAPPED, "partition swapped");
  }

  /** Part of the transaction on {@code transaction} that reversed a swap. */
  static void markAborted(Database transaction, Operation operation, String detail) {
    transaction.update(
        "UPDATE strata.operation SET state = 'aborted', updated_at = now(), finished_at = now()"
            + " WHERE id = ?",
        operation.id());
    event(transaction, operation.id(), OperationState.ABORTED, detail);
  }

  public void recordExport(Operation operation, String file) {
    coordinator.update(
        "UPDATE strata.operation SET export_file = ?, updated_at = now() WHERE id = ?",
        file,
        operation.id());
  }

  /** Servers from which Strata retired partitions (for decommissioning). */
  public java.util.Set<String> serversWithRetires() {
    return new java.util.TreeSet<>(
        coordinator.query(
            "SELECT DISTINCT server FROM strata.operation WHERE kind = 'retire' AND state = 'done'",
            row -> row.getString(1)));
  }

  public void recordError(Operation operation, String error) {
    try {
      coordinator.update(
          "UPDATE strata.operation SET last_error = ?, updated_at = now() WHERE id = ?",
          error,
          operation.id());
      coordinator.update(
          "INSERT INTO strata.operation_event (operation_id, state, detail) VALUES (?, ?, ?)",
          operation.id(),
          "error",
          error);
    } catch (StrataException e) {
      // The coordinator may be what failed; the caller reports the original error.
    }
  }

  private static void event(Database db, long id, OperationState state, String detail) {
    db.update(
        "INSERT INTO strata.operation_event (operation_id, state, detail) VALUES (?, ?, ?)",
        id,
        state.label(),
        detail);
  }

  public static StrataException notFound(long id) {
    return new StrataException(
        ErrorCode.USAGE,
        "no operation " + id + " in the journal",
        "`strata operations` lists them");
  }

  private static Operation operation(ResultSet row) throws SQLException {
    long sourceRows = row.getLong("source_rows");
    boolean hasRows = !row.wasNull();
    return new Operation(
        row.getLong("id"),
        OperationKind.fromLabel(row.getString("kind")),
        QualifiedName.of(row.getString("parent_schema"), row.getString("parent_name")),
        QualifiedName.of(row.getString("partition_schema"), row.getString("partition_name")),
        row.getString("bound"),
        row.getString("server"),
        QualifiedName.of(row.getString("remote_schema"), row.getString("remote_table")),
        QualifiedName.of(
            row.getString("partition_schema"), nonEmpty(row.getString("staging_name"))),
        QualifiedName.of(
            row.getString("partition_schema"), nonEmpty(row.getString("detached_name"))),
        OperationState.fromLabel(row.getString("state")),
        row.getInt("jobs"),
        row.getBoolean("keep_remote"),
        hasRows ? OptionalLong.of(sourceRows) : OptionalLong.empty(),
        Optional.ofNullable(row.getString("source_checksum")),
        Optional.ofNullable(row.getObject("drop_after", OffsetDateTime.class)),
        Optional.ofNullable(row.getString("last_error")),
        Optional.ofNullable(row.getString("freeze_marker")),
        row.getObject("created_at", OffsetDateTime.class),
        row.getObject("updated_at", OffsetDateTime.class));
  }

  private static String nonEmpty(String name) {
    return name == null || name.isEmpty() ? "pending" : name;
  }
}
