package dev.strata.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The benchmark's own load generator: a fixed number of clients, each on its own connection, run
 * the same short transaction in a loop and record when each started and ended. While partitions of
 * the same parent are moved, the slowest transaction is the longest the parent's lock kept a client
 * waiting.
 *
 * <p>A transaction is a list of statements run in order and then committed (one statement runs in
 * autocommit). Each is sent as plain SQL with its values written in by the benchmark (constants,
 * never input), so it is planned with the values known and pruned at plan time to one partition: it
 * locks the parent and that partition only. A prepared statement could switch to a generic plan,
 * which locks every partition before run-time pruning and would also wait for the moved partitions'
 * own locks.
 *
 * <p>Bounded: it stops when asked, after {@code maximumDuration}, or when a client's sample arrays
 * are full, whichever comes first; a failed transaction is rolled back and counted, and the loop
 * goes on.
 */
final class LoadGenerator implements AutoCloseable {
  /** One transaction: start and end on {@link System#nanoTime()}'s clock. */
  record Sample(long startNanos, long endNanos) {
    double latencyMillis() {
      return (endNanos - startNanos) / 1e6;
    }

    boolean overlaps(long fromNanos, long toNanos) {
      return startNanos < toNanos && endNanos > fromNanos;
    }
  }

  private final List<Client> clients = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();

  /**
   * @param connections one per client; owned by the caller, who closes them after {@link #close()}
   * @param transaction the statements of one transaction
   */
  LoadGenerator(
      List<Connection> connections,
      List<String> transaction,
      int maximumSamplesPerClient,
      Duration maximumDuration) {
    for (int i = 0; i < connections.size(); i++) {
      clients.add(
          new Client(
              connections.get(i),
              List.copyOf(transaction),
              maximumSamplesPerClient,
              maximumDuration.toNanos(),
              "bench-client-" + (i + 1)));
    }
  }

  void start() throws SQLException {
    for (Client client : clients) {
      client.connection.setAutoCommit(client.transaction.size() == 1);
    }
    clients.forEach(client -> client.thread.start());
  }

  /** Stops every client and waits (bounded) for the transactions in flight. */
  @Override
  public void close() {
    stop.set(true);
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    for (Client client : clients) {
      try {
        client.thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (client.thread.isAlive()) {
        throw new IllegalStateException(client.thread.getName() + " did not stop within 2 minutes");
      }
    }
  }

  /**
   * Every client's samples; call after {@link #close()}, which makes the clients' writes visible.
   */
  Sample[] samples() {
    return clients.stream().flatMap(Client::samples).toArray(Sample[]::new);
  }

  int clients() {
    return clients.size();
  }

  int errors() {
    return clients.stream().mapToInt(client -> client.errors).sum();
  }

  /** The first failure of any client, or null. */
  String firstError() {
    return clients.stream()
        .map(client -> client.firstError)
        .filter(error -> error != null)
        .findFirst()
        .orElse(null);
  }

  private final class Client {
    private final Connection connection;
    private final List<String> transaction;
    private final long maximumNanos;
    private final long[] starts;
    private final long[] ends;
    private final Thread thread;
    private int count;
    private int errors;
    private String firstError;

    Client(
        Connection connection,
        List<String> transaction,
        int maximumSamples,
        long maximumNanos,
        String name) {
      this.connection = connection;
      this.transaction = transaction;
      this.maximumNanos = maximumNanos;
      this.starts = new long[maximumSamples];
      this.ends = new long[maximumSamples];
      this.thread = new Thread(this::loop, name);
      this.thread.setDaemon(true);
    }

    private void loop() {
      long began = System.nanoTime();
      try (Statement statement = connection.createStatement()) {
        while (!stop.get() && count < starts.length && System.nanoTime() - began < maximumNanos) {
          long start = System.nanoTime();
          try {
            runOnce(statement);
          } catch (SQLException e) {
            failed(e);
            rollBack();
            continue;
          }
          starts[count] = start;
          ends[count] = System.nanoTime();
          count++;
        }
      } catch (SQLException e) {
        failed(e);
      }
    }

    private void runOnce(Statement statement) throws SQLException {
      for (String sql : transaction) {
        if (statement.execute(sql)) {
          try (ResultSet rows = statement.getResultSet()) {
            rows.next();
          }
        }
      }
      if (!connection.getAutoCommit()) {
        connection.commit();
      }
    }

    private void rollBack() {
      try {
        if (!connection.getAutoCommit()) {
          connection.rollback();
        }
      } catch (SQLException e) {
        failed(e);
      }
    }

    private void failed(SQLException e) {
      errors++;
      if (firstError == null) {
        firstError = e.getMessage();
      }
    }

    Stream<Sample> samples() {
      Sample[] samples = new Sample[count];
      for (int i = 0; i < count; i++) {
        samples[i] = new Sample(starts[i], ends[i]);
      }
      return Arrays.stream(samples);
    }
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
