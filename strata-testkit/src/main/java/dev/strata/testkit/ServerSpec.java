package dev.strata.testkit;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What to start: a server name (also its data directory name) and the database to create in it.
 *
 * @param name server name, lower case letters, digits and underscores
 * @param database database created after start-up, owned by the superuser {@code postgres}
 */
public record ServerSpec(String name, String database) {
  private static final Pattern SIMPLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  public ServerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(database, "database");
    if (!SIMPLE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("server name must match " + SIMPLE_NAME + ": " + name);
    }
    if (!SIMPLE_NAME.matcher(database).matches()) {
      throw new IllegalArgumentException(
          "database name must match " + SIMPLE_NAME + ": " + database);
    }
  }

  public static ServerSpec of(String name, String database) {
    return new ServerSpec(name, database);
  }
}
