package dev.strata.operation;

import dev.strata.catalog.Column;
import dev.strata.catalog.PartitionBound;
import dev.strata.connect.Connections;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import dev.strata.verify.Fingerprints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the steps of one move are planned from: the operation as the journal has it, and the facts
 * read when the move started or resumed. Steps read nothing else, so a dry run (planned from the
 * facts before anything changed) and the run itself produce the same statements.
 *
 * @param operation the operation (for a dry run, as the intent will record it)
 * @param columns the parent's columns, in order
 * @param bounds the partition's bounds, for CHECK constraints and fingerprints
 * @param bound the partition's bound, for ATTACH
 * @param source where the rows are read and frozen
 * @param target where the copy is written
 * @param indexes the source's indexes, as statements for the target (named as on the source)
 * @param form how both sides hash rows for fingerprints
 * @param sourcePages the source's size in pages, for parallel block ranges
 * @param partitionOwnership reads the partition's owner, grants and comment when the swap is
 *     planned (right before it runs), for the new partition to take over
 * @param settings what the configuration says for this move
 */
record MoveContext(
    Operation operation,
    List<Column> columns,
    RangeBounds bounds,
    PartitionBound bound,
    Source source,
    Target target,
    List<String> indexes,
    Fingerprints.Form form,
    long sourcePages,
    java.util.function.Supplier<dev.strata.catalog.CatalogReader.Ownership> partitionOwnership,
    Settings settings) {

  /**
   * @param timeouts Strata's connection bounds
   * @param swapLockTimeout the lock timeout of each swap attempt
   * @param grace how long the old copy is kept after the swap
   * @param archivedUpdatable whether archived partitions take writes
   * @param mappingUser the user mapping's role on the target server (archive and move)
   * @param serverUser Strata's own role on the target server
   */
  record Settings(
      dev.strata.config.Timeouts timeouts,
      Duration swapLockTimeout,
      Duration grace,
      boolean archivedUpdatable,
      String mappingUser,
      String serverUser) {}

  MoveContext withOperation(Operation current) {
    return new MoveContext(
        current,
        columns,
        bounds,
        bound,
        source,
        target,
        indexes,
        form,
        sourcePages,
        partitionOwnership,
        settings);
  }

  dev.strata.catalog.CatalogReader.Ownership ownership() {
    return partitionOwnership.get();
  }

  QualifiedName partition() {
    return operation.partition();
  }

  /** The fingerprint of {@code table}, measured into {@code slot} on {@code session}. */
  Action fingerprint(Session session, QualifiedName table, Action.Slot slot) {
    SqlStatement query =
        Fingerprints.statement(
            table, columns, bounds.outsideCondition(), bounds.parameters(), form);
    if (form != Fingerprints.Form.TEXT) {
      return new Action.Measure(session, query, slot);
    }
    // Rows hashed by their text: both sides print them with the same settings.
    List<Action> actions = new ArrayList<>();
    Fingerprints.SESSION_SETTINGS.forEach(
        setting -> actions.add(new Action.Run(session, SqlStatement.of(setting))));
    actions.add(new Action.Measure(session, query, slot));
    return new Action.Transaction(session, actions, Action.Ending.COMMIT);
  }

  /** The journal's record of reaching {@code state}, on the control session. */
  Action journal(OperationState state, String detail) {
    return new Action.Transaction(
        Session.CONTROL,
        Journal.advanceStatements(operation, state, detail).stream()
            .map(statement -> (Action) new Action.Run(Session.CONTROL, statement))
            .toList(),
        Action.Ending.COMMIT);
  }

  static List<Action> runs(Session session, List<String> statements) {
    return statements.stream()
        .map(statement -> (Action) new Action.Run(session, SqlStatement.of(statement)))
        .toList();
  }

  static Session control(String server) {
    return server.equals(Connections.COORDINATOR) ? Session.CONTROL : Session.of(server, "main");
  }
}
