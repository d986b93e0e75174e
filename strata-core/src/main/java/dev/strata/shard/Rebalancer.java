package dev.strata.shard;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.TableData;
import dev.strata.catalog.Tier;
import dev.strata.config.StrataConfig;
import dev.strata.config.TableConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Plans the shard moves that even out a sharded table over its {@code shards_on} servers, by bytes
 * (each shard's total size on its server) or by shard count. A shard on a server that is not in
 * {@code shards_on} (any more) always moves, to the emptiest server. Then the plan is greedy, one
 * move at a time: from the fullest server to the emptiest, the shard whose size is nearest half
 * their gap (the move that narrows it most); it stops when no move narrows it. Whole shards move,
 * so the result is as even as the shard sizes allow; moving fewer bytes than the fullest servers'
 * excess over the mean is impossible, and the plan reports that lower bound next to what it moves.
 */
public final class Rebalancer {
  /** What is evened out. */
  public enum By {
    SIZE,
    COUNT;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One shard move of a plan.
   *
   * @param bytes the shard's size on its server
   */
  public record Move(QualifiedName shard, String from, String to, long bytes) {}

  /**
   * A rebalance plan.
   *
   * @param table the sharded table
   * @param by bytes or counts
   * @param moves the moves, in the order they run
   * @param before each server's load now (bytes, or shards)
   * @param after each server's load once the moves ran
   * @param bytesMoved the bytes the moves copy
   * @param lowerBound no plan can move fewer bytes (or shards) than this
   */
  public record Plan(
      QualifiedName table,
      By by,
      List<Move> moves,
      Map<String, Long> before,
      Map<String, Long> after,
      long bytesMoved,
      long lowerBound) {}

  private final Connections connections;
  private final StrataConfig config;

  public Rebalancer(Connections connections) {
    this.connections = connections;
    this.config = connections.config();
  }

  /** The moves that even out {@code table} over its {@code shards_on}. */
  public Plan plan(QualifiedName table, By by) {
    TableConfig configured = shardedTable(table);
    return plan(table, by, new LinkedHashSet<>(configured.shardsOn()));
  }

  private TableConfig shardedTable(QualifiedName table) {
    TableConfig configured =
        config
            .findTable(table)
            .orElseThrow(
                () ->
                    new StrataException(
                        ErrorCode.USAGE,
                        table.display() + " is not under tables in the config",
                        "add it with shard_by and shards_on"));
    if (!configured.sharded()) {
      throw new StrataException(
          ErrorCode.USAGE,
          table.display() + " is not sharded (no shard_by in the config)",
          "rebalance evens out shards; archived partitions move with `strata move` or `drain`");
    }
    return configured;
  }

  private Plan plan(QualifiedName table, By by, Set<String> eligible) {
    Map<QualifiedName, String> placement = new LinkedHashMap<>();
    Map<QualifiedName, QualifiedName> remote = new LinkedHashMap<>();
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      PartitionedTable parent = new CatalogReader(coordinator).partitionedTable(table);
      for (Partition partition : parent.partitions()) {
        if (partition.foreign().isPresent()) {
          Tier.Foreign foreign = partition.foreign().get();
          placement.put(partition.name(), foreign.server());
          remote.put(
              partition.name(), QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable()));
        }
      }
    }
    Map<QualifiedName, Long> sizes = new LinkedHashMap<>();
    Map<String, List<QualifiedName>> byServer = new LinkedHashMap<>();
    placement.forEach(
        (shard, server) -> byServer.computeIfAbsent(server, s -> new ArrayList<>()).add(shard));
    for (Map.Entry<String, List<QualifiedName>> entry : byServer.entrySet()) {
      if (!config.servers().containsKey(entry.getKey())) {
        throw new StrataException(
            ErrorCode.CONFIG,
            table.display() + " has shards on " + entry.getKey() + ", which is not under servers",
            "add " + entry.getKey() + " under servers so Strata can read and move its shards");
      }
      try (Database server = new Database(entry.getKey(), connections.server(entry.getKey()))) {
        TableData data = new TableData(server);
        for (QualifiedName shard : entry.getValue()) {
          sizes.put(
              shard,
              data.tableSize(remote.get(shard)).map(TableData.TableSize::totalBytes).orElse(0L));
        }
      }
    }
    return plan(table, by, eligible, placement, sizes);
  }

  /** The greedy plan over known placements and sizes (no server is read). */
  static Plan plan(
      QualifiedName table,
      By by,
      Set<String> eligible,
      Map<QualifiedName, String> placement,
      Map<QualifiedName, Long> sizes) {
    Map<QualifiedName, String> where = new LinkedHashMap<>(placement);
    Map<String, Long> load = new LinkedHashMap<>();
    eligible.forEach(server -> load.put(server, 0L));
    where.forEach((shard, server) -> load.merge(server, weight(by, sizes, shard), Long::sum));
    Map<String, Long> before = new LinkedHashMap<>(load);
    List<Move> moves = new ArrayList<>();
    long total = where.keySet().stream().mapToLong(shard -> weight(by, sizes, shard)).sum();
    double mean = (double) total / eligible.size();
    long lowerBound = 0;
    for (Map.Entry<String, Long> entry : load.entrySet()) {
      lowerBound +=
          eligible.contains(entry.getKey())
              ? (long) Math.max(0, Math.ceil(entry.getValue() - mean))
              : entry.getValue();
    }
    // Shards on servers outside shards_on go first, each to the emptiest eligible server.
    List<QualifiedName> stranded =
        where.entrySet().stream()
            .filter(e -> !eligible.contains(e.getValue()))
            .map(Map.Entry::getKey)
            .sorted(
                Comparator.comparingLong((QualifiedName s) -> sizes.getOrDefault(s, 0L)).reversed())
            .toList();
    for (QualifiedName shard : stranded) {
      String to = emptiest(load, eligible);
      move(moves, where, load, by, sizes, shard, to);
    }
    // Then the fullest server gives its best-fitting shard to the emptiest, while that helps.
    for (int guard = 0; guard < 10_000; guard++) {
      String fullest = fullest(load, eligible);
      String emptiest = emptiest(load, eligible);
      long gap = load.get(fullest) - load.get(emptiest);
      QualifiedName best = null;
      long bestRemaining = gap;
      for (Map.Entry<QualifiedName, String> entry : where.entrySet()) {
        if (!entry.getValue().equals(fullest)) {
          continue;
        }
        long weight = weight(by, sizes, entry.getKey());
        // Moving w turns the two servers' gap g into |g - 2w|: it helps only when 0 < w < g, and
        // most when w is nearest g / 2.
        long remaining = Math.abs(gap - 2 * weight);
        if (weight > 0 && remaining < bestRemaining) {
          best = entry.getKey();
          bestRemaining = remaining;
        }
      }
      if (best == null) {
        break;
      }
      move(moves, where, load, by, sizes, best, emptiest);
    }
    long bytesMoved = moves.stream().mapToLong(Move::bytes).sum();
    Map<String, Long> after = new LinkedHashMap<>(load);
    after.entrySet().removeIf(e -> !eligible.contains(e.getKey()) && e.getValue() == 0);
    return new Plan(table, by, moves, before, after, bytesMoved, lowerBound);
  }

  private static void move(
      List<Move> moves,
      Map<QualifiedName, String> where,
      Map<String, Long> load,
      By by,
      Map<QualifiedName, Long> sizes,
      QualifiedName shard,
      String to) {
    String from = where.get(shard);
    long weight = weight(by, sizes, shard);
    load.merge(from, -weight, Long::sum);
    load.merge(to, weight, Long::sum);
    where.put(shard, to);
    moves.add(new Move(shard, from, to, sizes.getOrDefault(shard, 0L)));
  }

  private static long weight(By by, Map<QualifiedName, Long> sizes, QualifiedName shard) {
    return by == By.COUNT ? 1 : sizes.getOrDefault(shard, 0L);
  }

  private static String emptiest(Map<String, Long> load, Set<String> eligible) {
    return eligible.stream().min(Comparator.comparingLong(load::get)).orElseThrow();
  }

  private static String fullest(Map<String, Long> load, Set<String> eligible) {
    return eligible.stream().max(Comparator.comparingLong(load::get)).orElseThrow();
  }
}
