package dev.strata.cli;

import dev.strata.operation.MoveProgress;
import dev.strata.operation.Operation;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows a move's progress on standard error: a redrawn bar (rows, MB, rate, ETA) on a terminal, one
 * line every few seconds otherwise, so logs of scheduled runs stay readable. Silent with {@code
 * --json} or {@code --quiet}.
 */
final class ProgressPrinter implements MoveProgress {
  private static final long LINE_INTERVAL_NANOS = 5_000_000_000L;
  private static final long BAR_INTERVAL_NANOS = 200_000_000L;

  private final PrintWriter err;
  private final boolean terminal;
  private final boolean enabled;
  private long copyStarted;
  private long lastPrinted;

  ProgressPrinter(PrintWriter err, boolean enabled) {
    this.err = err;
    this.terminal = System.console() != null;
    this.enabled = enabled;
  }

  @Override
  public synchronized void step(Operation operation, String description) {
    if (!enabled) {
      return;
    }
    endBar();
    err.println("operation " + operation.id() + ": " + description);
    err.flush();
    copyStarted = 0;
  }

  @Override
  public synchronized void copied(long rows, long bytes, long expectedRows) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (copyStarted == 0) {
      copyStarted = now;
    }
    if (now - lastPrinted < (terminal ? BAR_INTERVAL_NANOS : LINE_INTERVAL_NANOS)) {
      return;
    }
    lastPrinted = now;
    double seconds = Math.max(1e-3, (now - copyStarted) / 1e9);
    double rate = rows / seconds;
    String eta =
        expectedRows > rows && rate > 0
            ? String.format(Locale.ROOT, ", ETA %ds", (long) ((expectedRows - rows) / rate))
            : "";
    String percent =
        expectedRows > 0
            ? String.format(Locale.ROOT, "%3d%% ", Math.min(100, rows * 100 / expectedRows))
            : "";
    String text =
        String.format(
            Locale.ROOT,
            "  %s%,d rows, %.1f MB, %,.0f rows/s%s",
            percent,
            rows,
            bytes / 1048576.0,
            rate,
            eta);
    if (terminal) {
      int filled = expectedRows > 0 ? (int) Math.min(30, rows * 30 / expectedRows) : 0;
      err.print("\r[" + "#".repeat(filled) + " ".repeat(30 - filled) + "]" + text + "   ");
    } else {
      err.println(text);
    }
    err.flush();
  }

  private void endBar() {
    if (terminal && lastPrinted != 0) {
      err.println();
      lastPrinted = 0;
    }
  }
}
