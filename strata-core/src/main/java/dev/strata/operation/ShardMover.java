package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionBound;
import dev.strata.catalog.PartitionStrategy;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.Tier;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.DollarQuote;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import dev.strata.verify.Fingerprints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Moves a shard (a foreign partition of a hash- or list-sharded table) from one server to another
 * while applications keep writing, and proves the move.
 *
 * <p>With logical WAL on the source the rows are copied by PostgreSQL's logical replication: a
 * publication of the shard on the source, a subscription with {@code copy_data} on the target. Once
 * the initial copy is done the cut-over locks the shard on the source ({@code EXCLUSIVE}: reads go
 * on, writes wait), waits until the subscription has applied every change committed before the
 * lock, compares count and checksum of both sides, and retires the source in the same transaction:
 * the table is renamed aside and a view of the same name takes its place, which serves reads and
 * refuses writes with SQLSTATE 40001 (serialization_failure), so a writer that waited for the lock
 * gets an error it retries instead of writing into the old copy. The coordinator's foreign
 * partition is then repointed in one short transaction, and the subscription, its slot, the
 * publication and the old copy are dropped. Writes to other shards never wait for the cut-over;
 * they wait only for the repointing's few milliseconds of DDL on the parent.
 *
 * <p>Without logical WAL the same cut-over holds the lock for the whole copy (binary COPY between
 * the servers), so writes to that shard wait for the copy: the freeze mode.
 *
 * <p>Each step is journaled ({@link OperationKind#SHARD_MOVE}); a rerun, {@code strata resume} or
 * {@code strata abort} continues or undoes from the recorded state, and every object a move creates
 * is named after its operation, so nothing is left behind on any server.
 */
public final class ShardMover {
  /** How the rows are copied. */
  public enum Mode {
    /** Logical replication: writes wait only during the cut-over. */
    LOGICAL,
    /** Binary COPY under the cut-over's lock: writes wait for the whole copy. */
    FREEZE,
    /** A split on the shard's own server: a local copy under the cut-over's lock. */
    LOCAL
  }

  private final Connections connections;
  private final StrataConfig config;
  private final MoveProgress progress;

  public ShardMover(Connections connections, MoveProgress progress) {
    this.connections = connections;
    this.config = connections.config();
    this.progress = progress;
  }

  /**
   * What a shard move's steps are planned from.
   *
   * @param operation the operation as the journal has it
   * @param columns the parent's columns
   * @param bound the shard's bound on the coordinator and on both servers
   * @param strategy hash or list
   * @param keyColumn the shard key column
   * @param mode how rows are copied
   * @param form how fingerprints hash rows
   * @param swapLockTimeout the lock timeout of each attempt at the cut-over and the swap
   * @param waitBound how long a wait for the initial copy or the catch-up may last
   * @param ownership the shard's owner, grants and comment on the coordinator
   * @param sourceParent the shard's parent on its server, detached from it at the cut-over
   * @param split for a split, the two halves
   * @param installation the coordinator's tag in replication object names ({@link
   *     #installationTag})
   * @param targetParent what the copy becomes a partition of on the target: the parent of the
   *     coordinator's name, or the table of halves of an earlier split that covers the shard's hash
   *     values there
   */
  record Context(
      Operation operation,
      List<Column> columns,
      PartitionBound bound,
      PartitionStrategy strategy,
      String keyColumn,
      Mode mode,
      Fingerprints.Form form,
      Duration swapLockTimeout,
      Duration waitBound,
      CatalogReader.Ownership ownership,
      Optional<QualifiedName> sourceParent,
      Optional<Split> split,
      String installation,
      QualifiedName targetParent) {

    Context withOperation(Operation current) {
      return new Context(
          current,
          columns,
          bound,
          strategy,
          keyColumn,
          mode,
          form,
          swapLockTimeout,
          waitBound,
          ownership,
          sourceParent,
          split,
          installation,
          targetParent);
    }

    /** Where the copy is written: the shard, or for a split the table holding both halves. */
    QualifiedName container() {
      return operation.remoteTable();
    }

    String from() {
      return operation.fromServer().orElseThrow();
    }

    QualifiedName fromTable() {
      return operation.fromTable().orElseThrow();
    }

    String to() {
      return operation.server();
    }

    QualifiedName toTable() {
      return operation.remoteTable();
    }

    /**
     * The publication, subscription and replication slot: named after the coordinator and the
     * operation. Slot names are unique per server, and several coordinators (or databases) may move
     * shards on the same server with the same operation ids.
     */
    String replication() {
      return "strata_shard_" + installation + "_" + operation.id();
    }

    /** The source table's name once it is retired. */
    QualifiedName retired() {
      return PartitionMover.derivedName(fromTable(), "_s" + operation.id() + "_moved");
    }

    /** The function behind the view that refuses writes to the retired source. */
    QualifiedName refusal() {
      return QualifiedName.of(fromTable().schema(), "strata_shard_moved_" + operation.id());
    }

    Session source() {
      return Session.of(from(), "main");
    }

    Session cutover() {
      return Session.of(from(), "cut-over");
    }

    Session target() {
      return Session.of(to(), "main");
    }

    Session targetBulk() {
      return Session.bulk(to(), "bulk");
    }

    Action journal(OperationState state, String detail) {
      return new Action.Transaction(
          Session.CONTROL,
          Journal.advanceStatements(operation, state, detail).stream()
              .map(statement -> (Action) new Action.Run(Session.CONTROL, statement))
              .toList(),
          Action.Ending.COMMIT);
    }

    /** The fingerprint of {@code table} on {@code session}, into {@code slot}. */
    List<Action> fingerprint(Session session, QualifiedName table, Action.Slot slot) {
      List<Action> actions = new ArrayList<>();
      if (form == Fingerprints.Form.TEXT) {
        Fingerprints.SESSION_SETTINGS.forEach(
            setting -> actions.add(new Action.Run(session, SqlStatement.of(setting))));
      }
      actions.add(
          new Action.Measure(
              session, Fingerprints.statement(table, columns, "false", new Object[0], form), slot));
      return actions;
    }
  }

  /**
   * The halves of a split hash shard (m, r): (2m, r) and (2m, r + m), the leaves of a table that is
   * partitioned by the same key and takes the shard's place.
   *
   * @param low the half (2m, r)
   * @param lowBound its bound
   * @param high the half (2m, r + m)
   * @param highBound its bound
   * @param inPlace the halves are made on the shard's own server, by a copy under the cut-over's
   *     lock (logical replication cannot copy a table into another of a different name)
   */
  record Split(
      QualifiedName low,
      PartitionBound.Hash lowBound,
      QualifiedName high,
      PartitionBound.Hash highBound,
      boolean inPlace) {
    static Split of(QualifiedName parent, PartitionBound.Hash shard, boolean inPlace) {
      int modulus = shard.modulus() * 2;
      return new Split(
          dev.strata.shard.ShardPlanner.hashShardName(parent, modulus, shard.remainder()),
          new PartitionBound.Hash(modulus, shard.remainder(), ""),
          dev.strata.shard.ShardPlanner.hashShardName(
              parent, modulus, shard.remainder() + shard.modulus()),
          new PartitionBound.Hash(modulus, shard.remainder() + shard.modulus(), ""),
          inPlace);
    }
  }

  /** One step of a shard move: the state it starts from, and its actions. */
  private record Step(OperationState from, String title, String doing, String failpoint) {}

  private static final List<Step> STEPS =
      List.of(
          new Step(
              OperationState.INTENT,
              "target shard",
              "creating the shard on the target",
              "after_target"),
          new Step(OperationState.TARGET_READY, "copy", "copying the shard's rows", "after_copy"),
          new Step(
              OperationState.COPIED,
              "cut-over",
              "cutting over (writes to the shard wait)",
              "after_cutover"),
          new Step(
              OperationState.VERIFIED, "swap", "repointing the foreign partition", "after_swap"),
          new Step(
              OperationState.SWAPPED,
              "cleanup",
              "dropping replication objects and the old copy",
              "after_cleanup"));

  private static Step stepFrom(OperationState state) {
    return STEPS.stream()
        .filter(step -> step.from() == state)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no shard move step runs from " + state));
  }

  // ---------------------------------------------------------------- entry points

  /** Moves {@code shard} of {@code table} to {@code server}; resumes an unfinished move of it. */
  public MoveResult move(QualifiedName table, QualifiedName shard, String server) {
    config.server(server);
    return startOrResume(
        shard,
        OperationKind.SHARD_MOVE,
        Optional.of(server),
        control -> alreadyOn(control, table, shard, server),
        (control, id) -> preflight(control, table, shard, server, id));
  }

  /** The statements a move would run, step by step, without changing anything. */
  public List<PartitionMover.PlannedStep> planMove(
      QualifiedName table, QualifiedName shard, String server) {
    config.server(server);
    return planned(
        shard,
        control -> alreadyOn(control, table, shard, server),
        (control, id) -> preflight(control, table, shard, server, id));
  }

  /**
   * Splits hash shard {@code shard} (m, r) into (2m, r) and (2m, r + m): on {@code server} by
   * logical replication when it is another server, else in place.
   */
  public MoveResult split(QualifiedName table, QualifiedName shard, Optional<String> server) {
    server.ifPresent(config::server);
    return startOrResume(
        shard,
        OperationKind.SHARD_SPLIT,
        server,
        control -> Optional.empty(),
        (control, id) -> preflightSplit(control, table, shard, server, id));
  }

  /** The statements a split would run, step by step, without changing anything. */
  public List<PartitionMover.PlannedStep> planSplit(
      QualifiedName table, QualifiedName shard, Optional<String> server) {
    server.ifPresent(config::server);
    return planned(
        shard,
        control -> Optional.empty(),
        (control, id) -> preflightSplit(control, table, shard, server, id));
  }

  /** A request already fulfilled (a rerun after success): what to report. */
  private interface Fulfilled {
    Optional<MoveResult> check(Database control);
  }

  /** The checks before an operation that will get {@code id}, and the operation to record. */
  private interface Preflight {
    Operation check(Database control, long id);
  }

  /**
   * Under the shard's lock: resumes an unfinished operation of the same kind (and server), reports
   * a fulfilled request, or checks, records and runs a new operation.
   */
  private MoveResult startOrResume(
      QualifiedName shard,
      OperationKind kind,
      Optional<String> server,
      Fulfilled fulfilled,
      Preflight preflight) {
    return withControl(
        shard,
        (control, journal) -> {
          Optional<Operation> unfinished = journal.unfinished(shard);
          if (unfinished.isPresent()) {
            Operation existing = unfinished.get();
            if (existing.kind() != kind
                || (server.isPresent() && !existing.server().equals(server.get()))) {
              throw unfinished(shard, existing);
            }
            return run(control, journal, existing);
          }
          Optional<MoveResult> done = fulfilled.check(control);
          if (done.isPresent()) {
            return done.get();
          }
          Operation operation = preflight.check(control, Journal.nextId(control));
          try (ActionRunner runner = runner(control, journal, operation.id())) {
            runner.run(MoveRunner.intentActions(operation));
          }
          Failpoints.hit(kind.label() + ".after_intent");
          return run(control, journal, journal.find(operation.id()).orElseThrow());
        });
  }

  /** The same, planned only: the steps an unfinished or new operation would run. */
  private List<PartitionMover.PlannedStep> planned(
      QualifiedName shard, Fulfilled fulfilled, Preflight preflight) {
    try (Database control = coordinator()) {
      Optional<Operation> unfinished = new Journal(control).unfinished(shard);
      if (unfinished.isPresent()) {
        return planFrom(control, unfinished.get());
      }
      Optional<MoveResult> done = fulfilled.check(control);
      if (done.isPresent()) {
        return List.of(
            new PartitionMover.PlannedStep(
                PartitionMover.PlannedStep.NOTHING_TO_DO + done.get().nothingToDo().orElse(""),
                List.of()));
      }
      Operation operation = preflight.check(control, Journal.predictedNextId(control));
      List<PartitionMover.PlannedStep> steps = new ArrayList<>();
      steps.add(
          new PartitionMover.PlannedStep(
              "intent", ActionText.lines(MoveRunner.intentActions(operation))));
      steps.addAll(planFrom(control, operation));
      return steps;
    }
  }

  private static StrataException unfinished(QualifiedName shard, Operation existing) {
    return new StrataException(
        ErrorCode.CHECK_FAILED,
        shard.display()
            + " has an unfinished "
            + existing.kind().label()
            + " (operation "
            + existing.id()
            + ", at "
            + existing.state().label()
            + ")",
        "finish it with `strata resume "
            + existing.id()
            + "` or undo it with `strata abort "
            + existing.id()
            + "`");
  }

  /** Continues an unfinished shard move (called by {@code strata resume} and {@code apply}). */
  MoveResult resume(Operation operation) {
    return withControl(
        operation.partition(),
        (control, journal) -> run(control, journal, journal.find(operation.id()).orElseThrow()));
  }

  List<PartitionMover.PlannedStep> planResume(Operation operation) {
    try (Database control = coordinator()) {
      return planFrom(control, operation);
    }
  }

  /** Undoes a shard move that has not swapped: nothing it created is left on any server. */
  Operation abort(Operation found) {
    return withControl(
            found.partition(),
            (control, journal) -> {
              Operation operation = journal.find(found.id()).orElseThrow();
              Context context = context(control, operation);
              try (ActionRunner runner = runner(control, journal, operation.id())) {
                runner.run(rollbackActions(context, "aborted"));
              }
              return MoveResult.of(journal.find(found.id()).orElseThrow());
            })
        .operation();
  }

  List<String> planAbort(Operation operation) {
    try (Database control = coordinator()) {
      return ActionText.lines(rollbackActions(context(control, operation), "aborted"));
    }
  }

  // ---------------------------------------------------------------- running

  private MoveResult run(Database control, Journal journal, Operation start) {
    long began = System.nanoTime();
    Context context = context(control, start);
    Operation operation = start;
    Map<OperationState, Duration> durations = new EnumMap<>(OperationState.class);
    long rows = 0;
    try (ActionRunner runner = runner(control, journal, start.id())) {
      if (operation.state() == OperationState.INTENT
          || operation.state() == OperationState.TARGET_READY) {
        progress.step(
            operation,
            switch (context.mode()) {
              case LOGICAL ->
                  "copying with logical replication: writes to the shard go on until the cut-over";
              case FREEZE ->
                  "logical replication is not available on "
                      + context.from()
                      + " (wal_level is not logical, or Strata's role there may not replicate):"
                      + " writes to the shard wait for the whole copy (freeze mode)";
              case LOCAL ->
                  "splitting in place: writes to the shard wait for a local copy (use --to"
                      + " another server to split with logical replication)";
            });
      }
      while (!operation.state().isTerminal()) {
        Step step = stepFrom(operation.state());
        context = context.withOperation(operation);
        progress.step(operation, step.doing());
        long stepStarted = System.nanoTime();
        try {
          runner.run(actions(context));
        } catch (ActionRunner.CheckFailed failed) {
          throw onCheckFailed(control, journal, context, failed);
        } catch (StrataException e) {
          throw subscribing(context, operation, e);
        }
        durations.put(operation.state(), Duration.ofNanos(System.nanoTime() - stepStarted));
        operation = journal.find(operation.id()).orElseThrow();
        Failpoints.hit(operation.kind().label() + "." + step.failpoint());
      }
      rows = operation.sourceRows().orElse(0);
    } catch (StrataException e) {
      Operation failed = journal.find(operation.id()).orElse(operation);
      if (e instanceof MoveRunner.Reported || failed.state().isTerminal()) {
        throw e;
      }
      journal.recordError(failed, e.getMessage());
      throw new StrataException(
          e.code(),
          "shard move of "
              + failed.partition().display()
              + " (operation "
              + failed.id()
              + ") stopped before step '"
              + stepFrom(failed.state()).title()
              + "': "
              + e.getMessage(),
          "the shard is served from "
              + (failed.state().isBefore(OperationState.SWAPPED)
                  ? failed.fromServer().orElse("?")
                  : failed.server())
              + "; run `strata resume "
              + failed.id()
              + "` to continue"
              + (failed.state().isBefore(OperationState.SWAPPED)
                  ? " or `strata abort " + failed.id() + "` to undo it"
                  : ""),
          e);
    }
    Duration copy = durations.getOrDefault(OperationState.TARGET_READY, Duration.ZERO);
    // Without logical replication the copy runs inside the cut-over: writes wait for all of it.
    Duration cutover =
        context.mode() == Mode.LOGICAL
            ? durations.getOrDefault(OperationState.COPIED, Duration.ZERO)
            : copy;
    return new MoveResult(
        Optional.of(operation),
        Optional.empty(),
        rows,
        0,
        copy,
        Duration.ZERO,
        cutover,
        durations.getOrDefault(OperationState.VERIFIED, Duration.ZERO),
        Duration.ofNanos(System.nanoTime() - began),
        1);
  }

  /** A failed check before the swap: the cut-over's transaction rolled back; say so. */
  private StrataException onCheckFailed(
      Database control, Journal journal, Context context, ActionRunner.CheckFailed failed) {
    Operation operation = journal.find(context.operation().id()).orElseThrow();
    if (failed.failure() == Action.Failure.COPY_MISMATCH) {
      journal.recordError(operation, "verification failed: " + failed.getMessage());
      return new MoveRunner.Reported(
          ErrorCode.CHECK_FAILED,
          "the copy of "
              + operation.partition().display()
              + " on "
              + operation.server()
              + " does not hold the source's rows ("
              + failed.getMessage()
              + "); nothing was swapped and the shard is served, writable, from "
              + operation.fromServer().orElse("?"),
          "`strata resume "
              + operation.id()
              + "` tries the cut-over again; `strata abort "
              + operation.id()
              + "` drops the copy and the replication objects");
    }
    if (failed.failure() == Action.Failure.OLD_COPY_CHANGED) {
      journal.recordError(operation, failed.getMessage());
      return new MoveRunner.Reported(
          ErrorCode.CHECK_FAILED,
          "the retired copy of "
              + operation.partition().display()
              + " on "
              + operation.fromServer().orElse("?")
              + " changed after the cut-over ("
              + failed.getMessage()
              + "): something wrote into "
              + context.retired().display()
              + " directly; it is kept, nothing was dropped",
          "compare it with the shard on "
              + operation.server()
              + ", move any missing rows, drop it, then `strata resume "
              + operation.id()
              + "`");
    }
    return failed;
  }

  private List<Action> actions(Context context) {
    return switch (context.operation().state()) {
      case INTENT -> targetActions(context);
      case TARGET_READY ->
          switch (context.mode()) {
            case LOGICAL -> subscribeActions(context);
            case FREEZE -> freezeCopyActions(context);
            case LOCAL -> localCopyActions(context);
          };
      case COPIED -> cutoverActions(context);
      case VERIFIED -> swapActions(context);
      case SWAPPED -> cleanupActions(context);
      default -> throw new IllegalStateException("no step from " + context.operation().state());
    };
  }

  private List<PartitionMover.PlannedStep> planFrom(Database control, Operation start) {
    Context context = context(control, start);
    List<PartitionMover.PlannedStep> steps = new ArrayList<>();
    OperationState state = start.state();
    while (!state.isTerminal()) {
      Context at = context.withOperation(start.withState(state));
      steps.add(
          new PartitionMover.PlannedStep(
              stepFrom(state).title()
                  + (state == OperationState.TARGET_READY
                      ? switch (context.mode()) {
                        case LOGICAL -> " (logical replication)";
                        case FREEZE -> " (freeze mode: the source has no logical WAL)";
                        case LOCAL -> " (in place: a local copy under the cut-over's lock)";
                      }
                      : ""),
              ActionText.lines(actions(at))));
      state =
          switch (state) {
            case INTENT -> OperationState.TARGET_READY;
            case TARGET_READY ->
                context.mode() == Mode.LOGICAL ? OperationState.COPIED : OperationState.VERIFIED;
            case COPIED -> OperationState.VERIFIED;
            case VERIFIED -> OperationState.SWAPPED;
            default -> OperationState.DONE;
          };
    }
    return steps;
  }

  // ---------------------------------------------------------------- steps

  /** The shard on the target, empty, as a partition of a parent of the same shape. */
  private List<Action> targetActions(Context context) {
    Operation operation = context.operation();
    Session target = context.target();
    QualifiedName parent = operation.parent();
    List<Action> create = new ArrayList<>();
    create.add(
        new Action.IfTable(
            target,
            context.container(),
            Optional.of(operation.ownerTag()),
            true,
            List.of(
                new Action.Run(
                    target, SqlStatement.of("DROP TABLE " + context.container().quoted())))));
    create.add(
        new Action.Run(
            target,
            SqlStatement.of("CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(parent.schema()))));
    String key = Identifiers.quote(context.keyColumn());
    boolean attached = context.split().map(split -> !split.inPlace()).orElse(true);
    if (attached) {
      create.add(
          new Action.Run(
              target,
              SqlStatement.of(
                  "CREATE TABLE IF NOT EXISTS "
                      + parent.quoted()
                      + " ("
                      + MoveStatements.columnDefinitions(context.columns())
                      + ") PARTITION BY "
                      + (context.strategy() == PartitionStrategy.HASH ? "HASH" : "LIST")
                      + " ("
                      + key
                      + ")")));
    }
    String container =
        "CREATE TABLE "
            + context.container().quoted()
            + (attached
                ? " PARTITION OF " + context.targetParent().quoted() + " " + context.bound().sql()
                : " (" + MoveStatements.columnDefinitions(context.columns()) + ")")
            + (context.split().isPresent() ? " PARTITION BY HASH (" + key + ")" : "");
    create.add(new Action.Run(target, SqlStatement.of(container)));
    List<QualifiedName> leaves = new ArrayList<>();
    if (context.split().isPresent()) {
      Split split = context.split().get();
      for (var half :
          List.of(
              Map.entry(split.low(), split.lowBound()),
              Map.entry(split.high(), split.highBound()))) {
        create.add(
            new Action.Run(
                target,
                SqlStatement.of(
                    "CREATE TABLE "
                        + half.getKey().quoted()
                        + " PARTITION OF "
                        + context.container().quoted()
                        + " "
                        + half.getValue().sql())));
        leaves.add(half.getKey());
      }
    } else {
      leaves.add(context.container());
    }
    List<QualifiedName> tagged = new ArrayList<>(leaves);
    if (!tagged.contains(context.container())) {
      tagged.add(0, context.container());
    }
    for (QualifiedName table : tagged) {
      create.add(
          new Action.Run(
              target,
              SqlStatement.of(
                  "COMMENT ON TABLE "
                      + table.quoted()
                      + " IS "
                      + Identifiers.literal(operation.ownerTag()))));
    }
    for (QualifiedName leaf : leaves) {
      MoveContext.runs(
              target,
              MoveStatements.grantToMapping(
                  leaf,
                  config.server(context.to()).mapping().user(),
                  config.server(context.to()).connection().user(),
                  true))
          .forEach(create::add);
    }
    List<Action> actions = new ArrayList<>();
    actions.add(new Action.Transaction(target, create, Action.Ending.COMMIT));
    if (context.mode() == Mode.LOGICAL) {
      Session source = context.source();
      String name = context.replication();
      actions.add(
          new Action.Transaction(
              source,
              List.of(
                  new Action.Run(
                      source,
                      SqlStatement.of("DROP PUBLICATION IF EXISTS " + Identifiers.quote(name))),
                  new Action.Run(
                      source,
                      SqlStatement.of(
                          "CREATE PUBLICATION "
                              + Identifiers.quote(name)
                              + " FOR TABLE "
                              + context.fromTable().quoted()))),
              Action.Ending.COMMIT));
      // The slot keeps every change from here on, until the subscription has applied it.
      actions.add(
          new Action.Choose(
              source,
              slotExists(name),
              List.of(),
              List.of(
                  new Action.Run(
                      source,
                      SqlStatement.of(
                          "SELECT pg_catalog.pg_create_logical_replication_slot(?, 'pgoutput')::text",
                          name)))));
    }
    actions.add(context.journal(OperationState.TARGET_READY, "target shard ready"));
    return actions;
  }

  private static SqlStatement slotExists(String name) {
    return SqlStatement.of(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ?)", name);
  }

  private static SqlStatement subscriptionExists(String name) {
    return SqlStatement.of(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_subscription WHERE subname = ?)", name);
  }

  /** Logical mode: the subscription copies the rows, then follows every change. */
  private List<Action> subscribeActions(Context context) {
    Session target = context.target();
    String name = context.replication();
    List<Action> actions = new ArrayList<>();
    actions.add(
        new Action.Choose(
            target,
            subscriptionExists(name),
            List.of(),
            List.of(
                new Action.Transaction(
                    target, runs(target, subscription(context)), Action.Ending.COMMIT))));
    actions.add(new Action.Point(context.operation().kind().label() + ".copying"));
    actions.add(
        new Action.Await(
            target,
            SqlStatement.of(
                "SELECT coalesce(bool_and(r.srsubstate = 'r'), false) FROM pg_catalog.pg_subscription_rel r"
                    + " JOIN pg_catalog.pg_subscription s ON s.oid = r.srsubid WHERE s.subname = ?",
                name),
            context.waitBound(),
            "the initial copy of subscription " + name,
            List.of(context.source())));
    actions.add(context.journal(OperationState.COPIED, "initial copy done; following changes"));
    return actions;
  }

  /**
   * A failure on the target while it subscribes to the source: the target connects to the source
   * itself (not through Strata), so a source it cannot reach shows as the target's error, a
   * statement timeout or "could not connect to the publisher". Says which path failed.
   */
  private StrataException subscribing(Context context, Operation operation, StrataException e) {
    String target = operation.server();
    if (context.mode() != Mode.LOGICAL
        || operation.state() != OperationState.TARGET_READY
        || !e.getMessage().startsWith("on server " + target + ":")) {
      return e;
    }
    String source = context.from();
    return new StrataException(
        e.code(),
        e.getMessage()
            + " (while server "
            + target
            + " subscribed to the shard on "
            + source
            + ": "
            + target
            + " connects to "
            + source
            + " itself, at "
            + config.server(source).connection().displayUri()
            + ")",
        "check that server "
            + target
            + " can reach "
            + source
            + " at that address and that "
            + source
            + " answers; a rerun resumes the move",
        e);
  }

  private List<SqlStatement> subscription(Context context) {
    return dev.strata.sql.SubscriptionDdl.create(
        context.replication(),
        config.server(context.from()).connection(),
        "strata_shard_" + context.operation().id());
  }

  private static List<Action> runs(Session session, List<SqlStatement> statements) {
    return statements.stream()
        .map(statement -> (Action) new Action.Run(session, statement))
        .toList();
  }

  /**
   * Logical mode: under an EXCLUSIVE lock on the source shard (reads go on, writes wait), the
   * subscription catches up, both sides are fingerprinted and compared, and the source is retired
   * in the same transaction. A rerun after a crash that committed the retirement fingerprints the
   * retired table instead.
   */
  private List<Action> cutoverActions(Context context) {
    List<Action> inLock = new ArrayList<>();
    // The target's fingerprint runs on the session that waited for the initial copy: already
    // open, so no connection is made while writes wait.
    inLock.add(
        new Action.CatchUp(
            context.source(), context.target(), context.replication(), context.waitBound()));
    inLock.addAll(
        sameRows(
            context, context.cutover(), context.fromTable(), context.target(), context.toTable()));
    return verifiedCutover(context, inLock);
  }

  /** Freeze mode: the whole copy runs under the cut-over's lock. */
  private List<Action> freezeCopyActions(Context context) {
    List<Action> inLock = new ArrayList<>();
    // Rows of an interrupted attempt go first: the copy starts from an empty table.
    inLock.add(
        new Action.Run(
            context.targetBulk(), SqlStatement.of("TRUNCATE " + context.container().quoted())));
    inLock.add(
        new Action.Relay(
            context.cutover(),
            MoveStatements.copyOut(context.fromTable(), context.columns(), ""),
            context.targetBulk(),
            MoveStatements.copyIn(context.toTable(), context.columns(), false),
            Optional.empty()));
    inLock.addAll(
        sameRows(
            context,
            context.cutover(),
            context.fromTable(),
            context.targetBulk(),
            context.toTable()));
    return verifiedCutover(context, inLock);
  }

  /**
   * A split on the shard's own server: the rows copied into the table of halves in the cut-over's
   * transaction, so they commit together with the source's retirement or not at all.
   */
  private List<Action> localCopyActions(Context context) {
    List<Action> inLock = new ArrayList<>();
    String columns = MoveStatements.columnList(context.columns());
    inLock.add(
        new Action.Run(
            context.cutover(),
            SqlStatement.of(
                "INSERT INTO "
                    + context.container().quoted()
                    + " ("
                    + columns
                    + ") SELECT "
                    + columns
                    + " FROM "
                    + context.fromTable().quoted())));
    inLock.addAll(context.fingerprint(context.cutover(), context.fromTable(), Action.Slot.SOURCE));
    inLock.addAll(context.fingerprint(context.cutover(), context.container(), Action.Slot.TARGET));
    inLock.add(
        new Action.Compare(Action.Slot.SOURCE, Action.Slot.TARGET, Action.Failure.COPY_MISMATCH));
    return verifiedCutover(context, inLock);
  }

  private List<Action> verifiedCutover(Context context, List<Action> inLock) {
    Session cutover = context.cutover();
    QualifiedName shard = context.fromTable();
    List<Action> transaction = new ArrayList<>();
    transaction.add(
        new Action.Run(
            cutover,
            SqlStatement.of(
                "SET LOCAL lock_timeout = "
                    + Identifiers.literal(context.swapLockTimeout().toMillis() + "ms"))));
    transaction.add(
        new Action.Run(
            cutover, SqlStatement.of("LOCK TABLE " + shard.quoted() + " IN EXCLUSIVE MODE")));
    transaction.addAll(inLock);
    transaction.add(new Action.Point(context.operation().kind().label() + ".before_retire"));
    transaction.addAll(runs(cutover, retireSource(context)));
    transaction.add(
        new Action.Point(context.operation().kind().label() + ".before_cutover_commit"));
    List<Action> actions = new ArrayList<>();
    actions.add(
        new Action.Choose(
            context.source(),
            tableExists(context.retired()),
            // Retired by an earlier run whose journal update was lost: prove it again.
            verifyRetired(context),
            List.of(
                new Action.Transaction(
                    cutover, transaction, Action.Ending.COMMIT_RETRYING_LOCKS))));
    actions.add(verifiedJournal(context));
    return actions;
  }

  /**
   * Both copies fingerprinted at the same time, the source's into {@code SOURCE}, and compared: the
   * same rows, or the move stops with {@link Action.Failure#COPY_MISMATCH}.
   */
  private static List<Action> sameRows(
      Context context,
      Session sourceSession,
      QualifiedName source,
      Session targetSession,
      QualifiedName target) {
    return List.of(
        new Action.Parallel(
            List.of(
                context.fingerprint(sourceSession, source, Action.Slot.SOURCE),
                context.fingerprint(targetSession, target, Action.Slot.TARGET))),
        new Action.Compare(Action.Slot.SOURCE, Action.Slot.TARGET, Action.Failure.COPY_MISMATCH));
  }

  private List<Action> verifyRetired(Context context) {
    List<Action> actions = new ArrayList<>();
    actions.addAll(
        sameRows(
            context, context.source(), context.retired(), context.targetBulk(), context.toTable()));
    return actions;
  }

  private static SqlStatement tableExists(QualifiedName table) {
    return SqlStatement.of(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
            + " ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?)",
        table.schema(),
        table.name());
  }

  /**
   * The source table renamed aside, and a view of its name that serves its rows and refuses writes:
   * a writer that waited for the lock, or one that still reaches the old server, gets SQLSTATE
   * 40001 and retries, and its retry goes to the new server once the coordinator is repointed. The
   * view is not updatable on its own (OFFSET), so a write that skips triggers ({@code
   * session_replication_role = replica}) fails too.
   */
  private List<SqlStatement> retireSource(Context context) {
    QualifiedName shard = context.fromTable();
    QualifiedName retired = context.retired();
    QualifiedName refusal = context.refusal();
    String message =
        "shard "
            + context.operation().partition().display()
            + " has moved to server "
            + context.to()
            + " (Strata operation "
            + context.operation().id()
            + "); retry the transaction";
    String body =
        "BEGIN RAISE EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = "
            + Identifiers.literal(message)
            + "; END";
    List<SqlStatement> statements = new ArrayList<>();
    // Off its parent on the server: a row written there for this shard's keys is refused.
    context
        .sourceParent()
        .ifPresent(
            parent ->
                statements.add(
                    SqlStatement.of(
                        "ALTER TABLE " + parent.quoted() + " DETACH PARTITION " + shard.quoted())));
    statements.add(
        SqlStatement.of(
            "ALTER TABLE " + shard.quoted() + " RENAME TO " + Identifiers.quote(retired.name())));
    statements.add(
        SqlStatement.of(
            "CREATE FUNCTION "
                + refusal.quoted()
                + "() RETURNS void LANGUAGE plpgsql AS "
                + DollarQuote.quote(body)));
    statements.add(
        SqlStatement.of(
            "CREATE VIEW "
                + shard.quoted()
                + " AS SELECT "
                + MoveStatements.columnList(context.columns())
                + " FROM "
                + retired.quoted()
                + " OFFSET 0"));
    // Rules, not an INSTEAD OF trigger: with session_replication_role = replica a skipped trigger
    // would drop the write without a word, while a skipped rule leaves a view that is not
    // updatable, and PostgreSQL refuses the write.
    for (String event : List.of("INSERT", "UPDATE", "DELETE")) {
      statements.add(
          SqlStatement.of(
              "CREATE RULE strata_shard_moved_"
                  + event.toLowerCase(java.util.Locale.ROOT)
                  + " AS ON "
                  + event
                  + " TO "
                  + shard.quoted()
                  + " DO INSTEAD SELECT "
                  + refusal.quoted()
                  + "()"));
    }
    String mappingUser = config.server(context.from()).mapping().user();
    if (!mappingUser.equals(config.server(context.from()).connection().user())) {
      statements.add(
          SqlStatement.of(
              "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "
                  + shard.quoted()
                  + " TO "
                  + Identifiers.quote(mappingUser)));
    }
    statements.add(
        SqlStatement.of(
            "COMMENT ON TABLE "
                + retired.quoted()
                + " IS "
                + Identifiers.literal(context.operation().ownerTag())));
    return statements;
  }

  /** The view that stood in for a retired shard, and the function its rules call. */
  private static List<SqlStatement> dropRefusal(Context context) {
    return List.of(
        SqlStatement.of("DROP VIEW IF EXISTS " + context.fromTable().quoted()),
        SqlStatement.of("DROP FUNCTION IF EXISTS " + context.refusal().quoted() + "()"));
  }

  private static <T> List<T> concat(List<T> first, List<T> second) {
    List<T> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  /** The cut-over's record: verified, with the source's fingerprint. */
  private static Action verifiedJournal(Context context) {
    Operation operation = context.operation();
    return new Action.Transaction(
        Session.CONTROL,
        List.of(
            new Action.Run(
                Session.CONTROL,
                SqlStatement.of(
                    "UPDATE strata.operation SET state = 'verified', source_rows = ?,"
                        + " source_checksum = ?::numeric, checksum_form = ?, last_error = NULL,"
                        + " updated_at = now() WHERE id = ?",
                    new RunValue(Action.Slot.SOURCE, false),
                    new RunValue(Action.Slot.SOURCE, true),
                    context.form().label(),
                    operation.id())),
            new Action.Run(
                Session.CONTROL,
                Journal.eventStatement(
                    operation.id(),
                    OperationState.VERIFIED.label(),
                    "cut over: the copy holds every row"))),
        Action.Ending.COMMIT);
  }

  /** The coordinator's foreign partition repointed at the target in one short transaction. */
  private List<Action> swapActions(Context context) {
    Operation operation = context.operation();
    List<Action> swap = new ArrayList<>();
    swap.add(
        new Action.Run(
            Session.CONTROL,
            SqlStatement.of(
                "SET LOCAL lock_timeout = "
                    + Identifiers.literal(context.swapLockTimeout().toMillis() + "ms"))));
    if (context.split().isEmpty()) {
      swap.add(
          new Action.Run(
              Session.CONTROL,
              SqlStatement.of(
                  foreignTable(context, operation.stagingName(), context.container()))));
      swap.addAll(
          MoveContext.runs(
              Session.CONTROL,
              MoveStatements.swap(
                  operation.parent(),
                  operation.partition(),
                  operation.stagingName(),
                  operation.detachedName(),
                  context.bound())));
      swap.add(
          new Action.Run(
              Session.CONTROL,
              SqlStatement.of("DROP FOREIGN TABLE " + operation.detachedName().quoted())));
      swap.addAll(
          MoveContext.runs(
              Session.CONTROL,
              MoveStatements.ownership(operation.partition(), true, context.ownership())));
    } else {
      // The shard's foreign partition gives way to one per half, in one transaction.
      Split split = context.split().get();
      swap.add(
          new Action.Run(
              Session.CONTROL,
              SqlStatement.of(
                  "ALTER TABLE "
                      + operation.parent().quoted()
                      + " DETACH PARTITION "
                      + operation.partition().quoted())));
      swap.add(
          new Action.Run(
              Session.CONTROL,
              SqlStatement.of("DROP FOREIGN TABLE " + operation.partition().quoted())));
      for (var half :
          List.of(
              Map.entry(split.low(), split.lowBound()),
              Map.entry(split.high(), split.highBound()))) {
        swap.add(
            new Action.Run(
                Session.CONTROL,
                SqlStatement.of(foreignTable(context, half.getKey(), half.getKey()))));
        swap.add(
            new Action.Run(
                Session.CONTROL,
                SqlStatement.of(
                    "ALTER TABLE "
                        + operation.parent().quoted()
                        + " ATTACH PARTITION "
                        + half.getKey().quoted()
                        + " "
                        + half.getValue().sql())));
        swap.addAll(
            MoveContext.runs(
                Session.CONTROL,
                MoveStatements.ownership(half.getKey(), true, context.ownership())));
      }
    }
    swap.add(new Action.Point(operation.kind().label() + ".before_swap_commit"));
    Journal.swappedStatements(operation, Duration.ZERO)
        .forEach(statement -> swap.add(new Action.Run(Session.CONTROL, statement)));
    List<Action> actions = new ArrayList<>();
    actions.add(new Action.Probe(Session.CONTROL, context.to(), config.timeouts().connect()));
    actions.add(new Action.Transaction(Session.CONTROL, swap, Action.Ending.COMMIT_RETRYING_LOCKS));
    return actions;
  }

  /** A foreign table on the coordinator for {@code remote} on the target server. */
  private static String foreignTable(Context context, QualifiedName name, QualifiedName remote) {
    return "CREATE FOREIGN TABLE "
        + name.quoted()
        + " ("
        + MoveStatements.columnDefinitions(context.columns())
        + ") SERVER "
        + Identifiers.quote(context.to())
        + " OPTIONS (schema_name "
        + Identifiers.literal(remote.schema())
        + ", table_name "
        + Identifiers.literal(remote.name())
        + ")";
  }

  /** The subscription and its slot, the publication: dropped wherever they exist. */
  private List<Action> dropReplication(Context context) {
    List<Action> actions = new ArrayList<>(dropSubscription(context));
    actions.addAll(dropSlotAndPublication(context));
    return actions;
  }

  /** On the target: the subscription, detached from its slot first (no call to the source). */
  private static List<Action> dropSubscription(Context context) {
    Session target = context.target();
    String quoted = Identifiers.quote(context.replication());
    return List.of(
        new Action.Choose(
            target,
            subscriptionExists(context.replication()),
            List.of(
                new Action.Run(
                    target, SqlStatement.of("ALTER SUBSCRIPTION " + quoted + " DISABLE")),
                new Action.Run(
                    target,
                    SqlStatement.of("ALTER SUBSCRIPTION " + quoted + " SET (slot_name = NONE)")),
                new Action.Run(target, SqlStatement.of("DROP SUBSCRIPTION " + quoted))),
            List.of()));
  }

  /** On the source: the replication slot (its walsender ended if it lingers), the publication. */
  private List<Action> dropSlotAndPublication(Context context) {
    Session source = context.source();
    String name = context.replication();
    List<Action> actions = new ArrayList<>();
    actions.add(
        new Action.Choose(
            source,
            slotExists(name),
            List.of(
                new Action.Run(
                    source,
                    SqlStatement.of(
                        "SELECT count(pg_catalog.pg_terminate_backend(active_pid))"
                            + " FROM pg_catalog.pg_replication_slots WHERE slot_name = ? AND"
                            + " active_pid IS NOT NULL",
                        name)),
                new Action.Await(
                    source,
                    SqlStatement.of(
                        "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots"
                            + " WHERE slot_name = ? AND active)",
                        name),
                    config.timeouts().connect(),
                    "replication slot " + name + " to be released",
                    List.of()),
                new Action.Run(
                    source,
                    SqlStatement.of("SELECT pg_catalog.pg_drop_replication_slot(?)::text", name))),
            List.of()));
    actions.add(
        new Action.Run(
            source, SqlStatement.of("DROP PUBLICATION IF EXISTS " + Identifiers.quote(name))));
    return actions;
  }

  /** After the swap: replication objects, the retired source and its view, once it is unchanged. */
  private List<Action> cleanupActions(Context context) {
    Session source = context.source();
    List<Action> actions = new ArrayList<>(dropReplication(context));
    List<Action> dropRetired = new ArrayList<>();
    dropRetired.addAll(context.fingerprint(source, context.retired(), Action.Slot.OLD_COPY));
    dropRetired.add(
        new Action.Compare(
            Action.Slot.VERIFIED, Action.Slot.OLD_COPY, Action.Failure.OLD_COPY_CHANGED));
    dropRetired.add(
        new Action.Transaction(
            source,
            runs(
                source,
                concat(
                    dropRefusal(context),
                    List.of(SqlStatement.of("DROP TABLE " + context.retired().quoted())))),
            Action.Ending.COMMIT));
    actions.add(
        new Action.IfTable(
            source,
            context.retired(),
            Optional.of(context.operation().ownerTag()),
            false,
            dropRetired));
    // The new shard (or halves) are the table's now, no longer the operation's: untagged, so
    // doctor's orphan check sees them as any other shard.
    List<QualifiedName> untag = new ArrayList<>();
    context
        .split()
        .ifPresentOrElse(
            split -> {
              untag.add(split.low());
              untag.add(split.high());
              if (!split.inPlace()) {
                untag.add(context.container());
              }
            },
            () -> untag.add(context.container()));
    for (QualifiedName table : untag) {
      actions.add(
          new Action.IfTable(
              context.target(),
              table,
              Optional.of(context.operation().ownerTag()),
              false,
              List.of(
                  new Action.Run(
                      context.target(),
                      SqlStatement.of("COMMENT ON TABLE " + table.quoted() + " IS NULL")))));
    }
    if (context.split().map(Split::inPlace).orElse(false)) {
      // The halves' table takes the shard's place under the server's parent, and its name.
      QualifiedName parent = context.sourceParent().orElse(context.operation().parent());
      actions.add(
          new Action.IfTable(
              source,
              context.container(),
              Optional.of(context.operation().ownerTag()),
              false,
              List.of(
                  new Action.Transaction(
                      source,
                      runs(
                          source,
                          List.of(
                              SqlStatement.of(
                                  "ALTER TABLE "
                                      + parent.quoted()
                                      + " ATTACH PARTITION "
                                      + context.container().quoted()
                                      + " "
                                      + context.bound().sql()),
                              SqlStatement.of(
                                  "ALTER TABLE "
                                      + context.container().quoted()
                                      + " RENAME TO "
                                      + Identifiers.quote(context.fromTable().name())),
                              SqlStatement.of(
                                  "COMMENT ON TABLE "
                                      + context.fromTable().quoted()
                                      + " IS NULL"))),
                      Action.Ending.COMMIT))));
    }
    actions.add(
        context.journal(OperationState.DONE, "replication objects and the old copy dropped"));
    return actions;
  }

  /**
   * An abort before the swap: replication objects dropped, a retired source put back under its name
   * (it has every row: nothing was written since it was locked), the target's copy dropped.
   */
  private List<Action> rollbackActions(Context context, String why) {
    if (!context.operation().state().isBefore(OperationState.SWAPPED)) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "operation "
              + context.operation().id()
              + " has already repointed "
              + context.operation().partition().display()
              + " to "
              + context.to()
              + "; it cannot be aborted",
          "run `strata resume "
              + context.operation().id()
              + "` to finish it, or move the shard back");
    }
    // The source first: the shard is writable there again even if the target does not answer, and
    // a rerun of the abort finishes on the target once it does.
    Session source = context.source();
    List<Action> actions = new ArrayList<>();
    actions.add(
        new Action.IfTable(
            source,
            context.retired(),
            Optional.of(context.operation().ownerTag()),
            false,
            List.of(
                new Action.Transaction(
                    source,
                    runs(
                        source,
                        concat(
                            dropRefusal(context),
                            List.of(
                                SqlStatement.of(
                                    "ALTER TABLE "
                                        + context.retired().quoted()
                                        + " RENAME TO "
                                        + Identifiers.quote(context.fromTable().name())),
                                SqlStatement.of(
                                    "COMMENT ON TABLE "
                                        + context.fromTable().quoted()
                                        + " IS NULL")))),
                    Action.Ending.COMMIT))));
    // Back under its parent on the server (detached at the cut-over).
    context
        .sourceParent()
        .ifPresent(
            parent ->
                actions.add(
                    new Action.Choose(
                        source,
                        SqlStatement.of(
                            "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE"
                                + " inhrelid = CAST(? AS regclass))",
                            context.fromTable().quoted()),
                        List.of(
                            new Action.Run(
                                source,
                                SqlStatement.of(
                                    "ALTER TABLE "
                                        + parent.quoted()
                                        + " ATTACH PARTITION "
                                        + context.fromTable().quoted()
                                        + " "
                                        + context.bound().sql()))),
                        List.of())));
    actions.addAll(dropSlotAndPublication(context));
    actions.addAll(dropSubscription(context));
    actions.add(
        new Action.IfTable(
            context.target(),
            context.toTable(),
            Optional.of(context.operation().ownerTag()),
            false,
            List.of(
                new Action.Run(
                    context.target(),
                    SqlStatement.of("DROP TABLE " + context.toTable().quoted())))));
    actions.add(context.journal(OperationState.ABORTED, why));
    return actions;
  }

  // ---------------------------------------------------------------- planning

  /** Reports a move that is already done: the shard's foreign partition is on {@code server}. */
  private Optional<MoveResult> alreadyOn(
      Database control, QualifiedName table, QualifiedName shard, String server) {
    PartitionedTable parent = new CatalogReader(control).partitionedTable(table);
    Partition partition = requireShard(parent, shard);
    Tier.Foreign foreign = partition.foreign().orElseThrow();
    if (foreign.server().equals(server)) {
      return Optional.of(
          new MoveResult(
              Optional.empty(),
              Optional.of(shard.display() + " is on " + server + " already"),
              0,
              0,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              0));
    }
    return Optional.empty();
  }

  static Partition requireShard(PartitionedTable parent, QualifiedName shard) {
    if (parent.strategy() == PartitionStrategy.RANGE) {
      throw new StrataException(
          ErrorCode.USAGE,
          parent.name().display() + " is range-partitioned, not sharded",
          "move its partitions with `strata move TABLE PARTITION --to SERVER`");
    }
    Partition partition =
        parent
            .partition(shard)
            .orElseThrow(
                () ->
                    new StrataException(
                        ErrorCode.USAGE,
                        shard.display() + " is not a shard of " + parent.name().display(),
                        "list them with `strata status " + parent.name().display() + "`"));
    if (partition.foreign().isEmpty()) {
      throw new StrataException(
          ErrorCode.USAGE,
          shard.display()
              + " is a local partition of "
              + parent.name().display()
              + ", not a shard on a server",
          "shards are foreign partitions; `strata apply` creates them from shard_by");
    }
    return partition;
  }

  /** Where a shard is: its foreign partition, its server, and its table there. */
  private record Located(
      PartitionedTable parent, Partition partition, String from, QualifiedName remote) {}

  private Located locate(Database control, QualifiedName table, QualifiedName shard) {
    PartitionedTable parent = new CatalogReader(control).partitionedTable(table);
    Partition partition = requireShard(parent, shard);
    Tier.Foreign foreign = partition.foreign().orElseThrow();
    String from = foreign.server();
    if (!config.servers().containsKey(from)) {
      throw new StrataException(
          ErrorCode.CONFIG,
          shard.display()
              + " is on foreign server "
              + from
              + ", which is not under servers in the config",
          "add " + from + " under servers, with its url, so Strata can read the shard there");
    }
    return new Located(
        parent, partition, from, QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable()));
  }

  private Operation preflight(
      Database control, QualifiedName table, QualifiedName shard, String server, long id) {
    Located located = locate(control, table, shard);
    PartitionedTable parent = located.parent();
    Partition partition = located.partition();
    String from = located.from();
    QualifiedName remote = located.remote();
    try (Database source = new Database(from, connections.server(from))) {
      CatalogReader catalog = new CatalogReader(source);
      Optional<CatalogReader.Relation> relation = catalog.findRelation(remote);
      if (relation.isEmpty() || !relation.get().kind().equals("r")) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            shard.display() + "'s table " + remote.display() + " is not a table on " + from,
            "check the foreign partition's table_name and schema_name options");
      }
    }
    try (Database target = new Database(server, connections.server(server))) {
      CatalogReader catalog = new CatalogReader(target);
      Optional<CatalogReader.Relation> existing = catalog.findRelation(remote);
      if (existing.isPresent()) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            remote.display() + " exists on " + server + " already; the shard cannot be moved there",
            "drop or rename it on " + server + " if it is a leftover, then run the move again");
      }
      Optional<CatalogReader.Relation> serverParent = catalog.findRelation(table);
      if (serverParent.isPresent()) {
        PartitionedTable existingParent;
        try {
          existingParent = catalog.partitionedTable(table);
        } catch (StrataException e) {
          throw new StrataException(
              ErrorCode.CHECK_FAILED,
              table.display() + " on " + server + " is not a partitioned table",
              "rename it there; the move creates the parent its shards hang from");
        }
        if (existingParent.strategy() != parent.strategy()
            || !existingParent.keyColumns().equals(parent.keyColumns())
            || !existingParent.columns().equals(parent.columns())) {
          throw new StrataException(
              ErrorCode.CHECK_FAILED,
              table.display()
                  + " on "
                  + server
                  + " is partitioned by "
                  + existingParent.keyDefinition()
                  + " with other columns or key than on the coordinator",
              "make it the same shape as on the coordinator");
        }
      }
    }
    return draft(id, OperationKind.SHARD_MOVE, located, server, remote);
  }

  private Operation preflightSplit(
      Database control,
      QualifiedName table,
      QualifiedName shard,
      Optional<String> server,
      long id) {
    CatalogReader catalog = new CatalogReader(control);
    Located located = locate(control, table, shard);
    Partition partition = located.partition();
    if (!(partition.bound() instanceof PartitionBound.Hash hash)) {
      throw new StrataException(
          ErrorCode.USAGE,
          shard.display() + " is a list shard; only hash shards split",
          "give the values a shard of their own under shard_by.lists instead");
    }
    String from = located.from();
    String to = server.orElse(from);
    QualifiedName remote = located.remote();
    boolean inPlace = to.equals(from);
    Split split = Split.of(table, hash, inPlace);
    for (QualifiedName half : List.of(split.low(), split.high())) {
      if (catalog.findRelation(half).isPresent()) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            half.display() + " exists on the coordinator already; the split needs that name",
            "rename or drop it, then split again");
      }
    }
    QualifiedName container =
        inPlace ? PartitionMover.derivedName(remote, "_s" + id + "_split") : remote;
    try (Database target = new Database(to, connections.server(to))) {
      CatalogReader targetCatalog = new CatalogReader(target);
      List<QualifiedName> needed =
          inPlace
              ? List.of(split.low(), split.high())
              : List.of(container, split.low(), split.high());
      for (QualifiedName name : needed) {
        if (targetCatalog.findRelation(name).isPresent()) {
          throw new StrataException(
              ErrorCode.CHECK_FAILED,
              name.display() + " exists on " + to + " already; the split needs that name",
              "drop or rename it on " + to + " if it is a leftover, then split again");
        }
      }
    }
    return draft(id, OperationKind.SHARD_SPLIT, located, to, container);
  }

  /** The operation as its intent records it: from where the shard is to {@code target} there. */
  private static Operation draft(
      long id, OperationKind kind, Located located, String server, QualifiedName target) {
    return Journal.draft(
        id,
        kind,
        located.parent().name(),
        located.partition().name(),
        located.partition().bound().sql(),
        server,
        target,
        1,
        false,
        Optional.of(located.from()),
        Optional.of(located.remote()));
  }

  private Context context(Database control, Operation operation) {
    CatalogReader catalog = new CatalogReader(control);
    PartitionedTable parent = catalog.partitionedTable(operation.parent());
    if (parent.keyColumns().size() != 1) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          parent.name().display()
              + " is partitioned by "
              + parent.keyDefinition()
              + "; shards need one key column");
    }
    String from = operation.fromServer().orElseThrow();
    Mode mode;
    Optional<QualifiedName> sourceParent;
    try (Database source = new Database(from, connections.server(from))) {
      mode = logicalAvailable(source) ? Mode.LOGICAL : Mode.FREEZE;
      CatalogReader sourceCatalog = new CatalogReader(source);
      Optional<CatalogReader.PartitionOf> of =
          sourceCatalog.partitionOf(operation.fromTable().orElseThrow());
      if (of.isPresent()) {
        sourceParent = Optional.of(of.get().parent());
      } else {
        // Detached at the cut-over already (or never a partition): its parent by the journal's
        // name, when the server has a partitioned table of that name.
        sourceParent =
            sourceCatalog
                .findRelation(operation.parent())
                .filter(relation -> relation.kind().equals("p"))
                .map(relation -> operation.parent());
      }
    }
    Optional<Split> split = Optional.empty();
    if (operation.kind() == OperationKind.SHARD_SPLIT) {
      boolean inPlace = from.equals(operation.server());
      split =
          Optional.of(
              Split.of(
                  operation.parent(),
                  (PartitionBound.Hash) PartitionBound.parse(operation.bound()),
                  inPlace));
      if (inPlace) {
        mode = Mode.LOCAL;
      }
    }
    Fingerprints.Form form =
        operation
            .checksumForm()
            .map(Fingerprints.Form::ofLabel)
            .orElseGet(
                // Both sides hash in SQL with the same functions: the per-column form, about
                // twice as fast as the record form, keeps the cut-over's verification short.
                () ->
                    dev.strata.verify.ColumnHash.forColumns(parent.columns()).isPresent()
                        ? Fingerprints.Form.COLUMNS
                        : Fingerprints.formFor(control, parent.columns()));
    CatalogReader.Ownership ownership =
        catalog.findRelation(operation.partition()).isPresent()
            ? catalog.ownership(operation.partition())
            : new CatalogReader.Ownership(
                catalog.server().currentUser(), List.of(), Optional.empty());
    return new Context(
        operation,
        parent.columns(),
        PartitionBound.parse(operation.bound()),
        parent.strategy(),
        parent.keyColumns().get(0),
        mode,
        form,
        new MovePlanner(connections).swapLockTimeout(),
        config.timeouts().statement().isZero()
            ? Duration.ofHours(2)
            : config.timeouts().statement().multipliedBy(10),
        ownership,
        sourceParent,
        split,
        installationTag(control),
        // Read on the target only for the step that creates the copy: an abort must not need it.
        operation.state() == OperationState.INTENT
            ? targetParent(operation, PartitionBound.parse(operation.bound()))
            : operation.parent());
  }

  /**
   * On the target, the partitioned table the shard goes under: the parent of the coordinator's
   * name, or, when an earlier split left a table of halves there whose bound covers the shard's
   * hash values, that table (a shard beside it would overlap it).
   */
  private QualifiedName targetParent(Operation operation, PartitionBound bound) {
    QualifiedName parent = operation.parent();
    if (!(bound instanceof PartitionBound.Hash hash)) {
      return parent;
    }
    try (Database target =
        new Database(operation.server(), connections.server(operation.server()))) {
      CatalogReader catalog = new CatalogReader(target);
      while (catalog.findRelation(parent).filter(r -> r.kind().equals("p")).isPresent()) {
        Optional<QualifiedName> deeper = Optional.empty();
        for (Partition child : catalog.partitionedTable(parent).partitions()) {
          if (child.subPartitioned()
              && !child.name().equals(operation.remoteTable())
              && child.bound() instanceof PartitionBound.Hash covering
              && hash.modulus() % covering.modulus() == 0
              && hash.remainder() % covering.modulus() == covering.remainder()) {
            deeper = Optional.of(child.name());
          }
        }
        if (deeper.isEmpty()) {
          return parent;
        }
        parent = deeper.get();
      }
      return parent;
    }
  }

  /**
   * Eight hex digits that tell this coordinator's database from any other: its database's OID and,
   * where Strata's role may read it, the cluster's system identifier. Stable across restarts, so a
   * resumed move finds the objects it created.
   */
  public static String installationTag(Database coordinator) {
    return coordinator
        .queryOne(
            "SELECT substr(md5(concat_ws(':', (SELECT oid FROM pg_catalog.pg_database WHERE"
                + " datname = current_database()), CASE WHEN"
                + " has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE') THEN"
                + " (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END)), 1,"
                + " 8)",
            row -> row.getString(1))
        .orElseThrow();
  }

  /**
   * Whether rows can be copied by logical replication: logical WAL on the source, and Strata's role
   * there may replicate.
   */
  static boolean logicalAvailable(Database source) {
    return source
        .queryOne(
            "SELECT current_setting('wal_level') = 'logical' AND (rolsuper OR rolreplication)"
                + " FROM pg_catalog.pg_roles WHERE rolname = current_user",
            row -> row.getBoolean(1))
        .orElse(false);
  }

  // ---------------------------------------------------------------- plumbing

  private interface ControlWork {
    MoveResult run(Database control, Journal journal);
  }

  private MoveResult withControl(QualifiedName shard, ControlWork work) {
    try (Database control = coordinator()) {
      JournalSchema.ensure(control);
      Journal journal = new Journal(control);
      OperationLock.acquire(control, shard);
      try {
        return work.run(control, journal);
      } finally {
        OperationLock.release(control, shard);
      }
    }
  }

  private ActionRunner runner(Database control, Journal journal, long id) {
    return new ActionRunner(
        connections,
        control,
        () -> journal.find(id).orElseThrow(),
        progress,
        MoveRunner.BULK_STATEMENT_TIMEOUT);
  }

  private Database coordinator() {
    return new Database(Connections.COORDINATOR, connections.coordinator());
  }
}
