package dev.strata.config;

import dev.strata.secret.Secret;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How Strata itself connects to one server (the coordinator or a named server).
 *
 * <p>A server may have several hosts (a primary and its standbys, libpq's multi-host URL). Strata's
 * connections then name every host and let the driver pick one that satisfies {@code
 * target_session_attrs}; {@link #forHost} gives a connection to one host alone, for checks that
 * must look at each host separately ({@code strata doctor}).
 *
 * @param url the URL as written, {@code postgresql://host:port[,host:port...]/database[?...]}
 * @param hosts the hosts from the URL, in written order (one for most servers)
 * @param database database from the URL
 * @param parameters libpq-style query parameters from the URL (for example {@code sslmode}); for a
 *     server with several hosts, {@code target_session_attrs} defaults to {@code read-write}
 * @param user role Strata logs in as
 * @param password the password, or empty to rely on {@code .pgpass} (read by the driver)
 */
public record ConnectionConfig(
    String url,
    List<HostAndPort> hosts,
    String database,
    Map<String, String> parameters,
    String user,
    Optional<Secret> password) {
  /** The URL parameter that chooses among several hosts. */
  public static final String TARGET_SESSION_ATTRS = "target_session_attrs";

  public ConnectionConfig {
    Objects.requireNonNull(url, "url");
    hosts = List.copyOf(hosts);
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("a connection needs at least one host");
    }
    Objects.requireNonNull(database, "database");
    parameters = Map.copyOf(parameters);
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
  }

  public boolean multiHost() {
    return hosts.size() > 1;
  }

  /** {@code jdbc:postgresql://host:port[,host:port...]/database}, no parameters or credentials. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + hostList() + "/" + database;
  }

  /**
   * {@code postgresql://user@host:port[,...]/database}: safe to print, never carries a password.
   */
  public String displayUri() {
    return "postgresql://" + user + "@" + hostList() + "/" + database;
  }

  /**
   * The same connection to {@code host} alone, without {@code target_session_attrs}: whatever role
   * that host has, Strata reaches it.
   */
  public ConnectionConfig forHost(HostAndPort host) {
    Map<String, String> single = new LinkedHashMap<>(parameters);
    single.remove(TARGET_SESSION_ATTRS);
    return new ConnectionConfig(
        "postgresql://" + host.display() + "/" + database,
        List.of(host),
        database,
        single,
        user,
        password);
  }

  private String hostList() {
    return hosts.stream().map(HostAndPort::display).collect(Collectors.joining(","));
  }
}
