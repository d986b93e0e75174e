package dev.strata.operation;

import dev.strata.sql.QualifiedName;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One row of {@code strata.operation}: a journaled move and every resource it owns.
 *
 * @param id operation id
 * @param kind archive or restore
 * @param parent the partitioned table
 * @param partition the partition being moved (its name never changes)
 * @param bound the partition's bound as PostgreSQL printed it when the operation began
 * @param server the server on the other side
 * @param remoteTable the table on {@code server}: target of an archive, source of a restore
 * @param stagingName the new partition before the swap: a foreign table (archive) or a local table
 *     (restore) on the coordinator
 * @param detachedName what the old partition is renamed to at the swap
 * @param state where the operation stands
 * @param jobs parallel copy streams
 * @param keepRemote restore only: keep the remote table after the swap
 * @param sourceRows verified row count
 * @param sourceChecksum verified checksum (decimal text)
 * @param checksumForm how {@code sourceChecksum} hashed rows ({@link
 *     dev.strata.verify.Fingerprints.Form#label()}); empty for operations journaled before Strata
 *     recorded it, whose checksums are in the record form (or text, for types without an extended
 *     hash)
 * @param dropAfter when the detached old copy may be dropped
 * @param lastError the last failure, without secrets
 * @param freezeMarker the freeze triggers' identity when the source was frozen on the coordinator
 *     (see {@link Freeze#marker}), checked again at the swap
 * @param fromServer a move between servers: the server the rows come from ({@code server} is the
 *     one they go to)
 * @param fromTable a move between servers: the table the rows come from
 * @param createdAt when the intent was recorded
 * @param updatedAt last state change
 */
public record Operation(
    long id,
    OperationKind kind,
    QualifiedName parent,
    QualifiedName partition,
    String bound,
    String server,
    QualifiedName remoteTable,
    QualifiedName stagingName,
    QualifiedName detachedName,
    OperationState state,
    int jobs,
    boolean keepRemote,
    OptionalLong sourceRows,
    Optional<String> sourceChecksum,
    Optional<String> checksumForm,
    Optional<OffsetDateTime> dropAfter,
    Optional<String> lastError,
    Optional<String> freezeMarker,
    Optional<String> fromServer,
    Optional<QualifiedName> fromTable,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {

  /** The same operation with other staging and detached names. */
  Operation withNames(QualifiedName staging, QualifiedName detached) {
    return with(state, staging, detached);
  }

  /** The same operation in {@code next} (for planning a step before the journal reaches it). */
  public Operation withState(OperationState next) {
    return with(next, stagingName, detachedName);
  }

  private Operation with(OperationState next, QualifiedName staging, QualifiedName detached) {
    return new Operation(
        id,
        kind,
        parent,
        partition,
        bound,
        server,
        remoteTable,
        staging,
        detached,
        next,
        jobs,
        keepRemote,
        sourceRows,
        sourceChecksum,
        checksumForm,
        dropAfter,
        lastError,
        freezeMarker,
        fromServer,
        fromTable,
        createdAt,
        updatedAt);
  }

  /** The comment Strata puts on tables it creates, proving ownership on a later run. */
  public String ownerTag() {
    return "strata:operation:" + id;
  }

  /** The advisory-lock key text for this operation's partition. */
  public String lockKey() {
    return OperationLock.keyFor(partition);
  }
}
