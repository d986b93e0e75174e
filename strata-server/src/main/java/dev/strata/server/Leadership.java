package dev.strata.server;

import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which of several {@code strata serve} processes against one coordinator acts: the one holding a
 * session-level advisory lock on a connection of its own. A leader that is killed, or whose session
 * dies, releases the lock with the session, and a follower that asks again takes it; asking every
 * third of {@code takeover} bounds how long the coordinator goes without a leader. The leader
 * checks its session at the same pace and steps down (stops scheduling work) the moment it cannot.
 */
final class Leadership implements AutoCloseable {
  static final String LOCK = "strata:serve:leader";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Leadership.class);

  /** What this process knows about leadership now. */
  record State(boolean leader, Optional<Instant> since, Optional<String> error) {}

  private final Connections connections;
  private final AtomicReference<State> state =
      new AtomicReference<>(new State(false, Optional.empty(), Optional.empty()));
  private Database session;

  Leadership(Connections connections) {
    this.connections = connections;
  }

  State state() {
    return state.get();
  }

  boolean isLeader() {
    return state.get().leader();
  }

  /**
   * One round: a leader confirms its session still answers, a follower tries to take the lock.
   * Called on the service's schedule; never blocks longer than the configuration's timeouts.
   */
  synchronized void tick() {
    try {
      if (session == null) {
        session = new Database(Connections.COORDINATOR, connections.coordinator());
      }
      if (state.get().leader()) {
        session.queryOne("SELECT 1", row -> row.getInt(1));
        return;
      }
      boolean acquired =
          session
              .queryOne(
                  "SELECT pg_try_advisory_lock(hashtextextended(?, 0))",
                  row -> row.getBoolean(1),
                  LOCK)
              .orElse(false);
      if (acquired) {
        LOG.info("this process is now the leader");
        state.set(new State(true, Optional.of(Instant.now()), Optional.empty()));
      } else {
        state.set(new State(false, Optional.empty(), Optional.empty()));
      }
    } catch (StrataException e) {
      if (state.get().leader()) {
        LOG.warn("lost the leader's session, stepping down: {}", e.getMessage());
      }
      state.set(new State(false, Optional.empty(), Optional.of(e.getMessage())));
      closeSession();
    }
  }

  /** How often to tick for a takeover within {@code takeover}. */
  static Duration interval(Duration takeover) {
    return takeover.dividedBy(3);
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
    state.set(new State(false, Optional.empty(), Optional.empty()));
    closeSession();
  }
}
