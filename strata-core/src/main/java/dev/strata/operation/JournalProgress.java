package dev.strata.operation;

import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Records a running move's progress in {@code strata.operation_progress} on the coordinator, so
 * that another process (the dashboard of {@code strata serve}, {@code strata status}) can show it.
 * The copy only hands over its latest figures; a background thread writes them at most once per
 * {@code every}, on a session of its own, so a slow coordinator never slows the copy. A write that
 * fails is logged and the next one tried: progress is a view, never a reason to stop a move.
 */
public final class JournalProgress implements MoveProgress, AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(JournalProgress.class);

  private record Figures(long operation, long rows, long bytes, long expectedRows) {}

  private final Connections connections;
  private final MoveProgress also;
  private final Duration every;
  private final AtomicReference<Figures> latest = new AtomicReference<>();
  private volatile long operation = -1;
  private Figures written;
  private ScheduledExecutorService writer;
  private Database session;

  /**
   * @param also receives every report too (a terminal's progress bar), or {@link MoveProgress#NONE}
   */
  public JournalProgress(Connections connections, MoveProgress also, Duration every) {
    this.connections = connections;
    this.also = also;
    this.every = every;
  }

  @Override
  public void step(Operation current, String description) {
    operation = current.id();
    also.step(current, description);
  }

  @Override
  public void copied(long rowsSoFar, long bytesSoFar, long expectedRows) {
    also.copied(rowsSoFar, bytesSoFar, expectedRows);
    long id = operation;
    if (id < 0) {
      return;
    }
    latest.set(new Figures(id, rowsSoFar, bytesSoFar, expectedRows));
    startWriter();
  }

  private synchronized void startWriter() {
    if (writer != null) {
      return;
    }
    writer =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "strata-progress");
              thread.setDaemon(true);
              return thread;
            });
    writer.scheduleWithFixedDelay(this::write, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  private synchronized void write() {
    Figures figures = latest.get();
    if (figures == null || figures.equals(written)) {
      return;
    }
    try {
      if (session == null) {
        session = new Database(Connections.COORDINATOR, connections.coordinator());
      }
      session.update(
          """
          INSERT INTO strata.operation_progress
            (operation_id, copied_rows, copied_bytes, expected_rows, updated_at)
          VALUES (?, ?, ?, ?, clock_timestamp())
          ON CONFLICT (operation_id) DO UPDATE
            SET copied_rows = excluded.copied_rows,
                copied_bytes = excluded.copied_bytes,
                expected_rows = excluded.expected_rows,
                updated_at = excluded.updated_at""",
          figures.operation(),
          figures.rows(),
          figures.bytes(),
          figures.expectedRows() < 0 ? null : figures.expectedRows());
      written = figures;
    } catch (StrataException e) {
      LOG.debug("progress not recorded: {}", e.getMessage());
      closeSession();
    }
  }

  private void closeSession() {
    if (session != null) {
      try {
        session.close();
      } catch (RuntimeException e) {
        LOG.debug("closing the progress session: {}", e.getMessage());
      }
      session = null;
    }
  }

  /** Writes the last figures and stops the writer. */
  @Override
  public void close() {
    ScheduledExecutorService running;
    synchronized (this) {
      running = writer;
      writer = null;
    }
    if (running != null) {
      running.shutdownNow();
      try {
        running.awaitTermination(every.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      write();
      closeSession();
    }
  }
}
