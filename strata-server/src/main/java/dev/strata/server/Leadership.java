package dev.strata.server;

import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Which of several {@code strata serve} processes against one coordinator acts: the one holding a
 * session-level advisory lock on a connection of its own. A leader that is killed, or whose session
 * dies, releases the lock with the session, and a follower that asks again takes it; asking every
 * quarter of {@code takeover} bounds how long the coordinator goes without a leader.
 *
 * <p>Holding the lock is not yet acting. A leader acts only while its session answered within the
 * last {@linkplain #lease lease}, and a new leader starts acting only a lease after it took the
 * lock. A leader cut off from the coordinator (its session ended, the network gone) therefore stops
 * acting before a successor starts, even though it learns of the loss only at its next check: two
 * processes never act at once. Both measure with the same monotonic clock of the machine they run
 * on; the lease is two check intervals, so one slow check does not cost the leadership.
 */
final class Leadership implements AutoCloseable {
  static final String LOCK = "strata:serve:leader";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Leadership.class);

  /** What this process knows about leadership now. */
  record State(
      boolean leader, boolean holdsLock, Optional<Instant> since, Optional<String> error) {}

  private final Connections connections;
  private final long leaseNanos;
  private Database session;

  // Written under the monitor, read without it.
  private volatile boolean holds;
  private volatile long acquiredNanos;
  private volatile long verifiedNanos;
  private volatile Instant acquiredAt;
  private volatile String error;

  Leadership(Connections connections, Duration takeover) {
    this.connections = connections;
    this.leaseNanos = lease(takeover).toNanos();
  }

  State state() {
    boolean leader = isLeader();
    return new State(
        leader,
        holds,
        leader ? Optional.ofNullable(acquiredAt) : Optional.empty(),
        Optional.ofNullable(error));
  }

  /**
   * Whether this process may act now: it holds the lock, its session answered within the lease, and
   * it has held the lock for a lease (so that a predecessor that lost its session has stopped).
   */
  boolean isLeader() {
    return isLeaderAt(System.nanoTime());
  }

  /** {@link #isLeader} at a given reading of {@link System#nanoTime}: tests compare processes. */
  boolean isLeaderAt(long now) {
    return holds && now - verifiedNanos < leaseNanos && now - acquiredNanos >= leaseNanos;
  }

  /**
   * One round: a leader confirms its session still answers, a follower tries to take the lock.
   * Called on the service's schedule; never blocks longer than the configuration's timeouts.
   */
  synchronized void tick() {
    long started = System.nanoTime();
    try {
      if (session == null) {
        session = new Database(Connections.COORDINATOR, connections.coordinator());
      }
      if (holds) {
        session.queryOne("SELECT 1", row -> row.getInt(1));
        // The session answered after `started`: the lock was still held then.
        verifiedNanos = started;
        return;
      }
      boolean acquired =
          session
              .queryOne(
                  "SELECT pg_try_advisory_lock(hashtextextended(?, 0))",
                  row -> row.getBoolean(1),
                  LOCK)
              .orElse(false);
      error = null;
      if (acquired) {
        long now = System.nanoTime();
        acquiredNanos = now;
        verifiedNanos = started;
        acquiredAt = Instant.now();
        holds = true;
        LOG.info(
            "took the leader lock; acting in {} ms, once a previous leader's lease has run out",
            Duration.ofNanos(leaseNanos).toMillis());
      }
    } catch (StrataException e) {
      if (holds) {
        LOG.warn("lost the leader's session, stepping down: {}", e.getMessage());
      }
      holds = false;
      error = e.getMessage();
      closeSession();
    }
  }

  /**
   * How often to tick for a takeover within {@code takeover}: a follower takes the lock at most one
   * interval after the leader's session ends and acts a {@link #lease} later, three quarters of
   * {@code takeover} in all, which leaves room for the checks' own round trips.
   */
  static Duration interval(Duration takeover) {
    return takeover.dividedBy(4);
  }

  /** How long a verified session keeps a leader acting, and how long a new leader waits. */
  static Duration lease(Duration takeover) {
    return interval(takeover).multipliedBy(2);
  }

  private void closeSession() {
    if (session != null) {
      try {
        session.close();
      } catch (RuntimeException e) {
        LOG.debug("closing the leader session: {}", e.getMessage());
      }
      session = null;
    }
  }

  /** Releases the lock (with the session) so that another process takes over at once. */
  @Override
  public synchronized void close() {
    holds = false;
    closeSession();
  }
}
