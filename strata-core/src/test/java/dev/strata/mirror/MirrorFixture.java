package dev.strata.mirror;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlanner;
import dev.strata.support.TestLayout;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.ServerSpec;
import dev.strata.testkit.SharedServers;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Seed 003's scene in a test's own databases: a {@code crm} server (its own embedded server, so a
 * test may stop it) with a {@code customers} table, and a coordinator that mirrors it.
 */
final class MirrorFixture {
  static final LocalDateTime NOW = LocalDateTime.parse("2026-06-01T00:00:00");
  final String database;
  final LocalServer main;
  final LocalServer crm;

  MirrorFixture(String database, int customers) {
    this.database = database;
    var servers = SharedServers.get();
    synchronized (MirrorFixture.class) {
      crm =
          servers.names().contains("crm")
              ? servers.server("crm")
              : servers.add(
                  ServerSpec.of("crm", "crm_db")
                      .withPostgresVersion(SharedServers.sharedVersion()));
    }
    if (!crm.isRunning()) {
      crm.start();
    }
    main = servers.server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, database);
    SharedServers.freshDatabase("crm", database);
    createCustomers(customers);
  }

  /**
   * The scene on given servers (the version matrix: a layout's main as coordinator, one of its
   * archives as crm), in {@code database} created afresh on both.
   */
  MirrorFixture(String database, int customers, LocalServer main, LocalServer crm) {
    this.database = database;
    this.main = main;
    this.crm = crm;
    TestLayout.freshDatabase(main, database);
    TestLayout.freshDatabase(crm, database);
    createCustomers(customers);
  }

  private void createCustomers(int customers) {
    crm(
        "CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text, city"
            + " text, updated_at timestamptz NOT NULL DEFAULT now(), profile json)",
        "CREATE INDEX ON customers (updated_at)",
        "INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com', 'city_' ||"
            + " (g % 50), timestamptz '2026-01-01' + g * interval '1 second', json_build_object('tier',"
            + " g % 3) FROM generate_series(1, "
            + customers
            + ") g");
  }

  String yaml(String mirrors) {
    return yaml(mirrors, crm.port());
  }

  /** The config with crm reached at {@code crmPort} (a fault proxy in front of it). */
  String yaml(String mirrors, int crmPort) {
    return "coordinator: { url: \"postgresql://127.0.0.1:"
        + main.port()
        + "/"
        + database
        + "\", user: postgres }\n"
        + "servers:\n"
        + "  crm: { url: \"postgresql://127.0.0.1:"
        + crmPort
        + "/"
        + database
        + "\", user: postgres }\n"
        + "timeouts: { connect: 3s }\n"
        + "mirrors:\n"
        + mirrors;
  }

  StrataConfig config(String mirrors) {
    return TestLayout.config(yaml(mirrors), Map.of());
  }

  /** Plans and applies everything due, returning what ran. */
  List<LifecycleAction> apply(StrataConfig config) {
    return new LifecycleExecutor(new Connections(config), MoveProgress.NONE)
        .apply(NOW, Set.of(), plan -> {}, action -> {});
  }

  List<LifecycleAction> plan(StrataConfig config) {
    return new LifecyclePlanner(new Connections(config)).plan(NOW).actions();
  }

  void crm(String... statements) {
    sql(crm, statements);
  }

  void main(String... statements) {
    sql(main, statements);
  }

  void sql(LocalServer server, String... statements) {
    try (var connection = server.connect(database);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(server.name() + ": " + e.getMessage(), e);
    }
  }

  String query(LocalServer server, String sql) {
    try (var connection = server.connect(database);
        var statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getString(1) : null;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(server.name() + ": " + e.getMessage(), e);
    }
  }

  /** Count and a checksum of a table's rows in id order, as text. */
  String contents(LocalServer server, String table) {
    return query(
        server,
        "SELECT count(*) || '/' || coalesce(sum(hashtextextended((id, name, email, city,"
            + " updated_at, profile::text)::text, 0)), 0) FROM "
            + table);
  }

  /** Inserts, updates and deletes at the source: a little of each. */
  void changeSource() {
    crm(
        "INSERT INTO customers (id, name, email, city) SELECT g, 'new ' || g, NULL, 'city_new'"
            + " FROM generate_series(1000001, 1000010) g",
        "UPDATE customers SET city = 'moved', updated_at = now() WHERE id % 97 = 0",
        "DELETE FROM customers WHERE id % 89 = 0");
  }
}
