package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionBound;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.Tier;
import dev.strata.config.ServerConfig;
import dev.strata.config.StrataConfig;
import dev.strata.config.TableConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.verify.ColumnHash;
import dev.strata.verify.Fingerprints;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Pre-flight checks of each kind of move (P0: everything that can be known before anything changes)
 * and the {@link MoveContext} its steps are planned from. The kind of move decides the source and
 * the target here; the steps never ask which kind they serve.
 */
final class MovePlanner {
  private final Connections connections;
  private final StrataConfig config;

  MovePlanner(Connections connections) {
    this.connections = connections;
    this.config = connections.config();
  }

  /** What a pre-flight found: the parent, the partition, and the operation to record. */
  record Checked(PartitionedTable parent, Partition partition, Operation operation) {}

  // ---------------------------------------------------------------- pre-flight

  /**
   * P0 of an archive of a local partition to {@code server}; {@code id} names what it creates.
   * {@code serverCreatedFirst}: the foreign server does not exist yet, and an earlier action of the
   * same plan creates it (a lifecycle plan rendered before it runs).
   */
  Checked preflightArchive(
      Database control,
      QualifiedName table,
      QualifiedName partitionName,
      String server,
      int jobs,
      long id,
      boolean serverCreatedFirst) {
    ServerConfig target = config.server(server);
    CatalogReader catalog = new CatalogReader(control);
    PartitionedTable parent = catalog.partitionedTable(table);
    Partition partition = requirePartition(parent, partitionName);
    if (partition.isDefault()) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          partitionName.display() + " is the default partition; it has no range to archive",
          "move its rows into proper range partitions first; only range partitions can be archived");
    }
    if (!partition.isLocal()) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          partitionName.display() + " is already archived on server " + partition.tier().label(),
          "`strata restore "
              + table.display()
              + " "
              + partitionName.display()
              + "` brings it back");
    }
    if (partition.subPartitioned()) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          partitionName.display() + " is itself partitioned; archive its partitions instead",
          null);
    }
    keyColumn(parent);
    PartitionManager.refuseUniqueIndexes(parent);
    refuseGeneratedColumns(catalog, parent, partitionName);
    if (!serverCreatedFirst) {
      requireForeignServer(catalog, target.name());
    }
    QualifiedName remoteTable = partitionName;
    try (Database remote = open(target.name())) {
      CatalogReader remoteCatalog = new CatalogReader(remote);
      refuseOnServer(catalog, partitionName, remoteCatalog, remoteTable, server);
    }
    Operation operation =
        Journal.draft(
            id,
            OperationKind.ARCHIVE,
            parent.name(),
            partitionName,
            partition.bound().expression(),
            server,
            remoteTable,
            Math.max(1, jobs),
            false,
            Optional.empty(),
            Optional.empty());
    return new Checked(parent, partition, operation);
  }

  /** P0 of a restore of a foreign partition into a local one. */
  Checked preflightRestore(
      Database control,
      QualifiedName table,
      QualifiedName partitionName,
      boolean keepRemote,
      int jobs,
      long id) {
    CatalogReader catalog = new CatalogReader(control);
    PartitionedTable parent = catalog.partitionedTable(table);
    Partition partition = requirePartition(parent, partitionName);
    Tier.Foreign foreign =
        partition
            .foreign()
            .orElseThrow(
                () ->
                    new StrataException(
                        ErrorCode.INVALID_TARGET,
                        partitionName.display() + " is already local; there is nothing to restore",
                        "`strata status " + table.display() + "` shows each partition's tier"));
    keyColumn(parent);
    ServerConfig server = config.server(foreign.server());
    QualifiedName remoteTable = QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable());
    try (Database remote = open(server.name())) {
      CatalogReader remoteCatalog = new CatalogReader(remote);
      requireRemoteTable(remoteCatalog, remoteTable, partitionName, server.name());
      refuseMissingDependencies(remoteCatalog, remoteTable, catalog, "the coordinator");
      refuseTakenIndexNames(
          remoteCatalog, remoteTable, catalog, partitionName.schema(), "the coordinator");
    }
    Operation operation =
        Journal.draft(
            id,
            OperationKind.RESTORE,
            parent.name(),
            partitionName,
            partition.bound().expression(),
            server.name(),
            remoteTable,
            Math.max(1, jobs),
            keepRemote,
            Optional.empty(),
            Optional.empty());
    return new Checked(parent, partition, operation);
  }

  /** P0 of a move of a foreign partition's rows from its server to {@code server}. */
  Checked preflightMove(
      Database control,
      QualifiedName table,
      QualifiedName partitionName,
      String server,
      int jobs,
      long id) {
    ServerConfig target = config.server(server);
    CatalogReader catalog = new CatalogReader(control);
    PartitionedTable parent = catalog.partitionedTable(table);
    Partition partition = requirePartition(parent, partitionName);
    Tier.Foreign foreign =
        partition
            .foreign()
            .orElseThrow(
                () ->
                    new StrataException(
                        ErrorCode.INVALID_TARGET,
                        partitionName.display()
                            + " is local; `strata move` moves archived partitions between servers",
                        "`strata archive "
                            + table.display()
                            + " "
                            + partitionName.display()
                            + " --to "
                            + server
                            + "` moves a local one"));
    keyColumn(parent);
    refuseGeneratedColumns(catalog, parent, partitionName);
    requireForeignServer(catalog, server);
    ServerConfig source = config.server(foreign.server());
    QualifiedName sourceTable = QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable());
    QualifiedName targetTable = sourceTable;
    try (Database from = open(source.name());
        Database to = open(target.name())) {
      CatalogReader fromCatalog = new CatalogReader(from);
      CatalogReader toCatalog = new CatalogReader(to);
      requireRemoteTable(fromCatalog, sourceTable, partitionName, source.name());
      refuseOnServer(fromCatalog, sourceTable, toCatalog, targetTable, server);
    }
    Operation operation =
        Journal.draft(
            id,
            OperationKind.MOVE,
            parent.name(),
            partitionName,
            partition.bound().expression(),
            server,
            targetTable,
            Math.max(1, jobs),
            false,
            Optional.of(source.name()),
            Optional.of(sourceTable));
    return new Checked(parent, partition, operation);
  }

  // ---------------------------------------------------------------- context

  /**
   * The context {@code operation}'s steps are planned from: its source and target by its kind, and
   * facts read now from the coordinator and the servers (columns, bounds, indexes, sizes).
   */
  MoveContext context(Database control, Operation operation) {
    CatalogReader coordinator = new CatalogReader(control);
    PartitionedTable parent = coordinator.partitionedTable(operation.parent());
    Column key = keyColumn(parent);
    PartitionBound bound = PartitionBound.parse(operation.bound());
    if (!(bound instanceof PartitionBound.Range range)) {
      throw new StrataException(
          ErrorCode.INTERNAL,
          "operation " + operation.id() + " has a non-range bound " + operation.bound());
    }
    RangeBounds bounds = RangeBounds.of(range, key);
    Source source;
    Target target;
    List<String> indexes;
    long pages;
    switch (operation.kind()) {
      case ARCHIVE -> {
        source = new LocalSource(operation.partition());
        target = new RemoteTarget(operation.server(), operation.remoteTable());
        indexes = indexesOn(coordinator, operation.partition(), operation.remoteTable());
        pages = coordinator.data().pages(operation.partition());
      }
      case RESTORE -> {
        try (Database remote = open(operation.server())) {
          CatalogReader remoteCatalog = new CatalogReader(remote);
          source =
              new RemoteSource(
                  operation.server(),
                  operation.remoteTable(),
                  coordinator.foreignTableHasOption(operation.partition(), "updatable"),
                  createdByStrata(remoteCatalog, operation.remoteTable()));
          indexes = indexesOn(remoteCatalog, operation.remoteTable(), operation.stagingName());
          pages = remoteCatalog.data().pages(operation.remoteTable());
        }
        target = new LocalTarget(operation.stagingName());
      }
      case MOVE -> {
        String from = operation.fromServer().orElseThrow();
        QualifiedName fromTable = operation.fromTable().orElseThrow();
        try (Database remote = open(from)) {
          CatalogReader remoteCatalog = new CatalogReader(remote);
          source =
              new RemoteSource(
                  from,
                  fromTable,
                  coordinator.foreignTableHasOption(operation.partition(), "updatable"),
                  createdByStrata(remoteCatalog, fromTable));
          indexes = indexesOn(remoteCatalog, fromTable, operation.remoteTable());
          pages = remoteCatalog.data().pages(fromTable);
        }
        target = new RemoteTarget(operation.server(), operation.remoteTable());
      }
      default ->
          throw new StrataException(
              ErrorCode.INTERNAL, "operation " + operation.id() + " is not a move");
    }
    Optional<TableConfig> table = config.findTable(operation.parent());
    boolean updatable = table.map(TableConfig::archivedUpdatable).orElse(false);
    String server = target.server().equals(Connections.COORDINATOR) ? null : target.server();
    MoveContext.Settings settings =
        new MoveContext.Settings(
            config.timeouts(),
            swapLockTimeout(),
            operation.kind() == OperationKind.ARCHIVE
                ? table.map(TableConfig::detachedGrace).orElse(Duration.ZERO)
                : Duration.ZERO,
            updatable,
            server == null ? "" : config.server(server).mapping().user(),
            server == null ? "" : config.server(server).connection().user());
    return new MoveContext(
        operation,
        parent.columns(),
        bounds,
        bound,
        source,
        target,
        indexes,
        operation
            .checksumForm()
            .map(Fingerprints.Form::ofLabel)
            .orElseGet(() -> form(control, coordinator, parent, source.server(), target.server())),
        pages,
        () -> coordinator.ownership(operation.partition()),
        settings);
  }

  /**
   * How a move that has not copied yet fingerprints rows: in the columns form when every column's
   * type has a {@link ColumnHash}, no column has a collation that might be nondeterministic, and
   * both servers hash sample values exactly as Strata does (so the relay can hash the source as it
   * streams it); otherwise hashed in SQL by record (or by text, for types without an extended hash
   * function).
   */
  private Fingerprints.Form form(
      Database control,
      CatalogReader coordinator,
      PartitionedTable parent,
      String sourceServer,
      String targetServer) {
    Optional<List<ColumnHash>> hashes = ColumnHash.forColumns(parent.columns());
    if (hashes.isPresent() && coordinator.columnsWithOtherCollations(parent.name()).isEmpty()) {
      boolean agree = true;
      for (String server : new java.util.LinkedHashSet<>(List.of(sourceServer, targetServer))) {
        if (server.equals(Connections.COORDINATOR)) {
          agree &= Fingerprints.streamHashingAgrees(control, hashes.get());
        } else {
          try (Database remote = open(server)) {
            agree &= Fingerprints.streamHashingAgrees(remote, hashes.get());
          }
        }
      }
      if (agree) {
        return Fingerprints.Form.COLUMNS;
      }
    }
    return Fingerprints.formFor(control, parent.columns());
  }

  /** The swap's lock timeout: {@code timeouts.lock}, at most 40 ms (docs/decisions.md). */
  Duration swapLockTimeout() {
    Duration configured = config.timeouts().lock();
    Duration cap = Duration.ofMillis(40);
    return configured.compareTo(cap) < 0 ? configured : cap;
  }

  private static List<String> indexesOn(
      CatalogReader source, QualifiedName table, QualifiedName target) {
    return source.indexes(table).stream()
        .map(index -> MoveStatements.indexOn(target, index))
        .toList();
  }

  private static boolean createdByStrata(CatalogReader catalog, QualifiedName table) {
    return catalog
        .tableComment(table)
        .map(tag -> tag.startsWith("strata:operation:"))
        .orElse(false);
  }

  Database open(String server) {
    return server.equals(Connections.COORDINATOR)
        ? new Database(Connections.COORDINATOR, connections.coordinator())
        : new Database(server, connections.server(server));
  }

  // ---------------------------------------------------------------- checks

  static Partition requirePartition(PartitionedTable parent, QualifiedName partitionName) {
    return parent
        .partition(partitionName)
        .orElseThrow(
            () ->
                new StrataException(
                    ErrorCode.INVALID_TARGET,
                    partitionName.display() + " is not a partition of " + parent.name().display(),
                    "partitions: "
                        + parent.partitions().stream()
                            .map(p -> p.name().display())
                            .collect(Collectors.joining(", "))));
  }

  static Column keyColumn(PartitionedTable parent) {
    if (parent.strategy() != dev.strata.catalog.PartitionStrategy.RANGE
        || parent.keyColumns().size() != 1) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          parent.name().display()
              + " is partitioned by "
              + parent.keyDefinition()
              + "; moves need a range key on one column",
          null);
    }
    return parent
        .column(parent.keyColumns().get(0))
        .orElseThrow(
            () ->
                new StrataException(
                    ErrorCode.INVALID_TARGET,
                    parent.name().display()
                        + " is partitioned by an expression; moves need a plain key column",
                    null));
  }

  private static void refuseGeneratedColumns(
      CatalogReader catalog, PartitionedTable parent, QualifiedName partitionName) {
    List<String> generated = catalog.generatedColumns(parent.name());
    if (!generated.isEmpty()) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          parent.name().display()
              + " has generated "
              + (generated.size() == 1 ? "column " : "columns ")
              + String.join(", ", generated)
              + ": PostgreSQL requires the same generated column in every partition, and Strata"
              + " does not yet create foreign partitions with generation expressions",
          "keep "
              + partitionName.display()
              + " where it is, or make the column an ordinary one (ALTER TABLE "
              + parent.name().quoted()
              + " ALTER COLUMN ... DROP EXPRESSION keeps its values). Nothing was changed.");
    }
  }

  private static void requireForeignServer(CatalogReader catalog, String server) {
    if (catalog.server().foreignServer(server).isEmpty()) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "foreign server " + server + " does not exist on the coordinator yet",
          "run `strata apply` first: it creates the foreign servers and user mappings from the"
              + " config. Nothing was changed.");
    }
  }

  private static void requireRemoteTable(
      CatalogReader remote, QualifiedName table, QualifiedName partition, String server) {
    if (remote.tableColumns(table).isEmpty()) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "remote table "
              + table.display()
              + " of "
              + partition.display()
              + " does not exist on server "
              + server,
          "its rows cannot be moved from there. Nothing was changed.");
    }
  }

  /**
   * What the copy on {@code server} needs there: every type, function and collation the source's
   * columns and indexes use, and the table's and its indexes' names free.
   */
  private static void refuseOnServer(
      CatalogReader source,
      QualifiedName sourceTable,
      CatalogReader target,
      QualifiedName targetTable,
      String server) {
    String where = "server " + server;
    refuseMissingDependencies(source, sourceTable, target, where);
    refuseTaken(target, targetTable, where);
    refuseTakenIndexNames(source, sourceTable, target, targetTable.schema(), where);
  }

  private static void refuseTaken(CatalogReader target, QualifiedName table, String where) {
    if (target.findRelation(table).isPresent()) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "table "
              + table.display()
              + " already exists on "
              + where
              + " and no Strata operation owns it",
          "Strata never overwrites a table it does not own: rename or drop it there first. Nothing"
              + " was changed.");
    }
  }

  /**
   * Indexes are rebuilt under their source names ({@code CREATE INDEX IF NOT EXISTS}), so a name
   * another relation holds in the target schema is refused here, not passed over later.
   */
  private static void refuseTakenIndexNames(
      CatalogReader source,
      QualifiedName table,
      CatalogReader target,
      String schema,
      String where) {
    List<String> taken =
        source.indexes(table).stream()
            .map(CatalogReader.Index::name)
            .filter(name -> target.findRelation(QualifiedName.of(schema, name)).isPresent())
            .toList();
    if (!taken.isEmpty()) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "the index "
              + (taken.size() == 1 ? "name " : "names ")
              + String.join(", ", taken)
              + " of "
              + table.display()
              + " are taken in schema "
              + schema
              + " on "
              + where,
          "rename those indexes (ALTER INDEX ... RENAME TO ...) on one side. Nothing was changed.");
    }
  }

  /**
   * Refuses before anything changes when {@code target} lacks a type, function, operator class or
   * collation that {@code table}'s columns or indexes use: the move would otherwise fail at the
   * target table or index step, after the freeze.
   */
  private static void refuseMissingDependencies(
      CatalogReader source, QualifiedName table, CatalogReader target, String targetName) {
    List<CatalogReader.Dependency> missing =
        source.userDefinedDependencies(table).stream().filter(d -> !target.has(d)).toList();
    if (missing.isEmpty()) {
      return;
    }
    List<String> extensions =
        missing.stream().flatMap(d -> d.extension().stream()).distinct().sorted().toList();
    throw new StrataException(
        ErrorCode.CHECK_FAILED,
        table.display()
            + " cannot be copied to "
            + targetName
            + ", which lacks what its columns or indexes use: "
            + missing.stream().map(Object::toString).collect(Collectors.joining("; ")),
        "create "
            + (missing.size() == 1 ? "it" : "them")
            + " on "
            + targetName
            + (extensions.isEmpty()
                ? " (the same CREATE TYPE, CREATE FUNCTION, ...)"
                : " (CREATE EXTENSION " + String.join(", ", extensions) + " there first)")
            + ", or drop the index that needs it; then run the command again. Nothing was"
            + " changed.");
  }
}
