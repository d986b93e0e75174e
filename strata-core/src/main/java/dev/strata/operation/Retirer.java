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
import java.nio.file.Path;
import java.time.LocalDateTime;
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
        Optional<Operation> unfinished = journal.unfinished(partition);
        Operation operation;
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
          operation = unfinished.get();
        } else {
          Optional<Operation> retired = journal.lastDone(partition, OperationKind.RETIRE);
          if (retired.isPresent() && new CatalogReader(control).findRelation(partition).isEmpty()) {
            // A rerun after success: the partition is gone because this retire dropped it.
            return new RetireResult(retired.get(), Optional.empty());
          }
          operation = begin(control, journal, table, partition, cutoff);
        }
        return run(control, journal, operation, exportDirectory);
      } finally {
        OperationLock.release(control, partition);
      }
    }
  }

  /** Resumes a journaled retire (used by {@code strata resume}). */
  RetireResult resume(
      Database control, Journal journal, Operation operation, Optional<Path> exportDirectory) {
    return run(control, journal, operation, exportDirectory);
  }

  private Operation begin(
      Database control,
      Journal journal,
      QualifiedName table,
      QualifiedName partitionName,
      LocalDateTime cutoff) {
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
    Operation operation =
        journal.begin(
            OperationKind.RETIRE,
            parent.name(),
            partitionName,
            partition.bound().expression(),
            server,
            remote,
            id -> partitionName,
            id -> partitionName,
            1,
            false);
    Failpoints.hit("retire.after_intent");
    return operation;
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
            operation = journal.advance(operation, OperationState.FROZEN, "frozen for retire");
          }
          case FROZEN, TARGET_READY -> {
            if (exportDirectory.isPresent()) {
              progress.step(operation, "exporting to " + exportDirectory.get());
              manifest = Optional.of(export(control, operation, exportDirectory.get()));
              journal.recordExport(
                  operation, exportDirectory.get().resolve(manifest.get().dataFile()).toString());
            }
            operation =
                journal.advance(
                    operation,
                    OperationState.COPIED,
                    exportDirectory.isPresent() ? "exported" : "no export configured");
            Failpoints.hit("retire.after_export");
          }
          case COPIED, INDEXED, VERIFIED -> {
            progress.step(operation, "detaching and dropping " + operation.partition().display());
            detachAndDrop(control, operation);
            operation = journal.advance(operation, OperationState.SWAPPED, "detached and dropped");
            Failpoints.hit("retire.after_drop");
          }
          case SWAPPED -> {
            dropRemote(operation);
            Failpoints.hit("retire.after_remote_drop");
            operation = journal.advance(operation, OperationState.DONE, "retired");
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
    Optional<CatalogReader.Relation> relation =
        new CatalogReader(control).findRelation(operation.partition());
    if (relation.isEmpty()) {
      return;
    }
    boolean foreign = relation.get().kind().equals("f");
    control.inTransaction(
        db -> {
          if (foreign) {
            PartitionMover.setUpdatable(db, operation.partition(), false);
          } else {
            Freeze.freeze(db, operation.partition(), operation.id());
          }
          return null;
        });
    if (foreign && exporting) {
      // The export reads the remote table: writes made on the server directly are refused too,
      // so the export holds every row that is dropped.
      try (Database remote =
          new Database(operation.server(), connections.server(operation.server()))) {
        if (new CatalogReader(remote).findRelation(operation.remoteTable()).isPresent()) {
          Freeze.freezeOnServer(remote, operation.remoteTable(), operation.id());
        }
      }
    }
  }

  /**
   * Rolls back an unfinished retire that has not dropped anything: the partition (local or foreign)
   * and, for a foreign one, its remote table are unfrozen; the operation is aborted.
   */
  static void rollBack(
      Connections connections, Database control, Journal journal, Operation operation) {
    boolean updatable =
        connections
            .config()
            .findTable(operation.parent())
            .map(dev.strata.config.TableConfig::archivedUpdatable)
            .orElse(false);
    Optional<CatalogReader.Relation> relation =
        new CatalogReader(control).findRelation(operation.partition());
    boolean foreign = relation.map(r -> r.kind().equals("f")).orElse(false);
    if (relation.isPresent()) {
      LockRetries.run(
          control,
          () ->
              control.inTransaction(
                  db -> {
                    if (foreign) {
                      PartitionMover.setUpdatable(db, operation.partition(), updatable);
                    } else {
                      Freeze.unfreeze(db, operation.partition());
                    }
                    return null;
                  }));
    }
    if (foreign && !operation.server().equals(Connections.COORDINATOR)) {
      try (Database remote =
          new Database(operation.server(), connections.server(operation.server()))) {
        if (new CatalogReader(remote).findRelation(operation.remoteTable()).isPresent()) {
          LockRetries.run(
              remote,
              () ->
                  remote.inTransaction(
                      db -> {
                        Freeze.unfreeze(db, operation.remoteTable());
                        return null;
                      }));
        }
      }
    }
    journal.advance(operation, OperationState.ABORTED, "aborted");
  }

  /** What {@link #rollBack} runs, for {@code strata abort --dry-run}. */
  static List<String> rollbackLines(Database control, Operation operation) {
    boolean foreign =
        new CatalogReader(control)
            .findRelation(operation.partition())
            .map(r -> r.kind().equals("f"))
            .orElse(false);
    List<String> lines = new java.util.ArrayList<>();
    if (foreign) {
      lines.add("-- on coordinator");
      lines.add(
          "ALTER FOREIGN TABLE "
              + operation.partition().quoted()
              + " OPTIONS (SET updatable '<archived_updatable>');");
      lines.add(
          "-- on " + operation.server() + ", if " + operation.remoteTable().display() + " exists");
      Freeze.unfreezeStatements(operation.remoteTable()).forEach(s -> lines.add(s + ";"));
    } else {
      lines.add("-- on coordinator");
      Freeze.unfreezeStatements(operation.partition()).forEach(s -> lines.add(s + ";"));
    }
    lines.add(
        "UPDATE strata.operation SET state = 'aborted', ... WHERE id = " + operation.id() + ";");
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

  private static void detachAndDrop(Database control, Operation operation) {
    Optional<CatalogReader.Relation> relation =
        new CatalogReader(control).findRelation(operation.partition());
    if (relation.isEmpty()) {
      return;
    }
    boolean foreign = relation.get().kind().equals("f");
    LockRetries.run(
        control,
        () ->
            control.inTransaction(
                db -> {
                  db.execute("SET LOCAL lock_timeout = '200ms'");
                  if (relation.get().isPartition()) {
                    db.execute(
                        "ALTER TABLE "
                            + operation.parent().quoted()
                            + " DETACH PARTITION "
                            + operation.partition().quoted());
                  }
                  db.execute(
                      "DROP "
                          + (foreign ? "FOREIGN TABLE " : "TABLE ")
                          + operation.partition().quoted());
                  return null;
                }));
  }

  private void dropRemote(Operation operation) {
    if (operation.server().equals(Connections.COORDINATOR)) {
      return;
    }
    try (Database remote =
        new Database(operation.server(), connections.server(operation.server()))) {
      Optional<String> comment = new CatalogReader(remote).tableComment(operation.remoteTable());
      if (comment.isPresent() && comment.get().startsWith("strata:operation:")) {
        remote.execute("DROP TABLE IF EXISTS " + operation.remoteTable().quoted());
      } else if (new CatalogReader(remote).findRelation(operation.remoteTable()).isPresent()) {
        Freeze.unfreeze(remote, operation.remoteTable());
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
}
