package dev.strata.operation;

import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;

/**
 * P8: the old copy is re-hashed and must still hold the verified rows before it is dropped (or
 * kept, when it is not Strata's); the freeze and the swap's check stop every way of writing we know
 * of, and this catches any other before the only other copy of a row could be dropped. The new
 * copy's statistics are gathered meanwhile.
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
    // The copy's statistics, gathered where its rows live, alongside the old copy's check.
    String server = context.target().server();
    QualifiedName copy = context.target().tableAfterSwap(context);
    List<Action> statistics =
        List.of(
            new Action.BestEffort(
                "ANALYZE of " + copy.display() + " on " + server,
                List.of(
                    new Action.Run(
                        Session.bulk(server, "analyze"),
                        SqlStatement.of("ANALYZE " + copy.quoted())))));
    List<Action> actions = new ArrayList<>();
    actions.add(new Action.Parallel(List.of(statistics, context.source().cleanUp(context))));
    actions.add(new Action.Point(context.operation().kind().label() + ".after_cleanup"));
    actions.add(context.journal(OperationState.DONE, "old copy dropped"));
    return actions;
  }
}
