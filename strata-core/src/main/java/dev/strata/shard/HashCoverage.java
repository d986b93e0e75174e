package dev.strata.shard;

import dev.strata.catalog.PartitionBound;
import java.util.ArrayList;
import java.util.List;

/**
 * Which hash values a set of hash partitions covers. PostgreSQL lets moduli differ when each
 * divides the next larger one (a split makes (m, r) into (2m, r) and (2m, r+m)); every hash value
 * then falls in the residue classes modulo the largest modulus, so coverage is checked there.
 */
public final class HashCoverage {
  /** Beyond this largest modulus coverage is not enumerated. */
  private static final int MAXIMUM_MODULUS = 1 << 20;

  private HashCoverage() {}

  /**
   * Residues modulo the largest modulus that no partition, or more than one, covers, as text
   * ({@code remainder 3 of 8 missing}); empty when every hash value has exactly one partition.
   */
  public static List<String> gaps(List<PartitionBound.Hash> partitions) {
    List<String> problems = new ArrayList<>();
    if (partitions.isEmpty()) {
      problems.add("no hash partition");
      return problems;
    }
    int largest = partitions.stream().mapToInt(PartitionBound.Hash::modulus).max().orElseThrow();
    if (largest > MAXIMUM_MODULUS) {
      problems.add("modulus " + largest + " is too large to check");
      return problems;
    }
    for (int residue = 0; residue < largest; residue++) {
      int covering = 0;
      for (PartitionBound.Hash hash : partitions) {
        if (residue % hash.modulus() == hash.remainder()) {
          covering++;
        }
      }
      if (covering == 0) {
        problems.add("remainder " + residue + " of " + largest + " missing");
      } else if (covering > 1) {
        problems.add("remainder " + residue + " of " + largest + " covered " + covering + " times");
      }
      if (problems.size() >= 8) {
        problems.add("...");
        break;
      }
    }
    return problems;
  }
}
