package dev.strata.health;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Partition;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.connect.ForeignServerProbe;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
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

  /**
   * One ANALYZE to run: the foreign partition, its server, and the statement.
   *
   * @param partition the foreign partition
   * @param server the foreign server it reads
   * @param statement what runs on the coordinator
   */
  public record Target(QualifiedName partition, String server, SqlStatement statement) {}

  /**
   * What {@link #analyze} runs, in order, for {@code strata analyze --dry-run}: one ANALYZE per
   * foreign partition of {@code only}, or of every partitioned table. Each server is probed
   * (bounded by the connect timeout) before its first partition; the probe only reads.
   */
  public List<Target> plan(Optional<QualifiedName> only) {
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      return plan(new CatalogReader(coordinator), only);
    }
  }

  private static List<Target> plan(CatalogReader catalog, Optional<QualifiedName> only) {
    List<Target> targets = new ArrayList<>();
    for (QualifiedName name : only.map(List::of).orElseGet(catalog::partitionedTables)) {
      for (Partition partition : catalog.partitionedTable(name).partitions()) {
        partition
            .foreign()
            .ifPresent(
                foreign ->
                    targets.add(
                        new Target(
                            partition.name(),
                            foreign.server(),
                            SqlStatement.of("ANALYZE " + partition.name().quoted()))));
      }
    }
    return targets;
  }

  /** Analyzes the foreign partitions of {@code only}, or of every partitioned table. */
  public List<Analyzed> analyze(Optional<QualifiedName> only) {
    List<Analyzed> outcomes = new ArrayList<>();
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      CatalogReader catalog = new CatalogReader(coordinator);
      java.util.Set<String> probed = new java.util.HashSet<>();
      java.util.Map<String, String> unanswered = new java.util.HashMap<>();
      for (Target target : plan(catalog, only)) {
        String partition = target.partition().display();
        String server = target.server();
        if (unanswered.containsKey(server)) {
          outcomes.add(
              new Analyzed(
                  partition, server, OptionalLong.empty(), Optional.of(unanswered.get(server))));
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
          LOG.debug("ANALYZE {} (on server {})", partition, server);
          coordinator.execute(target.statement());
          outcomes.add(
              new Analyzed(
                  partition,
                  server,
                  catalog.data().reltuples(target.partition()),
                  Optional.empty()));
        } catch (StrataException e) {
          if (e.code() == dev.strata.ErrorCode.TIMEOUT) {
            unanswered.put(server, e.getMessage());
          }
          outcomes.add(
              new Analyzed(partition, server, OptionalLong.empty(), Optional.of(e.getMessage())));
        }
      }
    }
    return outcomes;
  }
}
