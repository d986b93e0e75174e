package dev.strata.config;

import java.util.Map;
import java.util.Objects;

/**
 * One named server ({@code servers.NAME}): how Strata reaches it directly, and how the coordinator
 * reaches it through the postgres_fdw foreign server of the same name.
 *
 * @param name the server's name, also the foreign server's name on the coordinator
 * @param connection Strata's own connection (DDL, COPY, verification)
 * @param mapping the coordinator's user mapping for the foreign server
 * @param fdwOptions the foreign server's options, complete: Strata's defaults, overridden by the
 *     config's {@code fdw} block, plus {@code host}, {@code port}, {@code dbname} from the URL
 *     unless {@code fdw} overrides them. Names are postgres_fdw / libpq option names, values as
 *     PostgreSQL stores them (strings).
 */
public record ServerConfig(
    String name,
    ConnectionConfig connection,
    MappingConfig mapping,
    Map<String, String> fdwOptions) {
  public ServerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(mapping, "mapping");
    fdwOptions = Map.copyOf(fdwOptions);
  }
}
