package dev.strata.config;

import dev.strata.secret.Secret;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code serve}: how {@code strata serve} runs; every value may be overridden by its flag.
 *
 * @param listen {@code HOST:PORT} of the HTTP API
 * @param token the bearer token mutations need; without one the API is read-only
 * @param applyEvery how often the leader runs apply
 * @param doctorEvery how often the leader runs doctor
 * @param takeover the longest the coordinator goes without a leader after the leader dies
 * @param snapshotEvery how often the figures behind the API and metrics are read again
 * @param tls the certificate and key to serve HTTPS with; plain HTTP without
 * @param applyAt when the leader runs apply, as a cron expression in UTC; {@code applyEvery} when
 *     empty
 */
public record ServeConfig(
    String listen,
    Optional<Secret> token,
    Duration applyEvery,
    Duration doctorEvery,
    Duration takeover,
    Duration snapshotEvery,
    Optional<Tls> tls,
    Optional<CronSchedule> applyAt) {
  /**
   * {@code serve.tls}: PEM files on the host running {@code strata serve}.
   *
   * @param certificate the certificate, followed by its chain
   * @param key its private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY})
   */
  public record Tls(java.nio.file.Path certificate, java.nio.file.Path key) {
    public Tls {
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(key, "key");
    }
  }

  public static final ServeConfig DEFAULTS =
      new ServeConfig(
          "127.0.0.1:7432",
          Optional.empty(),
          Duration.ofMinutes(10),
          Duration.ofMinutes(5),
          Duration.ofSeconds(15),
          Duration.ofSeconds(30),
          Optional.empty(),
          Optional.empty());

  public ServeConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(applyEvery, "applyEvery");
    Objects.requireNonNull(doctorEvery, "doctorEvery");
    Objects.requireNonNull(takeover, "takeover");
    Objects.requireNonNull(snapshotEvery, "snapshotEvery");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(applyAt, "applyAt");
  }
}
