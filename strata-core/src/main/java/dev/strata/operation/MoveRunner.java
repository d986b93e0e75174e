package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.SqlStatement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a move's steps ({@link MoveStep#PROTOCOL}) from wherever its journal stands: it plans each
 * step right before running it, runs it with an {@link ActionRunner}, hits the step's failpoint
 * after the journal recorded it, reports progress, and decides what a failed check means for the
 * operation:
 *
 * <ul>
 *   <li>the copy does not hold the source's rows, or the freeze changed before the swap: the move
 *       is rolled back ({@link #rollbackActions}) and aborted; nothing changed for readers;
 *   <li>the old copy changed after verification: a reversible target swaps back ({@link
 *       #reverseActions}) and the move is aborted, nothing lost; otherwise both copies are kept and
 *       the user told how to reconcile them;
 *   <li>anything else: the operation stays where it stopped, and the message says whether to resume
 *       or abort.
 * </ul>
 */
final class MoveRunner {
  static final Duration BULK_STATEMENT_TIMEOUT = Duration.ofHours(2);

  private final Connections connections;
  private final MoveProgress progress;
  private final MovePlanner planner;

  MoveRunner(Connections connections, MoveProgress progress) {
    this.connections = connections;
    this.progress = progress;
    this.planner = new MovePlanner(connections);
  }

  /** Records the intent of {@code operation} and runs it. */
  MoveResult start(Database control, Journal journal, Operation operation) {
    try (ActionRunner runner = runner(control, journal, operation.id())) {
      runner.run(intentActions(operation));
    }
    Failpoints.hit(operation.kind().label() + ".after_intent");
    return run(control, journal, journal.find(operation.id()).orElseThrow());
  }

  static List<Action> intentActions(Operation operation) {
    return List.of(
        new Action.Transaction(
            Session.CONTROL,
            Journal.intentStatements(operation).stream()
                .map(statement -> (Action) new Action.Run(Session.CONTROL, statement))
                .toList(),
            Action.Ending.COMMIT));
  }

  /** Runs {@code start} from its journaled state to the end (or to a grace period's end). */
  MoveResult run(Database control, Journal journal, Operation start) {
    long began = System.nanoTime();
    Map<OperationState, Duration> durations = new EnumMap<>(OperationState.class);
    MoveContext context = planner.context(control, start);
    Operation operation = start;
    long rows = 0;
    long bytes = 0;
    try (ActionRunner runner = runner(control, journal, start.id())) {
      runner.expectRows(estimatedRows(context));
      while (!operation.state().isTerminal()) {
        MoveStep step = stepFrom(operation.state());
        if (operation.state() == OperationState.SWAPPED
            && operation.dropAfter().map(at -> at.isAfter(OffsetDateTime.now())).orElse(false)) {
          progress.step(operation, "keeping the old copy until " + operation.dropAfter().get());
          break;
        }
        context = context.withOperation(operation);
        progress.step(operation, step.doing(context));
        long stepStarted = System.nanoTime();
        try {
          runner.run(step.actions(context));
        } catch (ActionRunner.CheckFailed failed) {
          throw onCheckFailed(control, journal, context, failed);
        }
        durations.put(operation.state(), Duration.ofNanos(System.nanoTime() - stepStarted));
        operation = journal.find(operation.id()).orElseThrow();
        Failpoints.hit(operation.kind().label() + "." + step.failpoint());
      }
      rows = runner.rowsCopied();
      bytes = runner.bytesCopied();
    } catch (StrataException e) {
      Operation failed = journal.find(operation.id()).orElse(operation);
      if (e instanceof Reported || failed.state().isTerminal()) {
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
              + stepFrom(failed.state()).title().replaceFirst("^P[0-9] ", "")
              + "': "
              + e.getMessage(),
          stateAdvice(failed, e),
          e);
    }
    return new MoveResult(
        Optional.of(operation),
        Optional.empty(),
        rows,
        bytes,
        durations.getOrDefault(OperationState.FROZEN, Duration.ZERO),
        durations.getOrDefault(OperationState.COPIED, Duration.ZERO),
        durations.getOrDefault(OperationState.INDEXED, Duration.ZERO),
        durations.getOrDefault(OperationState.VERIFIED, Duration.ZERO),
        Duration.ofNanos(System.nanoTime() - began),
        1);
  }

  private long estimatedRows(MoveContext context) {
    try (Database source = planner.open(context.source().server())) {
      return new dev.strata.catalog.TableData(source)
          .tableSize(context.source().table())
          .flatMap(
              size ->
                  size.estimatedRows().isPresent()
                      ? Optional.of(size.estimatedRows().getAsLong())
                      : Optional.empty())
          .orElse(-1L);
    }
  }

  static MoveStep stepFrom(OperationState state) {
    return MoveStep.PROTOCOL.stream()
        .filter(step -> step.from() == state)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no step runs from " + state));
  }

  private ActionRunner runner(Database control, Journal journal, long id) {
    return new ActionRunner(
        connections,
        control,
        () -> journal.find(id).orElseThrow(),
        progress,
        BULK_STATEMENT_TIMEOUT);
  }

  /** The rollback of a move that has not swapped: unfreeze the source, drop the copy. */
  static List<Action> rollbackActions(MoveContext context, String why) {
    List<Action> actions = new ArrayList<>(context.source().unfreeze(context));
    actions.addAll(context.target().drop(context));
    actions.add(context.journal(OperationState.ABORTED, why));
    return actions;
  }

  /** Rolls back, then aborts, an operation that has not swapped. */
  void rollBack(Database control, Journal journal, Operation operation, String why) {
    MoveContext context = planner.context(control, operation);
    try (ActionRunner runner = runner(control, journal, operation.id())) {
      runner.run(rollbackActions(context, why));
    }
  }

  /**
   * The undoing of a swap whose old copy turned out to have changed: the old copy, which has every
   * row, is attached again in one transaction (the partition's owner, grants and comment follow it
   * back), the copy is dropped, the source unfrozen, the operation aborted.
   */
  static List<Action> reverseActions(MoveContext context, String why) {
    Operation operation = context.operation();
    List<Action> actions = new ArrayList<>(context.source().prepareReattach(context));
    List<Action> swapBack = new ArrayList<>();
    swapBack.add(
        new Action.Run(
            Session.CONTROL,
            SqlStatement.of(
                "SET LOCAL lock_timeout = '"
                    + context.settings().swapLockTimeout().toMillis()
                    + "ms'")));
    swapBack.addAll(
        MoveContext.runs(
            Session.CONTROL,
            MoveStatements.swap(
                operation.parent(),
                operation.partition(),
                operation.detachedName(),
                operation.stagingName(),
                context.bound())));
    swapBack.addAll(
        MoveContext.runs(
            Session.CONTROL,
            MoveStatements.ownership(
                operation.partition(),
                context.source().foreignOnCoordinator(),
                context.ownership())));
    swapBack.add(
        new Action.Run(
            Session.CONTROL,
            SqlStatement.of("DROP FOREIGN TABLE " + operation.stagingName().quoted())));
    swapBack.addAll(context.source().inReattach(context));
    Journal.advanceStatements(operation, OperationState.ABORTED, why)
        .forEach(statement -> swapBack.add(new Action.Run(Session.CONTROL, statement)));
    actions.add(
        new Action.Transaction(Session.CONTROL, swapBack, Action.Ending.COMMIT_RETRYING_LOCKS));
    actions.addAll(context.target().drop(context));
    actions.addAll(context.source().unfreeze(context));
    return actions;
  }

  private StrataException onCheckFailed(
      Database control, Journal journal, MoveContext context, ActionRunner.CheckFailed failed) {
    Operation operation = journal.find(context.operation().id()).orElseThrow();
    MoveContext current = context.withOperation(operation);
    String subject =
        operation.kind().label()
            + " of "
            + operation.partition().display()
            + " (operation "
            + operation.id()
            + ")";
    switch (failed.failure()) {
      case COPY_MISMATCH -> {
        run(
            control,
            journal,
            rollbackActions(current, "verification failed: " + failed.getMessage()));
        return new Reported(
            ErrorCode.CHECK_FAILED,
            "verification failed for "
                + operation.partition().display()
                + " ("
                + failed.getMessage()
                + "); the copy was discarded and the operation rolled back",
            "nothing changed for readers and the partition is writable again; run the command"
                + " again to retry");
      }
      case FREEZE_CHANGED -> {
        run(control, journal, rollbackActions(current, "the freeze was changed before the swap"));
        return new Reported(
            ErrorCode.CHECK_FAILED,
            subject
                + " was rolled back: the freeze of "
                + operation.partition().display()
                + " was changed while the operation ran (a freeze trigger was disabled, dropped or"
                + " re-created), so writes may have got past it and the verified copy cannot be"
                + " trusted. The partition is where it was and writable again, the copy on server "
                + current.target().server()
                + " was dropped; nothing was lost",
            "find what altered the triggers on "
                + operation.partition().display()
                + " (ALTER TABLE ... DISABLE TRIGGER, pg_restore --disable-triggers), then run the"
                + " same command again");
      }
      case OLD_COPY_CHANGED -> {
        return oldCopyChanged(control, journal, current, failed.getMessage(), subject);
      }
      default -> {
        return failed;
      }
    }
  }

  private StrataException oldCopyChanged(
      Database control, Journal journal, MoveContext context, String detail, String subject) {
    Operation operation = context.operation();
    String what =
        "the old copy "
            + context.source().table().display()
            + (context.source().server().equals(Connections.COORDINATOR)
                ? ""
                : " on server " + context.source().server())
            + " changed after it was verified ("
            + detail
            + ")";
    if (context.target().reversible(context)) {
      progress.step(operation, "reversing the swap: the old copy has rows the new one lacks");
      run(control, journal, reverseActions(context, "swap reversed: " + what));
      return new Reported(
          ErrorCode.CHECK_FAILED,
          subject
              + " was reversed: "
              + what
              + ": rows got past the freeze. "
              + operation.partition().display()
              + " is served from where it was again, with every row, and the new copy was"
              + " dropped; nothing was lost",
          "find what wrote into "
              + context.source().table().display()
              + " while it was frozen (a superuser, or a session that disabled triggers), then run"
              + " the same command again");
    }
    if (context.target().foreign()) {
      journal.recordError(operation, what);
      return new Reported(
          ErrorCode.CHECK_FAILED,
          subject
              + " kept both copies: "
              + what
              + ", and the new partition is writable, so Strata cannot tell which copy is"
              + " complete. Nothing was dropped",
          "move the missing rows into the parent, e.g. INSERT INTO "
              + operation.parent().quoted()
              + " SELECT * FROM "
              + operation.detachedName().quoted()
              + " EXCEPT SELECT * FROM "
              + operation.partition().quoted()
              + " (for an old copy on a server, through a foreign table on it); then drop the old"
              + " copy and run `strata resume "
              + operation.id()
              + "`");
    }
    Operation done = journal.advance(operation, OperationState.DONE, "old copy kept: " + what);
    journal.recordError(done, what);
    return new Reported(
        ErrorCode.CHECK_FAILED,
        subject
            + " finished, but "
            + what
            + ": rows written there during the move are not in the new partition. The old copy was"
            + " kept, still frozen; nothing was lost",
        "on server "
            + context.source().server()
            + ", find the rows the coordinator lacks (e.g. copy "
            + context.source().table().quoted()
            + " to the coordinator and compare with EXCEPT), insert them through "
            + operation.parent().quoted()
            + ", then drop "
            + context.source().table().quoted()
            + " there");
  }

  private void run(Database control, Journal journal, List<Action> actions) {
    try (ActionRunner runner = runner(control, journal, 0)) {
      runner.run(actions);
    }
  }

  // ---------------------------------------------------------------- advice

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

  static String stateAdvice(Operation operation, StrataException cause) {
    if (operation.state().isBefore(OperationState.SWAPPED) && !rerunMayFix(cause)) {
      return "A rerun would fail the same way. `strata abort "
          + operation.id()
          + "` rolls the operation back (the partition is unchanged"
          + (operation.state().isBefore(OperationState.FROZEN) ? "" : " and writable again")
          + "); fix the cause, then run the command again.";
    }
    return stateAdvice(operation);
  }

  static String stateAdvice(Operation operation) {
    String data =
        operation.state().isBefore(OperationState.SWAPPED)
            ? "The partition is unchanged and still served from "
                + (operation.kind() == OperationKind.ARCHIVE
                    ? "the coordinator"
                    : "server "
                        + (operation.kind() == OperationKind.MOVE
                            ? operation.fromServer().orElse(operation.server())
                            : operation.server()))
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

  /**
   * A failure whose message already says what happened to the operation and the data; it is passed
   * on as it is instead of with resume-or-abort advice.
   */
  static final class Reported extends StrataException {
    Reported(ErrorCode code, String message, String hint) {
      super(code, message, hint);
    }
  }
}
