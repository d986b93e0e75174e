package dev.strata.operation;

import java.util.List;

/** P3: the source refuses writes from here on (see {@link Freeze}). */
final class FreezeStep implements MoveStep {
  @Override
  public OperationState from() {
    return OperationState.TARGET_READY;
  }

  @Override
  public String title() {
    return "P3 freeze";
  }

  @Override
  public String doing(MoveContext context) {
    return "freezing " + context.partition().display();
  }

  @Override
  public String failpoint() {
    return "after_freeze";
  }

  @Override
  public List<Action> actions(MoveContext context) {
    return context.source().freeze(context);
  }
}
