package dev.strata.mirror;

import dev.strata.connect.Connections;
import dev.strata.connect.Database;

/**
 * {@code strata mirror verify}: the copy's row count and checksum against its source's, taken at
 * one point: in one coordinator transaction at REPEATABLE READ, the copy in that transaction's
 * snapshot and the source through the proxy in the one remote snapshot postgres_fdw holds for it.
 * For a matview, table or incremental mirror a difference usually means the source changed since
 * the last refresh; {@code strata mirror refresh --verify} compares the new copy with exactly the
 * rows it was read from.
 */
public final class MirrorVerifier {
  private final Connections connections;

  public MirrorVerifier(Connections connections) {
    this.connections = connections;
  }

  public MirrorRefresher.Verification verify(Mirrors.Resolved resolved) {
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      dev.strata.verify.Fingerprints.Form form =
          dev.strata.verify.Fingerprints.formFor(coordinator, resolved.columns());
      coordinator.setStatementTimeout(resolved.mirror().config().timeout());
      return coordinator.inTransaction(
          db -> {
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            return MirrorRefresher.fingerprints(db, resolved, form);
          });
    }
  }
}
