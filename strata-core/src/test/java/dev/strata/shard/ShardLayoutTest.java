package dev.strata.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlan;
import dev.strata.plan.LifecyclePlanner;
import dev.strata.support.TestLayout;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * plan/apply of sharded tables against real servers: shards created on their servers as partitions
 * of a parent of the same shape, foreign partitions on the coordinator, rows routed by PostgreSQL's
 * hash, a row of another shard refused on the server itself, existing tables adopted only when
 * their rows belong to the shard.
 */
class ShardLayoutTest {
  static final LocalDateTime NOW = LocalDateTime.parse("2026-06-01T00:00:00");
  static final String COLUMNS = "(reading_date date NOT NULL, city text NOT NULL, temp numeric)";
  TestLayout layout;

  @BeforeEach
  void setUp() {
    layout = new TestLayout("shard_layout_test");
  }

  StrataConfig config(String shardBy) {
    return TestLayout.config(
        layout.yaml(
            "tables:\n  temperatures:\n    shard_by: "
                + shardBy
                + "\n    shards_on: [archive_a, archive_b]\n"),
        Map.of());
  }

  LifecyclePlan plan(StrataConfig config) {
    return new LifecyclePlanner(new Connections(config)).plan(NOW);
  }

  List<LifecycleAction> apply(StrataConfig config) {
    return new LifecycleExecutor(new Connections(config), MoveProgress.NONE)
        .apply(NOW, Set.of(), plan -> {}, action -> {});
  }

  long count(dev.strata.testkit.LocalServer server, String sql) {
    return Long.parseLong(layout.queryString(server, sql));
  }

  @Test
  void hashShardsRouteEveryRowWherePostgresHashSaysAndServersRefuseOtherShardsRows() {
    layout.sql(layout.main(), "CREATE TABLE temperatures " + COLUMNS + " PARTITION BY HASH (city)");
    StrataConfig config = config("{column: city, method: hash, shards: 6}");

    List<LifecycleAction> applied = apply(config);
    assertThat(applied.stream().filter(a -> a.kind().equals("shard")))
        .extracting(LifecycleAction::description)
        .containsExactly(
            "create shard public.temperatures_shard_0_of_6 on archive_a (FOR VALUES WITH (modulus"
                + " 6, remainder 0))",
            "create shard public.temperatures_shard_1_of_6 on archive_b (FOR VALUES WITH (modulus"
                + " 6, remainder 1))",
            "create shard public.temperatures_shard_2_of_6 on archive_a (FOR VALUES WITH (modulus"
                + " 6, remainder 2))",
            "create shard public.temperatures_shard_3_of_6 on archive_b (FOR VALUES WITH (modulus"
                + " 6, remainder 3))",
            "create shard public.temperatures_shard_4_of_6 on archive_a (FOR VALUES WITH (modulus"
                + " 6, remainder 4))",
            "create shard public.temperatures_shard_5_of_6 on archive_b (FOR VALUES WITH (modulus"
                + " 6, remainder 5))");
    assertThat(plan(config).actions()).isEmpty();

    // Where PostgreSQL's hash puts each city, computed on the coordinator before any row exists.
    String cities = "SELECT 'city_' || (g % 997) AS city FROM generate_series(1, 100000) g";
    Map<Integer, Long> expected = new HashMap<>();
    for (int remainder = 0; remainder < 6; remainder++) {
      expected.put(
          remainder,
          count(
              layout.main(),
              "SELECT count(*) FROM ("
                  + cities
                  + ") c WHERE satisfies_hash_partition('temperatures'::regclass, 6, "
                  + remainder
                  + ", city)"));
    }
    assertThat(expected.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(100_000);

    // Batched remote inserts: routing is the same, the test is faster.
    layout.sql(
        layout.main(),
        "ALTER SERVER archive_a OPTIONS (ADD batch_size '1000')",
        "ALTER SERVER archive_b OPTIONS (ADD batch_size '1000')");
    layout.sql(
        layout.main(),
        "INSERT INTO temperatures SELECT date '2024-01-01' + (g % 365), 'city_' || (g % 997),"
            + " (g % 40)::numeric FROM generate_series(1, 100000) g");
    for (int remainder = 0; remainder < 6; remainder++) {
      var server = remainder % 2 == 0 ? layout.archiveA() : layout.archiveB();
      assertThat(count(server, "SELECT count(*) FROM temperatures_shard_" + remainder + "_of_6"))
          .as("shard %d on %s", remainder, server.name())
          .isEqualTo(expected.get(remainder));
    }
    assertThat(count(layout.main(), "SELECT count(*) FROM temperatures")).isEqualTo(100_000);

    // A city of shard 1, written straight into shard 0 on its server: PostgreSQL refuses it there.
    String cityOfShard1 =
        layout.queryString(
            layout.main(),
            "SELECT city FROM ("
                + cities
                + ") c"
                + " WHERE satisfies_hash_partition('temperatures'::regclass, 6, 1, city) LIMIT 1");
    assertThatThrownBy(
            () ->
                layout.sql(
                    layout.archiveA(),
                    "INSERT INTO temperatures_shard_0_of_6 VALUES ('2024-01-01', '"
                        + cityOfShard1
                        + "', 1)"))
        .hasMessageContaining("violates partition constraint");
    // Even with triggers off.
    assertThatThrownBy(
            () ->
                layout.sql(
                    layout.archiveA(),
                    "SET session_replication_role = replica",
                    "INSERT INTO temperatures_shard_0_of_6 VALUES ('2024-01-01', '"
                        + cityOfShard1
                        + "', 1)"))
        .hasMessageContaining("violates partition constraint");
    // A query for one city reads one shard only.
    layout.sql(
        layout.main(),
        "CREATE FUNCTION public.explain_lines() RETURNS SETOF text LANGUAGE plpgsql AS $$"
            + " DECLARE line text; BEGIN FOR line IN EXPLAIN (COSTS OFF) SELECT avg(temp) FROM"
            + " temperatures WHERE city = 'city_5' LOOP RETURN NEXT line; END LOOP; END $$");
    String explain =
        layout.queryString(
            layout.main(),
            "SELECT string_agg(line, E'\\n') FROM (SELECT * FROM public.explain_lines()) l(line)");
    assertThat(explain).containsOnlyOnce("Foreign Scan").doesNotContain("Append");
  }

  @Test
  void existingTablesAreAdoptedOnlyWhenEveryRowBelongsToTheShard() {
    layout.sql(layout.main(), "CREATE TABLE temperatures " + COLUMNS + " PARTITION BY HASH (city)");
    // Rows of every city in what would be shard 0 on archive_a: PostgreSQL refuses the attach.
    layout.sql(
        layout.archiveA(),
        "CREATE TABLE temperatures_shard_0_of_2 " + COLUMNS,
        "INSERT INTO temperatures_shard_0_of_2 SELECT '2024-01-01', 'city_' || g, 1"
            + " FROM generate_series(1, 50) g");
    StrataConfig config = config("{column: city, method: hash, shards: 2}");
    LifecyclePlan plan = plan(config);
    assertThat(plan.actions())
        .extracting(LifecycleAction::description)
        .contains(
            "adopt shard public.temperatures_shard_0_of_2 on archive_a (FOR VALUES WITH (modulus"
                + " 2, remainder 0))");
    assertThatThrownBy(() -> apply(config)).hasMessageContaining("partition constraint");
    assertThat(
            count(
                layout.main(),
                "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON"
                    + " c.oid = i.inhrelid WHERE c.relname = 'temperatures_shard_0_of_2'"))
        .isZero();

    // Only the rows of shard 0 left: adopted, and served through the coordinator.
    String shard0 =
        layout.queryString(
            layout.main(),
            "SELECT string_agg(quote_literal('city_' || g), ',') FROM generate_series(1, 50) g"
                + " WHERE satisfies_hash_partition('temperatures'::regclass, 2, 0, 'city_' || g)");
    layout.sql(
        layout.archiveA(),
        "DELETE FROM temperatures_shard_0_of_2 WHERE city NOT IN (" + shard0 + ")");
    long kept = count(layout.archiveA(), "SELECT count(*) FROM temperatures_shard_0_of_2");
    assertThat(kept).isPositive();
    apply(config);
    assertThat(count(layout.main(), "SELECT count(*) FROM temperatures")).isEqualTo(kept);
    assertThat(plan(config).actions()).isEmpty();
  }

  @Test
  void listShardsGoToTheirServersAndUnlistedValuesToTheCoordinatorsDefault() {
    layout.sql(layout.main(), "CREATE TABLE temperatures " + COLUMNS + " PARTITION BY LIST (city)");
    StrataConfig config =
        config("{column: city, method: list, lists: {archive_b: [Paris, Lyon], north: [Oslo]}}");
    apply(config);
    layout.sql(
        layout.main(),
        "INSERT INTO temperatures VALUES ('2024-01-01', 'Paris', 20), ('2024-01-01', 'Oslo', 3),"
            + " ('2024-01-01', 'Lyon', 21), ('2024-01-01', 'Rome', 25)");
    assertThat(count(layout.archiveB(), "SELECT count(*) FROM temperatures_shard_archive_b"))
        .isEqualTo(2);
    assertThat(count(layout.archiveA(), "SELECT count(*) FROM temperatures_shard_north"))
        .isEqualTo(1);
    assertThat(count(layout.main(), "SELECT count(*) FROM temperatures_default")).isEqualTo(1);
    assertThat(plan(config).actions()).isEmpty();
  }

  @Test
  void aParentOfAnotherShapeIsReportedAndNothingIsPlanned() {
    layout.sql(layout.main(), "CREATE TABLE temperatures " + COLUMNS + " PARTITION BY LIST (city)");
    LifecyclePlan plan = plan(config("{column: city, method: hash, shards: 2}"));
    assertThat(plan.actions()).noneMatch(a -> a.kind().equals("shard"));
    assertThat(plan.warnings())
        .anyMatch(w -> w.contains("is partitioned by LIST (city), but shard_by says hash on city"));
  }
}
