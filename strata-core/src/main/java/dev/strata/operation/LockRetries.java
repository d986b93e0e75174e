package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Database;
import dev.strata.connect.SqlStates;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a short DDL transaction, retrying with jittered exponential backoff (50 ms up to 2 s) while
 * it fails on {@code lock_timeout}. Each attempt is bounded by the session's lock timeout and the
 * attempts by {@link #ATTEMPTS}, so the wait is bounded; waiting in short attempts keeps the queue
 * of sessions behind a pending ACCESS EXCLUSIVE request short.
 */
final class LockRetries {
  static final int ATTEMPTS = 30;
  private static final Logger LOG = LoggerFactory.getLogger(LockRetries.class);

  private LockRetries() {}

  /** Returns the number of attempts it took. */
  static int run(Database session, Runnable work) {
    long backoffMillis = 50;
    for (int attempt = 1; ; attempt++) {
      try {
        work.run();
        return attempt;
      } catch (StrataException e) {
        boolean lockTimeout =
            e.getCause() instanceof SQLException sql
                && SqlStates.LOCK_NOT_AVAILABLE.equals(sql.getSQLState());
        if (!lockTimeout) {
          throw e;
        }
        if (attempt >= ATTEMPTS) {
          throw new StrataException(
              ErrorCode.TIMEOUT,
              "could not take the locks needed within "
                  + ATTEMPTS
                  + " attempts: long transactions keep using the table",
              "retry when they have finished (see pg_stat_activity)",
              e);
        }
        LOG.debug(
            "lock not available on {} (attempt {}), retrying in {} ms",
            session.serverName(),
            attempt,
            backoffMillis);
        try {
          Thread.sleep(backoffMillis + ThreadLocalRandom.current().nextLong(backoffMillis));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new StrataException(ErrorCode.INTERNAL, "interrupted", null, interrupted);
        }
        backoffMillis = Math.min(2000, backoffMillis * 2);
      }
    }
  }
}
