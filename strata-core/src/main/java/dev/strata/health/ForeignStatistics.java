package dev.strata.health;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionedTable;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.connect.ForeignServerProbe;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code strata analyze}: gathers planner statistics for foreign partitions. PostgreSQL's
 * autovacuum never analyzes foreign tables, so without this the coordinator plans every query on an
 * archived partition with a guessed size. ANALYZE of a foreign table samples its rows through
 * postgres_fdw (as {@code analyze_sampling} says) within the connection's statement timeout; each
 * partition is analyzed on its own, and a failure on one server does not stop the others.
 */
public final class ForeignStatistics {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ForeignStatistics.class);

  private final Connections connections;

  public ForeignStatistics(Connections connections) {
    this.connections = connections;
  }

  /**
   * One partition's outcome.
   *
   * @param partition the foreign partition
   * @param server its server
   * @param rows the row estimate ANALYZE recorded; empty when it failed
   * @param error why it failed
   */
  public record Analyzed(
      String partition, String server, OptionalLong rows, Optional<String> error) {
    public boolean ok() {
      return error.isEmpty();
    }
  }

  /** Analyzes the foreign partitions of {@code only}, or of every partitioned table. */
  public List<Analyzed> analyze(Optional<QualifiedName> only) {
    List<Analyzed> outcomes = new ArrayList<>();
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      CatalogReader catalog = new CatalogReader(coordinator);
      List<QualifiedName> tables = only.map(List::of).orElseGet(catalog::partitionedTables);
      java.util.Set<String> probed = new java.util.HashSet<>();
      java.util.Map<String, String> unanswered = new java.util.HashMap<>();
      for (QualifiedName name : tables) {
        PartitionedTable table = catalog.partitionedTable(name);
        for (Partition partition : table.partitions()) {
          if (partition.foreign().isEmpty()) {
            continue;
          }
          String server = partition.foreign().get().server();
          if (unanswered.containsKey(server)) {
            outcomes.add(
                new Analyzed(
                    partition.name().display(),
                    server,
                    OptionalLong.empty(),
                    Optional.of(unanswered.get(server))));
            continue;
          }
          try {
            if (probed.add(server)) {
              // postgres_fdw waits for a server that does not answer without a deadline: a
              // bounded probe first, so such a server costs one connect timeout, not one
              // statement timeout per partition.
              ForeignServerProbe.probe(
                  coordinator, server, connections.config().timeouts().connect(), Optional.empty());
            }
            LOG.debug("ANALYZE {} (on server {})", partition.name().display(), server);
            coordinator.execute("ANALYZE " + partition.name().quoted());
            outcomes.add(
                new Analyzed(
                    partition.name().display(),
                    server,
                    catalog.reltuples(partition.name()),
                    Optional.empty()));
          } catch (StrataException e) {
            if (e.code() == dev.strata.ErrorCode.TIMEOUT) {
              unanswered.put(server, e.getMessage());
            }
            outcomes.add(
                new Analyzed(
                    partition.name().display(),
                    server,
                    OptionalLong.empty(),
                    Optional.of(e.getMessage())));
          }
        }
      }
    }
    return outcomes;
  }
}
