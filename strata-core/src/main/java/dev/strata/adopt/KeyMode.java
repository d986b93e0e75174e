package dev.strata.adopt;

import java.util.Optional;

/**
 * What becomes of a table's primary key and unique constraints when {@code strata adopt} partitions
 * it. PostgreSQL enforces uniqueness on a partitioned table only for keys that contain every
 * partition key column, and not at all across foreign partitions; so the choice is the user's,
 * never a silent default.
 */
public enum KeyMode {
  /**
   * Each key gets the partition column appended, e.g. {@code PRIMARY KEY (id)} becomes {@code
   * PRIMARY KEY (id, created_at)}. Gives up: uniqueness of {@code id} alone across partitions
   * (unless the key already contains the partition column), and archiving (a parent with a key
   * cannot have foreign partitions).
   */
  INCLUDE_PARTITION_KEY("include-partition-key"),
  /**
   * No key on the parent: each partition gets a unique index on the key's columns. Gives up:
   * uniqueness across partitions (the same id may exist in two partitions), foreign keys that
   * reference the table, and {@code ON CONFLICT} on the parent. What archiving requires.
   */
  PER_PARTITION("per-partition");

  private final String label;

  KeyMode(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public static Optional<KeyMode> ofLabel(String text) {
    for (KeyMode mode : values()) {
      if (mode.label.equals(text)) {
        return Optional.of(mode);
      }
    }
    return Optional.empty();
  }
}
