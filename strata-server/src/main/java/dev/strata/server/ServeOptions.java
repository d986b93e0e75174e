package dev.strata.server;

import dev.strata.secret.Secret;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@code strata serve} runs.
 *
 * @param host the address the HTTP server listens on (loopback by default)
 * @param port its port; 0 picks a free one
 * @param applyEvery how often the leader runs {@code apply} (which also refreshes due mirrors)
 * @param doctorEvery how often the leader runs doctor
 * @param takeover the longest the coordinator may go without a leader after the leader dies
 * @param snapshotEvery how often the status behind the API and the metrics is read again
 * @param clock the clock the scheduled applies plan by (tests advance it)
 * @param token the bearer token mutations need; without one the API is read-only
 * @param tls the certificate and key to serve HTTPS with; plain HTTP without
 * @param applyAt when to run apply, as a cron expression in UTC; every {@code applyEvery} when
 *     empty
 */
public record ServeOptions(
    String host,
    int port,
    Duration applyEvery,
    Duration doctorEvery,
    Duration takeover,
    Duration snapshotEvery,
    Clock clock,
    java.util.Optional<Secret> token,
    java.util.Optional<dev.strata.config.ServeConfig.Tls> tls,
    java.util.Optional<dev.strata.config.CronSchedule> applyAt) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 7432;

  public ServeOptions {
    Objects.requireNonNull(host, "host");
    positive(applyEvery, "applyEvery");
    positive(doctorEvery, "doctorEvery");
    positive(takeover, "takeover");
    positive(snapshotEvery, "snapshotEvery");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(applyAt, "applyAt");
  }

  /** Without a cron schedule: apply runs every {@code applyEvery}. */
  public ServeOptions(
      String host,
      int port,
      Duration applyEvery,
      Duration doctorEvery,
      Duration takeover,
      Duration snapshotEvery,
      Clock clock,
      java.util.Optional<Secret> token,
      java.util.Optional<dev.strata.config.ServeConfig.Tls> tls) {
    this(
        host,
        port,
        applyEvery,
        doctorEvery,
        takeover,
        snapshotEvery,
        clock,
        token,
        tls,
        java.util.Optional.empty());
  }

  public static ServeOptions defaults() {
    return new ServeOptions(
        DEFAULT_HOST,
        DEFAULT_PORT,
        Duration.ofMinutes(10),
        Duration.ofMinutes(5),
        Duration.ofSeconds(15),
        Duration.ofSeconds(30),
        Clock.systemUTC(),
        java.util.Optional.empty(),
        java.util.Optional.empty());
  }

  /** The URL scheme the service answers: {@code https} with TLS. */
  public String scheme() {
    return tls.isPresent() ? "https" : "http";
  }

  /** The same options with another clock. */
  public ServeOptions withClock(Clock other) {
    return new ServeOptions(
        host, port, applyEvery, doctorEvery, takeover, snapshotEvery, other, token, tls, applyAt);
  }

  /** The same options with TLS. */
  public ServeOptions withTls(dev.strata.config.ServeConfig.Tls other) {
    return new ServeOptions(
        host,
        port,
        applyEvery,
        doctorEvery,
        takeover,
        snapshotEvery,
        clock,
        token,
        java.util.Optional.of(other),
        applyAt);
  }

  private static void positive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
