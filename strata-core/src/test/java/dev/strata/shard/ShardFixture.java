package dev.strata.shard;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import dev.strata.testkit.LocalServer;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A hash-sharded {@code temperatures} table (4 shards over archive_a and archive_b, 20,000 rows) in
 * a test's own databases, and what the shard tests look at: rows through the parent, where a shard
 * is, and anything a move may have left on a server.
 */
final class ShardFixture {
  static final LocalDateTime NOW = LocalDateTime.parse("2026-06-01T00:00:00");
  static final QualifiedName TABLE = QualifiedName.parse("temperatures");
  final TestLayout layout;
  final StrataConfig config;

  ShardFixture(String database) {
    this(database, "");
  }

  /**
   * @param archiveAUrl where Strata and the coordinator reach archive_a (a fault proxy in front of
   *     it), or empty for the server itself; with a proxy, the timeouts are short
   */
  ShardFixture(String database, String archiveAUrl) {
    layout = new TestLayout(database);
    String servers =
        layout.yaml(
            archiveAUrl.isEmpty() ? "" : "timeouts: { connect: 2s, statement: 5s, lock: 2s }\n");
    if (!archiveAUrl.isEmpty()) {
      servers = servers.replace(layout.url(layout.archiveA()), archiveAUrl);
    }
    layout.sql(
        layout.main(),
        "CREATE TABLE temperatures (id bigint NOT NULL, reading_date date NOT NULL,"
            + " city text NOT NULL, temp numeric) PARTITION BY HASH (city)");
    config =
        TestLayout.config(
            servers
                + "tables:\n  temperatures:\n    shard_by: {column: city, method: hash, shards: 4}\n"
                + "    shards_on: [archive_a, archive_b]\n",
            Map.of());
    new LifecycleExecutor(new Connections(config), MoveProgress.NONE)
        .apply(NOW, Set.of(), plan -> {}, action -> {});
    layout.sql(
        layout.main(),
        "ALTER SERVER archive_a OPTIONS (ADD batch_size '1000')",
        "ALTER SERVER archive_b OPTIONS (ADD batch_size '1000')",
        "INSERT INTO temperatures SELECT g, date '2024-01-01' + (g % 365), 'city_' || (g % 501),"
            + " (g % 40)::numeric FROM generate_series(1, 20000) g");
  }

  static QualifiedName shard(int remainder) {
    return QualifiedName.of("public", "temperatures_shard_" + remainder + "_of_4");
  }

  String fingerprint() {
    return layout.queryString(
        layout.main(),
        "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM temperatures t");
  }

  /** Publications, subscriptions, slots and leftover tables of moves, on every server. */
  List<String> leftovers() {
    List<String> found = new ArrayList<>();
    for (LocalServer server : List.of(layout.archiveA(), layout.archiveB())) {
      String objects =
          layout.queryString(
              server,
              "SELECT concat_ws(',', (SELECT string_agg('publication ' || pubname, ',') FROM"
                  + " pg_publication), (SELECT string_agg('subscription ' || subname, ',') FROM"
                  + " pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname ="
                  + " current_database())), (SELECT string_agg('slot ' || slot_name, ',') FROM"
                  + " pg_replication_slots WHERE database = current_database()), (SELECT"
                  + " string_agg('relation ' || relname, ',') FROM pg_class WHERE relname LIKE"
                  + " '%moved%' OR relname LIKE 'strata%'))");
      if (objects != null && !objects.isEmpty()) {
        found.add(server.name() + ": " + objects);
      }
    }
    return found;
  }

  String serverOf(QualifiedName shard) {
    return layout.queryString(
        layout.main(),
        "SELECT s.srvname FROM pg_foreign_table f JOIN pg_foreign_server s ON s.oid = f.ftserver"
            + " WHERE f.ftrelid = '"
            + shard.quoted()
            + "'::regclass");
  }
}
