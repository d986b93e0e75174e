package dev.strata.cli;

import dev.strata.operation.MoveProgress;
import dev.strata.operation.Operation;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows a move's progress on standard error: a redrawn bar (rows, MB, rate, ETA) on a terminal, one
 * line every few seconds otherwise, so logs of scheduled runs stay readable, and a final line with
 * the totals when the copy ends, so the last line shown is never a stale one. The running rate is
 * measured from the first rows reported (setting up the copy is not copying), and shown only once a
 * second of them has passed; the totals line measures the whole step. Silent with {@code --json} or
 * {@code --quiet}.
 */
final class ProgressPrinter implements MoveProgress {
  private static final long LINE_INTERVAL_NANOS = 5_000_000_000L;
  private static final long BAR_INTERVAL_NANOS = 200_000_000L;
  private static final long RATE_AFTER_NANOS = 1_000_000_000L;

  private final PrintWriter err;
  private final boolean terminal;
  private final boolean enabled;
  private long stepStarted = System.nanoTime();
  private long firstReported;
  private long rowsAtFirstReport;
  private long lastPrinted;
  private long rows;
  private long bytes;
  private long expectedRows;
  private boolean unprinted;

  ProgressPrinter(PrintWriter err, boolean enabled) {
    this(err, enabled, System.console() != null);
  }

  ProgressPrinter(PrintWriter err, boolean enabled, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
    this.enabled = enabled;
  }

  @Override
  public synchronized void step(Operation operation, String description) {
    step("operation " + operation.id() + ": " + description);
  }

  /** A step begins: its line, after the totals of the copy before it. */
  synchronized void step(String line) {
    if (!enabled) {
      return;
    }
    finishCopy();
    err.println(line);
    err.flush();
    stepStarted = System.nanoTime();
  }

  @Override
  public synchronized void copied(long rowsSoFar, long bytesSoFar, long expected) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (firstReported == 0) {
      firstReported = now;
      rowsAtFirstReport = rowsSoFar;
    }
    rows = rowsSoFar;
    bytes = bytesSoFar;
    expectedRows = expected;
    unprinted = true;
    if (now - lastPrinted < (terminal ? BAR_INTERVAL_NANOS : LINE_INTERVAL_NANOS)) {
      return;
    }
    lastPrinted = now;
    unprinted = false;
    String text = line(now, false);
    if (terminal) {
      int filled = expectedRows > 0 ? (int) Math.min(30, rows * 30 / expectedRows) : 0;
      err.print("\r[" + "#".repeat(filled) + " ".repeat(30 - filled) + "]" + text + "   ");
    } else {
      err.println(text);
    }
    err.flush();
  }

  private String line(long now, boolean done) {
    long elapsed = now - stepStarted;
    long sinceFirst = now - firstReported;
    double rate =
        done
            ? (elapsed >= RATE_AFTER_NANOS ? rows / (elapsed / 1e9) : -1)
            : (sinceFirst >= RATE_AFTER_NANOS
                ? (rows - rowsAtFirstReport) / (sinceFirst / 1e9)
                : -1);
    String eta =
        !done && expectedRows > rows && rate > 0
            ? String.format(Locale.ROOT, ", ETA %ds", (long) ((expectedRows - rows) / rate))
            : "";
    String percent =
        !done && expectedRows > 0
            ? String.format(Locale.ROOT, "%3d%% ", Math.min(100, rows * 100 / expectedRows))
            : "";
    return String.format(
        Locale.ROOT,
        "  %s%,d rows%s%s%s%s",
        done ? "copied " : percent,
        rows,
        bytes >= 0 ? String.format(Locale.ROOT, ", %.1f MB", bytes / 1048576.0) : "",
        done ? String.format(Locale.ROOT, " in %.1f s", elapsed / 1e9) : "",
        rate >= 0 ? String.format(Locale.ROOT, ", %,.0f rows/s", rate) : "",
        eta);
  }

  /** Ends the bar, and prints the copy's totals when the last line shown is not them. */
  private void finishCopy() {
    if (terminal && lastPrinted != 0) {
      err.println();
    }
    if (unprinted || (rows > 0 && !terminal)) {
      err.println(line(System.nanoTime(), true));
    }
    lastPrinted = 0;
    firstReported = 0;
    rowsAtFirstReport = 0;
    rows = 0;
    bytes = 0;
    expectedRows = 0;
    unprinted = false;
  }
}
