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
import dev.strata.connect.ForeignServerProbe;
import dev.strata.connect.SqlStates;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import dev.strata.verify.Fingerprint;
import dev.strata.verify.Fingerprints;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves partitions between the coordinator and a server with the journaled protocol of DESIGN.md:
 * intent, target table, freeze, copy, indexes, verify, swap, cleanup. {@code archive} moves a local
 * partition out; {@code restore} brings a foreign partition's rows back.
 *
 * <p>The invariants it keeps, whatever is interrupted:
 *
 * <ul>
 *   <li>The journal row is committed before any resource exists, naming all of them, and each
 *       step's completion is committed after the step; every step is idempotent, so a rerun resumes
 *       at the first unrecorded step.
 *   <li>From the freeze on, the source cannot change: writes fail loudly naming the operation, and
 *       the copy, verification and swap may run in separate transactions without holding a lock on
 *       the parent.
 *   <li>The swap is one short coordinator transaction: the new partition's row count is checked
 *       through the coordinator first (an unreachable server fails the swap, not later queries),
 *       then detach, rename, attach, grants and the journal update commit together, so exactly one
 *       partition covers the range at every instant.
 *   <li>A copy that does not verify (count, checksum, out-of-range rows) is never swapped in: the
 *       operation is rolled back and the source unfrozen.
 * </ul>
 *
 * <p>One session-level advisory lock per partition, held for the whole run on the control
 * connection, makes a second concurrent move of the same partition fail at once.
 */
public final class PartitionMover {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionMover.class);
  private static final Duration BULK_STATEMENT_TIMEOUT = Duration.ofHours(2);

  private final Connections connections;
  private final StrataConfig config;
  private final MoveProgress progress;

  public PartitionMover(Connections connections, MoveProgress progress) {
    this.connections = connections;
    this.config = connections.config();
    this.progress = progress;
  }

  // ---------------------------------------------------------------- entry points

  /** Archives {@code partition} of {@code table} to {@code server}, or resumes that archive. */
  public MoveResult archive(QualifiedName table, QualifiedName partition, String server, int jobs) {
    ServerConfig target = config.server(server);
    return withControl(
        partition,
        (control, journal) -> {
          Optional<Operation> unfinished = journal.unfinished(partition);
          if (unfinished.isPresent()) {
            Operation existing = unfinished.get();
            if (existing.kind() != OperationKind.ARCHIVE || !existing.server().equals(server)) {
              throw unfinishedConflict(existing);
            }
            LOG.info("resuming operation {} at {}", existing.id(), existing.state().label());
            return run(control, journal, existing);
          }
          Optional<MoveResult> fulfilled =
              alreadyArchived(control, Optional.of(journal), table, partition, server);
          if (fulfilled.isPresent()) {
            return fulfilled.get();
          }
          Preflight checked = preflightArchive(control, table, partition, target);
          Operation operation =
              journal.begin(
                  OperationKind.ARCHIVE,
                  checked.parent().name(),
                  partition,
                  checked.partition().bound().expression(),
                  server,
                  checked.remoteTable(),
                  id -> derivedName(partition, "_s" + id + "_in"),
                  id -> derivedName(partition, "_s" + id + "_old"),
                  Math.max(1, jobs),
                  false);
          Failpoints.hit("archive.after_intent");
          return run(control, journal, operation);
        });
  }

  /**
   * One step of a dry run: where its statements run and what they are. A single step without
   * statements, named {@link #NOTHING_TO_DO}..., means the request is already fulfilled.
   */
  public record PlannedStep(String step, String server, List<String> statements) {
    public static final String NOTHING_TO_DO = "nothing to do: ";

    public boolean nothingToDo() {
      return step.startsWith(NOTHING_TO_DO) && statements.isEmpty();
    }
  }

  private static PlannedStep nothingToDo(MoveResult fulfilled) {
    return new PlannedStep(
        PlannedStep.NOTHING_TO_DO + fulfilled.nothingToDo().orElseThrow(),
        Connections.COORDINATOR,
        List.of());
  }

  /**
   * Checks everything an archive checks before changing anything, and returns the statements it
   * would run, in order. The operation id is only assigned when the intent is recorded, so it
   * appears as {@code <id>} (in the names of the temporary and detached tables, the owner tag and
   * the freeze trigger's argument).
   */
  public List<PlannedStep> planArchive(
      QualifiedName table, QualifiedName partition, String server, int jobs) {
    ServerConfig target = config.server(server);
    try (Database control = coordinator()) {
      Optional<MoveResult> fulfilled =
          alreadyArchived(control, Optional.empty(), table, partition, server);
      if (fulfilled.isPresent()) {
        return List.of(nothingToDo(fulfilled.get()));
      }
      Preflight checked = preflightArchive(control, table, partition, target);
      PartitionedTable parent = checked.parent();
      List<Column> columns = parent.columns();
      RangeBounds bounds =
          RangeBounds.of((PartitionBound.Range) checked.partition().bound(), keyColumn(parent));
      long id = PLACEHOLDER_ID;
      QualifiedName staging = derivedName(partition, "_s" + id + "_in");
      QualifiedName detached = derivedName(partition, "_s" + id + "_old");
      String tag = "strata:operation:" + id;
      List<PlannedStep> steps = new ArrayList<>();
      steps.add(
          new PlannedStep(
              "P1 intent",
              Connections.COORDINATOR,
              List.of(
                  "INSERT INTO strata.operation (...) VALUES ('archive', "
                      + partition.display()
                      + ", ...) RETURNING id")));
      List<String> targetStatements =
          new ArrayList<>(
              MoveStatements.createTarget(checked.remoteTable(), columns, bounds, tag, true));
      targetStatements.addAll(
          MoveStatements.grantToMapping(
              checked.remoteTable(),
              this.config.server(server).mapping().user(),
              this.config.server(server).connection().user(),
              tableConfigUpdatable(parent.name())));
      steps.add(new PlannedStep("P2 target table", server, targetStatements));
      steps.add(
          new PlannedStep("P3 freeze", Connections.COORDINATOR, Freeze.statements(partition, id)));
      List<String> copy = new ArrayList<>();
      if (jobs <= 1) {
        copy.add("[" + server + "] BEGIN");
        copy.add("[" + server + "] TRUNCATE " + checked.remoteTable().quoted());
        copy.add("[coordinator] " + MoveStatements.copyOut(partition, columns, ""));
        copy.add("[" + server + "] " + MoveStatements.copyIn(checked.remoteTable(), columns, true));
        copy.add("[" + server + "] COMMIT");
      } else {
        copy.add("[" + server + "] TRUNCATE " + checked.remoteTable().quoted());
        copy.add("-- " + jobs + " streams, each over a block range:");
        copy.add(
            "[coordinator] "
                + MoveStatements.copyOut(partition, columns, MoveStatements.blockRange(0, 1000)));
        copy.add(
            "[" + server + "] " + MoveStatements.copyIn(checked.remoteTable(), columns, false));
      }
      steps.add(new PlannedStep("P4 copy (binary COPY relay)", server, copy));
      List<String> indexes = new ArrayList<>();
      try (Database source = open(Connections.COORDINATOR)) {
        indexes.addAll(indexDefinitions(source, partition, checked.remoteTable()));
      }
      steps.add(new PlannedStep("P5 indexes", server, indexes));
      steps.add(
          new PlannedStep(
              "P6 verify (both sides)",
              Connections.COORDINATOR + " and " + server,
              List.of(
                  fingerprintStatement(partition, columns, bounds),
                  fingerprintStatement(checked.remoteTable(), columns, bounds),
                  "ANALYZE " + checked.remoteTable().quoted())));
      List<String> swap = new ArrayList<>();
      swap.add(
          "-- first, bounded by timeouts.connect: a query through foreign server "
              + server
              + " (as strata doctor's connect.fdw)");
      QualifiedName counted = QualifiedName.of("pg_temp", "strata_count");
      swap.add("BEGIN");
      swap.add(
          MoveStatements.createIncomingForeignTable(
              counted, columns, server, checked.remoteTable(), false));
      swap.add(MoveStatements.countRows(counted) + "  -- must equal the verified row count");
      swap.add("ROLLBACK");
      swap.add("BEGIN");
      swap.add("SET LOCAL lock_timeout = '" + swapLockTimeout().toMillis() + "ms'");
      swap.add(
          MoveStatements.createIncomingForeignTable(
              staging,
              columns,
              server,
              checked.remoteTable(),
              tableConfigUpdatable(parent.name())));
      swap.addAll(
          MoveStatements.swap(
              parent.name(), partition, staging, detached, checked.partition().bound()));
      swap.add(
          "-- the freeze triggers on "
              + detached.display()
              + " must be unchanged since the freeze (pg_trigger row versions)");
      swap.addAll(ownership(control, partition).restoreOn(partition, true));
      swap.add("UPDATE strata.operation SET state = 'swapped', ... WHERE id = <id>");
      swap.add("COMMIT");
      steps.add(
          new PlannedStep("P7 swap (retried on lock timeout)", Connections.COORDINATOR, swap));
      steps.add(
          new PlannedStep(
              "P8 cleanup (the old copy is re-hashed and must equal the verified rows)",
              Connections.COORDINATOR,
              List.of(
                  fingerprintStatement(detached, columns, bounds),
                  "DROP TABLE IF EXISTS " + detached.quoted(),
                  "-- meanwhile, on a session of its own:",
                  "SET default_statistics_target = 10",
                  "ANALYZE " + partition.quoted())));
      return withPlaceholders(steps);
    }
  }

  /** The checksum query {@link Fingerprints} runs, rendered with its bound values. */
  private static String fingerprintStatement(
      QualifiedName table, List<Column> columns, RangeBounds bounds) {
    return SqlStatement.of(
            "SELECT count(*), coalesce(sum(hash_record_extended(r, 0)), 0), count(*) FILTER (WHERE "
                + bounds.outsideCondition()
                + ") FROM (SELECT "
                + MoveStatements.columnList(columns)
                + " FROM "
                + table.quoted()
                + ") r",
            bounds.parameters())
        .render();
  }

  /**
   * Checks everything a restore checks before changing anything, and returns the statements it
   * would run, in order; the operation id appears as {@code <id>}, as in {@link #planArchive}.
   */
  public List<PlannedStep> planRestore(
      QualifiedName table, QualifiedName partition, boolean keepRemote) {
    try (Database control = coordinator()) {
      Optional<MoveResult> fulfilled = alreadyLocal(control, Optional.empty(), table, partition);
      if (fulfilled.isPresent()) {
        return List.of(nothingToDo(fulfilled.get()));
      }
      RestorePreflight checked = preflightRestore(control, table, partition);
      PartitionedTable parent = checked.parent();
      List<Column> columns = parent.columns();
      RangeBounds bounds =
          RangeBounds.of((PartitionBound.Range) checked.partition().bound(), keyColumn(parent));
      String server = checked.foreign().server();
      QualifiedName remote = checked.remoteTable();
      long id = PLACEHOLDER_ID;
      QualifiedName staging = derivedName(partition, "_s" + id + "_in");
      QualifiedName detached = derivedName(partition, "_s" + id + "_old");
      List<PlannedStep> steps = new ArrayList<>();
      steps.add(
          new PlannedStep(
              "P1 intent",
              Connections.COORDINATOR,
              List.of(
                  "INSERT INTO strata.operation (...) VALUES ('restore', "
                      + partition.display()
                      + ", ...) RETURNING id")));
      steps.add(
          new PlannedStep(
              "P2 target table",
              Connections.COORDINATOR,
              MoveStatements.createTarget(
                  staging, columns, bounds, "strata:operation:" + id, false)));
      steps.add(
          new PlannedStep(
              "P3 freeze (the foreign partition becomes read-only)",
              Connections.COORDINATOR,
              List.of(
                  "ALTER FOREIGN TABLE "
                      + partition.quoted()
                      + " OPTIONS (SET updatable 'false')")));
      List<String> remoteFreeze = new ArrayList<>(Freeze.functionStatements());
      remoteFreeze.addAll(Freeze.statements(remote, id));
      steps.add(
          new PlannedStep("P3 freeze (writes on the server refused too)", server, remoteFreeze));
      steps.add(
          new PlannedStep(
              "P4 copy (binary COPY relay)",
              server,
              List.of(
                  "[coordinator] BEGIN",
                  "[coordinator] TRUNCATE " + staging.quoted(),
                  "[" + server + "] " + MoveStatements.copyOut(remote, columns, ""),
                  "[coordinator] " + MoveStatements.copyIn(staging, columns, true),
                  "[coordinator] COMMIT")));
      List<String> indexes = new ArrayList<>();
      try (Database source = open(server)) {
        indexes.addAll(indexDefinitions(source, remote, staging));
      }
      steps.add(new PlannedStep("P5 indexes", Connections.COORDINATOR, indexes));
      steps.add(
          new PlannedStep(
              "P6 verify (both sides)",
              server + " and " + Connections.COORDINATOR,
              List.of(
                  fingerprintStatement(remote, columns, bounds),
                  fingerprintStatement(staging, columns, bounds),
                  "ANALYZE " + staging.quoted())));
      List<String> swap = new ArrayList<>();
      swap.add("BEGIN");
      swap.add("SET LOCAL lock_timeout = '" + swapLockTimeout().toMillis() + "ms'");
      swap.add(MoveStatements.countRows(staging));
      swap.addAll(
          MoveStatements.swap(
              parent.name(), partition, staging, detached, checked.partition().bound()));
      swap.addAll(ownership(control, partition).restoreOn(partition, false));
      swap.add("-- indexes named after the staging table are renamed after the partition");
      swap.add("UPDATE strata.operation SET state = 'swapped', ... WHERE id = <id>");
      swap.add("COMMIT");
      steps.add(
          new PlannedStep("P7 swap (retried on lock timeout)", Connections.COORDINATOR, swap));
      List<String> cleanup = new ArrayList<>();
      cleanup.add("DROP FOREIGN TABLE IF EXISTS " + detached.quoted());
      cleanup.add(
          "-- on "
              + server
              + ", the remote table is re-hashed and must equal the verified rows: "
              + fingerprintStatement(remote, columns, bounds));
      if (!keepRemote) {
        cleanup.add(
            "-- on "
                + server
                + ", only if Strata created it: DROP TABLE IF EXISTS "
                + remote.quoted());
      }
      steps.add(new PlannedStep("P8 cleanup", Connections.COORDINATOR, cleanup));
      return withPlaceholders(steps);
    }
  }

  /** The statements {@link #abort} would run for an unfinished operation; changes nothing. */
  public List<PlannedStep> planAbort(long operationId) {
    try (Database control = coordinator()) {
      Operation operation =
          new Journal(control).find(operationId).orElseThrow(() -> Journal.notFound(operationId));
      List<PlannedStep> steps = new ArrayList<>();
      if (operation.state().isTerminal()) {
        return steps;
      }
      if (!operation.state().isBefore(OperationState.SWAPPED)) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "operation "
                + operationId
                + " has already swapped "
                + operation.partition().display()
                + "; it can no longer be aborted",
            "finish it with `strata resume " + operationId + "`");
      }
      switch (operation.kind()) {
        case ARCHIVE -> {
          steps.add(
              new PlannedStep(
                  "unfreeze",
                  Connections.COORDINATOR,
                  Freeze.unfreezeStatements(operation.partition())));
          steps.add(
              new PlannedStep(
                  "drop the copy (only if its comment is " + operation.ownerTag() + ")",
                  operation.server(),
                  List.of("DROP TABLE " + operation.remoteTable().quoted())));
        }
        case RESTORE -> {
          steps.add(
              new PlannedStep(
                  "unfreeze",
                  Connections.COORDINATOR,
                  List.of(
                      "ALTER FOREIGN TABLE "
                          + operation.partition().quoted()
                          + " OPTIONS (SET updatable '"
                          + archivedUpdatable(operation)
                          + "')")));
          steps.add(
              new PlannedStep(
                  "unfreeze the remote table",
                  operation.server(),
                  Freeze.unfreezeStatements(operation.remoteTable())));
          steps.add(
              new PlannedStep(
                  "drop the copy (only if its comment is " + operation.ownerTag() + ")",
                  Connections.COORDINATOR,
                  List.of("DROP TABLE " + operation.stagingName().quoted())));
        }
        case RETIRE ->
            steps.add(
                new PlannedStep(
                    "unfreeze",
                    Connections.COORDINATOR,
                    Freeze.unfreezeStatements(operation.partition())));
      }
      steps.add(
          new PlannedStep(
              "journal",
              Connections.COORDINATOR,
              List.of("UPDATE strata.operation SET state = 'aborted' WHERE id = " + operationId)));
      return steps;
    }
  }

  private static List<PlannedStep> withPlaceholders(List<PlannedStep> steps) {
    return steps.stream()
        .map(
            step ->
                new PlannedStep(
                    step.step(),
                    step.server(),
                    step.statements().stream()
                        .map(
                            sql ->
                                sql.replace("_s" + PLACEHOLDER_ID + "_", "_s<id>_")
                                    .replace("'" + PLACEHOLDER_ID + "'", "'<id>'")
                                    .replace(":" + PLACEHOLDER_ID + "'", ":<id>'"))
                        .toList()))
        .toList();
  }

  private static final long PLACEHOLDER_ID = 987654321987L;

  private boolean tableConfigUpdatable(QualifiedName table) {
    return config.findTable(table).map(TableConfig::archivedUpdatable).orElse(false);
  }

  /**
   * Restores foreign {@code partition} of {@code table} to a local partition, or resumes that
   * restore.
   */
  public MoveResult restore(
      QualifiedName table, QualifiedName partition, boolean keepRemote, int jobs) {
    return withControl(
        partition,
        (control, journal) -> {
          Optional<Operation> unfinished = journal.unfinished(partition);
          if (unfinished.isPresent()) {
            if (unfinished.get().kind() != OperationKind.RESTORE) {
              throw unfinishedConflict(unfinished.get());
            }
            return run(control, journal, unfinished.get());
          }
          Optional<MoveResult> fulfilled =
              alreadyLocal(control, Optional.of(journal), table, partition);
          if (fulfilled.isPresent()) {
            return fulfilled.get();
          }
          RestorePreflight checked = preflightRestore(control, table, partition);
          PartitionedTable parent = checked.parent();
          Partition current = checked.partition();
          Tier.Foreign foreign = checked.foreign();
          ServerConfig server = config.server(foreign.server());
          Operation operation =
              journal.begin(
                  OperationKind.RESTORE,
                  parent.name(),
                  partition,
                  current.bound().expression(),
                  server.name(),
                  QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable()),
                  id -> derivedName(partition, "_s" + id + "_in"),
                  id -> derivedName(partition, "_s" + id + "_old"),
                  Math.max(1, jobs),
                  keepRemote);
          Failpoints.hit("restore.after_intent");
          return run(control, journal, operation);
        });
  }

  /** Finishes an interrupted operation. */
  public MoveResult resume(long operationId) {
    Operation operation;
    try (Database control = coordinator()) {
      operation =
          new Journal(control).find(operationId).orElseThrow(() -> Journal.notFound(operationId));
    }
    if (operation.state().isTerminal()) {
      return MoveResult.of(operation);
    }
    if (operation.kind() == OperationKind.RETIRE) {
      Operation retire = operation;
      Optional<java.nio.file.Path> exportDirectory =
          config.findTable(retire.parent()).flatMap(TableConfig::exportBeforeRetire);
      return withControl(
          operation.partition(),
          (control, journal) ->
              MoveResult.of(
                  new Retirer(connections, progress)
                      .resume(
                          control,
                          journal,
                          journal.find(operationId).orElseThrow(),
                          exportDirectory)
                      .operation()));
    }
    return withControl(
        operation.partition(),
        (control, journal) -> run(control, journal, journal.find(operationId).orElseThrow()));
  }

  /** Unfinished operations, oldest first, plus swapped ones whose grace period has ended. */
  public List<Operation> resumable() {
    try (Database control = coordinator()) {
      Journal journal = new Journal(control);
      return journal.all().stream()
          .filter(op -> !op.state().isTerminal())
          .filter(
              op ->
                  op.state() != OperationState.SWAPPED
                      || op.dropAfter().map(at -> !at.isAfter(OffsetDateTime.now())).orElse(true))
          .toList();
    }
  }

  /**
   * Rolls back an operation that has not swapped: removes the freeze and the target table it
   * created, never anything the journal does not own.
   */
  public Operation abort(long operationId) {
    Operation found;
    try (Database control = coordinator()) {
      found =
          new Journal(control).find(operationId).orElseThrow(() -> Journal.notFound(operationId));
    }
    if (found.state().isTerminal()) {
      return found;
    }
    if (!found.state().isBefore(OperationState.SWAPPED)) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "operation "
              + operationId
              + " has already swapped "
              + found.partition().display()
              + "; it can no longer be aborted",
          found.kind() == OperationKind.ARCHIVE
              ? "finish it with `strata resume "
                  + operationId
                  + "`, then `strata restore` to bring the rows back"
              : "finish it with `strata resume " + operationId + "`");
    }
    return withControl(
            found.partition(),
            (control, journal) -> {
              Operation operation = journal.find(operationId).orElseThrow();
              rollBack(control, operation);
              return MoveResult.of(journal.advance(operation, OperationState.ABORTED, "aborted"));
            })
        .operation();
  }

  /** Re-checks archived partitions' remote rows against the checksum their archive recorded. */
  public List<VerifyOutcome> verify(QualifiedName table, Optional<QualifiedName> only) {
    List<VerifyOutcome> outcomes = new ArrayList<>();
    try (Database control = coordinator()) {
      Journal journal = new Journal(control);
      PartitionedTable parent = new CatalogReader(control).partitionedTable(table);
      only.ifPresent(name -> requirePartition(parent, name));
      Column key = keyColumn(parent);
      for (Partition partition : parent.partitions()) {
        if (only.isPresent() && !only.get().equals(partition.name())) {
          continue;
        }
        Optional<Tier.Foreign> foreign = partition.foreign();
        if (foreign.isEmpty()) {
          if (only.isPresent()) {
            throw new StrataException(
                ErrorCode.INVALID_TARGET,
                partition.name().display() + " is local; only archived partitions are verified",
                null);
          }
          continue;
        }
        Optional<Operation> archived =
            journal.all().stream()
                .filter(
                    op -> op.kind() == OperationKind.ARCHIVE && op.state() == OperationState.DONE)
                .filter(
                    op ->
                        op.partition().equals(partition.name())
                            && op.server().equals(foreign.get().server()))
                .reduce((first, second) -> second);
        if (archived.isEmpty()) {
          outcomes.add(
              new VerifyOutcome(
                  partition.name().display(),
                  foreign.get().server(),
                  Optional.empty(),
                  Optional.empty(),
                  "no checksum recorded: not archived by Strata"));
          continue;
        }
        Operation operation = archived.get();
        RangeBounds bounds = RangeBounds.of((PartitionBound.Range) partition.bound(), key);
        try (Database remote = open(foreign.get().server())) {
          Fingerprint now =
              Fingerprints.of(
                  remote,
                  operation.remoteTable(),
                  parent.columns(),
                  bounds.outsideCondition(),
                  bounds.parameters());
          Fingerprint recorded =
              new Fingerprint(
                  operation.sourceRows().orElse(-1),
                  Fingerprints.parseChecksum(operation.sourceChecksum().orElse("0")),
                  0);
          String verdict =
              now.sameRowsAs(recorded) && now.outOfRange() == 0
                  ? "ok"
                  : "MISMATCH: the remote rows differ from what was archived";
          outcomes.add(
              new VerifyOutcome(
                  partition.name().display(),
                  foreign.get().server(),
                  Optional.of(recorded),
                  Optional.of(now),
                  verdict));
        }
      }
    }
    return outcomes;
  }

  /** One partition's verification. */
  public record VerifyOutcome(
      String partition,
      String server,
      Optional<Fingerprint> recorded,
      Optional<Fingerprint> found,
      String verdict) {
    public boolean ok() {
      return verdict.equals("ok");
    }
  }

  // ---------------------------------------------------------------- the protocol

  private MoveResult run(Database control, Journal journal, Operation start) {
    long began = System.nanoTime();
    Timings timings = new Timings();
    Operation operation = start;
    try {
      while (!operation.state().isTerminal()) {
        operation =
            switch (operation.state()) {
              case INTENT ->
                  step(
                      journal,
                      prepareTarget(control, operation),
                      OperationState.TARGET_READY,
                      "target table ready",
                      "after_target");
              case TARGET_READY ->
                  step(
                      journal,
                      freeze(control, operation),
                      OperationState.FROZEN,
                      "source frozen",
                      "after_freeze");
              case FROZEN ->
                  step(
                      journal,
                      copy(control, operation, timings),
                      OperationState.COPIED,
                      timings.rows + " rows copied",
                      "after_copy");
              case COPIED ->
                  step(
                      journal,
                      buildIndexes(control, operation, timings),
                      OperationState.INDEXED,
                      "indexes built",
                      "after_indexes");
              case INDEXED -> {
                Operation verified = verifyCopy(control, journal, operation, timings);
                Failpoints.hit(operation.kind().label() + ".after_verify");
                yield verified;
              }
              case VERIFIED ->
                  step(
                      journal,
                      swap(control, journal, operation, timings),
                      OperationState.SWAPPED,
                      "swapped",
                      "after_swap");
              case SWAPPED -> {
                Operation refreshed = journal.find(operation.id()).orElseThrow();
                if (refreshed
                    .dropAfter()
                    .map(at -> at.isAfter(OffsetDateTime.now()))
                    .orElse(false)) {
                  progress.step(
                      refreshed, "keeping the old copy until " + refreshed.dropAfter().get());
                  yield null;
                }
                yield cleanUp(control, journal, refreshed);
              }
              default -> throw new IllegalStateException("unexpected state " + operation.state());
            };
        if (operation == null) {
          operation = journal.find(start.id()).orElseThrow();
          break;
        }
      }
    } catch (StrataException e) {
      Operation failed = journal.find(operation.id()).orElse(operation);
      if (e instanceof Reported || failed.state() == OperationState.ABORTED) {
        throw e;
      }
      journal.recordError(failed, e.getMessage());
      throw new StrataException(
          e.code(),
          failed.kind().label()
              + " of "
              + failed.partition().display()
              + " (operation "
              + failed.id()
              + ") stopped before step '"
              + next(failed.state())
              + "': "
              + e.getMessage(),
          stateAdvice(failed, e),
          e);
    }
    return new MoveResult(
        Optional.of(operation),
        Optional.empty(),
        timings.rows,
        timings.bytes,
        timings.copy,
        timings.indexes,
        timings.verify,
        timings.swap,
        Duration.ofNanos(System.nanoTime() - began),
        timings.swapAttempts);
  }

  private Operation step(
      Journal journal, Operation operation, OperationState next, String detail, String failpoint) {
    Operation advanced = journal.advance(operation, next, detail);
    Failpoints.hit(operation.kind().label() + "." + failpoint);
    return advanced;
  }

  private static String next(OperationState state) {
    return switch (state) {
      case INTENT -> "create target table";
      case TARGET_READY -> "freeze";
      case FROZEN -> "copy";
      case COPIED -> "indexes";
      case INDEXED -> "verify";
      case VERIFIED -> "swap";
      case SWAPPED -> "cleanup";
      default -> state.label();
    };
  }

  /**
   * Whether running the same step again can succeed without anyone changing anything: a lost
   * connection, a timeout, a lock or serialization conflict, a server starting up. An SQL error
   * about the statement or the data itself (undefined object, invalid data, a constraint, a feature
   * not supported) fails the same way on every rerun.
   */
  static boolean rerunMayFix(StrataException e) {
    if (e.code() != ErrorCode.DATABASE || !(e.getCause() instanceof java.sql.SQLException sql)) {
      return true;
    }
    String state = sql.getSQLState();
    if (state == null || state.length() < 2) {
      return true;
    }
    return switch (state.substring(0, 2)) {
      case "0A", "22", "23", "2B", "2F", "39", "42", "44" -> false;
      default -> true;
    };
  }

  private static String stateAdvice(Operation operation, StrataException cause) {
    if (operation.state().isBefore(OperationState.SWAPPED) && !rerunMayFix(cause)) {
      return "A rerun would fail the same way. `strata abort "
          + operation.id()
          + "` rolls the operation back (the partition is unchanged"
          + (operation.state().isBefore(OperationState.FROZEN) ? "" : " and writable again")
          + "); fix the cause, then run the command again.";
    }
    return stateAdvice(operation);
  }

  private static String stateAdvice(Operation operation) {
    String data =
        operation.state().isBefore(OperationState.SWAPPED)
            ? "The partition is unchanged and still served from "
                + (operation.kind() == OperationKind.ARCHIVE
                    ? "the coordinator"
                    : "server " + operation.server())
                + (operation.state().isBefore(OperationState.FROZEN)
                    ? ""
                    : "; it stays frozen (read-only) until the operation finishes or is aborted")
                + ". "
            : "The new partition is attached and serving; only cleanup is left. ";
    return data
        + "Run `strata resume "
        + operation.id()
        + "` (or the same command again) to continue"
        + (operation.state().isBefore(OperationState.SWAPPED)
            ? ", or `strata abort " + operation.id() + "` to roll it back."
            : ".");
  }

  // P2: target table -----------------------------------------------------------

  private Operation prepareTarget(Database control, Operation operation) {
    progress.step(operation, "creating the target table");
    PartitionedTable parent = new CatalogReader(control).partitionedTable(operation.parent());
    RangeBounds bounds = bounds(operation, parent);
    if (operation.kind() == OperationKind.ARCHIVE) {
      ServerConfig server = config.server(operation.server());
      try (Database remote = open(operation.server())) {
        createOwnedTable(
            remote, operation.remoteTable(), parent.columns(), bounds, operation, true);
        remote.inTransaction(
            db -> {
              for (String grant :
                  MoveStatements.grantToMapping(
                      operation.remoteTable(),
                      server.mapping().user(),
                      server.connection().user(),
                      archivedUpdatable(operation))) {
                db.execute(grant);
              }
              return null;
            });
      }
    } else {
      createOwnedTable(
          control, operation.stagingName(), parent.columns(), bounds, operation, false);
    }
    return operation;
  }

  /**
   * Creates {@code table} with the parent's columns and the bounds as a CHECK constraint, tagged
   * with the operation; a leftover of this same operation is dropped first, a table the operation
   * does not own is refused.
   */
  private static void createOwnedTable(
      Database database,
      QualifiedName table,
      List<Column> columns,
      RangeBounds bounds,
      Operation operation,
      boolean createSchema) {
    Optional<String> owner = tableComment(database, table);
    if (new CatalogReader(database).findRelation(table).isPresent()) {
      if (!owner.equals(Optional.of(operation.ownerTag()))) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "table "
                + table.display()
                + " already exists on "
                + database.serverName()
                + " and operation "
                + operation.id()
                + " did not create it",
            "Strata never overwrites a table it does not own: rename or drop it on "
                + database.serverName()
                + ", then rerun; or `strata abort "
                + operation.id()
                + "`");
      }
      database.execute("DROP TABLE " + table.quoted());
    }
    database.inTransaction(
        db -> {
          for (String statement :
              MoveStatements.createTarget(
                  table, columns, bounds, operation.ownerTag(), createSchema)) {
            db.execute(statement);
          }
          return null;
        });
  }

  private static Optional<String> tableComment(Database database, QualifiedName table) {
    return new CatalogReader(database).tableComment(table);
  }

  // P3: freeze -----------------------------------------------------------------

  private Operation freeze(Database control, Operation operation) {
    progress.step(operation, "freezing " + operation.partition().display());
    if (operation.kind() == OperationKind.ARCHIVE) {
      // CREATE TRIGGER takes SHARE ROW EXCLUSIVE on the partition, which waits for every
      // transaction that has written to it (they hold ROW EXCLUSIVE) to finish; once it commits,
      // every later write sees the trigger. The triggers' identity is journaled in the same
      // transaction, for the swap to check.
      withLockRetries(
          control,
          () ->
              control.inTransaction(
                  db -> {
                    String marker = Freeze.freeze(db, operation.partition(), operation.id());
                    Journal.recordFreeze(db, operation, marker);
                    return null;
                  }));
    } else {
      // A foreign partition is frozen by making it read-only on the coordinator (postgres_fdw then
      // refuses INSERT, UPDATE and DELETE through it) and by the freeze triggers on the remote
      // table, which refuse writes made on the server directly.
      withLockRetries(
          control,
          () ->
              control.inTransaction(
                  db -> {
                    setUpdatable(db, operation.partition(), false);
                    return null;
                  }));
      freezeRemote(operation);
    }
    return operation;
  }

  private void freezeRemote(Operation operation) {
    try (Database remote = open(operation.server())) {
      Freeze.freezeOnServer(remote, operation.remoteTable(), operation.id());
    } catch (StrataException e) {
      if (e.getCause() instanceof java.sql.SQLException sql
          && SqlStates.INSUFFICIENT_PRIVILEGE.equals(sql.getSQLState())) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "cannot freeze "
                + operation.remoteTable().display()
                + " on server "
                + operation.server()
                + ": "
                + e.getMessage(),
            "Strata's role there ("
                + config.server(operation.server()).connection().user()
                + ") needs to own the table, or TRIGGER on it and CREATE on the database: e.g."
                + " GRANT TRIGGER ON "
                + operation.remoteTable().quoted()
                + " TO "
                + Identifiers.quote(config.server(operation.server()).connection().user())
                + "; then `strata resume "
                + operation.id()
                + "`, or `strata abort "
                + operation.id()
                + "`",
            e);
      }
      throw e;
    }
  }

  private void unfreezeRemote(Operation operation) {
    try (Database remote = open(operation.server())) {
      if (new CatalogReader(remote).findRelation(operation.remoteTable()).isPresent()) {
        withLockRetries(
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

  /** Makes a foreign table read-only or writable ({@code updatable} option, ADD or SET). */
  static void setUpdatable(Database db, QualifiedName foreignTable, boolean updatable) {
    boolean present = new CatalogReader(db).foreignTableHasOption(foreignTable, "updatable");
    db.execute(
        "ALTER FOREIGN TABLE "
            + foreignTable.quoted()
            + " OPTIONS ("
            + (present ? "SET" : "ADD")
            + " updatable "
            + Identifiers.literal(Boolean.toString(updatable))
            + ")");
  }

  // P4: copy -------------------------------------------------------------------

  private Operation copy(Database control, Operation operation, Timings timings) {
    progress.step(operation, "copying rows");
    PartitionedTable parent = new CatalogReader(control).partitionedTable(operation.parent());
    List<Column> columns = parent.columns();
    boolean archive = operation.kind() == OperationKind.ARCHIVE;
    String sourceServer = archive ? Connections.COORDINATOR : operation.server();
    String targetServer = archive ? operation.server() : Connections.COORDINATOR;
    QualifiedName sourceTable = archive ? operation.partition() : operation.remoteTable();
    QualifiedName targetTable = archive ? operation.remoteTable() : operation.stagingName();
    long expectedRows = estimateRows(sourceServer, sourceTable);
    long pages = pages(sourceServer, sourceTable);
    int streams = (int) Math.max(1, Math.min(operation.jobs(), pages));
    long started = System.nanoTime();
    AtomicLong rows = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    CopyRelay.Progress report =
        (rowsDelta, bytesDelta) ->
            progress.copied(rows.addAndGet(rowsDelta), bytes.addAndGet(bytesDelta), expectedRows);
    String failpoint = Failpoints.enabled() ? operation.kind().label() + ".copy_rows" : null;
    // The source is frozen, so its fingerprint can be taken while it is being copied: the
    // verification step then only has to read the target.
    RangeBounds bounds = bounds(operation, parent);
    CompletableFuture<Fingerprint> sourceFingerprint =
        CompletableFuture.supplyAsync(
            () -> fingerprint(sourceServer, sourceTable, columns, bounds));
    if (streams == 1) {
      try (Database source = openBulk(sourceServer);
          Database target = openBulk(targetServer)) {
        CopyRelay.Result result =
            target.inTransaction(
                db -> {
                  // TRUNCATE in the same transaction lets COPY write frozen rows (FREEZE): no
                  // later vacuum has to visit every page of a table that will never change.
                  db.execute("TRUNCATE " + targetTable.quoted());
                  return CopyRelay.relay(
                      source,
                      MoveStatements.copyOut(sourceTable, columns, ""),
                      db,
                      MoveStatements.copyIn(targetTable, columns, true),
                      config.timeouts().statement(),
                      report,
                      failpoint);
                });
        rows.set(result.rows());
        bytes.set(result.bytes());
      }
    } else {
      try (Database target = openBulk(targetServer)) {
        target.execute("TRUNCATE " + targetTable.quoted());
      }
      ExecutorService pool = Executors.newFixedThreadPool(streams);
      try {
        List<CompletableFuture<CopyRelay.Result>> parts = new ArrayList<>();
        long perStream = (pages + streams - 1) / streams;
        for (int i = 0; i < streams; i++) {
          long from = i * perStream;
          String range = MoveStatements.blockRange(from, i == streams - 1 ? -1 : from + perStream);
          parts.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    try (Database source = openBulk(sourceServer);
                        Database target = openBulk(targetServer)) {
                      return target.inTransaction(
                          db ->
                              CopyRelay.relay(
                                  source,
                                  MoveStatements.copyOut(sourceTable, columns, range),
                                  db,
                                  MoveStatements.copyIn(targetTable, columns, false),
                                  config.timeouts().statement(),
                                  report,
                                  failpoint));
                    }
                  },
                  pool));
        }
        long total = 0;
        long totalBytes = 0;
        for (CompletableFuture<CopyRelay.Result> part : parts) {
          CopyRelay.Result result = join(part);
          total += result.rows();
          totalBytes += result.bytes();
        }
        rows.set(total);
        bytes.set(totalBytes);
      } finally {
        pool.shutdownNow();
      }
    }
    timings.rows = rows.get();
    timings.bytes = bytes.get();
    timings.copy = Duration.ofNanos(System.nanoTime() - started);
    timings.sourceFingerprint = join(sourceFingerprint);
    return operation;
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof StrataException strata) {
        throw strata;
      }
      throw new StrataException(
          ErrorCode.INTERNAL, "copy stream failed: " + e.getCause(), null, e.getCause());
    }
  }

  private long estimateRows(String server, QualifiedName table) {
    try (Database database = open(server)) {
      return new CatalogReader(database)
          .tableSize(table)
          .flatMap(
              size -> {
                var rows = size.estimatedRows();
                return rows.isPresent() ? Optional.of(rows.getAsLong()) : Optional.empty();
              })
          .orElse(-1L);
    }
  }

  private long pages(String server, QualifiedName table) {
    try (Database database = open(server)) {
      return database
          .queryOne(
              """
              SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = ? AND c.relname = ?""",
              row -> row.getLong(1),
              table.schema(),
              table.name())
          .orElse(1L);
    }
  }

  // P5: indexes ----------------------------------------------------------------

  private Operation buildIndexes(Database control, Operation operation, Timings timings) {
    progress.step(operation, "building indexes");
    long started = System.nanoTime();
    boolean archive = operation.kind() == OperationKind.ARCHIVE;
    QualifiedName sourceTable = archive ? operation.partition() : operation.remoteTable();
    QualifiedName targetTable = archive ? operation.remoteTable() : operation.stagingName();
    List<String> definitions;
    try (Database source = open(archive ? Connections.COORDINATOR : operation.server())) {
      definitions = indexDefinitions(source, sourceTable, targetTable);
    }
    String targetServer = archive ? operation.server() : Connections.COORDINATOR;
    try (Database target = openBulk(targetServer)) {
      target.inTransaction(
          db -> {
            // Idempotent rebuild: indexes left by an interrupted attempt are dropped first.
            for (String index : existingIndexes(db, targetTable)) {
              db.execute("DROP INDEX " + index);
            }
            return null;
          });
    }
    // One connection per index: each build is single-threaded in PostgreSQL, so separate
    // sessions use the server's cores.
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.max(1, Math.min(4, definitions.size())));
    try {
      List<CompletableFuture<Void>> builds = new ArrayList<>();
      for (String definition : definitions) {
        builds.add(
            CompletableFuture.runAsync(
                () -> {
                  try (Database target = openBulk(targetServer)) {
                    target.execute("SET maintenance_work_mem = '256MB'");
                    target.execute(definition);
                  }
                },
                pool));
      }
      builds.forEach(PartitionMover::join);
    } finally {
      pool.shutdownNow();
    }
    timings.indexes = Duration.ofNanos(System.nanoTime() - started);
    return operation;
  }

  /**
   * The source's index definitions rewritten for the target: {@code pg_get_indexdef} output with
   * the index name dropped (PostgreSQL picks a free one) and the table replaced. Access method,
   * operator classes, collations, sort order, INCLUDE columns and predicates are kept.
   */
  private static List<String> indexDefinitions(
      Database source, QualifiedName sourceTable, QualifiedName targetTable) {
    return source.query(
        """
        SELECT pg_get_indexdef(x.indexrelid), x.indisunique,
               format('%I', ic.relname), format('%I.%I', n.nspname, c.relname)
        FROM pg_index x
        JOIN pg_class ic ON ic.oid = x.indexrelid
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ? AND c.relname = ?
        ORDER BY ic.relname""",
        row -> {
          String definition = row.getString(1);
          String prefix =
              (row.getBoolean(2) ? "CREATE UNIQUE INDEX " : "CREATE INDEX ")
                  + row.getString(3)
                  + " ON ";
          String table = row.getString(4);
          int tableAt = definition.indexOf(table, prefix.length());
          if (!definition.startsWith(prefix) || tableAt < 0) {
            throw new StrataException(
                ErrorCode.INTERNAL, "cannot rewrite index definition: " + definition);
          }
          return (row.getBoolean(2) ? "CREATE UNIQUE INDEX ON " : "CREATE INDEX ON ")
              + targetTable.quoted()
              + definition.substring(tableAt + table.length());
        },
        sourceTable.schema(),
        sourceTable.name());
  }

  private static List<String> existingIndexes(Database database, QualifiedName table) {
    return database.query(
        """
        SELECT format('%I.%I', n.nspname, ic.relname)
        FROM pg_index x
        JOIN pg_class ic ON ic.oid = x.indexrelid
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ? AND c.relname = ?""",
        row -> row.getString(1), table.schema(), table.name());
  }

  // P6: verify -----------------------------------------------------------------

  private Operation verifyCopy(
      Database control, Journal journal, Operation operation, Timings timings) {
    progress.step(operation, "verifying");
    long started = System.nanoTime();
    PartitionedTable parent = new CatalogReader(control).partitionedTable(operation.parent());
    RangeBounds bounds = bounds(operation, parent);
    boolean archive = operation.kind() == OperationKind.ARCHIVE;
    CompletableFuture<Fingerprint> source =
        timings.sourceFingerprint != null
            ? CompletableFuture.completedFuture(timings.sourceFingerprint)
            : CompletableFuture.supplyAsync(
                () ->
                    fingerprint(
                        archive ? Connections.COORDINATOR : operation.server(),
                        archive ? operation.partition() : operation.remoteTable(),
                        parent.columns(),
                        bounds));
    String targetServer = archive ? operation.server() : Connections.COORDINATOR;
    QualifiedName targetTable = archive ? operation.remoteTable() : operation.stagingName();
    // Statistics where the rows now live (the server plans its part of every query), gathered
    // while the target is being checksummed.
    CompletableFuture<Void> analyze =
        CompletableFuture.runAsync(
            () -> {
              try (Database target = openBulk(targetServer)) {
                target.execute("ANALYZE " + targetTable.quoted());
              }
            });
    Fingerprint target = fingerprint(targetServer, targetTable, parent.columns(), bounds);
    Fingerprint expected = join(source);
    join(analyze);
    timings.verify = Duration.ofNanos(System.nanoTime() - started);
    if (!expected.sameRowsAs(target) || target.outOfRange() != 0 || expected.outOfRange() != 0) {
      String detail = "source: " + expected + "; target: " + target;
      rollBack(control, operation);
      journal.advance(operation, OperationState.ABORTED, "verification failed: " + detail);
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "verification failed for "
              + operation.partition().display()
              + " ("
              + detail
              + "); the copy was discarded and the operation rolled back",
          "nothing changed for readers and the partition is writable again; run the command again to retry");
    }
    return journal.recordVerified(operation, expected.rows(), expected.checksum());
  }

  private Fingerprint fingerprint(
      String server, QualifiedName table, List<Column> columns, RangeBounds bounds) {
    try (Database database = openBulk(server)) {
      return Fingerprints.of(
          database, table, columns, bounds.outsideCondition(), bounds.parameters());
    }
  }

  // P7: swap -------------------------------------------------------------------

  private Operation swap(Database control, Journal journal, Operation operation, Timings timings) {
    progress.step(operation, "swapping partitions");
    long started = System.nanoTime();
    PartitionedTable parent = new CatalogReader(control).partitionedTable(operation.parent());
    Duration grace = grace(operation);
    long expectedRows = operation.sourceRows().orElseThrow();
    if (operation.kind() == OperationKind.ARCHIVE) {
      // Count through the coordinator before the swap: an unreachable server or a wrong mapping
      // fails here, not later queries. Probed first, bounded, since postgres_fdw waits for a server
      // that does not answer without a deadline; and counted in a transaction of its own, so the
      // swap's transaction opens no remote transaction, whose COMMIT would wait for the server with
      // no timeout at all while the parent is locked.
      ForeignServerProbe.probe(
          control, operation.server(), config.timeouts().connect(), Optional.empty());
      requireCount(countThroughCoordinator(control, operation, parent.columns()), expectedRows);
    }
    int attempts;
    try {
      attempts =
          withLockRetries(
              control,
              () ->
                  control.inTransaction(
                      db -> {
                        db.execute(
                            "SET LOCAL lock_timeout = "
                                + Identifiers.literal(swapLockTimeout().toMillis() + "ms"));
                        PartitionOwnership ownership = ownership(db, operation.partition());
                        if (operation.kind() == OperationKind.ARCHIVE) {
                          db.execute(
                              MoveStatements.createIncomingForeignTable(
                                  operation.stagingName(),
                                  parent.columns(),
                                  operation.server(),
                                  operation.remoteTable(),
                                  archivedUpdatable(operation)));
                        }
                        if (operation.kind() == OperationKind.RESTORE) {
                          requireCount(
                              db.queryOne(
                                      MoveStatements.countRows(operation.stagingName()),
                                      row -> row.getLong(1))
                                  .orElseThrow(),
                              expectedRows);
                        }
                        for (String statement :
                            MoveStatements.swap(
                                operation.parent(),
                                operation.partition(),
                                operation.stagingName(),
                                operation.detachedName(),
                                PartitionBound.parse(operation.bound()))) {
                          db.execute(statement);
                        }
                        // The DETACH holds ACCESS EXCLUSIVE on the old partition: from here nothing
                        // can write into it, so the freeze checked now covers every write since the
                        // copy was verified.
                        if (operation.kind() == OperationKind.ARCHIVE
                            && operation.freezeMarker().isPresent()
                            && !Freeze.intact(
                                db, operation.detachedName(), operation.freezeMarker().get())) {
                          throw new FreezeChanged();
                        }
                        for (String statement :
                            ownership.restoreOn(
                                operation.partition(), operation.kind() == OperationKind.ARCHIVE)) {
                          db.execute(statement);
                        }
                        if (operation.kind() == OperationKind.RESTORE) {
                          renameStagingIndexes(db, operation);
                        }
                        Failpoints.hit(operation.kind().label() + ".before_swap_commit");
                        Journal.markSwapped(db, operation, grace);
                        return null;
                      }));
    } catch (FreezeChanged changed) {
      rollBack(control, operation);
      journal.advance(operation, OperationState.ABORTED, "the freeze was changed before the swap");
      throw new Reported(
          ErrorCode.CHECK_FAILED,
          "archive of "
              + operation.partition().display()
              + " (operation "
              + operation.id()
              + ") was rolled back: the freeze of "
              + operation.partition().display()
              + " was changed while the operation ran (a freeze trigger was disabled, dropped or"
              + " re-created), so writes may have got past it and the verified copy cannot be"
              + " trusted. The partition is local and writable again, the copy on server "
              + operation.server()
              + " was dropped; nothing was lost",
          "find what altered the triggers on "
              + operation.partition().display()
              + " (ALTER TABLE ... DISABLE TRIGGER, pg_restore --disable-triggers), then run the"
              + " same command again");
    }
    timings.swap = Duration.ofNanos(System.nanoTime() - started);
    timings.swapAttempts = attempts;
    return operation;
  }

  private static void requireCount(long seen, long expectedRows) {
    if (seen != expectedRows) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "the coordinator sees "
              + seen
              + " rows in the new partition, the verified copy has "
              + expectedRows,
          null);
    }
  }

  /**
   * The archived rows counted through the coordinator's foreign server and user mapping, by a
   * temporary foreign table on the remote table, in a transaction that is rolled back.
   */
  private long countThroughCoordinator(
      Database control, Operation operation, List<Column> columns) {
    QualifiedName probe = QualifiedName.of("pg_temp", "strata_count");
    try {
      control.connection().setAutoCommit(false);
      try {
        control.execute(
            MoveStatements.createIncomingForeignTable(
                probe, columns, operation.server(), operation.remoteTable(), false));
        return control
            .queryOne(MoveStatements.countRows(probe), row -> row.getLong(1))
            .orElseThrow();
      } finally {
        control.connection().rollback();
        control.connection().setAutoCommit(true);
      }
    } catch (java.sql.SQLException e) {
      throw control.failure("ROLLBACK", e);
    }
  }

  /**
   * PostgreSQL names indexes after their table, so the restored partition's indexes carry the
   * staging table's name; give them the partition's name instead, where that name is free.
   */
  private static void renameStagingIndexes(Database db, Operation operation) {
    String stagingPrefix = operation.stagingName().name();
    List<String> names =
        db.query(
            """
            SELECT ic.relname FROM pg_index x
            JOIN pg_class ic ON ic.oid = x.indexrelid
            JOIN pg_class c ON c.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relname = ?""",
            row -> row.getString(1),
            operation.partition().schema(),
            operation.partition().name());
    for (String name : names) {
      if (!name.startsWith(stagingPrefix)) {
        continue;
      }
      QualifiedName renamed =
          derivedName(
              QualifiedName.of(operation.partition().schema(), operation.partition().name()),
              name.substring(stagingPrefix.length()));
      if (new CatalogReader(db).findRelation(renamed).isEmpty()) {
        db.execute(
            "ALTER INDEX "
                + QualifiedName.of(operation.partition().schema(), name).quoted()
                + " RENAME TO "
                + Identifiers.quote(renamed.name()));
      }
    }
  }

  /** Owner, grants and comment of a relation, to carry over to its replacement. */
  private record PartitionOwnership(String owner, List<String> grants, Optional<String> comment) {
    List<String> restoreOn(QualifiedName table, boolean foreign) {
      String kind = foreign ? "FOREIGN TABLE " : "TABLE ";
      List<String> statements = new ArrayList<>();
      statements.add("ALTER " + kind + table.quoted() + " OWNER TO " + Identifiers.quote(owner));
      for (String grant : grants) {
        statements.add(grant.replace("\u0000", table.quoted()));
      }
      statements.add(
          "COMMENT ON "
              + kind
              + table.quoted()
              + " IS "
              + comment.map(Identifiers::literal).orElse("NULL"));
      return statements;
    }
  }

  private static PartitionOwnership ownership(Database db, QualifiedName table) {
    record Grant(String grantee, String privilege, boolean grantable) {}
    String owner =
        db.queryOne(
                """
                SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?""",
                row -> row.getString(1),
                table.schema(),
                table.name())
            .orElseThrow();
    List<Grant> grants =
        db.query(
            """
            SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END,
                   a.privilege_type, a.is_grantable
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                 aclexplode(c.relacl) a
            WHERE n.nspname = ? AND c.relname = ? AND a.grantee <> c.relowner""",
            row -> new Grant(row.getString(1), row.getString(2), row.getBoolean(3)),
            table.schema(),
            table.name());
    Optional<String> comment = tableComment(db, table);
    List<String> statements =
        grants.stream()
            .map(
                grant ->
                    "GRANT "
                        + grant.privilege()
                        + " ON TABLE \u0000 TO "
                        + (grant.grantee() == null ? "PUBLIC" : Identifiers.quote(grant.grantee()))
                        + (grant.grantable() ? " WITH GRANT OPTION" : ""))
            .toList();
    return new PartitionOwnership(owner, statements, comment);
  }

  private int withLockRetries(Database control, Runnable work) {
    return LockRetries.run(control, work);
  }

  private Duration swapLockTimeout() {
    Duration configured = config.timeouts().lock();
    Duration cap = Duration.ofMillis(200);
    return configured.compareTo(cap) < 0 ? configured : cap;
  }

  // P8: cleanup ----------------------------------------------------------------

  /**
   * Drops the old copy, after proving it still holds exactly the rows that were verified: the
   * freeze and the swap's check stop every way of writing we know of, and this re-hash catches any
   * other, before the only other copy of a row could be dropped.
   */
  private Operation cleanUp(Database control, Journal journal, Operation operation) {
    progress.step(operation, "checking and dropping the old copy");
    PartitionedTable parent = new CatalogReader(control).partitionedTable(operation.parent());
    RangeBounds bounds = bounds(operation, parent);
    if (operation.kind() == OperationKind.ARCHIVE) {
      // Statistics for the coordinator's planner, gathered while the old copy is re-hashed:
      // postgres_fdw samples the remote table over the network, so a small sample (3,000 rows)
      // keeps this short; archived partitions need row counts and rough distributions, not
      // fine-grained histograms.
      CompletableFuture<Void> analyze =
          CompletableFuture.runAsync(() -> analyzeForeignPartition(operation));
      try {
        if (new CatalogReader(control).findRelation(operation.detachedName()).isPresent()) {
          Fingerprint old =
              fingerprint(
                  Connections.COORDINATOR, operation.detachedName(), parent.columns(), bounds);
          if (!old.sameRowsAs(verified(operation))) {
            analyze.join();
            divergedArchive(control, journal, operation, parent, bounds, old);
          }
          control.execute("DROP TABLE IF EXISTS " + operation.detachedName().quoted());
        }
      } finally {
        analyze.join();
      }
      Failpoints.hit("archive.after_cleanup");
    } else {
      control.execute("DROP FOREIGN TABLE IF EXISTS " + operation.detachedName().quoted());
      try (Database remote = open(operation.server())) {
        CatalogReader catalog = new CatalogReader(remote);
        if (catalog.findRelation(operation.remoteTable()).isPresent()) {
          Fingerprint now =
              fingerprint(operation.server(), operation.remoteTable(), parent.columns(), bounds);
          if (!now.sameRowsAs(verified(operation))) {
            divergedRestore(journal, operation, now);
          }
          Optional<String> tag = catalog.tableComment(operation.remoteTable());
          if (!operation.keepRemote()
              && tag.isPresent()
              && tag.get().startsWith("strata:operation:")) {
            remote.execute("DROP TABLE IF EXISTS " + operation.remoteTable().quoted());
          } else {
            Freeze.unfreeze(remote, operation.remoteTable());
            LOG.info(
                "keeping {} on {}{}",
                operation.remoteTable().display(),
                operation.server(),
                operation.keepRemote() ? "" : ": Strata did not create it");
          }
        }
      }
      Failpoints.hit("restore.after_cleanup");
    }
    return journal.advance(operation, OperationState.DONE, "old copy dropped");
  }

  private void analyzeForeignPartition(Operation operation) {
    try (Database coordinator = coordinator()) {
      ForeignServerProbe.probe(
          coordinator, operation.server(), config.timeouts().connect(), Optional.empty());
      coordinator.execute("SET default_statistics_target = 10");
      coordinator.execute("ANALYZE " + operation.partition().quoted());
    } catch (StrataException e) {
      LOG.warn("ANALYZE of {} failed: {}", operation.partition().display(), e.getMessage());
    }
  }

  private static Fingerprint verified(Operation operation) {
    return new Fingerprint(
        operation.sourceRows().orElseThrow(),
        Fingerprints.parseChecksum(operation.sourceChecksum().orElseThrow()),
        0);
  }

  /**
   * The old local copy of an archived partition no longer holds the verified rows: something wrote
   * into it after verification. If the archived partition is read-only, nothing can have changed on
   * the server since the swap, so the swap is reversed (the old copy, which has every row, is
   * attached again) and the operation aborted. A writable archived partition may have taken writes
   * of its own since, so neither side can be dropped: both are kept and the user decides.
   */
  private void divergedArchive(
      Database control,
      Journal journal,
      Operation operation,
      PartitionedTable parent,
      RangeBounds bounds,
      Fingerprint old) {
    String what =
        "the old local copy "
            + operation.detachedName().display()
            + " changed after it was verified ("
            + verified(operation).rows()
            + " rows then, "
            + old.rows()
            + " now): rows got past the freeze";
    if (archivedUpdatable(operation)) {
      journal.recordError(operation, what);
      throw new Reported(
          ErrorCode.CHECK_FAILED,
          "archive of "
              + operation.partition().display()
              + " (operation "
              + operation.id()
              + ") kept both copies: "
              + what
              + ", and the archived partition is writable, so Strata cannot tell which copy is"
              + " complete. Nothing was dropped",
          "move the missing rows into the parent, e.g. INSERT INTO "
              + parent.name().quoted()
              + " SELECT * FROM "
              + operation.detachedName().quoted()
              + " EXCEPT SELECT * FROM "
              + operation.partition().quoted()
              + "; then DROP TABLE "
              + operation.detachedName().quoted()
              + " and run `strata resume "
              + operation.id()
              + "`");
    }
    progress.step(operation, "reversing the swap: the old copy has rows the archive lacks");
    QualifiedName detached = operation.detachedName();
    CatalogReader catalog = new CatalogReader(control);
    boolean constrained =
        catalog.checkConstraints(detached).stream()
            .anyMatch(c -> c.name().equals(MoveStatements.BOUNDS_CONSTRAINT) && c.validated());
    if (!constrained) {
      // A validated CHECK equal to the bounds lets ATTACH skip its scan of the table, which would
      // otherwise run while the parent is locked.
      control.execute(
          "ALTER TABLE "
              + detached.quoted()
              + " DROP CONSTRAINT IF EXISTS "
              + MoveStatements.BOUNDS_CONSTRAINT);
      control.execute(
          "ALTER TABLE "
              + detached.quoted()
              + " ADD CONSTRAINT "
              + MoveStatements.BOUNDS_CONSTRAINT
              + " CHECK ("
              + bounds.insideLiteral()
              + ") NOT VALID");
      control.execute(
          "ALTER TABLE "
              + detached.quoted()
              + " VALIDATE CONSTRAINT "
              + MoveStatements.BOUNDS_CONSTRAINT);
    }
    withLockRetries(
        control,
        () ->
            control.inTransaction(
                db -> {
                  db.execute(
                      "SET LOCAL lock_timeout = "
                          + Identifiers.literal(swapLockTimeout().toMillis() + "ms"));
                  PartitionOwnership ownership = ownership(db, operation.partition());
                  for (String statement :
                      MoveStatements.swap(
                          operation.parent(),
                          operation.partition(),
                          detached,
                          operation.stagingName(),
                          PartitionBound.parse(operation.bound()))) {
                    db.execute(statement);
                  }
                  for (String statement : ownership.restoreOn(operation.partition(), false)) {
                    db.execute(statement);
                  }
                  db.execute("DROP FOREIGN TABLE " + operation.stagingName().quoted());
                  db.execute(
                      "ALTER TABLE "
                          + operation.partition().quoted()
                          + " DROP CONSTRAINT "
                          + MoveStatements.BOUNDS_CONSTRAINT);
                  Freeze.unfreeze(db, operation.partition());
                  Journal.markAborted(db, operation, "swap reversed: " + what);
                  return null;
                }));
    try (Database remote = open(operation.server())) {
      dropIfOwned(remote, operation.remoteTable(), operation);
    } catch (StrataException e) {
      LOG.warn(
          "could not drop {} on {}: {}",
          operation.remoteTable().display(),
          operation.server(),
          e.getMessage());
    }
    throw new Reported(
        ErrorCode.CHECK_FAILED,
        "archive of "
            + operation.partition().display()
            + " (operation "
            + operation.id()
            + ") was reversed: "
            + what
            + ". "
            + operation.partition().display()
            + " is a local partition again with every row, and the copy on server "
            + operation.server()
            + " was dropped; nothing was lost",
        "find what wrote into "
            + operation.partition().display()
            + " while it was frozen (a superuser, or a session that disabled triggers), then run"
            + " the same command again");
  }

  /**
   * The remote table changed after a restore verified it: rows written on the server directly are
   * not in the restored partition. The restored partition stays (it may have taken writes since);
   * the remote table is kept, still frozen, for the user to reconcile.
   */
  private void divergedRestore(Journal journal, Operation operation, Fingerprint now) {
    String what =
        "the remote table "
            + operation.remoteTable().display()
            + " on server "
            + operation.server()
            + " changed after it was verified ("
            + verified(operation).rows()
            + " rows then, "
            + now.rows()
            + " now)";
    Operation done = journal.advance(operation, OperationState.DONE, "remote table kept: " + what);
    journal.recordError(done, what);
    throw new Reported(
        ErrorCode.CHECK_FAILED,
        "restore of "
            + operation.partition().display()
            + " (operation "
            + operation.id()
            + ") finished, but "
            + what
            + ": rows written there during the restore are not in the restored partition. The"
            + " remote table was kept, still frozen; nothing was lost",
        "on server "
            + operation.server()
            + ", find the rows the coordinator lacks (e.g. copy "
            + operation.remoteTable().quoted()
            + " to the coordinator and compare with EXCEPT), insert them through "
            + operation.parent().quoted()
            + ", then drop "
            + operation.remoteTable().quoted()
            + " there");
  }

  // Rollback ---------------------------------------------------------------------

  private void rollBack(Database control, Operation operation) {
    Optional<CatalogReader.Relation> partition =
        new CatalogReader(control).findRelation(operation.partition());
    boolean foreign = partition.map(r -> r.kind().equals("f")).orElse(false);
    if (partition.isPresent()) {
      withLockRetries(
          control,
          () ->
              control.inTransaction(
                  db -> {
                    if (foreign) {
                      setUpdatable(db, operation.partition(), archivedUpdatable(operation));
                    } else {
                      Freeze.unfreeze(db, operation.partition());
                    }
                    return null;
                  }));
    }
    boolean remoteSource =
        operation.kind() == OperationKind.RESTORE
            || (operation.kind() == OperationKind.RETIRE
                && !operation.server().equals(Connections.COORDINATOR));
    if (remoteSource) {
      unfreezeRemote(operation);
    }
    switch (operation.kind()) {
      case ARCHIVE -> {
        try (Database remote = open(operation.server())) {
          dropIfOwned(remote, operation.remoteTable(), operation);
        }
      }
      case RESTORE -> dropIfOwned(control, operation.stagingName(), operation);
      case RETIRE -> {}
    }
  }

  private static void dropIfOwned(Database database, QualifiedName table, Operation operation) {
    if (tableComment(database, table).equals(Optional.of(operation.ownerTag()))) {
      database.execute("DROP TABLE " + table.quoted());
    }
  }

  // Reruns after success ---------------------------------------------------------

  /**
   * Nothing to do when the partition is already on {@code server} (a rerun after success, e.g. by a
   * retry loop or after a kill that left the user unsure); an error when it is on another.
   */
  private Optional<MoveResult> alreadyArchived(
      Database control,
      Optional<Journal> journal,
      QualifiedName table,
      QualifiedName partitionName,
      String server) {
    PartitionedTable parent = new CatalogReader(control).partitionedTable(table);
    Optional<Tier.Foreign> foreign = parent.partition(partitionName).flatMap(Partition::foreign);
    if (foreign.isEmpty()) {
      return Optional.empty();
    }
    if (!foreign.get().server().equals(server)) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          partitionName.display()
              + " is archived on server "
              + foreign.get().server()
              + ", not "
              + server,
          "`strata restore "
              + table.display()
              + " "
              + partitionName.display()
              + "` brings it back; then archive it to "
              + server
              + ". Nothing was changed.");
    }
    Optional<Operation> last =
        journal.flatMap(j -> j.lastDone(partitionName, OperationKind.ARCHIVE));
    return Optional.of(
        MoveResult.nothingToDo(
            partitionName.display()
                + " is already archived on server "
                + server
                + last.map(op -> " (operation " + op.id() + ")").orElse("")
                + "; nothing to do",
            last));
  }

  /** Nothing to do when the partition is already local. */
  private Optional<MoveResult> alreadyLocal(
      Database control,
      Optional<Journal> journal,
      QualifiedName table,
      QualifiedName partitionName) {
    PartitionedTable parent = new CatalogReader(control).partitionedTable(table);
    Optional<Partition> partition = parent.partition(partitionName);
    if (partition.isEmpty() || !partition.get().isLocal()) {
      return Optional.empty();
    }
    Optional<Operation> last =
        journal.flatMap(j -> j.lastDone(partitionName, OperationKind.RESTORE));
    return Optional.of(
        MoveResult.nothingToDo(
            partitionName.display()
                + " is already local"
                + last.map(op -> " (restored by operation " + op.id() + ")").orElse("")
                + "; nothing to do",
            last));
  }

  // Pre-flight -----------------------------------------------------------------

  private record Preflight(
      PartitionedTable parent, Partition partition, QualifiedName remoteTable) {}

  private Preflight preflightArchive(
      Database control, QualifiedName table, QualifiedName partitionName, ServerConfig server) {
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
              + " local, or make the column an ordinary one (ALTER TABLE "
              + parent.name().quoted()
              + " ALTER COLUMN ... DROP EXPRESSION keeps its values). Nothing was changed.");
    }
    if (catalog.foreignServer(server.name()).isEmpty()) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "foreign server " + server.name() + " does not exist on the coordinator yet",
          "run `strata apply` first: it creates the foreign servers and user mappings from the config. Nothing was changed.");
    }
    QualifiedName remoteTable = partitionName;
    try (Database remote = open(server.name())) {
      refuseMissingDependencies(
          catalog, partitionName, new CatalogReader(remote), "server " + server.name());
      if (new CatalogReader(remote).findRelation(remoteTable).isPresent()) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "table "
                + remoteTable.display()
                + " already exists on server "
                + server.name()
                + " and no Strata operation owns it",
            "Strata never overwrites a table it does not own: rename or drop it there first. Nothing was changed.");
      }
    }
    return new Preflight(parent, partition, remoteTable);
  }

  private record RestorePreflight(
      PartitionedTable parent, Partition partition, Tier.Foreign foreign) {
    QualifiedName remoteTable() {
      return QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable());
    }
  }

  private RestorePreflight preflightRestore(
      Database control, QualifiedName table, QualifiedName partition) {
    CatalogReader catalog = new CatalogReader(control);
    PartitionedTable parent = catalog.partitionedTable(table);
    Partition current = requirePartition(parent, partition);
    Tier.Foreign foreign =
        current
            .foreign()
            .orElseThrow(
                () ->
                    new StrataException(
                        ErrorCode.INVALID_TARGET,
                        partition.display() + " is already local; there is nothing to restore",
                        "`strata status " + table.display() + "` shows each partition's tier"));
    keyColumn(parent);
    ServerConfig server = config.server(foreign.server());
    try (Database remote = open(server.name())) {
      QualifiedName remoteTable = QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable());
      if (new CatalogReader(remote).tableColumns(remoteTable).isPresent()) {
        refuseMissingDependencies(
            new CatalogReader(remote), remoteTable, catalog, "the coordinator");
      }
      if (new CatalogReader(remote)
          .tableColumns(QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable()))
          .isEmpty()) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "remote table "
                + foreign.remoteSchema()
                + "."
                + foreign.remoteTable()
                + " of "
                + partition.display()
                + " does not exist on server "
                + server.name(),
            "its rows cannot be restored from there. Nothing was changed.");
      }
    }
    return new RestorePreflight(parent, current, foreign);
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

  private static Partition requirePartition(PartitionedTable parent, QualifiedName partitionName) {
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

  private static Column keyColumn(PartitionedTable parent) {
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

  private static RangeBounds bounds(Operation operation, PartitionedTable parent) {
    PartitionBound bound = PartitionBound.parse(operation.bound());
    if (!(bound instanceof PartitionBound.Range range)) {
      throw new StrataException(
          ErrorCode.INTERNAL,
          "operation " + operation.id() + " has a non-range bound " + operation.bound());
    }
    return RangeBounds.of(range, keyColumn(parent));
  }

  private Optional<TableConfig> tableConfig(Operation operation) {
    return config.findTable(operation.parent());
  }

  private Duration grace(Operation operation) {
    return operation.kind() == OperationKind.ARCHIVE
        ? tableConfig(operation).map(TableConfig::detachedGrace).orElse(Duration.ZERO)
        : Duration.ZERO;
  }

  private boolean archivedUpdatable(Operation operation) {
    return tableConfig(operation).map(TableConfig::archivedUpdatable).orElse(false);
  }

  private static StrataException unfinishedConflict(Operation existing) {
    return new StrataException(
        ErrorCode.CHECK_FAILED,
        existing.partition().display()
            + " has an unfinished "
            + existing.kind().label()
            + " to server "
            + existing.server()
            + " (operation "
            + existing.id()
            + ", at "
            + existing.state().label()
            + ")",
        "finish it with `strata resume "
            + existing.id()
            + "` or roll it back with `strata abort "
            + existing.id()
            + "`");
  }

  static QualifiedName derivedName(QualifiedName partition, String suffix) {
    String base = partition.name();
    while ((base + suffix).getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        > Identifiers.MAX_IDENTIFIER_BYTES) {
      base = base.substring(0, base.length() - 1);
    }
    return QualifiedName.of(partition.schema(), base + suffix);
  }

  // Connections ----------------------------------------------------------------

  private interface ControlWork {
    MoveResult run(Database control, Journal journal);
  }

  private MoveResult withControl(QualifiedName partition, ControlWork work) {
    try (Database control = coordinator()) {
      Journal journal = new Journal(control);
      OperationLock.acquire(control, partition);
      try {
        return work.run(control, journal);
      } finally {
        OperationLock.release(control, partition);
      }
    }
  }

  private Database coordinator() {
    return new Database(Connections.COORDINATOR, connections.coordinator());
  }

  private Database open(String server) {
    return server.equals(Connections.COORDINATOR)
        ? coordinator()
        : new Database(server, connections.server(server));
  }

  /** A connection for bulk work: no statement timeout short enough to cut a large copy. */
  private Database openBulk(String server) {
    Database database = open(server);
    database.setStatementTimeout(BULK_STATEMENT_TIMEOUT);
    return database;
  }

  /** Thrown inside the swap's transaction when the freeze is no longer the one journaled. */
  private static final class FreezeChanged extends RuntimeException {
    FreezeChanged() {
      super("the freeze was changed", null, false, false);
    }
  }

  /**
   * A failure whose message already says what happened to the operation and the data; the runner
   * passes it on as it is instead of adding its resume-or-abort advice.
   */
  private static final class Reported extends StrataException {
    Reported(ErrorCode code, String message, String hint) {
      super(code, message, hint);
    }
  }

  /** Measurements of one run. */
  private static final class Timings {
    long rows;
    long bytes;
    Duration copy = Duration.ZERO;
    Duration indexes = Duration.ZERO;
    Duration verify = Duration.ZERO;
    Duration swap = Duration.ZERO;
    int swapAttempts;
    Fingerprint sourceFingerprint;
  }
}
