package dev.strata.operation;

import java.util.ArrayList;
import java.util.List;

/**
 * P8: the old copy is re-hashed and must still hold the verified rows before it is dropped (or
 * kept, when it is not Strata's); the freeze and the swap's check stop every way of writing we know
 * of, and this catches any other before the only other copy of a row could be dropped.
 */
final class CleanupStep implements MoveStep {
  @Override
  public OperationState from() {
    return OperationState.SWAPPED;
  }

  @Override
  public String title() {
    return "P8 cleanup";
  }

  @Override
  public String doing(MoveContext context) {
    return "checking and dropping the old copy";
  }

  @Override
  public String failpoint() {
    return "after_done";
  }

  @Override
  public List<Action> actions(MoveContext context) {
    List<Action> actions = new ArrayList<>(context.source().cleanUp(context));
    actions.add(new Action.Point(context.operation().kind().label() + ".after_cleanup"));
    actions.add(context.journal(OperationState.DONE, "old copy dropped"));
    return actions;
  }
}
