package dev.strata.operation;

import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;

/**
 * P5: the source's indexes built on the target after the copy, under their own names, in up to four
 * sessions at once (each build is single-threaded in PostgreSQL, so separate sessions use the
 * server's cores).
 */
final class IndexStep implements MoveStep {
  static final int SESSIONS = 4;

  @Override
  public OperationState from() {
    return OperationState.COPIED;
  }

  @Override
  public String title() {
    return "P5 indexes";
  }

  @Override
  public String doing(MoveContext context) {
    return "building indexes";
  }

  @Override
  public String failpoint() {
    return "after_indexes";
  }

  @Override
  public List<Action> actions(MoveContext context) {
    List<String> indexes = context.indexes();
    int sessions = Math.min(SESSIONS, indexes.size());
    List<List<Action>> branches = new ArrayList<>();
    for (int s = 0; s < sessions; s++) {
      Session session = Session.bulk(context.target().server(), "index-" + (s + 1));
      List<Action> branch = new ArrayList<>();
      branch.add(new Action.Run(session, SqlStatement.of("SET maintenance_work_mem = '256MB'")));
      for (int i = s; i < indexes.size(); i += sessions) {
        branch.add(new Action.Run(session, SqlStatement.of(indexes.get(i))));
      }
      branches.add(branch);
    }
    List<Action> actions = new ArrayList<>();
    if (!branches.isEmpty()) {
      actions.add(new Action.Parallel(branches));
    }
    actions.add(context.journal(OperationState.INDEXED, "indexes built"));
    return actions;
  }
}
