package dev.strata.testkit;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What to start: a server name (also its data directory name), the database to create in it, and
 * the PostgreSQL major version it runs.
 *
 * @param name server name, lower case letters, digits and underscores
 * @param database database created after start-up, owned by the superuser {@code postgres}
 * @param settings server settings over the kit's own (e.g. {@code wal_level: replica})
 * @param postgresVersion the PostgreSQL major version, one of {@link PostgresVersions#supported()}
 */
public record ServerSpec(
    String name, String database, java.util.Map<String, String> settings, int postgresVersion) {
  private static final Pattern SIMPLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  public ServerSpec {
    settings = java.util.Map.copyOf(settings);
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(database, "database");
    if (!SIMPLE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("server name must match " + SIMPLE_NAME + ": " + name);
    }
    if (!SIMPLE_NAME.matcher(database).matches()) {
      throw new IllegalArgumentException(
          "database name must match " + SIMPLE_NAME + ": " + database);
    }
    // Fails at once for a version the kit has no binaries for, naming those it has.
    PostgresVersions.binariesVersion(postgresVersion);
  }

  /** A server of the default PostgreSQL version ({@link PostgresVersions#DEFAULT}). */
  public static ServerSpec of(String name, String database) {
    return new ServerSpec(name, database, java.util.Map.of(), PostgresVersions.DEFAULT);
  }

  /** The same server with {@code setting} set to {@code value}. */
  public ServerSpec with(String setting, String value) {
    java.util.Map<String, String> more = new java.util.LinkedHashMap<>(settings);
    more.put(setting, value);
    return new ServerSpec(name, database, more, postgresVersion);
  }

  /** The same server running PostgreSQL {@code major} (e.g. 14). */
  public ServerSpec withPostgresVersion(int major) {
    return new ServerSpec(name, database, settings, major);
  }
}
