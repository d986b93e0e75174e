package dev.strata.shard;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.Tier;
import dev.strata.config.TableConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The retirement of one period of a time-partitioned sharded table, with every shard of it. */
public final class ShardedPeriods {
  private ShardedPeriods() {}

  /**
   * Drops the period's tables on each server that holds a shard of it (its parent there, with the
   * shards), then detaches and drops the period on the coordinator. Servers first, every statement
   * {@code IF EXISTS}: a run interrupted between them leaves the period on the coordinator, and the
   * next plan retires it again, so nothing is left on a server. Empty, with a warning, when a
   * server cannot be reached.
   */
  public static Optional<ShardSetup> retire(
      Connections connections,
      CatalogReader catalog,
      TableConfig table,
      QualifiedName period,
      String reason,
      List<String> warnings) {
    PartitionedTable shards;
    try {
      shards = catalog.partitionedTable(period);
    } catch (StrataException e) {
      warnings.add(period.display() + ": " + e.getMessage() + "; not retired");
      return Optional.empty();
    }
    Map<String, Set<QualifiedName>> dropsByServer = new LinkedHashMap<>();
    for (Partition shard : shards.partitions()) {
      Optional<Tier.Foreign> foreign = shard.foreign();
      if (foreign.isEmpty()) {
        continue;
      }
      String server = foreign.get().server();
      QualifiedName remote =
          QualifiedName.of(foreign.get().remoteSchema(), foreign.get().remoteTable());
      try (Database database = new Database(server, connections.server(server))) {
        CatalogReader serverCatalog = new CatalogReader(database);
        QualifiedName drop =
            serverCatalog.partitionOf(remote).map(CatalogReader.PartitionOf::parent).orElse(remote);
        dropsByServer.computeIfAbsent(server, s -> new LinkedHashSet<>()).add(drop);
      } catch (StrataException e) {
        warnings.add(
            period.display()
                + ": server "
                + server
                + " cannot be reached ("
                + e.getMessage()
                + "); the period is retired on the next run");
        return Optional.empty();
      }
    }
    List<ServerStatements> steps = new ArrayList<>();
    dropsByServer.forEach(
        (server, tables) ->
            steps.add(
                ServerStatements.of(
                    server,
                    tables.stream().map(t -> "DROP TABLE IF EXISTS " + t.quoted()).toList())));
    steps.add(
        ServerStatements.of(
            Connections.COORDINATOR,
            List.of(
                "ALTER TABLE " + table.name().quoted() + " DETACH PARTITION " + period.quoted(),
                "DROP TABLE " + period.quoted())));
    return Optional.of(
        new ShardSetup(
            table.name(),
            period,
            Connections.COORDINATOR,
            "retire "
                + period.display()
                + " and its "
                + shards.partitions().stream().filter(p -> p.foreign().isPresent()).count()
                + " shards on "
                + String.join(", ", dropsByServer.keySet()),
            steps,
            reason));
  }
}
