package dev.strata.operation;

import dev.strata.sql.QualifiedName;
import java.util.List;

/**
 * Where a move reads its rows: the side that is frozen, checked at the swap, and cleaned up after
 * it. A local partition (archive) or a table on a server behind a foreign partition (restore, a
 * move between servers); the steps ask it, and never switch on the kind of move.
 */
interface Source {
  String server();

  /** The table the rows are read from, on {@link #server()}. */
  QualifiedName table();

  /** P3: from here on, nothing can change the rows (and the journal records the freeze). */
  List<Action> freeze(MoveContext context);

  /** Undoes {@link #freeze} (abort, or a move rolled back before its swap). */
  List<Action> unfreeze(MoveContext context);

  /**
   * In the swap's transaction, after the DETACH (which locks the old partition): checks that the
   * freeze held; empty when nothing cheap can prove it there (the cleanup's re-hash still does).
   */
  List<Action> afterDetach(MoveContext context);

  /**
   * P8: the old copy is checked against the verified rows ({@link Action.Failure#OLD_COPY_CHANGED}
   * otherwise) and dropped, or kept when it is not Strata's.
   */
  List<Action> cleanUp(MoveContext context);

  /** Whether the old partition is a foreign table on the coordinator. */
  boolean foreignOnCoordinator();

  /**
   * Before a swap is reversed (the old copy attached again): what lets that ATTACH skip its
   * validation scan while the parent is locked.
   */
  List<Action> prepareReattach(MoveContext context);

  /** In the reversing transaction, after the ATTACH: the old copy unfrozen. */
  List<Action> inReattach(MoveContext context);
}
