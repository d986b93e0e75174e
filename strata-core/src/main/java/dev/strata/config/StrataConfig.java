package dev.strata.config;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.sql.QualifiedName;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The effective, validated configuration: immutable once loaded. Built only by {@link
 * ConfigLoader}, which records where every value came from in {@link #origins()}.
 *
 * @param coordinator how Strata connects to the coordinator
 * @param servers named servers, in file order
 * @param tables managed tables, in file order
 * @param mirrors local copies of tables on servers, by entry name, in file order
 * @param timeouts bounds on every wait of Strata's own connections
 * @param security the rules foreign servers and user mappings are held to
 * @param serve how {@code strata serve} runs
 * @param origins where each effective value came from, by key path
 */
public record StrataConfig(
    ConnectionConfig coordinator,
    Map<String, ServerConfig> servers,
    Map<QualifiedName, TableConfig> tables,
    Map<String, MirrorConfig> mirrors,
    Timeouts timeouts,
    SecurityConfig security,
    ServeConfig serve,
    Origins origins) {
  public StrataConfig {
    Objects.requireNonNull(coordinator, "coordinator");
    servers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(servers));
    tables = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tables));
    mirrors = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(mirrors));
    Objects.requireNonNull(timeouts, "timeouts");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(serve, "serve");
    Objects.requireNonNull(origins, "origins");
  }

  /** A configuration with the default {@link SecurityConfig}. */
  public StrataConfig(
      ConnectionConfig coordinator,
      Map<String, ServerConfig> servers,
      Map<QualifiedName, TableConfig> tables,
      Timeouts timeouts,
      Origins origins) {
    this(
        coordinator,
        servers,
        tables,
        Map.of(),
        timeouts,
        SecurityConfig.DEFAULTS,
        ServeConfig.DEFAULTS,
        origins);
  }

  public Optional<ServerConfig> findServer(String name) {
    return Optional.ofNullable(servers.get(name));
  }

  /** The named server, or a usage error that lists the configured ones. */
  public ServerConfig server(String name) {
    return findServer(name)
        .orElseThrow(
            () ->
                new StrataException(
                    ErrorCode.USAGE,
                    "no server named \"" + name + "\" in the configuration",
                    servers.isEmpty()
                        ? "add it under `servers:` in strata.yaml"
                        : "configured servers: " + String.join(", ", servers.keySet())));
  }

  public Optional<TableConfig> findTable(QualifiedName name) {
    return Optional.ofNullable(tables.get(name));
  }
}
