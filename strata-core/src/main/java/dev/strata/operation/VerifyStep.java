package dev.strata.operation;

import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;

/**
 * P6: the copy's fingerprint (count, checksum, rows outside the bounds) must equal the source's,
 * journaled with the copy, in the form the journal recorded; alongside, the copy's statistics are
 * gathered where its rows live, and the target proves the coordinator will serve its rows (a
 * foreign partition's rows counted through the foreign server).
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
    List<List<Action>> branches = new ArrayList<>();
    branches.add(
        List.of(
            context.fingerprint(
                Session.bulk(server, "verify"), context.target().table(), Action.Slot.TARGET)));
    // Statistics where the copy's rows live (the coordinator's, for a foreign partition, sample
    // the server using its row count: taken at the cleanup, after these).
    branches.add(
        List.of(
            new Action.Run(
                Session.bulk(server, "analyze"),
                SqlStatement.of("ANALYZE " + context.target().table().quoted()))));
    List<Action> serves = context.target().servesRows(context);
    if (!serves.isEmpty()) {
      branches.add(serves);
    }
    return List.of(
        new Action.Parallel(branches),
        new Action.Compare(Action.Slot.VERIFIED, Action.Slot.TARGET, Action.Failure.COPY_MISMATCH),
        context.journal(OperationState.VERIFIED, "copy verified"));
  }
}
