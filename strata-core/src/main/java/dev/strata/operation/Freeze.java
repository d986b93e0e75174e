package dev.strata.operation;

import dev.strata.connect.Database;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.util.List;

/**
 * The freeze of a move's source: from the freeze on, nothing may change the rows being moved, so
 * the copy, the verification and the swap can run in separate transactions without a long lock.
 *
 * <p>Two triggers refuse writes with SQLSTATE 55000, naming the operation: a row trigger for
 * INSERT, UPDATE and DELETE (row triggers fire for rows routed through the parent and for the
 * source side of cross-partition updates; statement triggers would not) and a statement trigger for
 * TRUNCATE (which has no row triggers). Both are enabled {@code ALWAYS}: an ordinary trigger does
 * not fire in a session with {@code session_replication_role = replica}, which logical-replication
 * apply workers, {@code pg_restore --disable-triggers} and some ETL tools use; an {@code ALWAYS}
 * trigger does.
 *
 * <p>What a trigger cannot stop (a superuser who disables, drops or re-creates it, or a way around
 * triggers nobody thought of) is caught twice by the mover: the swap checks, under its lock, that
 * the triggers are exactly the rows the freeze wrote (the journal records their {@code pg_trigger}
 * row versions with the freeze, {@link dev.strata.catalog.CatalogReader#TRIGGER_VERSIONS_QUERY}: a
 * trigger's row gets a new version, so a new {@code xmin}, on every DISABLE, ENABLE, DROP or CREATE
 * OR REPLACE); and the cleanup re-hashes the old copy before dropping it.
 *
 * <p>On a server (the source of a restore or of a retire's export) the trigger function lives in a
 * schema {@code strata} that the freeze creates there when missing.
 */
final class Freeze {
  static final String ROW_TRIGGER = "strata_freeze";
  static final String TRUNCATE_TRIGGER = "strata_freeze_truncate";
  static final List<String> TRIGGERS = List.of(ROW_TRIGGER, TRUNCATE_TRIGGER);

  /**
   * The function both triggers call; {@code TG_ARGV[0]} is the operation id. SQLSTATE 55000
   * (object_not_in_prerequisite_state) lets applications tell a refused write from a bug.
   */
  static final String REFUSE_WRITE_FUNCTION =
      """
      CREATE OR REPLACE FUNCTION strata.refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'partition %.% is frozen by Strata operation %: it is being moved to another server',
            TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0]
          USING ERRCODE = '55000',
                HINT = 'writes into this range are refused until the move finishes; '
                    || '`strata operations` shows its progress, `strata abort` cancels it';
      END
      $$""";

  private Freeze() {}

  /** The statements that freeze {@code table} for {@code operationId}; idempotent. */
  static List<String> statements(QualifiedName table, long operationId) {
    String argument = Identifiers.literal(Long.toString(operationId));
    return List.of(
        "CREATE OR REPLACE TRIGGER "
            + ROW_TRIGGER
            + " BEFORE INSERT OR UPDATE OR DELETE ON "
            + table.quoted()
            + " FOR EACH ROW EXECUTE FUNCTION strata.refuse_write("
            + argument
            + ")",
        "ALTER TABLE " + table.quoted() + " ENABLE ALWAYS TRIGGER " + ROW_TRIGGER,
        "CREATE OR REPLACE TRIGGER "
            + TRUNCATE_TRIGGER
            + " BEFORE TRUNCATE ON "
            + table.quoted()
            + " FOR EACH STATEMENT EXECUTE FUNCTION strata.refuse_write("
            + argument
            + ")",
        "ALTER TABLE " + table.quoted() + " ENABLE ALWAYS TRIGGER " + TRUNCATE_TRIGGER);
  }

  /**
   * What a server needs before a table there can be frozen: Strata's schema and the trigger
   * function. Serialized by a transaction-level advisory lock, so two moves never race to create
   * them.
   */
  static List<String> functionStatements() {
    return List.of(
        "SELECT pg_advisory_xact_lock(hashtextextended('strata:schema', 0))",
        "CREATE SCHEMA IF NOT EXISTS strata",
        REFUSE_WRITE_FUNCTION);
  }

  static List<String> unfreezeStatements(QualifiedName table) {
    return List.of(
        "DROP TRIGGER IF EXISTS " + ROW_TRIGGER + " ON " + table.quoted(),
        "DROP TRIGGER IF EXISTS " + TRUNCATE_TRIGGER + " ON " + table.quoted());
  }

  /** Freezes {@code table} in the caller's transaction. */
  static void freeze(Database transaction, QualifiedName table, long operationId) {
    for (String statement : statements(table, operationId)) {
      transaction.execute(statement);
    }
  }

  /**
   * Freezes {@code table} on a server (the source of a restore, or of a retire's export), in a
   * transaction of its own retried on lock timeouts, creating the trigger function there first.
   */
  static void freezeOnServer(Database server, QualifiedName table, long operationId) {
    LockRetries.run(
        server,
        () ->
            server.inTransaction(
                db -> {
                  for (String statement : functionStatements()) {
                    db.execute(statement);
                  }
                  freeze(db, table, operationId);
                  return null;
                }));
  }

  static void unfreeze(Database database, QualifiedName table) {
    for (String statement : unfreezeStatements(table)) {
      database.execute(statement);
    }
  }
}
