package dev.strata.health;

import dev.strata.catalog.Column;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionBound;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.Tier;
import dev.strata.operation.RangeBounds;
import dev.strata.sql.QualifiedName;
import java.util.Optional;

/**
 * A foreign partition as the doctor sees it: the partition, its parent and where its rows live.
 *
 * @param parent the partitioned table, with its columns
 * @param partition the foreign partition
 * @param foreign its server, remote table and options
 */
record ArchivedPartition(PartitionedTable parent, Partition partition, Tier.Foreign foreign) {
  QualifiedName remoteTable() {
    return QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable());
  }

  String server() {
    return foreign.server();
  }

  /** {@code server:schema.table}, how reports name the remote table. */
  String remoteDisplay() {
    return foreign.server() + ":" + remoteTable().display();
  }

  String name() {
    return partition.name().display();
  }

  /** The bounds, for a range partition on a single key column. */
  Optional<RangeBounds> bounds() {
    if (!(partition.bound() instanceof PartitionBound.Range range)
        || parent.keyColumns().size() != 1
        || range.from().size() != 1) {
      return Optional.empty();
    }
    Optional<Column> key = parent.column(parent.keyColumns().get(0));
    return key.map(column -> RangeBounds.of(range, column));
  }

  /** A table or server option of the foreign table: the table's own, else the server's. */
  Optional<String> option(String name, java.util.Map<String, String> serverOptions) {
    return Optional.ofNullable(foreign.options().get(name))
        .or(() -> Optional.ofNullable(serverOptions.get(name)));
  }
}
