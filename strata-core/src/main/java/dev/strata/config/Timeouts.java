package dev.strata.config;

import java.time.Duration;
import java.util.Objects;

/**
 * {@code timeouts}: bounds on Strata's own connections. Every connection Strata opens sets all
 * four, so no wait is unbounded.
 *
 * @param connect TCP connect and authentication
 * @param statement any one statement (long copies raise it for their own session only)
 * @param lock waiting for a lock, for example the parent's lock during a swap
 * @param idleInTransaction a session left idle in a transaction is ended by the server
 */
public record Timeouts(
    Duration connect, Duration statement, Duration lock, Duration idleInTransaction) {
  public static final Timeouts DEFAULTS =
      new Timeouts(
          Duration.ofSeconds(10),
          Duration.ofMinutes(5),
          Duration.ofSeconds(5),
          Duration.ofMinutes(10));

  public Timeouts {
    Objects.requireNonNull(connect, "connect");
    Objects.requireNonNull(statement, "statement");
    Objects.requireNonNull(lock, "lock");
    Objects.requireNonNull(idleInTransaction, "idleInTransaction");
  }
}
