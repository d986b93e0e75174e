package dev.strata.health;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.ServerFacts;
import dev.strata.catalog.TableData;
import dev.strata.catalog.Tier;
import dev.strata.config.ConnectionConfig;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Builds {@link StatusReport}s. Servers are checked in parallel, each bounded by the connect
 * timeout, so one unreachable archive costs at most one timeout, not one per partition. Remote row
 * counts and sizes come from each server itself over one connection per server; a server that is
 * not configured or not reachable leaves its partitions' figures unknown, with a note saying why.
 */
public final class StatusService {
  private final Connections connections;

  public StatusService(Connections connections) {
    this.connections = connections;
  }

  /**
   * @param only one table, or empty for every partitioned table on the coordinator
   * @param exact count rows with {@code count(*)} instead of using estimates
   */
  public StatusReport status(Optional<QualifiedName> only, boolean exact) {
    StrataConfig config = connections.config();
    Map<String, ConnectionConfig> targets = new LinkedHashMap<>();
    targets.put(Connections.COORDINATOR, config.coordinator());
    config.servers().forEach((name, server) -> targets.put(name, server.connection()));
    List<StatusReport.ServerStatus> servers = checkServers(targets);
    Map<String, Boolean> reachable = new HashMap<>();
    servers.forEach(s -> reachable.put(s.name(), s.reachable()));

    List<StatusReport.TableStatus> tables = new ArrayList<>();
    if (reachable.get(Connections.COORDINATOR)) {
      try (Database coordinator =
          new Database(Connections.COORDINATOR, connections.coordinator())) {
        CatalogReader catalog = new CatalogReader(coordinator);
        List<QualifiedName> names = only.map(List::of).orElseGet(catalog::partitionedTables);
        List<PartitionedTable> parents = names.stream().map(catalog::partitionedTable).toList();
        Map<String, Database> remotes = new HashMap<>();
        try {
          for (PartitionedTable parent : parents) {
            tables.add(tableStatus(parent, catalog, remotes, reachable, exact));
          }
        } finally {
          remotes.values().forEach(Database::close);
        }
      }
    }
    return new StatusReport(tables, servers);
  }

  private StatusReport.TableStatus tableStatus(
      PartitionedTable parent,
      CatalogReader coordinator,
      Map<String, Database> remotes,
      Map<String, Boolean> reachable,
      boolean exact) {
    List<StatusReport.PartitionStatus> partitions = new ArrayList<>();
    for (Partition partition : parent.partitions()) {
      if (partition.tier() instanceof Tier.Foreign foreign) {
        partitions.add(foreignStatus(partition, foreign, remotes, reachable, exact));
      } else {
        OptionalLong rows =
            exact
                ? OptionalLong.of(coordinator.data().exactRowCount(partition.name()))
                : partition.estimatedRows();
        partitions.add(
            new StatusReport.PartitionStatus(
                partition.name().display(),
                partition.bound().expression(),
                "local",
                Optional.empty(),
                rows,
                exact,
                partition.localSizeBytes(),
                rows.isPresent()
                    ? Optional.empty()
                    : Optional.of("never analyzed: run ANALYZE or use --exact")));
      }
    }
    return new StatusReport.TableStatus(
        parent.name().display(), parent.keyDefinition(), partitions);
  }

  private StatusReport.PartitionStatus foreignStatus(
      Partition partition,
      Tier.Foreign foreign,
      Map<String, Database> remotes,
      Map<String, Boolean> reachable,
      boolean exact) {
    QualifiedName remoteTable = QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable());
    OptionalLong rows = OptionalLong.empty();
    OptionalLong size = OptionalLong.empty();
    Optional<String> note = Optional.empty();
    if (connections.config().findServer(foreign.server()).isEmpty()) {
      note = Optional.of("server " + foreign.server() + " is not in the config");
    } else if (!reachable.getOrDefault(foreign.server(), false)) {
      note = Optional.of("server " + foreign.server() + " is unreachable");
    } else {
      try {
        Database remote =
            remotes.computeIfAbsent(
                foreign.server(), name -> new Database(name, connections.server(name)));
        CatalogReader remoteCatalog = new CatalogReader(remote);
        Optional<TableData.TableSize> measured = remoteCatalog.data().tableSize(remoteTable);
        if (measured.isEmpty()) {
          note =
              Optional.of(
                  "remote table " + remoteTable.display() + " is missing on " + foreign.server());
        } else {
          size = OptionalLong.of(measured.get().totalBytes());
          rows =
              exact
                  ? OptionalLong.of(remoteCatalog.data().exactRowCount(remoteTable))
                  : measured.get().estimatedRows();
          if (rows.isEmpty()) {
            note = Optional.of("never analyzed on " + foreign.server() + ": use --exact");
          }
        }
      } catch (StrataException e) {
        note = Optional.of(e.getMessage());
      }
    }
    return new StatusReport.PartitionStatus(
        partition.name().display(),
        partition.bound().expression(),
        foreign.server(),
        Optional.of(remoteTable.display()),
        rows,
        exact && rows.isPresent(),
        size,
        note);
  }

  private List<StatusReport.ServerStatus> checkServers(Map<String, ConnectionConfig> targets) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, targets.size()));
    try {
      List<CompletableFuture<StatusReport.ServerStatus>> checks = new ArrayList<>();
      targets.forEach(
          (name, target) ->
              checks.add(CompletableFuture.supplyAsync(() -> check(name, target), pool)));
      return checks.stream().map(CompletableFuture::join).toList();
    } finally {
      pool.shutdownNow();
    }
  }

  private StatusReport.ServerStatus check(String name, ConnectionConfig target) {
    long start = System.nanoTime();
    try (Database database =
        new Database(name, Connections.open(name, target, connections.config().timeouts()))) {
      long connected = System.nanoTime();
      String version = new ServerFacts(database).serverVersion();
      long roundTripStart = System.nanoTime();
      database.queryOne("SELECT 1", row -> row.getInt(1));
      double latency = (System.nanoTime() - roundTripStart) / 1_000_000.0;
      return new StatusReport.ServerStatus(
          name,
          target.displayUri(),
          true,
          OptionalLong.of((connected - start) / 1_000_000),
          Optional.of(latency),
          Optional.of(version),
          Optional.empty(),
          Optional.empty());
    } catch (StrataException e) {
      return new StatusReport.ServerStatus(
          name,
          target.displayUri(),
          false,
          OptionalLong.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.of(e.getMessage()),
          Optional.ofNullable(e.hint()));
    }
  }
}
