package dev.strata.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reader that queries one local partition through the parent in a loop, on its own connection,
 * and records when each query started and ended. While partitions of the same parent are moved, its
 * worst latency is the longest the parent's lock kept it waiting.
 *
 * <p>The query is sent as plain SQL with the range written in, so each execution is planned with
 * the values known and pruned at plan time to the one partition: it locks the parent and that
 * partition only ({@code AccessShareLock}). A prepared statement could switch to a generic plan,
 * which locks every partition before run-time pruning and would also wait for the moved partitions'
 * own locks.
 *
 * <p>Bounded: it stops when asked, after {@code maximumDuration}, or when its sample arrays are
 * full, whichever comes first; a failed query is counted and the loop goes on.
 */
final class ReaderProbe implements AutoCloseable {
  /** One query: start and end on {@link System#nanoTime()}'s clock. */
  record Sample(long startNanos, long endNanos) {
    double latencyMillis() {
      return (endNanos - startNanos) / 1e6;
    }

    boolean overlaps(long fromNanos, long toNanos) {
      return startNanos < toNanos && endNanos > fromNanos;
    }
  }

  private final Connection connection;
  private final String sql;
  private final long maximumNanos;
  private final long[] starts;
  private final long[] ends;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Thread thread;
  private int count;
  private int errors;
  private String firstError;

  ReaderProbe(Connection connection, String sql, int maximumSamples, Duration maximumDuration) {
    this.connection = connection;
    this.sql = sql;
    this.maximumNanos = maximumDuration.toNanos();
    this.starts = new long[maximumSamples];
    this.ends = new long[maximumSamples];
    this.thread = new Thread(this::loop, "bench-reader");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void loop() {
    long began = System.nanoTime();
    try (Statement statement = connection.createStatement()) {
      while (!stop.get() && count < starts.length && System.nanoTime() - began < maximumNanos) {
        long start = System.nanoTime();
        try (ResultSet rows = statement.executeQuery(sql)) {
          rows.next();
        } catch (SQLException e) {
          errors++;
          if (firstError == null) {
            firstError = e.getMessage();
          }
          continue;
        }
        starts[count] = start;
        ends[count] = System.nanoTime();
        count++;
      }
    } catch (SQLException e) {
      errors++;
      firstError = e.getMessage();
    }
  }

  /** Stops the loop and waits (bounded) for the query in flight. */
  @Override
  public void close() {
    stop.set(true);
    try {
      thread.join(Duration.ofMinutes(2).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      throw new IllegalStateException("the reader did not stop within 2 minutes");
    }
  }

  /** The samples; call after {@link #close()}, which makes the reader's writes visible. */
  Sample[] samples() {
    Sample[] samples = new Sample[count];
    for (int i = 0; i < count; i++) {
      samples[i] = new Sample(starts[i], ends[i]);
    }
    return samples;
  }

  int errors() {
    return errors;
  }

  String firstError() {
    return firstError;
  }

  /** Latency statistics of the samples that overlap [from, to). */
  static LatencyStatistics statistics(Sample[] samples, long fromNanos, long toNanos) {
    double[] latencies =
        Arrays.stream(samples)
            .filter(sample -> sample.overlaps(fromNanos, toNanos))
            .mapToDouble(Sample::latencyMillis)
            .sorted()
            .toArray();
    return LatencyStatistics.of(latencies);
  }

  /** Count, median, 99th percentile and maximum of a set of latencies, in milliseconds. */
  record LatencyStatistics(int samples, double p50Millis, double p99Millis, double maxMillis) {
    static LatencyStatistics of(double[] sortedMillis) {
      if (sortedMillis.length == 0) {
        return new LatencyStatistics(0, 0, 0, 0);
      }
      return new LatencyStatistics(
          sortedMillis.length,
          percentile(sortedMillis, 0.50),
          percentile(sortedMillis, 0.99),
          sortedMillis[sortedMillis.length - 1]);
    }

    /** Nearest-rank percentile. */
    private static double percentile(double[] sorted, double fraction) {
      int rank = (int) Math.ceil(fraction * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
  }
}
