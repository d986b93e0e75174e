package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
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
      source_rows, source_checksum::text, checksum_form, drop_after, last_error, freeze_marker, from_server,
      from_schema, from_table, created_at, updated_at""";

  private final Database coordinator;

  public Journal(Database coordinator) {
    this.coordinator = coordinator;
    JournalSchema.ensure(coordinator);
  }

  /** Records the intent (P1) and returns the new operation. */
  // Statements for the move engine: journal writes are actions of their steps, so dry runs show
  // them and they commit with what they record.

  /**
   * The id the next operation will get: the identity sequence's next value, read without taking it
   * (dry runs name tables after it); 1 when Strata's schema does not exist yet.
   */
  static long predictedNextId(Database coordinator) {
    if (JournalSchema.currentVersion(coordinator) == 0) {
      return 1;
    }
    return coordinator
        .queryOne(
            """
            SELECT CASE WHEN s.last_value IS NULL THEN s.start_value
                        ELSE s.last_value + s.increment_by END
            FROM pg_catalog.pg_sequences s
            WHERE s.schemaname = 'strata'
              AND format('%I.%I', s.schemaname, s.sequencename)
                  = pg_catalog.pg_get_serial_sequence('strata.operation', 'id')""",
            row -> row.getLong(1))
        .orElse(1L);
  }

  /** Takes the next operation id from the identity sequence. */
  static long nextId(Database coordinator) {
    return coordinator
        .queryOne(
            "SELECT nextval(pg_catalog.pg_get_serial_sequence('strata.operation', 'id'))",
            row -> row.getLong(1))
        .orElseThrow();
  }

  /** P1: the operation row with the id taken beforehand, and its first event. */
  static List<SqlStatement> intentStatements(Operation operation) {
    return List.of(
        SqlStatement.of(
            """
            INSERT INTO strata.operation (id, kind, parent_schema, parent_name, partition_schema,
              partition_name, bound, server, remote_schema, remote_table, staging_name,
              detached_name, state, jobs, keep_remote, from_server, from_schema, from_table)
            OVERRIDING SYSTEM VALUE
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'intent', ?, ?, ?, ?, ?)""",
            operation.id(),
            operation.kind().label(),
            operation.parent().schema(),
            operation.parent().name(),
            operation.partition().schema(),
            operation.partition().name(),
            operation.bound(),
            operation.server(),
            operation.remoteTable().schema(),
            operation.remoteTable().name(),
            operation.stagingName().name(),
            operation.detachedName().name(),
            operation.jobs(),
            operation.keepRemote(),
            operation.fromServer().orElse(null),
            operation.fromTable().map(QualifiedName::schema).orElse(null),
            operation.fromTable().map(QualifiedName::name).orElse(null)),
        eventStatement(operation.id(), OperationState.INTENT.label(), "intent recorded"));
  }

  /** A step's completion: the new state and an event. */
  static List<SqlStatement> advanceStatements(
      Operation operation, OperationState state, String detail) {
    return List.of(
        SqlStatement.of(
            "UPDATE strata.operation SET state = ?, last_error = NULL, updated_at = now(),"
                + " finished_at = CASE WHEN ? IN ('done', 'aborted') THEN now() END WHERE id = ?",
            state.label(),
            state.label(),
            operation.id()),
        eventStatement(operation.id(), state.label(), detail));
  }

  /** P4's completion, with the source's fingerprint measured during the copy. */
  static List<SqlStatement> copiedStatements(
      Operation operation,
      SqlStatement.Deferred rows,
      SqlStatement.Deferred checksum,
      dev.strata.verify.Fingerprints.Form form) {
    return List.of(
        SqlStatement.of(
            "UPDATE strata.operation SET state = 'copied', source_rows = ?,"
                + " source_checksum = ?::numeric, checksum_form = ?, last_error = NULL,"
                + " updated_at = now() WHERE id = ?",
            rows,
            checksum,
            form.label(),
            operation.id()),
        eventStatement(operation.id(), OperationState.COPIED.label(), "rows copied"));
  }

  /** Part of the freeze's transaction: the freeze triggers' identity, read in that transaction. */
  static SqlStatement freezeMarkerStatement(Operation operation, QualifiedName table) {
    return SqlStatement.of(
        "UPDATE strata.operation SET freeze_marker = ("
            + dev.strata.catalog.CatalogReader.TRIGGER_VERSIONS_QUERY
            + "), updated_at = now() WHERE id = ?",
        table.schema(),
        table.name(),
        Freeze.TRIGGERS.toArray(String[]::new),
        operation.id());
  }

  /** Part of the swap's transaction: swapped, and when the old copy may be dropped. */
  static List<SqlStatement> swappedStatements(Operation operation, Duration grace) {
    return List.of(
        SqlStatement.of(
            "UPDATE strata.operation SET state = 'swapped', updated_at = now(),"
                + " drop_after = now() + make_interval(secs => ?) WHERE id = ?",
            (double) grace.toMillis() / 1000.0,
            operation.id()),
        eventStatement(operation.id(), OperationState.SWAPPED.label(), "partition swapped"));
  }

  static SqlStatement eventStatement(long id, String state, String detail) {
    return SqlStatement.of(
        "INSERT INTO strata.operation_event (operation_id, state, detail) VALUES (?, ?, ?)",
        id,
        state,
        detail);
  }

  /** The operation as the intent will record it, for planning and dry runs. */
  static Operation draft(
      long id,
      OperationKind kind,
      QualifiedName parent,
      QualifiedName partition,
      String bound,
      String server,
      QualifiedName remoteTable,
      int jobs,
      boolean keepRemote,
      Optional<String> fromServer,
      Optional<QualifiedName> fromTable) {
    OffsetDateTime now = OffsetDateTime.now();
    return new Operation(
        id,
        kind,
        parent,
        partition,
        bound,
        server,
        remoteTable,
        PartitionMover.derivedName(partition, "_s" + id + "_in"),
        PartitionMover.derivedName(partition, "_s" + id + "_old"),
        OperationState.INTENT,
        jobs,
        keepRemote,
        OptionalLong.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        fromServer,
        fromTable,
        now,
        now);
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

  public Operation advance(Operation operation, OperationState state, String detail) {
    coordinator.inTransaction(
        db -> {
          for (SqlStatement statement : advanceStatements(operation, state, detail)) {
            db.execute(statement);
          }
          return null;
        });
    return find(operation.id()).orElseThrow();
  }

  /** Where a retire's export was written. */
  static SqlStatement exportStatement(Operation operation, String file) {
    return SqlStatement.of(
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
    String fromSchema = row.getString("from_schema");
    String fromTable = row.getString("from_table");
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
        Optional.ofNullable(row.getString("checksum_form")),
        Optional.ofNullable(row.getObject("drop_after", OffsetDateTime.class)),
        Optional.ofNullable(row.getString("last_error")),
        Optional.ofNullable(row.getString("freeze_marker")),
        Optional.ofNullable(row.getString("from_server")),
        fromTable == null ? Optional.empty() : Optional.of(QualifiedName.of(fromSchema, fromTable)),
        row.getObject("created_at", OffsetDateTime.class),
        row.getObject("updated_at", OffsetDateTime.class));
  }

  private static String nonEmpty(String name) {
    return name == null || name.isEmpty() ? "pending" : name;
  }
}
