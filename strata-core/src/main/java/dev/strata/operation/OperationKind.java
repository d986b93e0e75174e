package dev.strata.operation;

import java.util.Locale;

/** What a journaled operation does. */
public enum OperationKind {
  /** Move a local partition to a server and attach it as a foreign partition. */
  ARCHIVE,
  /** Move a foreign partition's rows back to a local partition. */
  RESTORE,
  /** Export (if configured), detach and drop a partition past retention, and its remote table. */
  RETIRE,
  /** Move a foreign partition's rows from one server to another and repoint the partition. */
  MOVE,
  /**
   * Move a shard's rows from one server to another, by logical replication when the source has
   * logical WAL, and repoint its foreign partition.
   */
  SHARD_MOVE,
  /** Split a hash shard (m, r) into (2m, r) and (2m, r + m). */
  SHARD_SPLIT;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static OperationKind fromLabel(String label) {
    return valueOf(label.toUpperCase(Locale.ROOT));
  }
}
