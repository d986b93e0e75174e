package dev.strata.operation;

import dev.strata.connect.Connections;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A table on a server that becomes a foreign partition (archive, a move between servers). During
 * the verification the coordinator reads one of its rows through the foreign server, in a
 * transaction of its own (and refuses a copy with row-level security); right before the swap a
 * bounded probe checks that the server answers. The swap's transaction, which locks the parent,
 * then reads no rows and opens no remote transaction, whose COMMIT would wait for the server
 * without any timeout.
 */
record RemoteTarget(String server, QualifiedName table) implements Target {
  private Session session() {
    return MoveContext.control(server);
  }

  @Override
  public boolean foreign() {
    return true;
  }

  @Override
  public List<Action> create(MoveContext context) {
    Operation operation = context.operation();
    List<Action> create = new ArrayList<>();
    create.add(
        new Action.IfTable(
            session(),
            table,
            Optional.of(operation.ownerTag()),
            true,
            List.of(new Action.Run(session(), SqlStatement.of("DROP TABLE " + table.quoted())))));
    create.addAll(
        MoveContext.runs(
            session(),
            MoveStatements.createTarget(
                table, context.columns(), context.bounds(), operation.ownerTag(), true)));
    List<Action> actions = new ArrayList<>();
    actions.add(new Action.Transaction(session(), create, Action.Ending.COMMIT));
    List<String> grants =
        MoveStatements.grantToMapping(
            table,
            context.settings().mappingUser(),
            context.settings().serverUser(),
            context.settings().archivedUpdatable());
    if (!grants.isEmpty()) {
      actions.add(
          new Action.Transaction(
              session(), MoveContext.runs(session(), grants), Action.Ending.COMMIT));
    }
    actions.add(context.journal(OperationState.TARGET_READY, "target table ready"));
    return actions;
  }

  @Override
  public List<Action> drop(MoveContext context) {
    return List.of(
        new Action.IfTable(
            session(),
            table,
            Optional.of(context.operation().ownerTag()),
            false,
            List.of(new Action.Run(session(), SqlStatement.of("DROP TABLE " + table.quoted())))));
  }

  @Override
  public List<Action> servesRows(MoveContext context) {
    // The copy's rows were counted and hashed as Strata's role; the coordinator reads them as the
    // user mapping's. Without row-level security on the copy every role that can read it reads
    // every row, so one row read through the foreign server proves the mapping can (a count of
    // them all would scan the copy once more, and serially: postgres_fdw reads through a cursor).
    QualifiedName counted = QualifiedName.of("pg_temp", "strata_count");
    Session session = Session.of(Connections.COORDINATOR, "count");
    return List.of(
        new Action.Expect(
            session(),
            dev.strata.catalog.CatalogReader.rowSecurityOff(table),
            Action.Expected.TRUE,
            Action.Failure.ROW_SECURITY),
        new Action.Probe(session, server, context.settings().timeouts().connect()),
        new Action.Transaction(
            session,
            List.of(
                new Action.Run(
                    session,
                    SqlStatement.of(
                        MoveStatements.createIncomingForeignTable(
                            counted, context.columns(), server, table, false))),
                new Action.Expect(
                    session,
                    SqlStatement.of(
                        "SELECT count(*) FROM (SELECT 1 FROM " + counted.quoted() + " LIMIT 1) s"),
                    Action.Expected.ANY_VERIFIED_ROW,
                    Action.Failure.COPY_MISMATCH)),
            Action.Ending.ROLLBACK));
  }

  @Override
  public List<Action> beforeSwap(MoveContext context) {
    return List.of(
        new Action.Probe(Session.CONTROL, server, context.settings().timeouts().connect()));
  }

  @Override
  public List<Action> inSwap(MoveContext context) {
    return List.of(
        new Action.Run(
            Session.CONTROL,
            SqlStatement.of(
                MoveStatements.createIncomingForeignTable(
                    context.operation().stagingName(),
                    context.columns(),
                    server,
                    table,
                    context.settings().archivedUpdatable()))));
  }

  @Override
  public boolean reversible(MoveContext context) {
    return !context.settings().archivedUpdatable();
  }
}
