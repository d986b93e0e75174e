package dev.strata.verify;

import java.math.BigDecimal;

/**
 * What verification compares on both sides of a move.
 *
 * @param rows row count
 * @param checksum order-independent checksum: the sum of a 64-bit hash of each row's text
 * @param outOfRange rows outside the partition's bounds (must be 0)
 */
public record Fingerprint(long rows, BigDecimal checksum, long outOfRange) {
  public boolean sameRowsAs(Fingerprint other) {
    return rows == other.rows && checksum.compareTo(other.checksum) == 0;
  }

  @Override
  public String toString() {
    return rows + " rows, checksum " + checksum + ", " + outOfRange + " out of range";
  }
}
