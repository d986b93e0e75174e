package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;

/**
 * A session-level advisory lock per partition, held by the connection that runs the operation. A
 * second move of the same partition fails at once instead of waiting; if the process dies, its
 * session ends and PostgreSQL releases the lock, so a rerun can take over.
 */
public final class OperationLock {
  private OperationLock() {}

  static String keyFor(QualifiedName partition) {
    return "strata:partition:" + partition.schema() + "." + partition.name();
  }

  /** Takes the partition's lock on {@code session} or fails at once naming who holds it. */
  public static void acquire(Database session, QualifiedName partition) {
    boolean locked =
        session
            .queryOne(
                "SELECT pg_try_advisory_lock(hashtextextended(?, 0))",
                row -> row.getBoolean(1),
                keyFor(partition))
            .orElse(false);
    if (!locked) {
      String holder =
          session
              .queryOne(
                  """
                  SELECT a.pid || coalesce(' (' || a.application_name || ', ' || a.client_addr || ')', '')
                  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                  WHERE l.locktype = 'advisory' AND l.granted
                    AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(?, 0)
                  LIMIT 1""",
                  row -> row.getString(1),
                  keyFor(partition))
              .orElse("another session");
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "partition "
              + partition.display()
              + " is being moved by another Strata process (backend "
              + holder
              + ")",
          "wait for it to finish; `strata operations` shows its progress. Nothing was changed.");
    }
  }

  public static void release(Database session, QualifiedName partition) {
    try {
      session.execute("SELECT pg_advisory_unlock(hashtextextended(?, 0))", keyFor(partition));
    } catch (StrataException e) {
      // The session is closing anyway; PostgreSQL releases session locks with it.
    }
  }
}
