package dev.strata.bench;

import dev.strata.operation.MoveProgress;
import dev.strata.operation.Operation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records when each step of one move began, from {@link MoveProgress#step}, so a move's wall time
 * can be split into all of its phases: {@link dev.strata.operation.MoveResult} times copy, indexes,
 * verify and swap, but not the preflight, target table, freeze and cleanup around them.
 *
 * <p>A phase lasts from its step's start to the next step's start (so it includes the journal
 * update that records it); the last one ends when the move returns. Time before the first step is
 * the preflight: catalog checks, the advisory lock and the journal's intent row.
 */
final class StepClock implements MoveProgress {
  /** Phase names, in protocol order, keyed by how {@code PartitionMover} describes each step. */
  private static final Map<String, String> PHASES = new LinkedHashMap<>();

  static {
    PHASES.put("creating the target table", "target");
    PHASES.put("freezing", "freeze");
    PHASES.put("copying rows", "copy");
    PHASES.put("building indexes", "indexes");
    PHASES.put("verifying", "verify");
    PHASES.put("swapping partitions", "swap");
    PHASES.put("checking and dropping the old copy", "cleanup");
  }

  private record Mark(String phase, long nanos) {}

  private final long startedNanos;
  private final List<Mark> marks = new ArrayList<>();
  private long endedNanos = -1;

  StepClock() {
    this.startedNanos = System.nanoTime();
  }

  @Override
  public synchronized void step(Operation operation, String description) {
    marks.add(new Mark(phaseOf(description), System.nanoTime()));
  }

  /** Marks the end of the move. */
  synchronized void end() {
    endedNanos = System.nanoTime();
  }

  long startedNanos() {
    return startedNanos;
  }

  synchronized long endedNanos() {
    return endedNanos;
  }

  /** Seconds per phase, in protocol order, starting with {@code preflight}. */
  synchronized Map<String, Double> phaseSeconds() {
    if (endedNanos < 0) {
      throw new IllegalStateException("the move has not ended");
    }
    Map<String, Double> seconds = new LinkedHashMap<>();
    long previous = startedNanos;
    String phase = "preflight";
    for (Mark mark : marks) {
      seconds.merge(phase, (mark.nanos() - previous) / 1e9, Double::sum);
      previous = mark.nanos();
      phase = mark.phase();
    }
    seconds.merge(phase, (endedNanos - previous) / 1e9, Double::sum);
    return seconds;
  }

  /** [start, end) of the first step named {@code phase}, or null if it did not run. */
  synchronized long[] window(String phase) {
    for (int i = 0; i < marks.size(); i++) {
      if (marks.get(i).phase().equals(phase)) {
        long end = i + 1 < marks.size() ? marks.get(i + 1).nanos() : endedNanos;
        return new long[] {marks.get(i).nanos(), end};
      }
    }
    return null;
  }

  /** The phases (preflight included) that overlap [from, to), in order. */
  synchronized List<String> phasesOverlapping(long fromNanos, long toNanos) {
    List<String> phases = new ArrayList<>();
    long start = startedNanos;
    String phase = "preflight";
    for (int i = 0; i <= marks.size(); i++) {
      long end = i < marks.size() ? marks.get(i).nanos() : endedNanos;
      if (start < toNanos && end > fromNanos) {
        phases.add(phase);
      }
      if (i < marks.size()) {
        start = end;
        phase = marks.get(i).phase();
      }
    }
    return phases;
  }

  private static String phaseOf(String description) {
    for (Map.Entry<String, String> entry : PHASES.entrySet()) {
      if (description.startsWith(entry.getKey())) {
        return entry.getValue();
      }
    }
    return description;
  }
}
