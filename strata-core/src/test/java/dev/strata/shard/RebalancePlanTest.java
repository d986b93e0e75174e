package dev.strata.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.sql.QualifiedName;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rebalance planner on known sizes: even results, few bytes moved, strays always moved. */
class RebalancePlanTest {
  static QualifiedName shard(int i) {
    return QualifiedName.of("public", "t_shard_" + i);
  }

  @Test
  void eightEqualShardsFromTwoServersToFourMoveTheMinimum() {
    Map<QualifiedName, String> placement = new LinkedHashMap<>();
    Map<QualifiedName, Long> sizes = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      placement.put(shard(i), i % 2 == 0 ? "a" : "b");
      sizes.put(shard(i), 100L);
    }
    Rebalancer.Plan plan =
        Rebalancer.plan(
            QualifiedName.of("public", "t"),
            Rebalancer.By.SIZE,
            new LinkedHashSet<>(List.of("a", "b", "c", "d")),
            placement,
            sizes);
    assertThat(plan.moves()).hasSize(4);
    assertThat(plan.bytesMoved()).isEqualTo(400).isEqualTo(plan.lowerBound());
    assertThat(plan.after())
        .containsOnly(
            Map.entry("a", 200L), Map.entry("b", 200L), Map.entry("c", 200L), Map.entry("d", 200L));
  }

  @Test
  void unevenShardsMoveTheOnesThatNarrowTheGapMost() {
    Map<QualifiedName, String> placement = new LinkedHashMap<>();
    Map<QualifiedName, Long> sizes = new LinkedHashMap<>();
    long[] weights = {500, 300, 200, 100, 50};
    for (int i = 0; i < weights.length; i++) {
      placement.put(shard(i), "a");
      sizes.put(shard(i), weights[i]);
    }
    Rebalancer.Plan plan =
        Rebalancer.plan(
            QualifiedName.of("public", "t"),
            Rebalancer.By.SIZE,
            new LinkedHashSet<>(List.of("a", "b")),
            placement,
            sizes);
    // 1150 bytes: one side can hold 575 at best; 500 + 50 against 600 is as even as it gets.
    long a = plan.after().get("a");
    long b = plan.after().get("b");
    assertThat(Math.abs(a - b)).isLessThanOrEqualTo(100);
    assertThat(plan.bytesMoved()).isLessThanOrEqualTo(600);
    // Balanced already: nothing moves.
    Map<QualifiedName, String> even = new LinkedHashMap<>(Map.of(shard(0), "a", shard(1), "b"));
    assertThat(
            Rebalancer.plan(
                    QualifiedName.of("public", "t"),
                    Rebalancer.By.SIZE,
                    new LinkedHashSet<>(List.of("a", "b")),
                    even,
                    Map.of(shard(0), 10L, shard(1), 12L))
                .moves())
        .isEmpty();
  }

  @Test
  void shardsOnAServerLeftOutOfShardsOnAlwaysMoveAndCountsBalanceToo() {
    Map<QualifiedName, String> placement = new LinkedHashMap<>();
    for (int i = 0; i < 6; i++) {
      placement.put(shard(i), i < 3 ? "old" : "a");
    }
    Rebalancer.Plan plan =
        Rebalancer.plan(
            QualifiedName.of("public", "t"),
            Rebalancer.By.COUNT,
            new LinkedHashSet<>(List.of("a", "b")),
            placement,
            Map.of());
    assertThat(plan.moves()).extracting(Rebalancer.Move::from).contains("old", "old", "old");
    assertThat(plan.after()).containsOnly(Map.entry("a", 3L), Map.entry("b", 3L));
  }
}
