package dev.strata.config;

import static dev.strata.config.ConfigTesting.problem;
import static dev.strata.config.ConfigTesting.problems;
import static dev.strata.config.ConfigTesting.withServer;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code shard_by} and {@code shards_on}: what binds, and every mistake named where it is. */
class ShardConfigTest {
  private static String table(String settings) {
    return withServer("") + "tables:\n  temperatures:\n" + settings.indent(4);
  }

  private static StrataConfig load(String yaml) {
    return ConfigLoader.builder()
        .environment(Map.of())
        .build()
        .loadText(yaml, "strata.yaml")
        .config();
  }

  @Test
  void hashAndListShardingBind() {
    TableConfig hash =
        load(table("shard_by: {column: city, shards: 8}\nshards_on: [archive_1]"))
            .tables()
            .values()
            .iterator()
            .next();
    assertThat(hash.partitionBy()).isEmpty();
    assertThat(hash.shardBy().orElseThrow())
        .isEqualTo(new ShardBy("city", ShardBy.Method.HASH, 8, Map.of()));
    assertThat(hash.shardsOn()).containsExactly("archive_1");

    TableConfig list =
        load(table(
                "shard_by: {column: region, method: list, lists: {eu: [de, fr], us: us}}\n"
                    + "shards_on: archive_1"))
            .tables()
            .values()
            .iterator()
            .next();
    assertThat(list.shardBy().orElseThrow().lists())
        .containsExactly(Map.entry("eu", List.of("de", "fr")), Map.entry("us", List.of("us")));
    assertThat(list.shardBy().orElseThrow().shards()).isEqualTo(2);
  }

  @Test
  void shardsOnIsRequiredAndMustNameServers() {
    assertThat(problem(table("shard_by: {column: city, shards: 4}")).describe())
        .startsWith("tables.public.temperatures.shards_on (strata.yaml:")
        .contains("is required with shard_by");
    assertThat(
            problem(table("shard_by: {column: city, shards: 4}\nshards_on: [archive_2]"))
                .describe())
        .contains("names server \"archive_2\", which is not defined under servers")
        .contains("archive_1");
    assertThat(
            problem(table("shards_on: [archive_1]\npartition_by: {column: t, interval: 1 day}"))
                .describe())
        .contains("has no effect without shard_by");
  }

  @Test
  void badShardSettingsAreNamed() {
    assertThat(
            problem(table("shard_by: {column: city, shards: 0}\nshards_on: [archive_1]"))
                .describe())
        .contains("shard_by.shards")
        .contains("is 0; write 1 to 1024");
    assertThat(
            problem(
                    table(
                        "shard_by: {column: city, method: range, shards: 2}\nshards_on: [archive_1]"))
                .describe())
        .contains("shard_by.method")
        .contains("write hash or list");
    assertThat(
            problem(table("shard_by: {column: city, method: list}\nshards_on: [archive_1]"))
                .describe())
        .contains("shard_by.lists")
        .contains("is required for method: list");
    assertThat(
            problem(
                    table(
                        "shard_by: {column: c, method: list, lists: {a: [x], b: [x]}}\n"
                            + "shards_on: [archive_1]"))
                .describe())
        .contains("lists \"x\", which shard a already holds");
    assertThat(
            problem(
                    table(
                        "shard_by: {column: c, method: list, lists: {\"Bad Name\": [x]}}\n"
                            + "shards_on: [archive_1]"))
                .describe())
        .contains("is not a shard name");
    assertThat(
            problem(table("shard_by: {column: 42, shards: 2}\nshards_on: [archive_1]")).describe())
        .contains("which is not a column name");
  }

  @Test
  void aTimePartitionedShardedTableTakesRetentionButNotHot() {
    TableConfig periods =
        load(table(
                "shard_by: {column: city, shards: 2}\nshards_on: [archive_1]\n"
                    + "partition_by: {column: t, interval: 1 month}\nretention: 1 year"))
            .tables()
            .values()
            .iterator()
            .next();
    assertThat(periods.partitionBy()).isPresent();
    assertThat(periods.retention()).isPresent();
    List<ConfigProblem> found =
        problems(
            table(
                "shard_by: {column: city, shards: 2}\nshards_on: [archive_1]\n"
                    + "partition_by: {column: t, interval: 1 year}\nhot: 1 year\narchive_to:"
                    + " archive_1\nretention: 2 years\nexport_before_retire: ./exports"));
    assertThat(found)
        .extracting(ConfigProblem::describe)
        .anyMatch(p -> p.contains("cannot be combined with hot or archive_to"))
        .anyMatch(p -> p.contains("export_before_retire") && p.contains("not supported"));
    assertThat(
            problem(
                    table(
                        "shard_by: {column: city, shards: 2}\nshards_on: [archive_1]\nretention: 1 year"))
                .describe())
        .contains("needs partition_by");
  }

  @Test
  void configShowRendersSharding() {
    StrataConfig config =
        load(table("shard_by: {column: city, shards: 8}\nshards_on: [archive_1]"));
    String rendered = ConfigRenderer.toYaml(config, false);
    assertThat(rendered).contains("shard_by:").contains("shards: 8").contains("shards_on:");
  }
}
