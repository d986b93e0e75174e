package dev.strata.operation;

import java.util.Locale;

/**
 * Where a journaled move stands. States advance in declaration order; each is committed to the
 * journal after its step has finished, so a rerun resumes at the first step not yet recorded. Every
 * step is idempotent, so a crash between a step and its journal update only repeats it.
 */
public enum OperationState {
  /** P1: the operation and every resource it will create are named; nothing exists yet. */
  INTENT,
  /** P2: the target table exists, empty, with the bounds as a CHECK constraint. */
  TARGET_READY,
  /** P3: the source is frozen: writes fail loudly naming the operation. */
  FROZEN,
  /** P4: rows copied. */
  COPIED,
  /** P5: indexes rebuilt on the target. */
  INDEXED,
  /** P6: count, checksum and out-of-range count agree on both sides. */
  VERIFIED,
  /** P7: the new partition is attached; the old one is detached and renamed aside. */
  SWAPPED,
  /** P8: the old copy is dropped; nothing is left to do. */
  DONE,
  /** Rolled back by {@code strata abort} or after a failed verification. */
  ABORTED;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static OperationState fromLabel(String label) {
    return valueOf(label.toUpperCase(Locale.ROOT));
  }

  public boolean isTerminal() {
    return this == DONE || this == ABORTED;
  }

  public boolean isBefore(OperationState other) {
    return compareTo(other) < 0;
  }
}
