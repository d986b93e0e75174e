package dev.strata.config;

import java.util.Objects;

/**
 * {@code tables.NAME.partition_by}: the range partition key column and the width of one partition.
 */
public record PartitionBy(String column, Interval interval) {
  public PartitionBy {
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(interval, "interval");
  }
}
