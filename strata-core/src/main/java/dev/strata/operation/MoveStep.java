package dev.strata.operation;

import java.util.List;

/**
 * One step of the move protocol (docs/architecture.md, "The archive protocol"). It runs when the
 * journal holds {@link #from()}; its actions end with the journal's record of the next state, so a
 * step is done exactly when that record commits, and a rerun repeats only steps not recorded. Every
 * step is idempotent.
 */
interface MoveStep {
  /** The state in which this step runs. */
  OperationState from();

  /** How dry runs name it, e.g. {@code P4 copy}. */
  String title();

  /** What progress says while it runs, e.g. {@code copying rows}. */
  String doing(MoveContext context);

  /** The failpoint hit after the step is recorded: {@code KIND.after_NAME}. */
  String failpoint();

  /** Exactly what the step executes, planned from the context. */
  List<Action> actions(MoveContext context);

  /** The protocol's steps, in order; the sources and targets make the kinds of move differ. */
  List<MoveStep> PROTOCOL =
      List.of(
          new TargetStep(),
          new FreezeStep(),
          new CopyStep(),
          new IndexStep(),
          new VerifyStep(),
          new SwapStep(),
          new CleanupStep());
}
