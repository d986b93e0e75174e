package dev.strata.health;

import dev.strata.catalog.ForeignServer;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.ServerVersion;
import dev.strata.catalog.UserMapping;
import dev.strata.operation.Operation;
import dev.strata.operation.OperationKind;
import dev.strata.operation.OperationState;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the doctor reads from the coordinator once, then shares read-only with every check (the
 * server checks run in parallel threads, each on its own connections).
 *
 * @param foreignServers the coordinator's foreign servers by name
 * @param userMappings its user mappings (without passwords)
 * @param tables every partitioned table outside the system schemas
 * @param operations the journal, or empty when Strata never moved anything here
 * @param reltuples {@code pg_class.reltuples} of each foreign partition by name (-1: never
 *     analyzed)
 * @param clock the coordinator's {@code localtimestamp}
 * @param installation the coordinator's tag in the names of shard moves' replication objects
 * @param version the coordinator's PostgreSQL version: its postgres_fdw decides which options and
 *     settings exist
 */
record CoordinatorSnapshot(
    Map<String, ForeignServer> foreignServers,
    List<UserMapping> userMappings,
    List<PartitionedTable> tables,
    List<Operation> operations,
    Map<String, OptionalLong> reltuples,
    LocalDateTime clock,
    String installation,
    ServerVersion version) {
  CoordinatorSnapshot {
    foreignServers = Map.copyOf(foreignServers);
    userMappings = List.copyOf(userMappings);
    tables = List.copyOf(tables);
    operations = List.copyOf(operations);
    reltuples = Map.copyOf(reltuples);
  }

  /** Every foreign partition of every partitioned table, in table and key order. */
  List<ArchivedPartition> archivedPartitions() {
    List<ArchivedPartition> archived = new ArrayList<>();
    for (PartitionedTable table : tables) {
      for (Partition partition : table.partitions()) {
        partition
            .foreign()
            .ifPresent(f -> archived.add(new ArchivedPartition(table, partition, f)));
      }
    }
    return archived;
  }

  List<ArchivedPartition> archivedOn(String server) {
    return archivedPartitions().stream().filter(p -> p.server().equals(server)).toList();
  }

  Map<String, String> serverOptions(String server) {
    ForeignServer foreignServer = foreignServers.get(server);
    return foreignServer == null ? Map.of() : foreignServer.options();
  }

  /**
   * The last finished archive, or move between servers, that put this partition on its server, with
   * its verified figures.
   */
  Optional<Operation> lastArchive(ArchivedPartition archived) {
    Optional<Operation> last =
        operations.stream()
            .filter(op -> op.state() == OperationState.DONE)
            .filter(op -> op.partition().equals(archived.partition().name()))
            .reduce((first, second) -> second);
    // A later restore means the rows came back and may have changed since: no recorded figures.
    return last.filter(
        op ->
            (op.kind() == OperationKind.ARCHIVE || op.kind() == OperationKind.MOVE)
                && op.server().equals(archived.server())
                && op.remoteTable().equals(archived.remoteTable()));
  }
}
