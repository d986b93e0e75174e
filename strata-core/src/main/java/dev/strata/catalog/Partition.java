package dev.strata.catalog;

import dev.strata.sql.QualifiedName;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One partition of a partitioned table, as the coordinator's catalog sees it.
 *
 * @param name the partition
 * @param bound its bound
 * @param tier local or the foreign server
 * @param subPartitioned whether the partition is itself partitioned
 * @param estimatedRows {@code reltuples} on the coordinator; empty when never analyzed or foreign
 * @param localSizeBytes total size on the coordinator (heap, indexes, TOAST); empty for foreign
 *     partitions, whose size lives on their server
 */
public record Partition(
    QualifiedName name,
    PartitionBound bound,
    Tier tier,
    boolean subPartitioned,
    OptionalLong estimatedRows,
    OptionalLong localSizeBytes) {

  public boolean isLocal() {
    return tier instanceof Tier.Local;
  }

  public boolean isDefault() {
    return bound instanceof PartitionBound.Default;
  }

  public Optional<Tier.Foreign> foreign() {
    return tier instanceof Tier.Foreign foreign ? Optional.of(foreign) : Optional.empty();
  }
}
