package dev.strata.shard;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionBound;
import dev.strata.catalog.PartitionStrategy;
import dev.strata.catalog.PartitionedTable;
import dev.strata.config.ServerConfig;
import dev.strata.config.ShardBy;
import dev.strata.config.StrataConfig;
import dev.strata.config.TableConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.PartitionMover;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Compares a sharded table's {@code shard_by} and {@code shards_on} with the coordinator and the
 * shard servers, and lists the shards {@code strata apply} must create or adopt. It reads only.
 *
 * <p>A hash-sharded table without partitions gets {@code shards} shards of that modulus, placed on
 * {@code shards_on} in turn (remainder r on server r mod n). A table whose shards cover every hash
 * value (after splits, with several moduli) is complete; shards are then changed only by {@code
 * strata move}, {@code shard split} and {@code rebalance}. A list-sharded table gets one shard per
 * {@code lists} entry (on the server of the same name when {@code shards_on} has one, else in turn)
 * and a default partition on the coordinator for values no shard lists.
 */
public final class ShardPlanner {
  private final Connections connections;
  private final StrataConfig config;

  public ShardPlanner(Connections connections) {
    this.connections = connections;
    this.config = connections.config();
  }

  /** What one table needs. */
  public record TablePlan(List<ShardSetup> shards, List<String> warnings) {}

  /** The desired shards of {@code table}, with the shards the coordinator already has. */
  public TablePlan plan(TableConfig table, Database coordinator) {
    return plan(table, coordinator, Optional.empty());
  }

  /**
   * The same, for a parent that {@code assumed} describes instead of the catalog: a period of a
   * time-partitioned sharded table that the same action creates first.
   */
  public TablePlan plan(
      TableConfig table, Database coordinator, Optional<PartitionedTable> assumed) {
    ShardBy shardBy = table.shardBy().orElseThrow();
    List<String> warnings = new ArrayList<>();
    List<ShardSetup> setups = new ArrayList<>();
    CatalogReader catalog = new CatalogReader(coordinator);
    PartitionedTable parent;
    try {
      parent = assumed.isPresent() ? assumed.get() : catalog.partitionedTable(table.name());
    } catch (StrataException e) {
      warnings.add(
          table.name().display()
              + ": "
              + e.getMessage()
              + "; create it on the coordinator, e.g. CREATE TABLE "
              + table.name().quoted()
              + " (...) PARTITION BY "
              + (shardBy.method() == ShardBy.Method.HASH ? "HASH" : "LIST")
              + " ("
              + shardBy.column()
              + ")");
      return new TablePlan(setups, warnings);
    }
    Optional<String> shapeProblem = shapeProblem(parent, shardBy);
    if (shapeProblem.isPresent()) {
      warnings.add(table.name().display() + " " + shapeProblem.get() + "; its shards are skipped");
      return new TablePlan(setups, warnings);
    }
    if (!parent.uniqueIndexes().isEmpty()) {
      warnings.add(
          table.name().display()
              + " has "
              + String.join(", ", parent.uniqueIndexes())
              + ": PostgreSQL refuses foreign partitions under a parent with a primary key or"
              + " unique index; drop it and keep uniqueness per shard on the servers");
      return new TablePlan(setups, warnings);
    }
    List<Desired> desired =
        shardBy.method() == ShardBy.Method.HASH
            ? desiredHash(table, shardBy, parent, warnings)
            : desiredList(table, shardBy, parent, coordinator, warnings);
    if (shardBy.method() == ShardBy.Method.LIST
        && parent.partitions().stream().noneMatch(Partition::isDefault)) {
      QualifiedName defaultPartition = PartitionMover.derivedName(table.name(), "_default");
      setups.add(
          new ShardSetup(
              table.name(),
              defaultPartition,
              Connections.COORDINATOR,
              "create default partition " + defaultPartition.display() + " on the coordinator",
              List.of(
                  ServerStatements.of(
                      Connections.COORDINATOR,
                      List.of(ShardStatements.defaultPartition(table.name(), defaultPartition)))),
              "list values no shard holds land there instead of failing; doctor reports its rows"));
    }
    Map<String, CatalogReader> servers = new HashMap<>();
    java.util.Set<String> parentPlanned = new java.util.HashSet<>();
    List<Database> opened = new ArrayList<>();
    try {
      for (Desired shard : desired) {
        Optional<Partition> existing = parent.partition(shard.name());
        if (existing.isPresent()) {
          if (!existing.get().bound().sql().equalsIgnoreCase(shard.bound().sql())) {
            warnings.add(
                shard.name().display()
                    + " is attached "
                    + existing.get().bound().sql()
                    + ", but shard_by wants "
                    + shard.bound().sql()
                    + "; change the config or move its rows yourself");
          }
          continue;
        }
        CatalogReader server = servers.get(shard.server());
        if (server == null) {
          Database database;
          try {
            database = new Database(shard.server(), connections.server(shard.server()));
          } catch (StrataException e) {
            warnings.add(
                table.name().display()
                    + ": shard server "
                    + shard.server()
                    + " cannot be reached ("
                    + e.getMessage()
                    + "); its shards are planned on the next run");
            continue;
          }
          opened.add(database);
          server = new CatalogReader(database);
          servers.put(shard.server(), server);
        }
        setup(table, shardBy, parent, shard, server, parentPlanned, warnings)
            .ifPresent(setups::add);
      }
    } finally {
      opened.forEach(Database::close);
    }
    return new TablePlan(setups, warnings);
  }

  /** Why the coordinator's table cannot hold these shards, if it cannot. */
  static Optional<String> shapeProblem(PartitionedTable parent, ShardBy shardBy) {
    PartitionStrategy wanted =
        shardBy.method() == ShardBy.Method.HASH ? PartitionStrategy.HASH : PartitionStrategy.LIST;
    if (parent.strategy() != wanted || !parent.keyColumns().equals(List.of(shardBy.column()))) {
      return Optional.of(
          "is partitioned by "
              + parent.keyDefinition()
              + ", but shard_by says "
              + shardBy.method().label()
              + " on "
              + shardBy.column());
    }
    return Optional.empty();
  }

  /** A shard the config wants, where it goes for a new one. */
  private record Desired(QualifiedName name, PartitionBound bound, String server) {}

  private List<Desired> desiredHash(
      TableConfig table, ShardBy shardBy, PartitionedTable parent, List<String> warnings) {
    List<Desired> desired = new ArrayList<>();
    List<PartitionBound.Hash> existing = new ArrayList<>();
    for (Partition partition : parent.partitions()) {
      if (partition.bound() instanceof PartitionBound.Hash hash) {
        existing.add(hash);
      }
    }
    int modulus = shardBy.shards();
    if (!existing.isEmpty()) {
      if (HashCoverage.gaps(existing).isEmpty()) {
        // Complete: after splits the moduli differ from shards, and that is expected.
        return desired;
      }
      if (!existing.stream().allMatch(h -> h.modulus() == modulus)) {
        warnings.add(
            table.name().display()
                + ": its hash partitions do not cover every hash value ("
                + String.join(", ", HashCoverage.gaps(existing))
                + ") and have other moduli than shards: "
                + modulus
                + "; attach the missing shards yourself or fix shards");
        return desired;
      }
    }
    TreeSet<Integer> taken = new TreeSet<>();
    existing.forEach(h -> taken.add(h.remainder()));
    List<String> on = table.shardsOn();
    for (int remainder = 0; remainder < modulus; remainder++) {
      desired.add(
          new Desired(
              hashShardName(table.name(), modulus, remainder),
              new PartitionBound.Hash(modulus, remainder, ""),
              on.get(remainder % on.size())));
    }
    // A remainder already attached under another name is not planned again.
    desired.removeIf(
        d ->
            taken.contains(((PartitionBound.Hash) d.bound()).remainder())
                && parent.partition(d.name()).isEmpty());
    return desired;
  }

  private List<Desired> desiredList(
      TableConfig table,
      ShardBy shardBy,
      PartitionedTable parent,
      Database coordinator,
      List<String> warnings) {
    Column key = parent.column(shardBy.column()).orElseThrow();
    List<Desired> desired = new ArrayList<>();
    List<String> on = table.shardsOn();
    int turn = 0;
    for (Map.Entry<String, List<String>> list : shardBy.lists().entrySet()) {
      String server = on.contains(list.getKey()) ? list.getKey() : on.get(turn++ % on.size());
      List<PartitionBound.BoundValue> values = new ArrayList<>();
      for (String value : list.getValue()) {
        values.add(
            new PartitionBound.BoundValue(ListValues.normalise(coordinator, key, value), true));
      }
      desired.add(
          new Desired(
              PartitionMover.derivedName(table.name(), "_shard_" + list.getKey()),
              new PartitionBound.ListBound(values, ""),
              server));
    }
    return desired;
  }

  /** {@code temperatures_shard_3_of_8}: remainder 3 of modulus 8. */
  public static QualifiedName hashShardName(QualifiedName table, int modulus, int remainder) {
    return PartitionMover.derivedName(table, "_shard_" + remainder + "_of_" + modulus);
  }

  private Optional<ShardSetup> setup(
      TableConfig table,
      ShardBy shardBy,
      PartitionedTable parent,
      Desired shard,
      CatalogReader server,
      java.util.Set<String> parentPlanned,
      List<String> warnings) {
    ServerConfig serverConfig = config.server(shard.server());
    List<String> onServer = new ArrayList<>();
    Optional<CatalogReader.Relation> serverParent = server.findRelation(table.name());
    if (serverParent.isEmpty() && parentPlanned.contains(shard.server())) {
      // An earlier shard of this plan creates it.
    } else if (serverParent.isEmpty()) {
      parentPlanned.add(shard.server());
      onServer.addAll(
          ShardStatements.serverParent(
              table.name(), parent.columns(), shardBy.method(), shardBy.column()));
    } else {
      PartitionedTable existing;
      try {
        existing = server.partitionedTable(table.name());
      } catch (StrataException e) {
        warnings.add(
            shard.name().display()
                + ": "
                + table.name().display()
                + " on "
                + shard.server()
                + " is not a partitioned table; rename it there, and Strata creates the parent");
        return Optional.empty();
      }
      Optional<String> problem = shapeProblem(existing, shardBy);
      if (problem.isEmpty() && !existing.columns().equals(parent.columns())) {
        problem = Optional.of("has other columns than on the coordinator");
      }
      if (problem.isPresent()) {
        warnings.add(
            shard.name().display()
                + ": "
                + table.name().display()
                + " on "
                + shard.server()
                + " "
                + problem.get()
                + "; make it the same shape as on the coordinator");
        return Optional.empty();
      }
    }
    boolean adopt = false;
    Optional<CatalogReader.Relation> leaf = server.findRelation(shard.name());
    if (leaf.isEmpty()) {
      onServer.add(ShardStatements.createShard(table.name(), shard.name(), shard.bound()));
    } else {
      Optional<CatalogReader.PartitionOf> of = server.partitionOf(shard.name());
      if (of.isPresent()) {
        if (!of.get().parent().equals(table.name())
            || !of.get().bound().sql().equalsIgnoreCase(shard.bound().sql())) {
          warnings.add(
              shard.name().display()
                  + " on "
                  + shard.server()
                  + " is a partition of "
                  + of.get().parent().display()
                  + " "
                  + of.get().bound().sql()
                  + ", not of "
                  + table.name().display()
                  + " "
                  + shard.bound().sql()
                  + "; detach or rename it there");
          return Optional.empty();
        }
        adopt = true;
      } else if (!leaf.get().kind().equals("r")) {
        warnings.add(
            shard.name().display()
                + " on "
                + shard.server()
                + " exists and is not a table; rename it there");
        return Optional.empty();
      } else {
        List<Column> columns = server.tableColumns(shard.name()).orElse(List.of());
        if (!columns.equals(parent.columns())) {
          warnings.add(
              shard.name().display()
                  + " on "
                  + shard.server()
                  + " has other columns than "
                  + table.name().display()
                  + " on the coordinator; it is not adopted");
          return Optional.empty();
        }
        adopt = true;
        onServer.add(ShardStatements.attachShard(table.name(), shard.name(), shard.bound()));
      }
    }
    onServer.addAll(
        ShardStatements.grants(
            shard.name(), serverConfig.mapping().user(), serverConfig.connection().user()));
    List<ServerStatements> steps = new ArrayList<>();
    if (!onServer.isEmpty()) {
      steps.add(ServerStatements.of(shard.server(), onServer));
    }
    steps.add(
        ServerStatements.of(
            Connections.COORDINATOR,
            List.of(
                ShardStatements.foreignShard(
                    table.name(), shard.name(), shard.bound(), shard.server(), shard.name()))));
    return Optional.of(
        new ShardSetup(
            table.name(),
            shard.name(),
            shard.server(),
            (adopt ? "adopt " : "create ")
                + "shard "
                + shard.name().display()
                + " on "
                + shard.server()
                + " ("
                + shard.bound().sql()
                + ")",
            steps,
            adopt
                ? "the table exists on "
                    + shard.server()
                    + "; PostgreSQL checks its rows as it attaches"
                : "shard_by wants it and the coordinator has no such partition"));
  }
}
