package dev.strata.operation;

import dev.strata.sql.SqlStatement;

/**
 * A statement parameter known only when the move runs: the row count or checksum of a fingerprint
 * measured earlier in the same run (the journal records the source's with the copy).
 *
 * @param slot where the fingerprint is kept
 * @param checksum the checksum, else the row count
 */
record RunValue(Action.Slot slot, boolean checksum) implements SqlStatement.Deferred {
  @Override
  public String describe() {
    return (checksum ? "checksum" : "row count")
        + " measured of the "
        + slot.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
  }
}
