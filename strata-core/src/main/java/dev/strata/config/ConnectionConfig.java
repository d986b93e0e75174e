package dev.strata.config;

import dev.strata.secret.Secret;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How Strata itself connects to one server (the coordinator or a named server).
 *
 * @param url the URL as written, {@code postgresql://host:port/database[?param=value...]}
 * @param host host name or address from the URL
 * @param port port from the URL (5432 when omitted)
 * @param database database from the URL
 * @param parameters libpq-style query parameters from the URL (for example {@code sslmode})
 * @param user role Strata logs in as
 * @param password the password, or empty to rely on {@code .pgpass} (read by the driver)
 */
public record ConnectionConfig(
    String url,
    String host,
    int port,
    String database,
    Map<String, String> parameters,
    String user,
    Optional<Secret> password) {
  public ConnectionConfig {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(database, "database");
    parameters = Map.copyOf(parameters);
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
  }

  /** {@code jdbc:postgresql://host:port/database}, without parameters or credentials. */
  public String jdbcUrl() {
    String hostPart = host.contains(":") ? "[" + host + "]" : host;
    return "jdbc:postgresql://" + hostPart + ":" + port + "/" + database;
  }

  /** {@code postgresql://user@host:port/database}: safe to print, never carries a password. */
  public String displayUri() {
    String hostPart = host.contains(":") ? "[" + host + "]" : host;
    return "postgresql://" + user + "@" + hostPart + ":" + port + "/" + database;
  }
}
