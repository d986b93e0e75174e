package dev.strata.operation;

import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import dev.strata.verify.ColumnHash;
import dev.strata.verify.Fingerprints;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * P4: binary COPY from the source's server into the target's, in one stream (TRUNCATE and COPY in
 * one transaction, so the rows are written frozen) or in {@code jobs} streams over block ranges of
 * the source's heap. The source is frozen, so its fingerprint is taken while it is copied and
 * journaled with the copy, in the form the journal records: hashed by Strata from the stream itself
 * (columns form), or measured by a query on the source running alongside; verification then only
 * reads the target.
 */
final class CopyStep implements MoveStep {
  @Override
  public OperationState from() {
    return OperationState.FROZEN;
  }

  @Override
  public String title() {
    return "P4 copy";
  }

  @Override
  public String doing(MoveContext context) {
    return "copying rows";
  }

  @Override
  public String failpoint() {
    return "after_copy";
  }

  @Override
  public List<Action> actions(MoveContext context) {
    Operation operation = context.operation();
    QualifiedName source = context.source().table();
    QualifiedName target = context.target().table();
    String sourceServer = context.source().server();
    String targetServer = context.target().server();
    int streams = (int) Math.max(1, Math.min(operation.jobs(), context.sourcePages()));
    List<Action> actions = new ArrayList<>();
    List<List<Action>> branches = new ArrayList<>();
    // In the columns form the relay hashes the rows it streams; otherwise the source is
    // fingerprinted in SQL while it is copied.
    Optional<Action.Digest> digest =
        context.form() == Fingerprints.Form.COLUMNS
            ? Optional.of(
                new Action.Digest(
                    Action.Slot.SOURCE, ColumnHash.forColumns(context.columns()).orElseThrow()))
            : Optional.empty();
    if (digest.isEmpty()) {
      branches.add(
          List.of(
              context.fingerprint(
                  Session.bulk(sourceServer, "fingerprint"), source, Action.Slot.SOURCE)));
    }
    if (streams == 1) {
      Session copyIn = Session.bulk(targetServer, "copy");
      branches.add(
          List.of(
              new Action.Transaction(
                  copyIn,
                  List.of(
                      new Action.Run(copyIn, SqlStatement.of("TRUNCATE " + target.quoted())),
                      new Action.Relay(
                          Session.bulk(sourceServer, "copy"),
                          MoveStatements.copyOut(source, context.columns(), ""),
                          copyIn,
                          MoveStatements.copyIn(target, context.columns(), true),
                          digest)),
                  Action.Ending.COMMIT)));
    } else {
      actions.add(
          new Action.Run(
              Session.bulk(targetServer, "copy"), SqlStatement.of("TRUNCATE " + target.quoted())));
      long perStream = (context.sourcePages() + streams - 1) / streams;
      for (int i = 0; i < streams; i++) {
        long from = i * perStream;
        Session copyIn = Session.bulk(targetServer, "copy-" + (i + 1));
        branches.add(
            List.of(
                new Action.Transaction(
                    copyIn,
                    List.of(
                        new Action.Relay(
                            Session.bulk(sourceServer, "copy-" + (i + 1)),
                            MoveStatements.copyOut(
                                source,
                                context.columns(),
                                MoveStatements.blockRange(
                                    from, i == streams - 1 ? -1 : from + perStream)),
                            copyIn,
                            MoveStatements.copyIn(target, context.columns(), false),
                            digest)),
                    Action.Ending.COMMIT)));
      }
    }
    actions.add(new Action.Parallel(branches));
    actions.add(
        new Action.Transaction(
            Session.CONTROL,
            Journal.copiedStatements(
                    operation,
                    new RunValue(Action.Slot.SOURCE, false),
                    new RunValue(Action.Slot.SOURCE, true),
                    context.form())
                .stream()
                .map(statement -> (Action) new Action.Run(Session.CONTROL, statement))
                .toList(),
            Action.Ending.COMMIT));
    return actions;
  }
}
