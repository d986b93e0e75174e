package dev.strata.operation;

import dev.strata.sql.QualifiedName;
import java.util.List;

/**
 * Where a move writes its copy: a table on a server that becomes a foreign partition (archive, a
 * move between servers), or a local table that becomes a partition (restore).
 */
interface Target {
  String server();

  /** The table the copy is written to, on {@link #server()}. */
  QualifiedName table();

  /** Whether the new partition is a foreign table on the coordinator. */
  boolean foreign();

  /** P2: the empty table, with the bounds as a CHECK and the operation's tag as its comment. */
  List<Action> create(MoveContext context);

  /** Drops the table if the operation created it (a move rolled back before its swap). */
  List<Action> drop(MoveContext context);

  /**
   * Alongside the verification, on sessions of its own: what proves the coordinator will serve the
   * copy's rows once it is the partition (for a foreign partition, its rows counted through the
   * foreign server, as the user mapping sees them).
   */
  List<Action> servesRows(MoveContext context);

  /** Right before the swap's transaction: what proves the new partition can be reached now. */
  List<Action> beforeSwap(MoveContext context);

  /** First in the swap's transaction: the relation that is attached under the partition's name. */
  List<Action> inSwap(MoveContext context);

  /**
   * Whether a swap to this target may be undone when the old copy turns out to have changed: only
   * when nothing can have written into the new partition since (a read-only foreign partition).
   */
  boolean reversible(MoveContext context);
}
