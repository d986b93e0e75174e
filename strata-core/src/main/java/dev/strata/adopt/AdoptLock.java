package dev.strata.adopt;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;

/**
 * A session-level advisory lock per adopted table, held by the connection that runs the adoption: a
 * second {@code strata adopt} of the same table fails at once; if the process dies, PostgreSQL
 * releases the lock with its session, so a rerun can take over.
 */
public final class AdoptLock {
  private AdoptLock() {}

  /** The lock's key text: doctor checks whether some session holds it. */
  public static String key(QualifiedName table) {
    return "strata:adopt:" + table.schema() + "." + table.name();
  }

  static void acquire(Database session, QualifiedName table) {
    boolean locked =
        session
            .queryOne(
                "SELECT pg_try_advisory_lock(hashtextextended(?, 0))",
                row -> row.getBoolean(1),
                key(table))
            .orElse(false);
    if (!locked) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          table.display() + " is being adopted by another Strata process",
          "wait for it to finish. Nothing was changed.");
    }
  }

  static void release(Database session, QualifiedName table) {
    try {
      session.execute("SELECT pg_advisory_unlock(hashtextextended(?, 0))", key(table));
    } catch (StrataException e) {
      // The session is closing anyway; PostgreSQL releases session locks with it.
    }
  }
}
