package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionBound;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.Tier;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retires a partition whose whole range is past retention: optionally exports it (a compressed COPY
 * plus a sha256 manifest, see {@link Exports}), then detaches and drops it, then drops its remote
 * table if Strata created it. Journaled like a move, so an interrupted retire resumes:
 *
 * <ul>
 *   <li>{@code intent}: recorded; nothing changed yet.
 *   <li>{@code frozen}: writes into the partition are refused (a local partition gets the freeze
 *       triggers, a foreign one {@code updatable 'false'}), so the export is exact.
 *   <li>{@code copied}: the export and its manifest are written (skipped without {@code
 *       export_before_retire}).
 *   <li>{@code swapped}: the partition is detached and dropped, in one transaction.
 *   <li>{@code done}: the remote table is dropped (only a table Strata created).
 * </ul>
 *
 * <p>It never drops the last partition of a table, and never one whose range ends after the cutoff
 * the caller gives (now minus retention).
 */
public final class Retirer {
  private static final Logger LOG = LoggerFactory.getLogger(Retirer.class);

  private final Connections connections;
  private final MoveProgress progress;

  public Retirer(Connections connections, MoveProgress progress) {
    this.connections = connections;
    this.progress = progress;
  }

  /** What a retire did. */
  public record RetireResult(Operation operation, Optional<Exports.Manifest> export) {}

  /**
   * @param cutoff the partition's upper bound must not be later than this (now minus retention)
   * @param exportDirectory where to export first, or empty for no export
   */
  public RetireResult retire(
      QualifiedName table,
      QualifiedName partition,
      LocalDateTime cutoff,
      Optional<Path> exportDirectory) {
    try (Database control = new Database(Connections.COORDINATOR, connections.coordinator())) {
      Journal journal = new Journal(control);
      OperationLock.acquire(control, partition);
      try {
        Optional<Operation> journaled = journaled(control, journal, partition);
        if (journaled.isPresent() && journaled.get().state().isTerminal()) {
          return new RetireResult(journaled.get(), Optional.empty());
        }
        if (journaled.isEmpty() && exportDirectory.isPresent()) {
          // Before the operation is journaled and the partition frozen: a directory that cannot
          // be written would otherwise fail the export with the partition frozen.
          Exports.prepareDirectory(exportDirectory.get(), partition);
        }
        Operation operation =
            journaled.isPresent()
                ? journaled.get()
                : begin(
                    control, journal, draft(control, table, partition, cutoff, nextId(control)));
        return run(control, journal, operation, exportDirectory);
      } finally {
        OperationLock.release(control, partition);
      }
    }
  }

  /**
   * What {@link #retire} would run, step by step, after the same checks; changes nothing. {@code
   * operationsBefore} operations are journaled before it (by earlier actions of the same plan).
   */
  public List<PartitionMover.PlannedStep> planRetire(
      QualifiedName table,
      QualifiedName partition,
      LocalDateTime cutoff,
      Optional<Path> exportDirectory,
      int operationsBefore) {
    try (Database control = new Database(Connections.COORDINATOR, connections.coordinator())) {
      Optional<Operation> journaled = journaled(control, new Journal(control), partition);
      if (journaled.isPresent() && journaled.get().state().isTerminal()) {
        return List.of(
            new PartitionMover.PlannedStep(
                PartitionMover.PlannedStep.NOTHING_TO_DO
                    + partition.display()
                    + " was retired by operation "
                    + journaled.get().id(),
                List.of()));
      }
      if (journaled.isPresent()) {
        return plan(connections, control, journaled.get(), false, exportDirectory);
      }
      long id = Journal.predictedNextId(control) + operationsBefore;
      return plan(
          connections,
          control,
          draft(control, table, partition, cutoff, id),
          true,
          exportDirectory);
    }
  }

  /**
   * The partition's unfinished retire, or the retire that dropped it (a rerun after success); empty
   * when it has to begin. Another kind of unfinished operation is refused.
   */
  private static Optional<Operation> journaled(
      Database control, Journal journal, QualifiedName partition) {
    Optional<Operation> unfinished = journal.unfinished(partition);
    if (unfinished.isPresent()) {
      if (unfinished.get().kind() != OperationKind.RETIRE) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            partition.display()
                + " has an unfinished "
                + unfinished.get().kind().label()
                + " (operation "
                + unfinished.get().id()
                + ")",
            "finish it with `strata resume "
                + unfinished.get().id()
                + "` or roll it back with `strata abort "
                + unfinished.get().id()
                + "`");
      }
      return unfinished;
    }
    Optional<Operation> retired = journal.lastDone(partition, OperationKind.RETIRE);
    if (retired.isPresent() && new CatalogReader(control).findRelation(partition).isEmpty()) {
      // A rerun after success: the partition is gone because this retire dropped it.
      return retired;
    }
    return Optional.empty();
  }

  private static long nextId(Database control) {
    return Journal.nextId(control);
  }

  /** Resumes a journaled retire (used by {@code strata resume}). */
  RetireResult resume(
      Database control, Journal journal, Operation operation, Optional<Path> exportDirectory) {
    return run(control, journal, operation, exportDirectory);
  }

  /** Checks that {@code partitionName} may be retired, and the operation that will retire it. */
  private static Operation draft(
      Database control,
      QualifiedName table,
      QualifiedName partitionName,
      LocalDateTime cutoff,
      long id) {
    PartitionedTable parent = new CatalogReader(control).partitionedTable(table);
    Partition partition =
        parent
            .partition(partitionName)
            .orElseThrow(
                () ->
                    new StrataException(
                        ErrorCode.INVALID_TARGET,
                        partitionName.display() + " is not a partition of " + table.display(),
                        null));
    if (!(partition.bound() instanceof PartitionBound.Range range)
        || range.to().get(0).isMaxValue()) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          partitionName.display()
              + " has no upper bound; only ranges wholly in the past can be retired",
          null);
    }
    LocalDateTime end =
        dev.strata.plan.Periods.parseBound(range.to().get(0).text())
            .orElseThrow(
                () ->
                    new StrataException(
                        ErrorCode.INVALID_TARGET,
                        "cannot read the bound of " + partitionName.display(),
                        null));
    if (end.isAfter(cutoff)) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          partitionName.display()
              + " ends "
              + end
              + ", after the retention cutoff "
              + cutoff
              + "; it is not wholly past retention",
          "nothing was changed");
    }
    long others =
        parent.partitions().stream()
            .filter(p -> !p.isDefault() && !p.name().equals(partitionName))
            .count();
    if (others == 0) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          partitionName.display()
              + " is the last partition of "
              + table.display()
              + "; Strata never retires the last partition",
          "nothing was changed");
    }
    String server = partition.foreign().map(Tier.Foreign::server).orElse(Connections.COORDINATOR);
    QualifiedName remote =
        partition
            .foreign()
            .map(f -> QualifiedName.of(f.remoteSchema(), f.remoteTable()))
            .orElse(partitionName);
    Operation draft =
        Journal.draft(
            id,
            OperationKind.RETIRE,
            parent.name(),
            partitionName,
            partition.bound().expression(),
            server,
            remote,
            1,
            false,
            Optional.empty(),
            Optional.empty());
    // A retire has no staging or detached copy: both names are the partition's.
    return draft.withNames(partitionName, partitionName);
  }

  /** Records the intent of {@code draft}, whose id is taken. */
  private static Operation begin(Database control, Journal journal, Operation draft) {
    control.inTransaction(
        db -> {
          for (SqlStatement statement : Journal.intentStatements(draft)) {
            db.execute(statement);
          }
          return null;
        });
    Failpoints.hit("retire.after_intent");
    return journal.find(draft.id()).orElseThrow();
  }

  private RetireResult run(
      Database control, Journal journal, Operation start, Optional<Path> exportDirectory) {
    Operation operation = start;
    Optional<Exports.Manifest> manifest = Optional.empty();
    try {
      while (!operation.state().isTerminal()) {
        switch (operation.state()) {
          case INTENT -> {
            progress.step(operation, "freezing " + operation.partition().display());
            freeze(control, operation, exportDirectory.isPresent());
            operation = journal.advance(operation, OperationState.FROZEN, FROZEN_DETAIL);
          }
          case FROZEN, TARGET_READY -> {
            if (exportDirectory.isPresent()) {
              progress.step(operation, "exporting to " + exportDirectory.get());
              manifest = Optional.of(export(control, operation, exportDirectory.get()));
              control.execute(
                  Journal.exportStatement(
                      operation,
                      exportDirectory.get().resolve(manifest.get().dataFile()).toString()));
            }
            operation =
                journal.advance(operation, OperationState.COPIED, exportDetail(exportDirectory));
            Failpoints.hit("retire.after_export");
          }
          case COPIED, INDEXED, VERIFIED -> {
            progress.step(operation, "detaching and dropping " + operation.partition().display());
            detachAndDrop(connections, control, operation);
            operation = journal.advance(operation, OperationState.SWAPPED, DROPPED_DETAIL);
            Failpoints.hit("retire.after_drop");
          }
          case SWAPPED -> {
            dropRemote(control, operation);
            Failpoints.hit("retire.after_remote_drop");
            operation = journal.advance(operation, OperationState.DONE, DONE_DETAIL);
          }
          default -> throw new IllegalStateException("unexpected state " + operation.state());
        }
      }
    } catch (StrataException e) {
      journal.recordError(operation, e.getMessage());
      throw new StrataException(
          e.code(),
          "retire of "
              + operation.partition().display()
              + " (operation "
              + operation.id()
              + ") stopped at "
              + operation.state().label()
              + ": "
              + e.getMessage(),
          operation.state().isBefore(OperationState.SWAPPED)
              ? (PartitionMover.rerunMayFix(e)
                  ? "the partition is still attached (frozen). Run `strata apply` or `strata"
                      + " resume "
                      + operation.id()
                      + "` again to continue."
                  : "the partition is still attached (frozen) and a rerun would fail the same"
                      + " way: `strata abort "
                      + operation.id()
                      + "` unfreezes it; fix the cause, then run `strata apply` again.")
              : "the partition is already gone; run `strata resume "
                  + operation.id()
                  + "` to finish the cleanup",
          e);
    }
    return new RetireResult(operation, manifest);
  }

  private void freeze(Database control, Operation operation, boolean exporting) {
    Facts facts = Facts.read(connections, control, operation, exporting);
    if (facts.relation().isEmpty()) {
      return;
    }
    control.inTransaction(
        db -> {
          for (SqlStatement statement : coordinatorFreeze(facts, operation)) {
            db.execute(statement);
          }
          return null;
        });
    if (facts.freezesRemote(exporting)) {
      // The export reads the remote table: writes made on the server directly are refused too,
      // so the export holds every row that is dropped.
      try (Database remote =
          new Database(operation.server(), connections.server(operation.server()))) {
        Freeze.freezeOnServer(remote, operation.remoteTable(), operation.id());
      }
    }
  }

  /**
   * What a step of a retire decides from the catalogs: the partition as the coordinator has it, and
   * for a foreign one its remote table and who created it. Read the same way by the dry run and by
   * the run, so both render the same statements.
   */
  private record Facts(
      Optional<CatalogReader.Relation> relation,
      boolean updatableOptionPresent,
      boolean remoteExists,
      Optional<String> remoteComment) {
    static Facts read(
        Connections connections, Database control, Operation operation, boolean readRemote) {
      CatalogReader catalog = new CatalogReader(control);
      Optional<CatalogReader.Relation> relation = catalog.findRelation(operation.partition());
      boolean foreign = relation.map(r -> r.kind().equals("f")).orElse(false);
      boolean optionPresent =
          foreign && catalog.foreignTableHasOption(operation.partition(), "updatable");
      boolean remoteExists = false;
      Optional<String> comment = Optional.empty();
      if (readRemote && !operation.server().equals(Connections.COORDINATOR)) {
        try (Database remote =
            new Database(operation.server(), connections.server(operation.server()))) {
          CatalogReader remoteCatalog = new CatalogReader(remote);
          remoteExists = remoteCatalog.findRelation(operation.remoteTable()).isPresent();
          comment = remoteExists ? remoteCatalog.tableComment(operation.remoteTable()) : comment;
        }
      }
      return new Facts(relation, optionPresent, remoteExists, comment);
    }

    boolean foreign() {
      return relation.map(r -> r.kind().equals("f")).orElse(false);
    }

    boolean freezesRemote(boolean exporting) {
      return foreign() && exporting && remoteExists;
    }

    boolean remoteIsOurs() {
      return remoteComment.map(c -> c.startsWith("strata:operation:")).orElse(false);
    }
  }

  /** The coordinator's side of the freeze: the freeze triggers, or {@code updatable 'false'}. */
  private static List<SqlStatement> coordinatorFreeze(Facts facts, Operation operation) {
    if (facts.foreign()) {
      return List.of(
          PartitionMover.updatableStatement(
              operation.partition(), facts.updatableOptionPresent(), false));
    }
    return Freeze.statements(operation.partition(), operation.id()).stream()
        .map(SqlStatement::of)
        .toList();
  }

  /** One transaction, retried on lock timeouts: the partition detached and dropped. */
  private static List<SqlStatement> detachAndDropStatements(Facts facts, Operation operation) {
    List<SqlStatement> statements = new ArrayList<>();
    statements.add(SqlStatement.of("SET LOCAL lock_timeout = '200ms'"));
    if (facts.relation().get().isPartition()) {
      statements.add(
          SqlStatement.of(
              "ALTER TABLE "
                  + operation.parent().quoted()
                  + " DETACH PARTITION "
                  + operation.partition().quoted()));
    }
    statements.add(
        SqlStatement.of(
            "DROP "
                + (facts.foreign() ? "FOREIGN TABLE " : "TABLE ")
                + operation.partition().quoted()));
    return statements;
  }

  /**
   * On the server, after the drop: the remote table if Strata created it; otherwise it is kept and
   * only unfrozen.
   */
  private static List<SqlStatement> remoteCleanupStatements(Facts facts, Operation operation) {
    if (facts.remoteIsOurs()) {
      return List.of(SqlStatement.of("DROP TABLE IF EXISTS " + operation.remoteTable().quoted()));
    }
    if (facts.remoteExists()) {
      return Freeze.unfreezeStatements(operation.remoteTable()).stream()
          .map(SqlStatement::of)
          .toList();
    }
    return List.of();
  }

  /**
   * What a retire runs from where {@code operation} stands, step by step, for dry runs ({@code
   * strata apply --dry-run}, {@code strata resume --dry-run}): the same statements, built from the
   * same catalog reads, as the run. A fresh retire adds its intent first.
   */
  static List<PartitionMover.PlannedStep> plan(
      Connections connections,
      Database control,
      Operation operation,
      boolean fresh,
      Optional<Path> exportDirectory) {
    List<PartitionMover.PlannedStep> steps = new ArrayList<>();
    if (fresh) {
      steps.add(
          new PartitionMover.PlannedStep(
              "R1 intent", lines(Connections.COORDINATOR, Journal.intentStatements(operation))));
    }
    Facts facts = Facts.read(connections, control, operation, true);
    OperationState state = operation.state();
    if (state == OperationState.INTENT) {
      List<String> lines = new ArrayList<>();
      if (facts.relation().isPresent()) {
        lines.add("-- on " + Connections.COORDINATOR);
        lines.add("BEGIN;");
        coordinatorFreeze(facts, operation).forEach(statement -> lines.add(statement.render()));
        lines.add("COMMIT;");
        if (facts.freezesRemote(exportDirectory.isPresent())) {
          lines.add("-- on " + operation.server() + " (retried on lock timeouts)");
          lines.add("BEGIN;");
          Freeze.functionStatements().forEach(statement -> lines.add(statement + ";"));
          Freeze.statements(operation.remoteTable(), operation.id())
              .forEach(statement -> lines.add(statement + ";"));
          lines.add("COMMIT;");
        }
      }
      lines.addAll(advanceLines(operation, OperationState.FROZEN, FROZEN_DETAIL));
      steps.add(new PartitionMover.PlannedStep("R2 freeze", lines));
    }
    if (state.isBefore(OperationState.COPIED)) {
      List<String> lines = new ArrayList<>();
      if (exportDirectory.isPresent()) {
        Path directory = exportDirectory.get();
        lines.add(
            "-- on "
                + operation.server()
                + ": the rows' count and checksum (the text hash where a column type has no"
                + " extended hash), then the rows, written gzip-compressed to "
                + directory.resolve(Exports.baseName(operation) + ".copy.gz")
                + " with its sha256 manifest "
                + Exports.baseName(operation)
                + ".manifest.json:");
        lines.addAll(Exports.plannedReads(control, operation, exportSource(operation)));
        lines.add("-- on " + Connections.COORDINATOR);
        lines.add(
            Journal.exportStatement(
                    operation,
                    directory.resolve(Exports.baseName(operation) + ".copy.gz").toString())
                .render());
      }
      lines.addAll(advanceLines(operation, OperationState.COPIED, exportDetail(exportDirectory)));
      steps.add(new PartitionMover.PlannedStep("R3 export", lines));
    }
    if (state.isBefore(OperationState.SWAPPED)) {
      List<String> lines = new ArrayList<>();
      if (facts.relation().isPresent()) {
        lines.add("-- on " + Connections.COORDINATOR + " (retried on lock timeouts)");
        lines.add("BEGIN;");
        detachAndDropStatements(facts, operation).forEach(s -> lines.add(s.render()));
        lines.add("COMMIT;");
      }
      lines.addAll(advanceLines(operation, OperationState.SWAPPED, DROPPED_DETAIL));
      steps.add(new PartitionMover.PlannedStep("R4 detach and drop", lines));
    }
    List<String> lines = new ArrayList<>();
    List<SqlStatement> remote = remoteCleanupStatements(facts, operation);
    if (!remote.isEmpty()) {
      lines.add(
          "-- on "
              + operation.server()
              + (facts.remoteIsOurs() ? "" : ": not created by Strata, so it is kept, unfrozen"));
      remote.forEach(statement -> lines.add(statement.render()));
    }
    lines.addAll(advanceLines(operation, OperationState.DONE, DONE_DETAIL));
    steps.add(new PartitionMover.PlannedStep("R5 remote table", lines));
    return steps;
  }

  private static final String FROZEN_DETAIL = "frozen for retire";
  private static final String DROPPED_DETAIL = "detached and dropped";
  private static final String DONE_DETAIL = "retired";

  private static String exportDetail(Optional<Path> exportDirectory) {
    return exportDirectory.isPresent() ? "exported" : "no export configured";
  }

  private static QualifiedName exportSource(Operation operation) {
    return operation.server().equals(Connections.COORDINATOR)
        ? operation.partition()
        : operation.remoteTable();
  }

  private static List<String> advanceLines(
      Operation operation, OperationState state, String detail) {
    return lines(Connections.COORDINATOR, Journal.advanceStatements(operation, state, detail));
  }

  private static List<String> lines(String session, List<SqlStatement> statements) {
    List<String> lines = new ArrayList<>();
    lines.add("-- on " + session + " (journal)");
    lines.add("BEGIN;");
    statements.forEach(statement -> lines.add(statement.render()));
    lines.add("COMMIT;");
    return lines;
  }

  /**
   * Rolls back an unfinished retire that has not dropped anything: the partition (local or foreign)
   * and, for a foreign one, its remote table are unfrozen; the operation is aborted.
   */
  static void rollBack(
      Connections connections, Database control, Journal journal, Operation operation) {
    Facts facts = Facts.read(connections, control, operation, true);
    List<SqlStatement> coordinator = coordinatorUnfreeze(connections, facts, operation);
    if (!coordinator.isEmpty()) {
      LockRetries.run(
          control,
          () ->
              control.inTransaction(
                  db -> {
                    for (SqlStatement statement : coordinator) {
                      db.execute(statement);
                    }
                    return null;
                  }));
    }
    if (facts.foreign() && facts.remoteExists()) {
      try (Database remote =
          new Database(operation.server(), connections.server(operation.server()))) {
        LockRetries.run(
            remote,
            () ->
                remote.inTransaction(
                    db -> {
                      for (SqlStatement statement : remoteUnfreeze(operation)) {
                        db.execute(statement);
                      }
                      return null;
                    }));
      }
    }
    journal.advance(operation, OperationState.ABORTED, ABORTED_DETAIL);
  }

  private static final String ABORTED_DETAIL = "aborted";

  /** The coordinator's side of a rollback: the freeze triggers dropped, or the option restored. */
  private static List<SqlStatement> coordinatorUnfreeze(
      Connections connections, Facts facts, Operation operation) {
    if (facts.relation().isEmpty()) {
      return List.of();
    }
    if (facts.foreign()) {
      boolean updatable =
          connections
              .config()
              .findTable(operation.parent())
              .map(dev.strata.config.TableConfig::archivedUpdatable)
              .orElse(false);
      return List.of(
          PartitionMover.updatableStatement(
              operation.partition(), facts.updatableOptionPresent(), updatable));
    }
    return Freeze.unfreezeStatements(operation.partition()).stream().map(SqlStatement::of).toList();
  }

  private static List<SqlStatement> remoteUnfreeze(Operation operation) {
    return Freeze.unfreezeStatements(operation.remoteTable()).stream()
        .map(SqlStatement::of)
        .toList();
  }

  /** What {@link #rollBack} runs, for {@code strata abort --dry-run}: the same statements. */
  static List<String> rollbackLines(
      Connections connections, Database control, Operation operation) {
    Facts facts = Facts.read(connections, control, operation, true);
    List<String> lines = new ArrayList<>();
    List<SqlStatement> coordinator = coordinatorUnfreeze(connections, facts, operation);
    if (!coordinator.isEmpty()) {
      lines.add("-- on " + Connections.COORDINATOR + " (retried on lock timeouts)");
      lines.add("BEGIN;");
      coordinator.forEach(statement -> lines.add(statement.render()));
      lines.add("COMMIT;");
    }
    if (facts.foreign() && facts.remoteExists()) {
      lines.add("-- on " + operation.server() + " (retried on lock timeouts)");
      lines.add("BEGIN;");
      remoteUnfreeze(operation).forEach(statement -> lines.add(statement.render()));
      lines.add("COMMIT;");
    }
    lines.addAll(advanceLines(operation, OperationState.ABORTED, ABORTED_DETAIL));
    return lines;
  }

  private Exports.Manifest export(Database control, Operation operation, Path directory) {
    PartitionedTable parent = new CatalogReader(control).partitionedTable(operation.parent());
    Column key = parent.column(parent.keyColumns().get(0)).orElseThrow();
    RangeBounds bounds =
        RangeBounds.of((PartitionBound.Range) PartitionBound.parse(operation.bound()), key);
    boolean local = operation.server().equals(Connections.COORDINATOR);
    try (Database source =
        local
            ? new Database(Connections.COORDINATOR, connections.coordinator())
            : new Database(operation.server(), connections.server(operation.server()))) {
      source.setStatementTimeout(java.time.Duration.ofHours(2));
      return Exports.write(
          source,
          local ? operation.partition() : operation.remoteTable(),
          parent,
          operation,
          bounds,
          directory);
    }
  }

  private static void detachAndDrop(
      Connections connections, Database control, Operation operation) {
    Facts facts = Facts.read(connections, control, operation, false);
    if (facts.relation().isEmpty()) {
      return;
    }
    LockRetries.run(
        control,
        () ->
            control.inTransaction(
                db -> {
                  for (SqlStatement statement : detachAndDropStatements(facts, operation)) {
                    db.execute(statement);
                  }
                  return null;
                }));
  }

  private void dropRemote(Database control, Operation operation) {
    if (operation.server().equals(Connections.COORDINATOR)) {
      return;
    }
    Facts facts = Facts.read(connections, control, operation, true);
    try (Database remote =
        new Database(operation.server(), connections.server(operation.server()))) {
      for (SqlStatement statement : remoteCleanupStatements(facts, operation)) {
        remote.execute(statement);
      }
    }
    if (facts.remoteExists() && !facts.remoteIsOurs()) {
      LOG.info(
          "kept {} on {}: Strata did not create it; drop it there when you no longer need it",
          operation.remoteTable().display(),
          operation.server());
      progress.step(
          operation,
          "kept remote table "
              + operation.remoteTable().display()
              + " on "
              + operation.server()
              + " (not created by Strata)");
    }
  }
}
