package dev.strata.catalog;

/** {@code pg_partitioned_table.partstrat}. */
public enum PartitionStrategy {
  RANGE,
  LIST,
  HASH;

  static PartitionStrategy fromCatalog(String code) {
    return switch (code) {
      case "r" -> RANGE;
      case "l" -> LIST;
      case "h" -> HASH;
      default -> throw new IllegalArgumentException("unknown partition strategy " + code);
    };
  }
}
