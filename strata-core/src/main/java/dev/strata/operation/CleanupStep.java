package dev.strata.operation;

import dev.strata.connect.Connections;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;

/**
 * P8: the old copy is re-hashed and must still hold the verified rows before it is dropped (or
 * kept, when it is not Strata's); the freeze and the swap's check stop every way of writing we know
 * of, and this catches any other before the only other copy of a row could be dropped. The
 * coordinator's statistics of a new foreign partition are gathered meanwhile.
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
    // The coordinator's statistics of a foreign partition, alongside the old copy's check:
    // postgres_fdw samples the server using its row count (the verification's ANALYZE there took
    // it). A small sample (3,000 rows) keeps this short: archived partitions need row counts and
    // rough distributions.
    List<Action> statistics = new ArrayList<>();
    if (context.target().foreign()) {
      String server = context.target().server();
      Session coordinator = Session.of(Connections.COORDINATOR, "analyze");
      QualifiedName partition = context.operation().partition();
      statistics.add(
          new Action.BestEffort(
              "ANALYZE of " + partition.display(),
              List.of(
                  new Action.Probe(coordinator, server, context.settings().timeouts().connect()),
                  new Action.Run(
                      coordinator, SqlStatement.of("SET default_statistics_target = 10")),
                  new Action.Run(coordinator, SqlStatement.of("ANALYZE " + partition.quoted())))));
    }
    List<Action> actions = new ArrayList<>();
    if (statistics.isEmpty()) {
      actions.addAll(context.source().cleanUp(context));
    } else {
      actions.add(new Action.Parallel(List.of(statistics, context.source().cleanUp(context))));
    }
    actions.add(new Action.Point(context.operation().kind().label() + ".after_cleanup"));
    actions.add(context.journal(OperationState.DONE, "old copy dropped"));
    return actions;
  }
}
