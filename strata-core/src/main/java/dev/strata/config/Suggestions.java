package dev.strata.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * "Did you mean" for unknown keys and names: the closest allowed word by edit distance (at most two
 * edits, which catches typos, a swapped letter and {@code -} for {@code _}), or failing that one
 * that starts with what was written or is its start ({@code idle} for {@code idle_in_transaction}).
 * Comparison ignores case, so {@code URL} suggests {@code url}.
 */
public final class Suggestions {
  private static final int MAXIMUM_DISTANCE = 2;
  private static final int MINIMUM_PREFIX_LENGTH = 3;

  private Suggestions() {}

  public static Optional<String> closest(String given, Collection<String> candidates) {
    String written = given.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int distance = distance(written, candidate.toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    if (best != null && bestDistance <= MAXIMUM_DISTANCE) {
      return Optional.of(best);
    }
    if (written.length() >= MINIMUM_PREFIX_LENGTH) {
      for (String candidate : candidates) {
        String lower = candidate.toLowerCase(Locale.ROOT);
        if (lower.startsWith(written)
            || (lower.length() >= MINIMUM_PREFIX_LENGTH && written.startsWith(lower))) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** Levenshtein distance: insertions, deletions and substitutions each count one. */
  static int distance(String left, String right) {
    int[] previous = new int[right.length() + 1];
    int[] current = new int[right.length() + 1];
    for (int j = 0; j <= right.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= left.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= right.length(); j++) {
        int substitution = left.charAt(i - 1) == right.charAt(j - 1) ? 0 : 1;
        current[j] =
            Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[right.length()];
  }
}
