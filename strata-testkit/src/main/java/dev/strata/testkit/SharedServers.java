package dev.strata.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;

/**
 * One set of servers per test JVM: {@code main} (database {@code appdb}) and two archives ({@code
 * archive_a}, {@code archive_b}, database {@code archive_db}). Starting servers costs seconds, so
 * test classes share them and isolate themselves by creating their own databases with {@link
 * #freshDatabase}. The servers stop when the JVM exits.
 */
public final class SharedServers {
  public static final String MAIN = "main";
  public static final String ARCHIVE_A = "archive_a";
  public static final String ARCHIVE_B = "archive_b";

  private static LocalServers servers;

  private SharedServers() {}

  public static synchronized LocalServers get() {
    if (servers == null) {
      try {
        servers =
            LocalServers.start(
                Files.createTempDirectory("strata-test-servers"),
                false,
                List.of(
                    ServerSpec.of(MAIN, "appdb"),
                    ServerSpec.of(ARCHIVE_A, "archive_db"),
                    ServerSpec.of(ARCHIVE_B, "archive_db")));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(servers::close, "strata-shared-servers"));
    }
    return servers;
  }

  /** Creates (or re-creates, empty) a database with this name on the named shared server. */
  public static void freshDatabase(String server, String database) {
    LocalServer target = get().server(server);
    try (var connection = target.connect("postgres");
        var statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
      statement.execute("CREATE DATABASE \"" + database + "\"");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot create database " + database + " on " + server, e);
    }
  }
}
