package dev.strata.plan;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionBound;
import dev.strata.catalog.PartitionStrategy;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.TableData;
import dev.strata.catalog.Tier;
import dev.strata.config.Placement;
import dev.strata.config.StrataConfig;
import dev.strata.config.TableConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.PartitionNames;
import dev.strata.operation.RangeBounds;
import dev.strata.sql.QualifiedName;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares the configured lifecycle policies with the catalog and the journal at a given instant
 * and lists what {@code strata apply} must do, each with a reason. It reads only: {@code strata
 * plan} never changes anything (it does not even create Strata's own schema).
 *
 * <p>Decisions are made on whole ranges: a partition is archived only when its upper bound is at or
 * before {@code now - hot}, retired only when its upper bound is at or before {@code now -
 * retention}; a partition that straddles a cutoff is kept where it is. Future partitions follow the
 * clock, not the newest row. After missed runs one plan catches up on everything that is due,
 * oldest first.
 */
public final class LifecyclePlanner {
  /** More periods than this in a default partition is reported, not planned row by row. */
  private static final int MAX_DEFAULT_PERIODS = 500;

  private final StrataConfig config;
  private final Connections connections;

  public LifecyclePlanner(Connections connections) {
    this.connections = connections;
    this.config = connections.config();
  }

  /** A range partition with its bounds as instants (empty for MINVALUE/MAXVALUE). */
  private record Span(
      Partition partition, Optional<LocalDateTime> from, Optional<LocalDateTime> to) {
    boolean overlaps(LocalDateTime start, LocalDateTime end) {
      boolean startsBeforeEnd = from.map(f -> f.isBefore(end)).orElse(true);
      boolean endsAfterStart = to.map(t -> t.isAfter(start)).orElse(true);
      return startsBeforeEnd && endsAfterStart;
    }

    boolean equals(LocalDateTime start, LocalDateTime end) {
      return from.equals(Optional.of(start)) && to.equals(Optional.of(end));
    }
  }

  public LifecyclePlan plan(LocalDateTime now) {
    List<LifecycleAction> actions = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      CatalogReader catalog = new CatalogReader(coordinator);
      JournalView journal = JournalView.read(coordinator);
      Set<String> placementTargets = new TreeSet<>();
      config
          .tables()
          .values()
          .forEach(t -> t.archiveTo().ifPresent(p -> placementTargets.addAll(p.servers())));
      Map<String, Integer> foreignPartitionsByServer =
          new CatalogReader(coordinator).foreignPartitionsByServer();
      Set<String> decommissioned = new TreeSet<>(journal.retiredServers());
      decommissioned.removeIf(
          server ->
              foreignPartitionsByServer.getOrDefault(server, 0) > 0
                  || placementTargets.contains(server));

      ForeignServerPlanner.plan(config, catalog, decommissioned)
          .forEach(a -> actions.add(new LifecycleAction.ServerSetup(a)));
      journal.unfinished().forEach(op -> actions.add(op));

      List<LifecycleAction> shards = new ArrayList<>();
      for (TableConfig table : config.tables().values()) {
        if (table.sharded() && table.partitionBy().isEmpty()) {
          dev.strata.shard.ShardPlanner.TablePlan shardPlan =
              new dev.strata.shard.ShardPlanner(connections).plan(table, coordinator);
          shardPlan.shards().forEach(s -> shards.add(new LifecycleAction.ShardChange("shard", s)));
          warnings.addAll(shardPlan.warnings());
        } else if (table.sharded()) {
          planShardedPeriods(table, catalog, coordinator, now, shards, warnings);
        }
      }
      actions.addAll(shards);
      List<LifecycleAction> moves = new ArrayList<>();
      List<LifecycleAction> premakes = new ArrayList<>();
      List<LifecycleAction.Archive> archives = new ArrayList<>();
      List<LifecycleAction.Retire> retires = new ArrayList<>();
      Set<QualifiedName> busy = new HashSet<>();
      journal.unfinished().forEach(op -> busy.add(((LifecycleAction.Resume) op).partition()));
      for (TableConfig table : config.tables().values()) {
        if (table.sharded()) {
          continue;
        }
        planTable(table, catalog, coordinator, now, moves, premakes, archives, retires, warnings);
      }
      // A partition with an unfinished operation is only resumed in this run; the next plan
      // decides what else it needs, from the state the resume leaves.
      archives.removeIf(a -> busy.contains(a.partition()));
      retires.removeIf(r -> busy.contains(r.partition()));
      actions.addAll(moves);
      actions.addAll(premakes);
      actions.addAll(archives);
      actions.addAll(retires);
      journal.dueCleanups(now).forEach(actions::add);

      // Decommission: servers that nothing will use once this plan has run.
      Map<String, Integer> remaining = new HashMap<>(foreignPartitionsByServer);
      Set<String> retiredNow = new HashSet<>();
      for (LifecycleAction.Retire retire : retires) {
        if (!retire.tier().equals("local")) {
          remaining.merge(retire.tier(), -1, Integer::sum);
          retiredNow.add(retire.tier());
        }
      }
      // A retire resumed in this run removes its foreign partition too.
      List<QualifiedName> resumedRetires =
          journal.unfinished().stream()
              .map(op -> (LifecycleAction.Resume) op)
              .filter(op -> op.operationKind().equals("retire"))
              .map(LifecycleAction.Resume::partition)
              .toList();
      catalog
          .foreignTableServers(resumedRetires)
          .values()
          .forEach(
              server -> {
                remaining.merge(server, -1, Integer::sum);
                retiredNow.add(server);
              });
      boolean anyDecommission =
          config.tables().values().stream().anyMatch(TableConfig::decommission);
      if (anyDecommission) {
        Set<String> existing = new TreeSet<>();
        catalog.server().foreignServers().forEach(s -> existing.add(s.name()));
        for (String server : config.servers().keySet()) {
          boolean retiredThere =
              retiredNow.contains(server) || journal.retiredServers().contains(server);
          if (existing.contains(server)
              && retiredThere
              && remaining.getOrDefault(server, 0) <= 0
              && !placementTargets.contains(server)) {
            List<String> users =
                catalog.server().userMappings().stream()
                    .filter(m -> m.server().equals(server))
                    .map(m -> m.localUser())
                    .toList();
            actions.add(
                new LifecycleAction.Decommission(
                    server,
                    users,
                    "no partition uses it once retired partitions are gone, and no archive_to names it"));
          }
        }
      }
      dev.strata.mirror.MirrorPlanner.Plan mirrors =
          new dev.strata.mirror.MirrorPlanner(connections).plan(coordinator);
      mirrors.changes().forEach(change -> actions.add(new LifecycleAction.MirrorChange(change)));
      warnings.addAll(mirrors.warnings());
    }
    return new LifecyclePlan(now, actions, warnings);
  }

  /**
   * A table partitioned by time whose every period is sharded: the lifecycle decides which periods
   * to premake and retire, as for any table; each new period is created partitioned by the shard
   * key, with its shards, in one action, and a retired period goes with every shard of it. An
   * existing period missing shards gets them.
   */
  private void planShardedPeriods(
      TableConfig table,
      CatalogReader catalog,
      Database coordinator,
      LocalDateTime now,
      List<LifecycleAction> out,
      List<String> warnings) {
    List<LifecycleAction> moves = new ArrayList<>();
    List<LifecycleAction> premakes = new ArrayList<>();
    List<LifecycleAction.Archive> archives = new ArrayList<>();
    List<LifecycleAction.Retire> retires = new ArrayList<>();
    int warned = warnings.size();
    planTable(table, catalog, coordinator, now, moves, premakes, archives, retires, warnings);
    PartitionedTable parent;
    try {
      parent = catalog.partitionedTable(table.name());
    } catch (StrataException e) {
      return;
    }
    if (warnings.size() > warned && premakes.isEmpty() && retires.isEmpty()) {
      return;
    }
    dev.strata.config.ShardBy shardBy = table.shardBy().orElseThrow();
    dev.strata.shard.ShardPlanner planner = new dev.strata.shard.ShardPlanner(connections);
    Set<QualifiedName> retiring = new HashSet<>();
    retires.forEach(r -> retiring.add(r.partition()));
    for (Partition period : parent.partitions()) {
      if (period.isDefault() || retiring.contains(period.name())) {
        continue;
      }
      if (!period.subPartitioned()) {
        warnings.add(
            period.name().display()
                + " is not partitioned by "
                + shardBy.column()
                + ", so its rows are not sharded; only periods Strata creates are");
        continue;
      }
      dev.strata.shard.ShardPlanner.TablePlan shards =
          planner.plan(periodConfig(table, period.name()), coordinator);
      shards.shards().forEach(s -> out.add(new LifecycleAction.ShardChange("shard", s)));
      warnings.addAll(shards.warnings());
    }
    out.addAll(moves);
    for (LifecycleAction action : premakes) {
      LifecycleAction.CreatePartition create = (LifecycleAction.CreatePartition) action;
      PartitionStrategy strategy =
          shardBy.method() == dev.strata.config.ShardBy.Method.HASH
              ? PartitionStrategy.HASH
              : PartitionStrategy.LIST;
      PartitionedTable period =
          new PartitionedTable(
              create.partition(),
              strategy,
              List.of(shardBy.column()),
              strategy.name() + " (" + shardBy.column() + ")",
              parent.columns(),
              List.of(),
              List.of());
      dev.strata.shard.ShardPlanner.TablePlan shards =
          planner.plan(periodConfig(table, create.partition()), coordinator, Optional.of(period));
      warnings.addAll(shards.warnings());
      List<dev.strata.shard.ServerStatements> steps = new ArrayList<>();
      steps.add(
          dev.strata.shard.ServerStatements.of(
              Connections.COORDINATOR,
              List.of(
                  "CREATE TABLE "
                      + create.partition().quoted()
                      + " PARTITION OF "
                      + table.name().quoted()
                      + " "
                      + create.bounds().toSql()
                      + " PARTITION BY "
                      + strategy.name()
                      + " ("
                      + dev.strata.sql.Identifiers.quote(shardBy.column())
                      + ")")));
      shards.shards().forEach(s -> steps.addAll(s.steps()));
      out.add(
          new LifecycleAction.ShardChange(
              "premake",
              new dev.strata.shard.ShardSetup(
                  table.name(),
                  create.partition(),
                  Connections.COORDINATOR,
                  "create "
                      + create.partition().display()
                      + " "
                      + create.bounds()
                      + " with its "
                      + shards.shards().stream()
                          .filter(s -> !s.server().equals(Connections.COORDINATOR))
                          .count()
                      + " shards",
                  steps,
                  create.reason())));
    }
    for (LifecycleAction.Retire retire : retires) {
      dev.strata.shard.ShardedPeriods.retire(
              connections, catalog, table, retire.partition(), retire.reason(), warnings)
          .ifPresent(setup -> out.add(new LifecycleAction.ShardChange("retire", setup)));
    }
  }

  /** The config of one period of a time-partitioned sharded table, as its shards' parent. */
  private static TableConfig periodConfig(TableConfig table, QualifiedName period) {
    return new TableConfig(
        period,
        Optional.empty(),
        0,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        false,
        false,
        java.time.Duration.ZERO,
        table.shardBy(),
        table.shardsOn());
  }

  private void planTable(
      TableConfig table,
      CatalogReader catalog,
      Database coordinator,
      LocalDateTime now,
      List<LifecycleAction> moves,
      List<LifecycleAction> premakes,
      List<LifecycleAction.Archive> archives,
      List<LifecycleAction.Retire> retires,
      List<String> warnings) {
    QualifiedName name = table.name();
    PartitionedTable parent;
    try {
      parent = catalog.partitionedTable(name);
    } catch (StrataException e) {
      warnings.add(name.display() + ": " + e.getMessage() + "; its policy is skipped");
      return;
    }
    if (parent.strategy() != PartitionStrategy.RANGE || parent.keyColumns().size() != 1) {
      warnings.add(
          name.display()
              + " is partitioned by "
              + parent.keyDefinition()
              + "; policies need a range key on one column");
      return;
    }
    Optional<Column> keyColumn = parent.column(parent.keyColumns().get(0));
    if (keyColumn.isEmpty() || !keyColumn.get().name().equals(table.range().column())) {
      warnings.add(
          name.display()
              + " is partitioned by "
              + parent.keyDefinition()
              + ", but the config says partition_by.column: "
              + table.range().column());
      return;
    }
    Column key = keyColumn.get();
    if (!Periods.isTimeType(key.type())) {
      warnings.add(
          name.display()
              + ": key column "
              + key.name()
              + " is "
              + key.type()
              + "; interval policies need a date or timestamp key");
      return;
    }
    var interval = table.range().interval();
    List<Span> spans = new ArrayList<>();
    Optional<Partition> defaultPartition = Optional.empty();
    for (Partition partition : parent.partitions()) {
      if (partition.isDefault()) {
        defaultPartition = Optional.of(partition);
      } else if (partition.bound() instanceof PartitionBound.Range range) {
        spans.add(new Span(partition, instant(range.from().get(0)), instant(range.to().get(0))));
      }
    }
    List<Span> planned = new ArrayList<>();

    // Rows stranded in the default partition, one period at a time.
    if (defaultPartition.isPresent()) {
      QualifiedName defaultName = defaultPartition.get().name();
      Optional<LocalDateTime> cursor = minimumKey(coordinator, defaultName, key, Optional.empty());
      int periods = 0;
      while (cursor.isPresent()) {
        LocalDateTime start = Periods.periodStart(cursor.get(), interval);
        LocalDateTime end = Periods.plus(start, interval, 1);
        if (++periods > MAX_DEFAULT_PERIODS) {
          warnings.add(
              defaultName.display()
                  + " holds rows in more than "
                  + MAX_DEFAULT_PERIODS
                  + " periods; only the first are planned");
          break;
        }
        boolean clash = spans.stream().anyMatch(s -> s.overlaps(start, end));
        if (clash) {
          warnings.add(
              defaultName.display()
                  + " holds rows from "
                  + start
                  + " to "
                  + end
                  + ", but a partition with other bounds overlaps that period; move them by hand");
        } else {
          RangeBounds bounds = bounds(start, end, key);
          long rows = countBetween(coordinator, defaultName, key, start, end);
          QualifiedName target = PartitionNames.forRange(name, bounds.from(), bounds.to());
          moves.add(
              new LifecycleAction.MoveDefaultRows(
                  name,
                  defaultName,
                  target,
                  bounds,
                  rows,
                  rows
                      + " rows in the default partition belong to "
                      + Periods.label(start, interval)));
          planned.add(new Span(null, Optional.of(start), Optional.of(end)));
        }
        cursor = minimumKey(coordinator, defaultName, key, Optional.of(end));
      }
    }

    // Premake by the clock: the current period and the next `premake` ones; after missed runs,
    // also the periods between the newest partition and now, so rows for them have a home.
    LocalDateTime current = Periods.periodStart(now, interval);
    Optional<LocalDateTime> newestEnd =
        spans.stream().map(Span::to).flatMap(Optional::stream).max(LocalDateTime::compareTo);
    // Only periods that would still be hot: creating partitions only to archive them empty helps
    // nobody, and a long outage would otherwise create a partition per missed period.
    LocalDateTime hotCutoff =
        table.hot().map(hot -> Periods.minus(now, hot)).orElse(LocalDateTime.MIN);
    int missed = 0;
    if (newestEnd.isPresent()
        && newestEnd.get().isBefore(current)
        && Periods.periodStart(newestEnd.get(), interval).equals(newestEnd.get())) {
      LocalDateTime cursor = current;
      while (Periods.plus(cursor, interval, -1).compareTo(newestEnd.get()) >= 0
          && cursor.isAfter(hotCutoff)
          && missed < MAX_DEFAULT_PERIODS) {
        cursor = Periods.plus(cursor, interval, -1);
        missed++;
      }
    }
    for (int i = -missed; i <= table.premake(); i++) {
      LocalDateTime start = Periods.plus(current, interval, i);
      LocalDateTime end = Periods.plus(start, interval, 1);
      if (planned.stream().anyMatch(s -> s.overlaps(start, end))) {
        continue;
      }
      Optional<Span> overlapping = spans.stream().filter(s -> s.overlaps(start, end)).findFirst();
      if (overlapping.isPresent()) {
        if (!overlapping.get().equals(start, end)) {
          warnings.add(
              name.display()
                  + ": period "
                  + Periods.label(start, interval)
                  + " overlaps "
                  + overlapping.get().partition().name().display()
                  + ", whose bounds are not on "
                  + interval
                  + " boundaries; not premade");
        }
        continue;
      }
      RangeBounds bounds = bounds(start, end, key);
      premakes.add(
          new LifecycleAction.CreatePartition(
              name,
              PartitionNames.forRange(name, bounds.from(), bounds.to()),
              bounds,
              i < 0
                  ? "missed period "
                      + Periods.label(start, interval)
                      + " between the newest partition and now"
                  : i == 0
                      ? "current period " + Periods.label(start, interval) + " has no partition"
                      : "premake "
                          + table.premake()
                          + ": future period "
                          + Periods.label(start, interval)));
    }

    // Retire: whole range older than retention, oldest first, never the last partition.
    Set<QualifiedName> retiring = new HashSet<>();
    if (table.retention().isPresent()) {
      LocalDateTime cutoff = Periods.minus(now, table.retention().get());
      int remaining =
          spans.size()
              + planned.size()
              + (int)
                  premakes.stream()
                      .filter(p -> ((LifecycleAction.CreatePartition) p).table().equals(name))
                      .count();
      for (Span span : sortedByStart(spans)) {
        if (span.to().isEmpty() || span.to().get().isAfter(cutoff)) {
          continue;
        }
        if (remaining <= 1) {
          warnings.add(
              name.display()
                  + ": "
                  + span.partition().name().display()
                  + " is past retention but is the last partition; kept");
          break;
        }
        remaining--;
        retiring.add(span.partition().name());
        retires.add(
            new LifecycleAction.Retire(
                name,
                span.partition().name(),
                span.partition().tier().label(),
                table.exportBeforeRetire(),
                cutoff,
                "ends "
                    + Periods.display(span.to().get())
                    + ", at or before now - retention ("
                    + table.retention().get()
                    + ") = "
                    + Periods.display(cutoff)));
      }
    }

    // Archive: local partitions whose whole range is older than hot.
    if (table.hot().isPresent() && table.archiveTo().isPresent()) {
      LocalDateTime cutoff = Periods.minus(now, table.hot().get());
      List<Span> due = new ArrayList<>();
      for (Span span : sortedByStart(spans)) {
        Partition partition = span.partition();
        if (partition.isLocal()
            && !partition.subPartitioned()
            && !retiring.contains(partition.name())
            && span.to().isPresent()
            && !span.to().get().isAfter(cutoff)) {
          due.add(span);
        }
      }
      if (!due.isEmpty() && !parent.uniqueIndexes().isEmpty()) {
        warnings.add(
            name.display()
                + " has a primary key or unique index ("
                + String.join(", ", parent.uniqueIndexes())
                + "): "
                + due.size()
                + " partitions are due for archiving but PostgreSQL cannot attach foreign partitions to it;"
                + " drop the constraint on the parent and keep unique indexes on the partitions");
      } else {
        Placements placements = new Placements(table.archiveTo().get(), interval, parent, this);
        for (Span span : due) {
          Optional<String> server = placements.choose(span, warnings);
          server.ifPresent(
              s ->
                  archives.add(
                      new LifecycleAction.Archive(
                          name,
                          span.partition().name(),
                          s,
                          "ends "
                              + Periods.display(span.to().get())
                              + ", at or before now - hot ("
                              + table.hot().get()
                              + ") = "
                              + Periods.display(cutoff))));
        }
      }
    }
  }

  private static List<Span> sortedByStart(List<Span> spans) {
    List<Span> sorted = new ArrayList<>(spans);
    sorted.sort(java.util.Comparator.comparing(span -> span.from().orElse(LocalDateTime.MIN)));
    return sorted;
  }

  private static Optional<LocalDateTime> instant(PartitionBound.BoundValue value) {
    if (value.isMinValue() || value.isMaxValue()) {
      return Optional.empty();
    }
    return Periods.parseBound(value.text());
  }

  private static RangeBounds bounds(LocalDateTime start, LocalDateTime end, Column key) {
    return new RangeBounds(
        Periods.boundText(start, key.type()), Periods.boundText(end, key.type()), key);
  }

  private static Optional<LocalDateTime> minimumKey(
      Database db, QualifiedName table, Column key, Optional<LocalDateTime> from) {
    return new TableData(db)
        .minimumKey(table, key, from.map(f -> Periods.boundText(f, key.type())))
        .flatMap(Periods::parseBound);
  }

  private static long countBetween(
      Database db, QualifiedName table, Column key, LocalDateTime start, LocalDateTime end) {
    return new TableData(db)
        .countBetween(
            table, key, Periods.boundText(start, key.type()), Periods.boundText(end, key.type()));
  }

  /** Measures how many bytes this table already keeps on a server (for fill placement). */
  long bytesOnServer(PartitionedTable parent, String server) {
    long total = 0;
    try (Database remote = new Database(server, connections.server(server))) {
      CatalogReader catalog = new CatalogReader(remote);
      for (Partition partition : parent.partitions()) {
        Optional<Tier.Foreign> foreign = partition.foreign();
        if (foreign.isPresent() && foreign.get().server().equals(server)) {
          total +=
              catalog
                  .data()
                  .tableSize(
                      QualifiedName.of(foreign.get().remoteSchema(), foreign.get().remoteTable()))
                  .map(TableData.TableSize::totalBytes)
                  .orElse(0L);
        }
      }
    }
    return total;
  }

  /** Chooses servers for archived partitions by the table's placement policy. */
  private static final class Placements {
    private final Placement placement;
    private final dev.strata.config.Interval interval;
    private final PartitionedTable parent;
    private final LifecyclePlanner planner;
    private final Map<String, Long> used = new LinkedHashMap<>();

    Placements(
        Placement placement,
        dev.strata.config.Interval interval,
        PartitionedTable parent,
        LifecyclePlanner planner) {
      this.placement = placement;
      this.interval = interval;
      this.parent = parent;
      this.planner = planner;
    }

    Optional<String> choose(Span span, List<String> warnings) {
      LocalDateTime start = span.from().orElse(span.to().orElseThrow());
      if (placement instanceof Placement.Single single) {
        return Optional.of(single.server());
      }
      if (placement instanceof Placement.RoundRobin roundRobin) {
        long ordinal = ordinal(start);
        return Optional.of(
            roundRobin
                .servers()
                .get((int) Math.floorMod(ordinal, (long) roundRobin.servers().size())));
      }
      if (placement instanceof Placement.ByPeriod byPeriod) {
        String label = Periods.label(start, interval);
        String server = byPeriod.serverByPeriod().get(label);
        if (server == null) {
          warnings.add(
              span.partition().name().display()
                  + " is due for archiving, but archive_to names no server for period "
                  + label
                  + "; not archived");
        }
        return Optional.ofNullable(server);
      }
      Placement.Fill fill = (Placement.Fill) placement;
      long size = span.partition().localSizeBytes().orElse(0L);
      for (String server : fill.servers()) {
        long current;
        try {
          current = used.computeIfAbsent(server, s -> planner.bytesOnServer(parent, s));
        } catch (StrataException e) {
          warnings.add(
              "cannot measure server " + server + " for fill placement: " + e.getMessage());
          continue;
        }
        if (current + size <= fill.maxBytesPerServer()) {
          used.put(server, current + size);
          return Optional.of(server);
        }
      }
      warnings.add(
          span.partition().name().display()
              + " is due for archiving, but every fill server would exceed max_size_per_server; not archived");
      return Optional.empty();
    }

    private long ordinal(LocalDateTime start) {
      return switch (interval.unit()) {
        case YEAR -> start.getYear() / interval.amount();
        case MONTH ->
            ((start.getYear() - 1970L) * 12 + start.getMonthValue() - 1) / interval.amount();
        default ->
            start.toEpochSecond(ZoneOffset.UTC) / Math.max(1, interval.approximateMinutes() * 60);
      };
    }
  }

  /** What the planner needs from the journal, read without creating Strata's schema. */
  private record JournalView(
      List<LifecycleAction> unfinished,
      List<SwappedOperation> swapped,
      Set<String> retiredServers) {
    record SwappedOperation(long id, QualifiedName partition, Optional<OffsetDateTime> dropAfter) {}

    static JournalView read(Database coordinator) {
      boolean exists =
          coordinator
              .queryOne(
                  "SELECT to_regclass('strata.operation') IS NOT NULL", row -> row.getBoolean(1))
              .orElse(false);
      if (!exists) {
        return new JournalView(List.of(), List.of(), Set.of());
      }
      List<LifecycleAction> unfinished =
          coordinator.query(
              """
              SELECT id, partition_schema, partition_name, kind, state FROM strata.operation
              WHERE state NOT IN ('done', 'aborted', 'swapped') ORDER BY id""",
              row ->
                  new LifecycleAction.Resume(
                      row.getLong(1),
                      QualifiedName.of(row.getString(2), row.getString(3)),
                      row.getString(4),
                      row.getString(5),
                      "unfinished; resumed before anything else touches the partition"));
      List<SwappedOperation> swapped =
          coordinator.query(
              "SELECT id, partition_schema, partition_name, drop_after FROM strata.operation WHERE state = 'swapped' ORDER BY id",
              row ->
                  new SwappedOperation(
                      row.getLong(1),
                      QualifiedName.of(row.getString(2), row.getString(3)),
                      Optional.ofNullable(row.getObject(4, OffsetDateTime.class))));
      Set<String> retired =
          new TreeSet<>(
              coordinator.query(
                  "SELECT DISTINCT server FROM strata.operation WHERE kind = 'retire' AND state = 'done'",
                  row -> row.getString(1)));
      return new JournalView(unfinished, swapped, retired);
    }

    List<LifecycleAction> dueCleanups(LocalDateTime now) {
      List<LifecycleAction> due = new ArrayList<>();
      for (SwappedOperation operation : swapped) {
        boolean isDue =
            operation
                .dropAfter()
                .map(at -> !at.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime().isAfter(now))
                .orElse(true);
        if (isDue) {
          due.add(
              new LifecycleAction.Cleanup(
                  operation.id(),
                  operation.partition(),
                  "grace period ended " + operation.dropAfter().map(Object::toString).orElse("")));
        }
      }
      return due;
    }
  }
}
