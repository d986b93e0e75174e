package dev.strata.adopt;

import dev.strata.sql.QualifiedName;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/** One journaled adoption, as {@code strata.adoption} records it. */
public record Adoption(
    long id,
    QualifiedName table,
    long tableOid,
    String partitionColumn,
    String interval,
    KeyMode keys,
    AdoptState state,
    Optional<List<String>> highWater,
    long copiedRows,
    Optional<Long> verifiedRows,
    Optional<BigDecimal> verifiedChecksum,
    List<String> droppedForeignKeys,
    List<String> afterSwap,
    Optional<Integer> swapAttempts,
    Optional<Long> swapMillis,
    Optional<String> lastError) {}
