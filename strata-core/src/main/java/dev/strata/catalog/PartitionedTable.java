package dev.strata.catalog;

import dev.strata.sql.QualifiedName;
import java.util.List;
import java.util.Optional;

/**
 * A partitioned table and its partitions in key order.
 *
 * @param name the parent
 * @param strategy range, list or hash
 * @param keyColumns the partition key's columns; an expression key appears as its text
 * @param keyDefinition {@code pg_get_partkeydef}, e.g. {@code RANGE ("time")}
 * @param columns the parent's columns in order
 * @param partitions partitions in key order (default partition last)
 * @param uniqueIndexes unique indexes and primary keys on the parent, which forbid foreign
 *     partitions
 */
public record PartitionedTable(
    QualifiedName name,
    PartitionStrategy strategy,
    List<String> keyColumns,
    String keyDefinition,
    List<Column> columns,
    List<Partition> partitions,
    List<String> uniqueIndexes) {
  public PartitionedTable {
    keyColumns = List.copyOf(keyColumns);
    columns = List.copyOf(columns);
    partitions = List.copyOf(partitions);
    uniqueIndexes = List.copyOf(uniqueIndexes);
  }

  public Optional<Partition> partition(QualifiedName partitionName) {
    return partitions.stream().filter(p -> p.name().equals(partitionName)).findFirst();
  }

  public Optional<Column> column(String columnName) {
    return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
  }
}
