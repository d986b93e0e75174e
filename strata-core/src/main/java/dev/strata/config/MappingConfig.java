package dev.strata.config;

import dev.strata.secret.Secret;
import java.util.Objects;
import java.util.Optional;

/**
 * The coordinator's user mapping for one foreign server ({@code servers.NAME.mapping}).
 *
 * @param localUser the coordinator role the mapping is for; empty means the coordinator's {@code
 *     user}
 * @param user the role postgres_fdw logs in as on the server
 * @param password its password; empty leaves the mapping without one (PostgreSQL then lets only
 *     superusers use it, relying on the coordinator host's {@code .pgpass} or trust)
 */
public record MappingConfig(Optional<String> localUser, String user, Optional<Secret> password) {
  public MappingConfig {
    Objects.requireNonNull(localUser, "localUser");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
  }
}
