package dev.strata.health;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.ForeignServer;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionedTable;
import dev.strata.config.ServerConfig;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.Journal;
import dev.strata.operation.Operation;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code strata doctor}: checks a Strata deployment against the production checklist (seed 002) and
 * the invariants of docs/architecture.md, and says for every finding what it saw and how to fix it.
 * It changes nothing: its only writes are a temporary table and a temporary foreign table inside
 * transactions that are always rolled back (see {@link ServerChecks} and {@link
 * CatalogReader#canonicalCheck}).
 *
 * <p>Order of work: the coordinator is read once into a {@link CoordinatorSnapshot}; then every
 * configured server is checked in its own thread (direct connection, the path through the foreign
 * server, its archived partitions, its hygiene) while this thread runs the checks that need only
 * the coordinator. Every wait is bounded by the configuration's timeouts, as on every connection
 * Strata opens (connect, statement, lock), and the probe through the coordinator's foreign server
 * by {@code timeouts.connect} (postgres_fdw itself has no deadline for a server that does not
 * answer), so a server that does not answer costs two connect timeouts (direct, then through the
 * coordinator), in parallel with the others. A server that cannot be reached fails its connection
 * check and its partitions are reported as not checked; the other servers' results are unaffected.
 *
 * <p>Costs: the row-count and out-of-bounds checks read each archived table on its server (the
 * out-of-bounds scan is skipped where a validated CHECK constraint proves it); {@code --deep} also
 * hashes every row, like {@code strata verify}.
 */
public final class Doctor {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Doctor.class);

  private final Connections connections;
  private final DoctorOptions options;

  public Doctor(Connections connections, DoctorOptions options) {
    this.connections = connections;
    this.options = options;
  }

  public DoctorReport run() {
    StrataConfig config = connections.config();
    List<CheckResult> results = new ArrayList<>();
    results.add(CoordinatorChecks.passwordSources(config));

    Optional<Database> coordinator =
        ServerChecks.connect(Connections.COORDINATOR, config.coordinator(), config, results);
    Optional<CoordinatorSnapshot> snapshot = Optional.empty();
    try {
      if (coordinator.isPresent()) {
        try {
          snapshot = Optional.of(read(coordinator.get()));
        } catch (StrataException e) {
          results.add(
              CheckResult.fail(
                  Check.CONNECT_DIRECT,
                  Connections.COORDINATOR,
                  "reading the coordinator's catalog failed: " + e.getMessage(),
                  e.hint() != null ? e.hint() : "fix the cause and run strata doctor again"));
        }
      }
      List<ServerConfig> servers = List.copyOf(config.servers().values());
      ExecutorService pool =
          Executors.newFixedThreadPool(Math.max(1, Math.min(8, servers.size())), daemonThreads());
      try {
        List<CompletableFuture<List<CheckResult>>> serverChecks = new ArrayList<>();
        for (ServerConfig server : servers) {
          Optional<CoordinatorSnapshot> shared = snapshot;
          serverChecks.add(
              CompletableFuture.supplyAsync(
                  () -> new ServerChecks(connections, server, shared, options).run(), pool));
        }
        if (snapshot.isPresent()) {
          CoordinatorSnapshot read = snapshot.get();
          CatalogReader catalog = new CatalogReader(coordinator.get());
          results.addAll(runSafely(() -> new ForeignServerChecks(config, read, catalog).run()));
          results.addAll(
              runSafely(() -> new CoordinatorChecks(config, read, catalog, options).run()));
        }
        if (snapshot.isPresent()) {
          results.addAll(runSafely(() -> new MirrorChecks(connections).run()));
        }
        for (CompletableFuture<List<CheckResult>> check : serverChecks) {
          results.addAll(check.join());
        }
      } finally {
        pool.shutdownNow();
      }
    } finally {
      coordinator.ifPresent(Database::close);
    }
    List<CheckResult> ordered = new ArrayList<>(results);
    ordered.sort(Comparator.comparing(CheckResult::check));
    for (CheckResult result : ordered) {
      LOG.debug(
          "{} {} on {}: {}",
          result.status().label(),
          result.check().id(),
          result.subject(),
          result.evidence());
    }
    return new DoctorReport(ordered);
  }

  private static List<CheckResult> runSafely(
      java.util.function.Supplier<List<CheckResult>> checks) {
    try {
      return checks.get();
    } catch (StrataException e) {
      return List.of(
          CheckResult.fail(
              Check.CONNECT_DIRECT,
              Connections.COORDINATOR,
              "a check on the coordinator failed: " + e.getMessage(),
              e.hint() != null ? e.hint() : "fix the cause and run strata doctor again"));
    }
  }

  private static CoordinatorSnapshot read(Database coordinator) {
    CatalogReader catalog = new CatalogReader(coordinator);
    Map<String, ForeignServer> servers = new LinkedHashMap<>();
    catalog.server().foreignServers().forEach(server -> servers.put(server.name(), server));
    List<PartitionedTable> tables =
        catalog.partitionedTables().stream().map(catalog::partitionedTable).toList();
    Map<String, OptionalLong> reltuples = new LinkedHashMap<>();
    for (PartitionedTable table : tables) {
      for (Partition partition : table.partitions()) {
        if (!partition.isLocal()) {
          reltuples.put(partition.name().display(), catalog.data().reltuples(partition.name()));
        }
      }
    }
    return new CoordinatorSnapshot(
        servers,
        catalog.server().userMappings(),
        tables,
        operations(coordinator, catalog),
        reltuples,
        catalog.server().localTimestamp(),
        dev.strata.operation.ShardMover.installationTag(coordinator),
        catalog.server().version());
  }

  /** The journal, read without creating it: a coordinator Strata never moved data on has none. */
  private static List<Operation> operations(Database coordinator, CatalogReader catalog) {
    if (catalog.findRelation(QualifiedName.of("strata", "operation")).isEmpty()) {
      return List.of();
    }
    return new Journal(coordinator).all();
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    return runnable -> {
      Thread thread = new Thread(runnable, "strata-doctor");
      thread.setDaemon(true);
      return thread;
    };
  }
}
