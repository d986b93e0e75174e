package dev.strata.operation;

import dev.strata.sql.Identifiers;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;

/**
 * P7: one short coordinator transaction, with a short {@code lock_timeout} and retried with
 * backoff: the new relation, DETACH of the old partition, its rename aside, the new one's rename
 * in, ATTACH with the same bounds, the source's check that its freeze held, the old partition's
 * owner, grants and comment, and the journal's record, all or nothing. What the target proves
 * before (its rows, counted through the coordinator) runs before the transaction, which holds the
 * parent's lock for DDL only.
 */
final class SwapStep implements MoveStep {
  @Override
  public OperationState from() {
    return OperationState.VERIFIED;
  }

  @Override
  public String title() {
    return "P7 swap";
  }

  @Override
  public String doing(MoveContext context) {
    return "swapping partitions";
  }

  @Override
  public String failpoint() {
    return "after_swap";
  }

  @Override
  public List<Action> actions(MoveContext context) {
    Operation operation = context.operation();
    List<Action> swap = new ArrayList<>();
    swap.add(
        new Action.Run(
            Session.CONTROL,
            SqlStatement.of(
                "SET LOCAL lock_timeout = "
                    + Identifiers.literal(
                        context.settings().swapLockTimeout().toMillis() + "ms"))));
    swap.addAll(context.target().inSwap(context));
    swap.addAll(
        MoveContext.runs(
            Session.CONTROL,
            MoveStatements.swap(
                operation.parent(),
                operation.partition(),
                operation.stagingName(),
                operation.detachedName(),
                context.bound())));
    // The DETACH holds ACCESS EXCLUSIVE on the old partition: from here nothing can write into
    // it, so a freeze checked now covers every write since the copy was verified.
    swap.addAll(context.source().afterDetach(context));
    swap.addAll(
        MoveContext.runs(
            Session.CONTROL,
            MoveStatements.ownership(
                operation.partition(), context.target().foreign(), context.ownership())));
    swap.add(new Action.Point(operation.kind().label() + ".before_swap_commit"));
    Journal.swappedStatements(operation, context.settings().grace())
        .forEach(statement -> swap.add(new Action.Run(Session.CONTROL, statement)));
    List<Action> actions = new ArrayList<>(context.target().beforeSwap(context));
    actions.add(new Action.Transaction(Session.CONTROL, swap, Action.Ending.COMMIT_RETRYING_LOCKS));
    return actions;
  }
}
