package dev.strata.adopt;

import dev.strata.sql.QualifiedName;
import java.util.Optional;

/**
 * What {@code strata adopt} is asked to do.
 *
 * @param interval a calendar interval ({@code 1 month}) for a date or timestamp column, a whole
 *     number of key values ({@code 100000}) for an integer column
 * @param keys how primary keys and unique constraints are carried over; required when the table has
 *     one
 * @param batchRows rows per copy batch (one transaction each, resumable at its end)
 * @param dropReferencingForeignKeys drop foreign keys of other tables that point at this one and
 *     cannot be kept, instead of refusing
 * @param dropOld drop the original table (renamed {@code <table>_strata_old}) once adopted
 */
public record AdoptRequest(
    QualifiedName table,
    String column,
    String interval,
    Optional<KeyMode> keys,
    int batchRows,
    boolean dropReferencingForeignKeys,
    boolean dropOld) {
  public static final int DEFAULT_BATCH_ROWS = 50_000;
}
