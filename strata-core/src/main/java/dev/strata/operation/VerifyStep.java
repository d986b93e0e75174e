package dev.strata.operation;

import java.util.List;

/**
 * P6: the copy's fingerprint (count, checksum, rows outside the bounds) must equal the source's,
 * journaled with the copy, in the form the journal recorded. Nothing else runs meanwhile, so the
 * check has the servers to itself; statistics wait for the cleanup.
 */
final class VerifyStep implements MoveStep {
  @Override
  public OperationState from() {
    return OperationState.INDEXED;
  }

  @Override
  public String title() {
    return "P6 verify";
  }

  @Override
  public String doing(MoveContext context) {
    return "verifying";
  }

  @Override
  public String failpoint() {
    return "after_verify";
  }

  @Override
  public List<Action> actions(MoveContext context) {
    String server = context.target().server();
    return List.of(
        context.fingerprint(
            Session.bulk(server, "verify"), context.target().table(), Action.Slot.TARGET),
        new Action.Compare(Action.Slot.VERIFIED, Action.Slot.TARGET, Action.Failure.COPY_MISMATCH),
        context.journal(OperationState.VERIFIED, "copy verified"));
  }
}
