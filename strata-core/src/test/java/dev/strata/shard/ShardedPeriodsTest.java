package dev.strata.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlanner;
import dev.strata.support.TestLayout;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A table partitioned by month whose every month is hash-sharded over two servers: premake creates
 * each month with its shards, rows route to month and shard, retention retires a month with every
 * shard of it, on the coordinator and on the servers.
 */
class ShardedPeriodsTest {
  @Test
  void premakeCreatesEachPeriodsShardsAndRetentionRetiresThemAll() {
    TestLayout layout = new TestLayout("sharded_periods_test");
    layout.sql(
        layout.main(),
        "CREATE TABLE readings (at timestamp NOT NULL, city text NOT NULL, v numeric)"
            + " PARTITION BY RANGE (at)");
    StrataConfig config =
        TestLayout.config(
            layout.yaml(
                "tables:\n  readings:\n"
                    + "    partition_by: {column: at, interval: 1 month}\n"
                    + "    premake: 1\n"
                    + "    retention: 3 months\n"
                    + "    shard_by: {column: city, method: hash, shards: 2}\n"
                    + "    shards_on: [archive_a, archive_b]\n"),
            Map.of());
    LocalDateTime june = LocalDateTime.parse("2026-06-15T00:00:00");
    List<LifecycleAction> applied = apply(config, june);
    assertThat(applied)
        .filteredOn(a -> a.kind().equals("premake"))
        .extracting(LifecycleAction::description)
        .hasSize(2)
        .allMatch(d -> d.endsWith("with its 2 shards"));
    assertThat(new LifecyclePlanner(new Connections(config)).plan(june).actions()).isEmpty();
    String june2026 = period(layout, "2026-06-01");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT string_agg(c.relname || '@' || s.srvname, ' ' ORDER BY c.relname) FROM"
                    + " pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_foreign_table"
                    + " f ON f.ftrelid = c.oid JOIN pg_foreign_server s ON s.oid = f.ftserver"
                    + " WHERE i.inhparent = '"
                    + june2026
                    + "'::regclass"))
        .isEqualTo(june2026 + "_shard_0_of_2@archive_a " + june2026 + "_shard_1_of_2@archive_b");

    layout.sql(
        layout.main(),
        "INSERT INTO readings SELECT timestamp '2026-06-01' + g * interval '1 hour', 'city_' ||"
            + " (g % 50), g FROM generate_series(0, 700) g");
    long onServers =
        Long.parseLong(
                layout.queryString(
                    layout.archiveA(), "SELECT count(*) FROM " + june2026 + "_shard_0_of_2"))
            + Long.parseLong(
                layout.queryString(
                    layout.archiveB(), "SELECT count(*) FROM " + june2026 + "_shard_1_of_2"));
    assertThat(onServers).isEqualTo(701);

    // October: July to November exist; June is past retention and goes with its shards.
    LocalDateTime october = LocalDateTime.parse("2026-10-15T00:00:00");
    List<LifecycleAction> later = apply(config, october);
    assertThat(later)
        .filteredOn(a -> a.kind().equals("retire"))
        .extracting(LifecycleAction::description)
        .singleElement()
        .satisfies(
            d -> assertThat(d).startsWith("retire public." + june2026 + " and its 2 shards"));
    assertThat(layout.queryString(layout.main(), "SELECT to_regclass('" + june2026 + "')::text"))
        .isNull();
    for (var server : List.of(layout.archiveA(), layout.archiveB())) {
      assertThat(
              layout.queryString(
                  server, "SELECT count(*) FROM pg_class WHERE relname LIKE '" + june2026 + "%'"))
          .as("June on " + server.name())
          .isEqualTo("0");
      assertThat(
              layout.queryString(
                  server, "SELECT count(*) FROM pg_class WHERE relname LIKE 'readings_2026_07%'"))
          .as("July on " + server.name())
          .isEqualTo("2");
    }
    assertThat(new LifecyclePlanner(new Connections(config)).plan(october).actions()).isEmpty();
  }

  static List<LifecycleAction> apply(StrataConfig config, LocalDateTime now) {
    return new LifecycleExecutor(new Connections(config), MoveProgress.NONE)
        .apply(now, Set.of(), plan -> {}, action -> {});
  }

  /** The name of the period partition that starts at {@code from}. */
  static String period(TestLayout layout, String from) {
    return layout.queryString(
        layout.main(),
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE"
            + " i.inhparent = 'readings'::regclass AND pg_get_expr(c.relpartbound, c.oid) LIKE"
            + " '%FROM (''"
            + from
            + "%'");
  }
}
