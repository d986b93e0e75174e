package dev.strata.adopt;

/** Where an adoption is; the journal's {@code state}. Each step ends by recording the next. */
public enum AdoptState {
  /** Intent recorded; nothing created yet. */
  PLANNED("planned"),
  /** New partitioned table, change log and capture triggers exist (one transaction). */
  PREPARED("prepared"),
  /** Every row present at the start copied, in key-ordered batches. */
  COPIED("copied"),
  /** The table's other indexes built on the new table. */
  INDEXED("indexed"),
  /** Logged changes replayed and both tables fingerprinted identical in one snapshot. */
  VERIFIED("verified"),
  /** The new table has the name; the original is renamed aside. */
  SWAPPED("swapped"),
  DONE("done"),
  ABORTED("aborted");

  private final String label;

  AdoptState(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public static AdoptState ofLabel(String label) {
    for (AdoptState state : values()) {
      if (state.label.equals(label)) {
        return state;
      }
    }
    throw new IllegalArgumentException("unknown adoption state " + label);
  }

  public boolean before(AdoptState other) {
    return ordinal() < other.ordinal();
  }
}
