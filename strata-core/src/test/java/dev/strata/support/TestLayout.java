package dev.strata.support;

import dev.strata.config.ConfigLoader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.SharedServers;
import java.util.Map;

/**
 * A test's own slice of the shared servers: a fresh database named after the test class on main and
 * on both archives, and a config pointing at them (archives as {@code archive_a} and {@code
 * archive_b}), so test classes never see each other's objects.
 *
 * <p>The three servers normally come from one shared set ({@link SharedServers#get()}, or one
 * PostgreSQL version's set for the version matrix); a mixed-version layout takes each from the set
 * of its version.
 */
public final class TestLayout {
  public final String database;

  /** The set main belongs to (which the archives share unless the layout mixes versions). */
  public final LocalServers servers;

  private final LocalServer main;
  private final LocalServer archiveA;
  private final LocalServer archiveB;

  public TestLayout(String database) {
    this(database, SharedServers.get());
  }

  /** The layout on one set of shared servers, e.g. one PostgreSQL version's. */
  public TestLayout(String database, LocalServers servers) {
    this(
        database,
        servers,
        servers.server(SharedServers.MAIN),
        servers.server(SharedServers.ARCHIVE_A),
        servers.server(SharedServers.ARCHIVE_B));
  }

  /**
   * The layout on servers of several shared sets: a coordinator of one PostgreSQL version and
   * archives of others.
   */
  public TestLayout(
      String database,
      LocalServers servers,
      LocalServer main,
      LocalServer archiveA,
      LocalServer archiveB) {
    this.database = database;
    this.servers = servers;
    this.main = main;
    this.archiveA = archiveA;
    this.archiveB = archiveB;
    for (LocalServer server : java.util.List.of(main, archiveA, archiveB)) {
      freshDatabase(server, database);
    }
  }

  /** Creates (or re-creates, empty) {@code database} on {@code server}. */
  public static void freshDatabase(LocalServer server, String database) {
    try (var connection = server.connect("postgres");
        var statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
      statement.execute("CREATE DATABASE \"" + database + "\"");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(
          "cannot create database " + database + " on " + server.name(), e);
    }
  }

  public LocalServer main() {
    return main;
  }

  public LocalServer archiveA() {
    return archiveA;
  }

  public LocalServer archiveB() {
    return archiveB;
  }

  public String url(LocalServer server) {
    return "postgresql://127.0.0.1:" + server.port() + "/" + database;
  }

  /** The base config: coordinator on main, archive_a and archive_b, superuser everywhere. */
  public String yaml() {
    return yaml("");
  }

  public String yaml(String extra) {
    return "coordinator:\n"
        + "  url: "
        + url(main())
        + "\n"
        + "  user: postgres\n"
        + "servers:\n"
        + "  archive_a:\n"
        + "    url: "
        + url(archiveA())
        + "\n"
        + "    user: postgres\n"
        + "  archive_b:\n"
        + "    url: "
        + url(archiveB())
        + "\n"
        + "    user: postgres\n"
        + extra;
  }

  public StrataConfig config() {
    return config(yaml(), Map.of());
  }

  public static StrataConfig config(String yaml, Map<String, String> environment) {
    return ConfigLoader.builder()
        .environment(environment)
        .build()
        .loadText(yaml, "test.yaml")
        .config();
  }

  public Connections connections() {
    return new Connections(config());
  }

  /** Runs SQL on one of this layout's databases as the superuser. */
  public void sql(LocalServer server, String... statements) {
    try (var connection = server.connect(database);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(server.name() + ": " + e.getMessage(), e);
    }
  }

  public String queryString(LocalServer server, String sql) {
    try (var connection = server.connect(database);
        var statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getString(1) : null;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(server.name() + ": " + e.getMessage(), e);
    }
  }
}
