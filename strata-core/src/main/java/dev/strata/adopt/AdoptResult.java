package dev.strata.adopt;

import dev.strata.sql.QualifiedName;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What an adoption did.
 *
 * @param nothingToDo set when there was nothing to do (already adopted), with why
 * @param rowsCopied rows copied by this run (a resumed run counts only its own)
 * @param rowsReplayed logged changes replayed by this run, including those in the swap
 * @param swapMillis how long the swap transaction held the original table locked: the longest any
 *     writer waited on Strata
 * @param oldTable the original table, renamed aside; empty once dropped
 * @param tablesEntry the {@code tables:} entry that puts the table under a policy
 */
public record AdoptResult(
    Optional<String> nothingToDo,
    long adoptionId,
    QualifiedName table,
    AdoptState state,
    long rowsCopied,
    long rowsReplayed,
    Duration copy,
    Duration total,
    Optional<Long> verifiedRows,
    Optional<BigDecimal> verifiedChecksum,
    int swapAttempts,
    long swapMillis,
    List<String> partitions,
    List<String> droppedForeignKeys,
    Optional<QualifiedName> oldTable,
    String tablesEntry) {}
