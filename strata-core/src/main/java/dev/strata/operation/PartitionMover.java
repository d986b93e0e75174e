package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionBound;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.Tier;
import dev.strata.config.StrataConfig;
import dev.strata.config.TableConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import dev.strata.verify.Fingerprint;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Moves partitions between the coordinator and its servers with the journaled protocol of
 * docs/architecture.md: archive (a local partition to a server), restore (a foreign partition's
 * rows back to a local partition) and move (a foreign partition's rows from one server to another).
 * This class is the entry point: it takes the operation's lock, checks, records the intent and
 * hands the operation to {@link MoveRunner}, whose steps ({@link MoveStep#PROTOCOL}) describe and
 * execute the same {@link Action}s. A dry run ({@link #planArchive} and its siblings) is those
 * actions rendered, planned from the same facts, with the id the operation will get.
 *
 * <p>The invariants it keeps, whatever is interrupted:
 *
 * <ul>
 *   <li>The journal row is committed before any resource exists, naming all of them, and each
 *       step's completion commits with the step's last transaction or right after it; every step is
 *       idempotent, so a rerun resumes at the first unrecorded step.
 *   <li>From the freeze on, the source cannot change: writes fail loudly naming the operation, and
 *       the copy, verification and swap may run in separate transactions without holding a lock on
 *       the parent.
 *   <li>The swap is one short coordinator transaction, so exactly one partition covers the range at
 *       every instant.
 *   <li>A copy that does not verify is never swapped in, and an old copy is never dropped unless it
 *       still holds the verified rows.
 * </ul>
 *
 * <p>One session-level advisory lock per partition, held for the whole run on the control
 * connection, makes a second concurrent move of the same partition fail at once.
 */
public final class PartitionMover {
  private final Connections connections;
  private final StrataConfig config;
  private final MoveProgress progress;
  private final MovePlanner planner;
  private final MoveRunner runner;

  public PartitionMover(Connections connections, MoveProgress progress) {
    this.connections = connections;
    this.config = connections.config();
    this.progress = progress;
    this.planner = new MovePlanner(connections);
    this.runner = new MoveRunner(connections, progress);
  }

  // ---------------------------------------------------------------- entry points

  /** Archives {@code partition} of {@code table} to {@code server}, or resumes that archive. */
  public MoveResult archive(QualifiedName table, QualifiedName partition, String server, int jobs) {
    config.server(server);
    return startOrResume(
        partition,
        OperationKind.ARCHIVE,
        server,
        (control, journal) -> alreadyArchived(control, journal, table, partition, server),
        (control, id) ->
            planner.preflightArchive(control, table, partition, server, jobs, id, false));
  }

  /**
   * Restores foreign {@code partition} of {@code table} to a local partition, or resumes that
   * restore.
   */
  public MoveResult restore(
      QualifiedName table, QualifiedName partition, boolean keepRemote, int jobs) {
    return startOrResume(
        partition,
        OperationKind.RESTORE,
        null,
        (control, journal) -> alreadyLocal(control, journal, table, partition),
        (control, id) -> planner.preflightRestore(control, table, partition, keepRemote, jobs, id));
  }

  /**
   * Moves foreign {@code partition} of {@code table} from the server that holds it to {@code
   * server}, or resumes that move.
   */
  public MoveResult move(QualifiedName table, QualifiedName partition, String server, int jobs) {
    config.server(server);
    if (sharded(table)) {
      return new ShardMover(connections, progress).move(table, partition, server);
    }
    return startOrResume(
        partition,
        OperationKind.MOVE,
        server,
        (control, journal) -> alreadyOn(control, journal, table, partition, server),
        (control, id) -> planner.preflightMove(control, table, partition, server, jobs, id));
  }

  private static boolean isShard(Operation operation) {
    return operation.kind() == OperationKind.SHARD_MOVE
        || operation.kind() == OperationKind.SHARD_SPLIT;
  }

  /**
   * Whether {@code table} is hash- or list-partitioned: its partitions are shards, moved with
   * {@link ShardMover} (logical replication where the source allows it).
   */
  private boolean sharded(QualifiedName table) {
    try (Database control = coordinator()) {
      return new CatalogReader(control).partitionedTable(table).strategy()
          != dev.strata.catalog.PartitionStrategy.RANGE;
    }
  }

  /** Whether a request is fulfilled already (a rerun after success): what to report if so. */
  private interface Fulfilled {
    Optional<MoveResult> check(Database control, Optional<Journal> journal);
  }

  /** A kind of move's pre-flight, for an operation that will get {@code id}. */
  private interface Preflight {
    MovePlanner.Checked check(Database control, long id);
  }

  /**
   * Under the partition's lock: resumes an unfinished operation of the same kind, reports a
   * fulfilled request, or checks and starts a new operation.
   */
  private MoveResult startOrResume(
      QualifiedName partition,
      OperationKind kind,
      String server,
      Fulfilled fulfilled,
      Preflight preflight) {
    return withControl(
        partition,
        (control, journal) -> {
          Optional<MoveResult> resumed = resumeSame(control, journal, partition, kind, server);
          if (resumed.isPresent()) {
            return resumed.get();
          }
          Optional<MoveResult> done = fulfilled.check(control, Optional.of(journal));
          if (done.isPresent()) {
            return done.get();
          }
          MovePlanner.Checked checked = preflight.check(control, Journal.nextId(control));
          return runner.start(control, journal, checked.operation());
        });
  }

  /** An unfinished operation of the same kind (and target) is resumed; another one conflicts. */
  private Optional<MoveResult> resumeSame(
      Database control,
      Journal journal,
      QualifiedName partition,
      OperationKind kind,
      String server) {
    Optional<Operation> unfinished = journal.unfinished(partition);
    if (unfinished.isEmpty()) {
      return Optional.empty();
    }
    Operation existing = unfinished.get();
    if (existing.kind() != kind || (server != null && !existing.server().equals(server))) {
      throw unfinishedConflict(existing);
    }
    return Optional.of(runner.run(control, journal, existing));
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
    if (isShard(operation)) {
      return new ShardMover(connections, progress).resume(operation);
    }
    if (operation.kind() == OperationKind.RETIRE) {
      Optional<java.nio.file.Path> exportDirectory = exportDirectory(operation);
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
        (control, journal) ->
            runner.run(control, journal, journal.find(operationId).orElseThrow()));
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
    refuseAbortAfterSwap(found);
    if (isShard(found)) {
      return new ShardMover(connections, progress).abort(found);
    }
    return withControl(
            found.partition(),
            (control, journal) -> {
              Operation operation = journal.find(operationId).orElseThrow();
              if (operation.kind() == OperationKind.RETIRE) {
                Retirer.rollBack(connections, control, journal, operation);
              } else {
                runner.rollBack(control, journal, operation, "aborted");
              }
              return MoveResult.of(journal.find(operationId).orElseThrow());
            })
        .operation();
  }

  private static void refuseAbortAfterSwap(Operation found) {
    if (!found.state().isBefore(OperationState.SWAPPED)) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "operation "
              + found.id()
              + " has already swapped "
              + found.partition().display()
              + "; it can no longer be aborted",
          found.kind() == OperationKind.ARCHIVE
              ? "finish it with `strata resume "
                  + found.id()
                  + "`, then `strata restore` to bring the rows back"
              : "finish it with `strata resume " + found.id() + "`");
    }
  }

  // ---------------------------------------------------------------- drain

  /**
   * One move of a drain: a foreign partition on the drained server and where it goes.
   *
   * @param table its parent
   * @param partition the foreign partition
   * @param from the drained server
   * @param to where it goes: {@code --to}, else the first server of the table's {@code archive_to}
   *     that is not the drained one
   */
  public record DrainMove(QualifiedName table, QualifiedName partition, String from, String to) {}

  /**
   * The moves that take every foreign partition off {@code server}, in table and key order; refuses
   * (changing nothing) when some partition has nowhere to go.
   */
  public List<DrainMove> drainPlan(String server, Optional<String> to) {
    config.server(server);
    to.ifPresent(
        target -> {
          config.server(target);
          if (target.equals(server)) {
            throw new StrataException(
                ErrorCode.USAGE,
                "--to " + target + " is the server being drained",
                "name another configured server, or leave --to out to use each table's"
                    + " archive_to");
          }
        });
    List<DrainMove> moves = new ArrayList<>();
    List<String> homeless = new ArrayList<>();
    try (Database control = coordinator()) {
      CatalogReader catalog = new CatalogReader(control);
      for (QualifiedName name : catalog.partitionedTables()) {
        PartitionedTable table = catalog.partitionedTable(name);
        // A sharded table's shards spread over the rest of its shards_on, fewest shards first.
        Map<String, Integer> shardCounts = new java.util.LinkedHashMap<>();
        config
            .findTable(name)
            .filter(TableConfig::sharded)
            .ifPresent(
                sharded ->
                    sharded.shardsOn().stream()
                        .filter(candidate -> !candidate.equals(server))
                        .forEach(candidate -> shardCounts.put(candidate, 0)));
        table.partitions().stream()
            .flatMap(p -> p.foreign().stream())
            .forEach(f -> shardCounts.computeIfPresent(f.server(), (k, n) -> n + 1));
        for (Partition partition : table.partitions()) {
          Optional<Tier.Foreign> foreign = partition.foreign();
          if (foreign.isEmpty() || !foreign.get().server().equals(server)) {
            continue;
          }
          Optional<String> emptiest =
              shardCounts.entrySet().stream()
                  .min(Map.Entry.comparingByValue())
                  .map(Map.Entry::getKey);
          emptiest.ifPresent(chosen -> shardCounts.merge(chosen, 1, Integer::sum));
          Optional<String> target =
              to.or(() -> emptiest)
                  .or(
                      () ->
                          config
                              .findTable(name)
                              .flatMap(TableConfig::archiveTo)
                              .flatMap(
                                  placement ->
                                      placement.servers().stream()
                                          .filter(candidate -> !candidate.equals(server))
                                          .findFirst()));
          if (target.isEmpty()) {
            homeless.add(partition.name().display());
          } else {
            moves.add(new DrainMove(name, partition.name(), server, target.get()));
          }
        }
      }
    }
    if (!homeless.isEmpty()) {
      throw new StrataException(
          ErrorCode.USAGE,
          "no server to move "
              + String.join(", ", homeless)
              + " to: "
              + (homeless.size() == 1 ? "its table's" : "their tables'")
              + " archive_to names no server but "
              + server,
          "name one with --to SERVER, or add a server to the table's archive_to. Nothing was"
              + " changed.");
    }
    return moves;
  }

  // ---------------------------------------------------------------- dry runs

  /**
   * One step of a dry run and its lines: the statements it would run, each session named where it
   * changes, with what each check expects. A single step without lines, named {@link
   * #NOTHING_TO_DO}..., means the request is already fulfilled.
   */
  public record PlannedStep(String step, List<String> lines) {
    public static final String NOTHING_TO_DO = "nothing to do: ";

    public PlannedStep {
      lines = List.copyOf(lines);
    }

    public boolean nothingToDo() {
      return step.startsWith(NOTHING_TO_DO) && lines.isEmpty();
    }
  }

  private static List<PlannedStep> nothingToDo(MoveResult fulfilled) {
    return List.of(
        new PlannedStep(
            PlannedStep.NOTHING_TO_DO + fulfilled.nothingToDo().orElseThrow(), List.of()));
  }

  /**
   * Checks everything an archive checks before changing anything, and returns what it would run,
   * step by step, named after the id the operation will get (the next one; if another operation
   * starts first, the names shift with the id).
   */
  public List<PlannedStep> planArchive(
      QualifiedName table, QualifiedName partition, String server, int jobs) {
    return planArchive(table, partition, server, jobs, Ahead.NONE);
  }

  /**
   * What the earlier actions of a lifecycle plan will have done by the time one of its archives
   * runs: how many operations they journal first (each takes an id), and which foreign servers they
   * create.
   */
  public record Ahead(int operationsBefore, java.util.Set<String> serversCreated) {
    public static final Ahead NONE = new Ahead(0, java.util.Set.of());

    public Ahead {
      serversCreated = java.util.Set.copyOf(serversCreated);
    }
  }

  /** An archive planned as one action of a lifecycle plan, after the actions {@code ahead}. */
  public List<PlannedStep> planArchive(
      QualifiedName table, QualifiedName partition, String server, int jobs, Ahead ahead) {
    config.server(server);
    return planned(
        (control, journal) -> alreadyArchived(control, journal, table, partition, server),
        (control, id) ->
            planner.preflightArchive(
                control,
                table,
                partition,
                server,
                jobs,
                id + ahead.operationsBefore(),
                ahead.serversCreated().contains(server)));
  }

  /** The same for a restore. */
  public List<PlannedStep> planRestore(
      QualifiedName table, QualifiedName partition, boolean keepRemote, int jobs) {
    return planned(
        (control, journal) -> alreadyLocal(control, journal, table, partition),
        (control, id) -> planner.preflightRestore(control, table, partition, keepRemote, jobs, id));
  }

  /** The same for a move between servers. */
  public List<PlannedStep> planMove(
      QualifiedName table, QualifiedName partition, String server, int jobs) {
    config.server(server);
    if (sharded(table)) {
      return new ShardMover(connections, progress).planMove(table, partition, server);
    }
    return planned(
        (control, journal) -> alreadyOn(control, journal, table, partition, server),
        (control, id) -> planner.preflightMove(control, table, partition, server, jobs, id));
  }

  /** A dry run: nothing to do, or every step after the same checks the run makes. */
  private List<PlannedStep> planned(Fulfilled fulfilled, Preflight preflight) {
    try (Database control = coordinator()) {
      Optional<MoveResult> done = fulfilled.check(control, Optional.empty());
      if (done.isPresent()) {
        return nothingToDo(done.get());
      }
      return plan(control, preflight.check(control, Journal.predictedNextId(control)).operation());
    }
  }

  private List<PlannedStep> plan(Database control, Operation operation) {
    List<PlannedStep> steps = new ArrayList<>();
    steps.add(new PlannedStep("P1 intent", ActionText.lines(MoveRunner.intentActions(operation))));
    steps.addAll(planFrom(control, operation));
    return steps;
  }

  /**
   * The steps that run from where {@code operation} stands to its end, as {@link MoveRunner#run}
   * plans them: each step from the state before it. A swapped operation whose grace period has not
   * ended stops there, as the run does.
   */
  private List<PlannedStep> planFrom(Database control, Operation operation) {
    MoveContext context = planner.context(control, operation);
    List<PlannedStep> steps = new ArrayList<>();
    boolean reached = false;
    for (MoveStep step : MoveStep.PROTOCOL) {
      reached |= step.from() == operation.state();
      if (!reached) {
        continue;
      }
      if (step.from() == OperationState.SWAPPED
          && operation.dropAfter().map(at -> at.isAfter(OffsetDateTime.now())).orElse(false)) {
        steps.add(
            new PlannedStep(
                "keeping the old copy until " + operation.dropAfter().get() + ": nothing runs",
                List.of()));
        break;
      }
      MoveContext at = context.withOperation(operation.withState(step.from()));
      steps.add(new PlannedStep(step.title(), ActionText.lines(step.actions(at))));
    }
    return steps;
  }

  /**
   * What {@link #resume} would run for {@code operationId}, from the step where it stopped, built
   * as the run builds it; changes nothing.
   */
  public List<PlannedStep> planResume(long operationId) {
    try (Database control = coordinator()) {
      Operation operation =
          new Journal(control).find(operationId).orElseThrow(() -> Journal.notFound(operationId));
      if (operation.state().isTerminal()) {
        return List.of(
            new PlannedStep(
                PlannedStep.NOTHING_TO_DO
                    + "operation "
                    + operationId
                    + " is "
                    + operation.state().label(),
                List.of()));
      }
      if (operation.kind() == OperationKind.RETIRE) {
        return Retirer.plan(connections, control, operation, false, exportDirectory(operation));
      }
      if (isShard(operation)) {
        return new ShardMover(connections, progress).planResume(operation);
      }
      return planFrom(control, operation);
    }
  }

  /** The actions {@link #abort} would run for a move: what {@link #planAbort} renders. */
  List<Action> abortActions(long operationId) {
    try (Database control = coordinator()) {
      Operation operation = new Journal(control).find(operationId).orElseThrow();
      return MoveRunner.rollbackActions(planner.context(control, operation), "aborted");
    }
  }

  /** The actions {@link #resume} would run for a move: what {@link #planResume} renders. */
  List<Action> resumeActions(long operationId) {
    try (Database control = coordinator()) {
      Operation operation = new Journal(control).find(operationId).orElseThrow();
      MoveContext context = planner.context(control, operation);
      List<Action> actions = new ArrayList<>();
      boolean reached = false;
      for (MoveStep step : MoveStep.PROTOCOL) {
        reached |= step.from() == operation.state();
        if (reached) {
          actions.addAll(step.actions(context.withOperation(operation.withState(step.from()))));
        }
      }
      return actions;
    }
  }

  private Optional<java.nio.file.Path> exportDirectory(Operation operation) {
    return config.findTable(operation.parent()).flatMap(TableConfig::exportBeforeRetire);
  }

  /**
   * The actions a fresh archive would execute, in order: what {@link #planArchive} renders. For
   * tests that hold them against what runs.
   */
  List<Action> archiveActions(
      QualifiedName table, QualifiedName partition, String server, int jobs) {
    return actions(
        (control, id) ->
            planner.preflightArchive(control, table, partition, server, jobs, id, false));
  }

  /** The same for a restore. */
  List<Action> restoreActions(QualifiedName table, QualifiedName partition, boolean keepRemote) {
    return actions(
        (control, id) -> planner.preflightRestore(control, table, partition, keepRemote, 1, id));
  }

  /** The same for a move between servers. */
  List<Action> moveActions(QualifiedName table, QualifiedName partition, String server) {
    return actions(
        (control, id) -> planner.preflightMove(control, table, partition, server, 1, id));
  }

  private List<Action> actions(Preflight preflight) {
    try (Database control = coordinator()) {
      return actions(
          control, preflight.check(control, Journal.predictedNextId(control)).operation());
    }
  }

  private List<Action> actions(Database control, Operation operation) {
    MoveContext context = planner.context(control, operation);
    List<Action> actions = new ArrayList<>(MoveRunner.intentActions(operation));
    for (MoveStep step : MoveStep.PROTOCOL) {
      actions.addAll(step.actions(context.withOperation(operation.withState(step.from()))));
    }
    return actions;
  }

  /** The statements {@link #abort} would run for an unfinished operation; changes nothing. */
  public List<PlannedStep> planAbort(long operationId) {
    try (Database control = coordinator()) {
      Operation operation =
          new Journal(control).find(operationId).orElseThrow(() -> Journal.notFound(operationId));
      if (operation.state().isTerminal()) {
        return List.of();
      }
      refuseAbortAfterSwap(operation);
      if (isShard(operation)) {
        return List.of(
            new PlannedStep(
                "roll back", new ShardMover(connections, progress).planAbort(operation)));
      }
      if (operation.kind() == OperationKind.RETIRE) {
        return List.of(
            new PlannedStep(
                "roll back the retire", Retirer.rollbackLines(connections, control, operation)));
      }
      MoveContext context = planner.context(control, operation);
      return List.of(
          new PlannedStep(
              "roll back", ActionText.lines(MoveRunner.rollbackActions(context, "aborted"))));
    }
  }

  // ---------------------------------------------------------------- reruns after success

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
          "`strata move "
              + table.display()
              + " "
              + partitionName.display()
              + " --to "
              + server
              + "` moves it there. Nothing was changed.");
    }
    return alreadyOn(control, journal, table, partitionName, server);
  }

  /** Nothing to do when the foreign partition is already on {@code server}. */
  private Optional<MoveResult> alreadyOn(
      Database control,
      Optional<Journal> journal,
      QualifiedName table,
      QualifiedName partitionName,
      String server) {
    PartitionedTable parent = new CatalogReader(control).partitionedTable(table);
    Optional<Tier.Foreign> foreign = parent.partition(partitionName).flatMap(Partition::foreign);
    if (foreign.isEmpty() || !foreign.get().server().equals(server)) {
      return Optional.empty();
    }
    Optional<Operation> last =
        journal.flatMap(
            j ->
                j.lastDone(partitionName, OperationKind.ARCHIVE)
                    .filter(op -> op.server().equals(server))
                    .or(
                        () ->
                            j.lastDone(partitionName, OperationKind.MOVE)
                                .filter(op -> op.server().equals(server))));
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

  // ---------------------------------------------------------------- helpers

  /** Makes a foreign table read-only or writable ({@code updatable} option, ADD or SET). */
  static void setUpdatable(Database db, QualifiedName foreignTable, boolean updatable) {
    boolean present = new CatalogReader(db).foreignTableHasOption(foreignTable, "updatable");
    db.execute(updatableStatement(foreignTable, present, updatable));
  }

  /** Sets the foreign table's {@code updatable} option; {@code present}: whether it has one. */
  static SqlStatement updatableStatement(
      QualifiedName foreignTable, boolean present, boolean updatable) {
    return SqlStatement.of(
        "ALTER FOREIGN TABLE "
            + foreignTable.quoted()
            + " OPTIONS ("
            + (present ? "SET" : "ADD")
            + " updatable "
            + Identifiers.literal(Boolean.toString(updatable))
            + ")");
  }

  /** A name for the partition's staging or detached copy, cut to PostgreSQL's 63 bytes. */
  public static QualifiedName derivedName(QualifiedName partition, String suffix) {
    String base = partition.name();
    while ((base + suffix).getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        > Identifiers.MAX_IDENTIFIER_BYTES) {
      // Whole characters only: cutting a surrogate pair would leave half a character.
      base = base.substring(0, base.offsetByCodePoints(base.length(), -1));
    }
    return QualifiedName.of(partition.schema(), base + suffix);
  }

  static boolean rerunMayFix(StrataException e) {
    return MoveRunner.rerunMayFix(e);
  }

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

  /** Re-checks archived partitions' remote rows against the checksum their archive recorded. */
  public List<VerifyOutcome> verify(QualifiedName table, Optional<QualifiedName> only) {
    List<VerifyOutcome> outcomes = new ArrayList<>();
    try (Database control = coordinator()) {
      Journal journal = new Journal(control);
      PartitionedTable parent = new CatalogReader(control).partitionedTable(table);
      only.ifPresent(name -> MovePlanner.requirePartition(parent, name));
      Column key = MovePlanner.keyColumn(parent);
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
                "`strata status "
                    + table.display()
                    + "` shows where each partition lives; verify one whose tier is a server");
          }
          continue;
        }
        Optional<Operation> archived =
            journal.all().stream()
                .filter(
                    op ->
                        (op.kind() == OperationKind.ARCHIVE || op.kind() == OperationKind.MOVE)
                            && op.state() == OperationState.DONE)
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
          Verifier.Check check =
              Verifier.check(remote, operation.remoteTable(), parent.columns(), bounds, operation);
          String verdict =
              check.holds() ? "ok" : "MISMATCH: the remote rows differ from what was archived";
          outcomes.add(
              new VerifyOutcome(
                  partition.name().display(),
                  foreign.get().server(),
                  check.recorded(),
                  Optional.of(check.now()),
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
}
