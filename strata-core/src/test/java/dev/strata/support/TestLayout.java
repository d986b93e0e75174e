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
 */
public final class TestLayout {
  public final String database;
  public final LocalServers servers;

  public TestLayout(String database) {
    this.database = database;
    this.servers = SharedServers.get();
    SharedServers.freshDatabase(SharedServers.MAIN, database);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, database);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_B, database);
  }

  public LocalServer main() {
    return servers.server(SharedServers.MAIN);
  }

  public LocalServer archiveA() {
    return servers.server(SharedServers.ARCHIVE_A);
  }

  public LocalServer archiveB() {
    return servers.server(SharedServers.ARCHIVE_B);
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
