package dev.strata.operation;

import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A table on a server behind a foreign partition (restore, or a move to another server): frozen
 * twice, by {@code updatable 'false'} on the coordinator's foreign table and by {@link Freeze}'s
 * triggers on the table itself, which refuse writes made on the server directly. After the swap it
 * is re-hashed, then dropped when Strata created it (its comment is an operation's tag), else
 * unfrozen and kept.
 *
 * @param server the server that holds it
 * @param table the table there
 * @param updatableOptionSet whether the foreign partition has an {@code updatable} option already
 *     (SET, else ADD)
 * @param createdByStrata whether a Strata operation created it
 */
record RemoteSource(
    String server, QualifiedName table, boolean updatableOptionSet, boolean createdByStrata)
    implements Source {

  private Session session() {
    return MoveContext.control(server);
  }

  private String setUpdatable(QualifiedName foreignTable, boolean updatable) {
    return "ALTER FOREIGN TABLE "
        + foreignTable.quoted()
        + " OPTIONS ("
        + (updatableOptionSet ? "SET" : "ADD")
        + " updatable "
        + Identifiers.literal(Boolean.toString(updatable))
        + ")";
  }

  @Override
  public List<Action> freeze(MoveContext context) {
    Operation operation = context.operation();
    List<Action> remote = new ArrayList<>(MoveContext.runs(session(), Freeze.functionStatements()));
    remote.addAll(MoveContext.runs(session(), Freeze.statements(table, operation.id())));
    return List.of(
        new Action.Transaction(
            Session.CONTROL,
            List.of(
                new Action.Run(
                    Session.CONTROL, SqlStatement.of(setUpdatable(operation.partition(), false)))),
            Action.Ending.COMMIT_RETRYING_LOCKS),
        new Action.Transaction(session(), remote, Action.Ending.COMMIT_RETRYING_LOCKS),
        context.journal(OperationState.FROZEN, "source frozen"));
  }

  @Override
  public List<Action> unfreeze(MoveContext context) {
    Operation operation = context.operation();
    return List.of(
        new Action.IfTable(
            Session.CONTROL,
            operation.partition(),
            Optional.empty(),
            false,
            List.of(
                new Action.Transaction(
                    Session.CONTROL,
                    List.of(
                        new Action.Run(
                            Session.CONTROL,
                            SqlStatement.of(
                                setUpdatable(
                                    operation.partition(),
                                    context.settings().archivedUpdatable())))),
                    Action.Ending.COMMIT_RETRYING_LOCKS))),
        new Action.IfTable(
            session(),
            table,
            Optional.empty(),
            false,
            List.of(
                new Action.Transaction(
                    session(),
                    MoveContext.runs(session(), Freeze.unfreezeStatements(table)),
                    Action.Ending.COMMIT_RETRYING_LOCKS))));
  }

  @Override
  public boolean foreignOnCoordinator() {
    return true;
  }

  @Override
  public List<Action> prepareReattach(MoveContext context) {
    // ATTACH never scans a foreign table.
    return List.of();
  }

  @Override
  public List<Action> inReattach(MoveContext context) {
    return List.of(
        new Action.Run(
            Session.CONTROL,
            SqlStatement.of(
                setUpdatable(
                    context.operation().partition(), context.settings().archivedUpdatable()))));
  }

  @Override
  public List<Action> afterDetach(MoveContext context) {
    return List.of();
  }

  @Override
  public List<Action> cleanUp(MoveContext context) {
    Operation operation = context.operation();
    boolean drop = createdByStrata && !operation.keepRemote();
    List<Action> oldCopy = new ArrayList<>();
    oldCopy.add(context.fingerprint(Session.bulk(server, "old-copy"), table, Action.Slot.OLD_COPY));
    oldCopy.add(
        new Action.Compare(
            Action.Slot.VERIFIED, Action.Slot.OLD_COPY, Action.Failure.OLD_COPY_CHANGED));
    if (drop) {
      oldCopy.add(
          new Action.Run(session(), SqlStatement.of("DROP TABLE IF EXISTS " + table.quoted())));
    } else {
      oldCopy.add(
          new Action.Transaction(
              session(),
              MoveContext.runs(session(), Freeze.unfreezeStatements(table)),
              Action.Ending.COMMIT_RETRYING_LOCKS));
    }
    return List.of(
        new Action.Run(
            Session.CONTROL,
            SqlStatement.of("DROP FOREIGN TABLE IF EXISTS " + operation.detachedName().quoted())),
        new Action.IfTable(session(), table, Optional.empty(), false, oldCopy));
  }
}
