package dev.strata.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOperation;
import org.postgresql.copy.CopyOut;

/**
 * The practical ceiling of moving rows between two servers: {@code COPY ... TO STDOUT (FORMAT
 * binary)} on one connection relayed into {@code COPY ... FROM STDIN (FORMAT binary)} on another,
 * with no transaction around it, no freeze, no verification and no indexes. A reader thread pulls
 * CopyData messages into a bounded queue while the calling thread writes them, as a shell pipe
 * between two {@code psql} would.
 *
 * <p>With {@code chunkBytes > 0} the reader packs messages into chunks of about that size before
 * queueing them (the COPY FROM side treats its input as one byte stream, so message boundaries do
 * not matter); with 0 every message (one row each) is forwarded on its own, which is how Strata's
 * {@code CopyRelay} forwards them. Measuring both tells the cost of per-row messages apart from the
 * servers' own work.
 *
 * <p>Every wait is bounded: a relay where nothing moves for {@link #STALL} fails, and on failure
 * both COPYs are cancelled and the reader is joined for a bounded time.
 */
final class RawCopyRelay {
  static final Duration STALL = Duration.ofSeconds(60);
  private static final byte[] END = new byte[0];
  private static final int QUEUE_CAPACITY = 4096;

  /**
   * @param rows rows the target's COPY reported
   * @param bytes COPY data bytes relayed
   * @param messages CopyData messages written to the target
   * @param elapsed from the start of COPY TO until the target's COPY ended (and committed)
   */
  record Result(long rows, long bytes, long messages, Duration elapsed) {}

  private RawCopyRelay() {}

  static Result relay(
      Connection source, String copyOutSql, Connection target, String copyInSql, int chunkBytes)
      throws SQLException {
    BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    AtomicReference<Throwable> readFailure = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    long started = System.nanoTime();
    CopyOut copyOut = source.unwrap(PGConnection.class).getCopyAPI().copyOut(copyOutSql);
    CopyIn copyIn;
    try {
      copyIn = target.unwrap(PGConnection.class).getCopyAPI().copyIn(copyInSql);
    } catch (SQLException e) {
      cancelQuietly(copyOut);
      throw e;
    }
    Thread reader =
        new Thread(() -> read(copyOut, queue, chunkBytes, stop, readFailure), "bench-copy-reader");
    reader.setDaemon(true);
    reader.start();
    long bytes = 0;
    long messages = 0;
    boolean finished = false;
    try {
      while (true) {
        byte[] data = queue.poll(STALL.toMillis(), TimeUnit.MILLISECONDS);
        if (data == null) {
          throw new IllegalStateException("the relay stalled: nothing moved for " + STALL);
        }
        if (data == END) {
          break;
        }
        copyIn.writeToCopy(data, 0, data.length);
        bytes += data.length;
        messages++;
      }
      Throwable failure = readFailure.get();
      if (failure != null) {
        throw new IllegalStateException("COPY TO failed: " + failure, failure);
      }
      long rows = copyIn.endCopy();
      finished = true;
      return new Result(rows, bytes, messages, Duration.ofNanos(System.nanoTime() - started));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during the relay", e);
    } finally {
      if (!finished) {
        stop.set(true);
        cancelQuietly(copyIn);
        // The reader thread owns the source connection while it reads; a cancel request (sent on
        // a connection of its own) ends the server's COPY and with it the read.
        source.unwrap(PGConnection.class).cancelQuery();
      }
      try {
        reader.join(STALL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void read(
      CopyOut copyOut,
      BlockingQueue<byte[]> queue,
      int chunkBytes,
      AtomicBoolean stop,
      AtomicReference<Throwable> failure) {
    try {
      byte[] chunk = new byte[Math.max(chunkBytes, 1)];
      int used = 0;
      byte[] message;
      while ((message = copyOut.readFromCopy()) != null) {
        if (chunkBytes <= 0) {
          put(queue, message, stop);
          continue;
        }
        if (used + message.length > chunk.length && used > 0) {
          put(queue, Arrays.copyOf(chunk, used), stop);
          used = 0;
        }
        if (message.length >= chunk.length) {
          put(queue, message, stop);
          continue;
        }
        System.arraycopy(message, 0, chunk, used, message.length);
        used += message.length;
      }
      if (used > 0) {
        put(queue, Arrays.copyOf(chunk, used), stop);
      }
      put(queue, END, stop);
    } catch (SQLException | RuntimeException e) {
      failure.set(e);
      queue.offer(END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void put(BlockingQueue<byte[]> queue, byte[] data, AtomicBoolean stop)
      throws InterruptedException {
    while (!queue.offer(data, 100, TimeUnit.MILLISECONDS)) {
      if (stop.get()) {
        throw new InterruptedException("relay stopped");
      }
    }
  }

  private static void cancelQuietly(CopyOperation operation) {
    try {
      if (operation.isActive()) {
        operation.cancelCopy();
      }
    } catch (SQLException e) {
      // The connection is broken already; closing it ends the server's side.
    }
  }
}
