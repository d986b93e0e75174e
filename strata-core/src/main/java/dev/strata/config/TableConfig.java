package dev.strata.config;

import dev.strata.sql.QualifiedName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One managed partitioned table ({@code tables.SCHEMA.NAME}) and its lifecycle policy.
 *
 * @param name the parent table
 * @param partitionBy key column and partition width; empty for a table that is only sharded
 * @param premake future partitions kept ready, counted from the current period by the clock
 * @param hot partitions whose whole range is older than this are archived; empty: never
 * @param archiveTo placement of archived partitions; required when {@code hot} is set
 * @param retention archived partitions whose whole range is older than this are retired; empty:
 *     never
 * @param exportBeforeRetire directory for a compressed export before retiring; empty: no export
 * @param decommission drop a foreign server and its user mapping once nothing uses them
 * @param archivedUpdatable whether archived partitions accept writes ({@code updatable} option)
 * @param detachedGrace how long a detached local copy is kept after a swap; zero: dropped at once
 * @param shardBy how the table is sharded; empty for a table that is not
 * @param shardsOn the servers that hold its shards, in placement order; empty when not sharded
 */
public record TableConfig(
    QualifiedName name,
    Optional<PartitionBy> partitionBy,
    int premake,
    Optional<Interval> hot,
    Optional<Placement> archiveTo,
    Optional<Interval> retention,
    Optional<Path> exportBeforeRetire,
    boolean decommission,
    boolean archivedUpdatable,
    Duration detachedGrace,
    Optional<ShardBy> shardBy,
    List<String> shardsOn) {
  public TableConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(partitionBy, "partitionBy");
    Objects.requireNonNull(hot, "hot");
    Objects.requireNonNull(archiveTo, "archiveTo");
    Objects.requireNonNull(retention, "retention");
    Objects.requireNonNull(exportBeforeRetire, "exportBeforeRetire");
    Objects.requireNonNull(detachedGrace, "detachedGrace");
    Objects.requireNonNull(shardBy, "shardBy");
    shardsOn = List.copyOf(shardsOn);
    if (partitionBy.isEmpty() && shardBy.isEmpty()) {
      throw new IllegalArgumentException("a table needs partition_by or shard_by");
    }
  }

  /** Whether the table is sharded ({@code shard_by}). */
  public boolean sharded() {
    return shardBy.isPresent();
  }

  /** The range partitioning of a table with a lifecycle policy; fails for a sharded-only table. */
  public PartitionBy range() {
    return partitionBy.orElseThrow(
        () -> new IllegalStateException(name.display() + " has no partition_by"));
  }
}
