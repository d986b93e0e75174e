package dev.strata.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One set of servers per test JVM and PostgreSQL version: {@code main} (database {@code appdb}) and
 * two archives ({@code archive_a}, {@code archive_b}, database {@code archive_db}). Starting
 * servers costs seconds, so test classes share them and isolate themselves by creating their own
 * databases with {@link #freshDatabase}. The servers stop when the JVM exits.
 *
 * <p>{@link #get()} is the set every suite uses, of PostgreSQL {@link PostgresVersions#DEFAULT}
 * unless the system property {@value #VERSION_PROPERTY} names another major: {@code
 * -Dstrata.pg.shared=14} runs every suite built on these servers against PostgreSQL 14. The version
 * matrix asks for each version's set with {@link #get(int)}; a set of another version is started
 * only when a test asks for it.
 */
public final class SharedServers {
  public static final String MAIN = "main";
  public static final String ARCHIVE_A = "archive_a";
  public static final String ARCHIVE_B = "archive_b";

  /** The system property naming the version {@link #get()} starts. */
  public static final String VERSION_PROPERTY = "strata.pg.shared";

  private static final Map<Integer, LocalServers> BY_VERSION = new TreeMap<>();

  private SharedServers() {}

  /** The shared set of the default version (or of {@value #VERSION_PROPERTY}). */
  public static LocalServers get() {
    return get(sharedVersion());
  }

  /** The shared set of PostgreSQL {@code major}, started on first use. */
  public static synchronized LocalServers get(int major) {
    LocalServers servers = BY_VERSION.get(major);
    if (servers == null) {
      try {
        servers =
            LocalServers.start(
                Files.createTempDirectory("strata-test-servers-pg" + major),
                false,
                List.of(
                    ServerSpec.of(MAIN, "appdb").withPostgresVersion(major),
                    ServerSpec.of(ARCHIVE_A, "archive_db").withPostgresVersion(major),
                    ServerSpec.of(ARCHIVE_B, "archive_db").withPostgresVersion(major)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime()
          .addShutdownHook(new Thread(servers::close, "strata-shared-servers-pg" + major));
      BY_VERSION.put(major, servers);
    }
    return servers;
  }

  /** The version {@link #get()} starts: {@value #VERSION_PROPERTY}, else the default. */
  public static int sharedVersion() {
    String configured = System.getProperty(VERSION_PROPERTY, "").strip();
    if (configured.isEmpty()) {
      return PostgresVersions.DEFAULT;
    }
    List<Integer> versions = PostgresVersions.parse(configured);
    if (versions.size() != 1) {
      throw new IllegalArgumentException(
          VERSION_PROPERTY + "=" + configured + ": name one major version, e.g. 16");
    }
    return versions.get(0);
  }

  /** Creates (or re-creates, empty) a database with this name on the named shared server. */
  public static void freshDatabase(String server, String database) {
    freshDatabase(get(), server, database);
  }

  /** Creates (or re-creates, empty) a database with this name on a server of {@code servers}. */
  public static void freshDatabase(LocalServers servers, String server, String database) {
    LocalServer target = servers.server(server);
    try (var connection = target.connect("postgres");
        var statement = connection.createStatement()) {
      // DROP DATABASE ... WITH (FORCE) exists since PostgreSQL 13, the oldest the kit starts is 14.
      statement.execute("DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
      statement.execute("CREATE DATABASE \"" + database + "\"");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot create database " + database + " on " + server, e);
    }
  }
}
