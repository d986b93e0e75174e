package dev.strata.operation;

import dev.strata.connect.Connections;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A local table that becomes a partition (restore): created under the operation's staging name with
 * the bounds as a CHECK, which lets the swap's ATTACH skip its scan.
 */
record LocalTarget(QualifiedName table) implements Target {
  @Override
  public String server() {
    return Connections.COORDINATOR;
  }

  @Override
  public boolean foreign() {
    return false;
  }

  @Override
  public List<Action> create(MoveContext context) {
    Operation operation = context.operation();
    List<Action> create = new ArrayList<>();
    create.add(
        new Action.IfTable(
            Session.CONTROL,
            table,
            Optional.of(operation.ownerTag()),
            true,
            List.of(
                new Action.Run(Session.CONTROL, SqlStatement.of("DROP TABLE " + table.quoted())))));
    create.addAll(
        MoveContext.runs(
            Session.CONTROL,
            MoveStatements.createTarget(
                table, context.columns(), context.bounds(), operation.ownerTag(), false)));
    return List.of(
        new Action.Transaction(Session.CONTROL, create, Action.Ending.COMMIT),
        context.journal(OperationState.TARGET_READY, "target table ready"));
  }

  @Override
  public List<Action> drop(MoveContext context) {
    return List.of(
        new Action.IfTable(
            Session.CONTROL,
            table,
            Optional.of(context.operation().ownerTag()),
            false,
            List.of(
                new Action.Run(Session.CONTROL, SqlStatement.of("DROP TABLE " + table.quoted())))));
  }

  @Override
  public List<Action> servesRows(MoveContext context) {
    // The swap counts the local copy itself, in its transaction.
    return List.of();
  }

  @Override
  public List<Action> beforeSwap(MoveContext context) {
    return List.of();
  }

  @Override
  public List<Action> inSwap(MoveContext context) {
    return List.of(
        new Action.Expect(
            Session.CONTROL,
            SqlStatement.of(MoveStatements.countRows(table)),
            Action.Expected.VERIFIED_ROWS,
            Action.Failure.COUNT_MISMATCH));
  }

  @Override
  public boolean reversible(MoveContext context) {
    // The restored partition takes writes at once: nothing proves it unchanged since the swap.
    return false;
  }
}
