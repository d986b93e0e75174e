package dev.strata.plan;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Database;
import dev.strata.sql.SqlStatement;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs actions in order, each in its own transaction, and stops at the first failure. The failure
 * says which action failed, how many were applied before it (those stay applied), and that a rerun
 * continues from there, since planning starts again from the catalog.
 */
public final class ActionExecutor {
  private ActionExecutor() {}

  public static void execute(
      Database database, List<? extends Action> actions, Consumer<Action> applied) {
    for (int i = 0; i < actions.size(); i++) {
      Action action = actions.get(i);
      try {
        database.inTransaction(
            db -> {
              for (SqlStatement statement : action.statements()) {
                db.execute(statement);
              }
              return null;
            });
      } catch (StrataException e) {
        throw new StrataException(
            e.code() == ErrorCode.INTERNAL ? ErrorCode.DATABASE : e.code(),
            "failed to "
                + action.description()
                + " ("
                + i
                + " of "
                + actions.size()
                + " changes applied before it; this one was rolled back): "
                + e.getMessage(),
            e.hint() != null
                ? e.hint()
                : "fix the cause and run the same command again: it continues where this run stopped",
            e);
      }
      applied.accept(action);
    }
  }
}
