package dev.strata.operation;

import java.util.List;

/** P2: the empty target table, with the parent's columns and the bounds as a CHECK. */
final class TargetStep implements MoveStep {
  @Override
  public OperationState from() {
    return OperationState.INTENT;
  }

  @Override
  public String title() {
    return "P2 target table";
  }

  @Override
  public String doing(MoveContext context) {
    return "creating the target table";
  }

  @Override
  public String failpoint() {
    return "after_target";
  }

  @Override
  public List<Action> actions(MoveContext context) {
    return context.target().create(context);
  }
}
