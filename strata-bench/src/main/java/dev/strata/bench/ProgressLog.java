package dev.strata.bench;

import java.io.PrintStream;

/**
 * Progress lines stamped with the seconds since the benchmark started ({@code [ 12.3 s] ...}): a
 * run takes minutes, and the stamps show where the time went while it is still running.
 */
final class ProgressLog {
  private final PrintStream out;
  private final long startedNanos = System.nanoTime();

  ProgressLog(PrintStream out) {
    this.out = out;
  }

  void say(String message) {
    out.printf("[%7.1f s] %s%n", elapsedSeconds(), message);
    out.flush();
  }

  /** Seconds since this log was created, with the benchmark. */
  double elapsedSeconds() {
    return (System.nanoTime() - startedNanos) / 1e9;
  }
}
