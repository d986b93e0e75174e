package dev.strata.operation;

import dev.strata.catalog.CatalogReader;
import dev.strata.connect.Connections;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;

/**
 * A local partition being archived: frozen by {@link Freeze}'s triggers, whose identity the swap
 * checks after its DETACH; after the swap the detached copy is re-hashed, then dropped.
 */
record LocalSource(QualifiedName partition) implements Source {
  @Override
  public String server() {
    return Connections.COORDINATOR;
  }

  @Override
  public QualifiedName table() {
    return partition;
  }

  @Override
  public List<Action> freeze(MoveContext context) {
    // CREATE TRIGGER takes SHARE ROW EXCLUSIVE on the partition, which waits for every transaction
    // that has written to it (they hold ROW EXCLUSIVE) to finish; once it commits, every later
    // write sees the triggers. Their identity is journaled in the same transaction.
    List<Action> actions =
        new ArrayList<>(
            MoveContext.runs(
                Session.CONTROL, Freeze.statements(partition, context.operation().id())));
    actions.add(
        new Action.Run(
            Session.CONTROL, Journal.freezeMarkerStatement(context.operation(), partition)));
    Journal.advanceStatements(context.operation(), OperationState.FROZEN, "source frozen")
        .forEach(statement -> actions.add(new Action.Run(Session.CONTROL, statement)));
    return List.of(
        new Action.Transaction(Session.CONTROL, actions, Action.Ending.COMMIT_RETRYING_LOCKS));
  }

  @Override
  public List<Action> unfreeze(MoveContext context) {
    return List.of(
        new Action.IfTable(
            Session.CONTROL,
            partition,
            java.util.Optional.empty(),
            false,
            List.of(
                new Action.Transaction(
                    Session.CONTROL,
                    MoveContext.runs(Session.CONTROL, Freeze.unfreezeStatements(partition)),
                    Action.Ending.COMMIT_RETRYING_LOCKS))));
  }

  @Override
  public List<Action> afterDetach(MoveContext context) {
    QualifiedName detached = context.operation().detachedName();
    return List.of(
        new Action.Expect(
            Session.CONTROL,
            SqlStatement.of(
                CatalogReader.TRIGGER_VERSIONS_QUERY,
                detached.schema(),
                detached.name(),
                Freeze.TRIGGERS.toArray(String[]::new)),
            Action.Expected.FREEZE_MARKER,
            Action.Failure.FREEZE_CHANGED));
  }

  @Override
  public boolean foreignOnCoordinator() {
    return false;
  }

  @Override
  public List<Action> prepareReattach(MoveContext context) {
    // A validated CHECK equal to the bounds lets ATTACH skip its scan of the table, which would
    // otherwise run while the parent is locked. Added NOT VALID, then validated (SHARE UPDATE
    // EXCLUSIVE on the detached copy only).
    QualifiedName detached = context.operation().detachedName();
    String constraint = MoveStatements.BOUNDS_CONSTRAINT;
    return MoveContext.runs(
        Session.CONTROL,
        List.of(
            "ALTER TABLE " + detached.quoted() + " DROP CONSTRAINT IF EXISTS " + constraint,
            "ALTER TABLE "
                + detached.quoted()
                + " ADD CONSTRAINT "
                + constraint
                + " CHECK ("
                + context.bounds().insideLiteral()
                + ") NOT VALID",
            "ALTER TABLE " + detached.quoted() + " VALIDATE CONSTRAINT " + constraint));
  }

  @Override
  public List<Action> inReattach(MoveContext context) {
    List<String> statements = new ArrayList<>();
    statements.add(
        "ALTER TABLE "
            + partition.quoted()
            + " DROP CONSTRAINT "
            + MoveStatements.BOUNDS_CONSTRAINT);
    statements.addAll(Freeze.unfreezeStatements(partition));
    return MoveContext.runs(Session.CONTROL, statements);
  }

  @Override
  public List<Action> cleanUp(MoveContext context) {
    Operation operation = context.operation();
    QualifiedName detached = operation.detachedName();
    List<Action> oldCopy =
        List.of(
            new Action.IfTable(
                Session.CONTROL,
                detached,
                java.util.Optional.empty(),
                false,
                List.of(
                    context.fingerprint(
                        Session.bulk(Connections.COORDINATOR, "old-copy"),
                        detached,
                        Action.Slot.OLD_COPY),
                    new Action.Compare(
                        Action.Slot.VERIFIED,
                        Action.Slot.OLD_COPY,
                        Action.Failure.OLD_COPY_CHANGED),
                    new Action.Run(
                        Session.CONTROL,
                        SqlStatement.of("DROP TABLE IF EXISTS " + detached.quoted())))));
    return oldCopy;
  }
}
