package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Database;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * Streams {@code COPY ... TO STDOUT (FORMAT binary)} from one server into {@code COPY ... FROM
 * STDIN (FORMAT binary)} on another, pipelined: a reader thread pulls CopyData messages (one per
 * row), hashes them when asked, and packs them into 64 KiB chunks on a bounded queue while the
 * calling thread writes each chunk as one message, so both servers and the network work at once,
 * memory stays bounded (64 chunks), and neither side pays per row for the hand-off.
 *
 * <p>Failure handling: whichever side fails, the target's COPY is cancelled ({@code cancelCopy})
 * and the source's COPY is cancelled with a cancel request in {@code finally}, and the reader is
 * joined (bounded), so no connection is left mid-COPY. Callers use connections dedicated to the
 * copy and close them afterwards. A stall is bounded: if no message moves for {@code stallTimeout},
 * the relay fails. A watchdog thread covers the case no timeout reaches: a target that stops
 * reading (a stopped server still has its kernel acknowledge data until the buffers fill, then the
 * writer blocks in a socket write, which has no timeout); it aborts both connections, which ends
 * any blocked read or write.
 *
 * <p>Binary COPY is exact (no text round trip) and is portable between servers of the same major
 * version and architecture with the same column types, which Strata guarantees by creating the
 * target with the source's column types.
 */
final class CopyRelay {
  /** Messages packed into one buffer by the reader: one queue hand-off and one write for many. */
  private record Chunk(byte[] data, int length, int messages) {}

  private static final Chunk END = new Chunk(new byte[0], 0, 0);
  private static final int QUEUE_CAPACITY = 64;
  private static final int CHUNK_BYTES = 64 * 1024;

  /** Receives rows and bytes relayed since its previous call. */
  @FunctionalInterface
  interface Progress {
    void moved(long rows, long bytes);
  }

  /** Rows and bytes relayed. */
  record Result(long rows, long bytes) {}

  private CopyRelay() {}

  /**
   * @param progress called with the number of rows relayed since the last call, from the writing
   *     thread, about every 10,000 rows
   * @param failpoint a counting failpoint hit once per relayed row
   * @param digest fed every message, on the reading thread, before it is written; or null
   */
  static Result relay(
      Database source,
      String copyOutSql,
      Database target,
      String copyInSql,
      Duration stallTimeout,
      Progress progress,
      String failpoint,
      dev.strata.verify.RowDigest digest) {
    BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    AtomicReference<Throwable> readFailure = new AtomicReference<>();
    AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    AtomicBoolean stalled = new AtomicBoolean();
    CopyOut copyOut;
    CopyIn copyIn;
    try {
      copyOut = source.connection().unwrap(PGConnection.class).getCopyAPI().copyOut(copyOutSql);
    } catch (SQLException e) {
      throw source.failure(copyOutSql, e);
    }
    try {
      copyIn = target.connection().unwrap(PGConnection.class).getCopyAPI().copyIn(copyInSql);
    } catch (SQLException e) {
      cancelQuietly(copyOut);
      throw target.failure(copyInSql, e);
    }
    Thread reader =
        new Thread(
            () -> {
              try {
                byte[] message;
                byte[] chunk = new byte[CHUNK_BYTES];
                int length = 0;
                int messages = 0;
                while ((message = copyOut.readFromCopy()) != null) {
                  lastProgress.set(System.nanoTime());
                  if (digest != null) {
                    digest.accept(message);
                  }
                  if (length + message.length > chunk.length && messages > 0) {
                    if (!offer(queue, new Chunk(chunk, length, messages))) {
                      return;
                    }
                    chunk = new byte[CHUNK_BYTES];
                    length = 0;
                    messages = 0;
                  }
                  if (message.length > chunk.length) {
                    if (!offer(queue, new Chunk(message, message.length, 1))) {
                      return;
                    }
                    continue;
                  }
                  System.arraycopy(message, 0, chunk, length, message.length);
                  length += message.length;
                  messages++;
                }
                if (messages > 0 && !offer(queue, new Chunk(chunk, length, messages))) {
                  return;
                }
                queue.put(END);
              } catch (SQLException | RuntimeException e) {
                readFailure.set(e);
                queue.offer(END);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "strata-copy-reader");
    reader.setDaemon(true);
    reader.start();
    Thread watchdog =
        new Thread(
            () -> {
              long stallNanos = stallTimeout.toNanos();
              try {
                while (!Thread.currentThread().isInterrupted()) {
                  Thread.sleep(Math.max(10, Math.min(1000, stallTimeout.toMillis() / 4)));
                  if (System.nanoTime() - lastProgress.get() > stallNanos) {
                    stalled.set(true);
                    abortQuietly(target);
                    abortQuietly(source);
                    return;
                  }
                }
              } catch (InterruptedException e) {
                // Finished: the relay stops its watchdog.
              }
            },
            "strata-copy-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    long rows = 0;
    long bytes = 0;
    long unreported = 0;
    long unreportedBytes = 0;
    boolean finished = false;
    try {
      while (true) {
        Chunk chunk = queue.poll(stallTimeout.toMillis(), TimeUnit.MILLISECONDS);
        if (chunk == null || stalled.get()) {
          // Abort both sessions rather than cancel: a cancel request to a server that stopped
          // answering would wait for its own connection; closing the sockets ends every wait now.
          if (stalled.compareAndSet(false, true)) {
            abortQuietly(target);
            abortQuietly(source);
          }
          throw stall(source, target, stallTimeout);
        }
        if (chunk == END) {
          break;
        }
        copyIn.writeToCopy(chunk.data(), 0, chunk.length());
        lastProgress.set(System.nanoTime());
        rows += chunk.messages();
        bytes += chunk.length();
        unreportedBytes += chunk.length();
        if (failpoint != null) {
          for (int i = 0; i < chunk.messages(); i++) {
            Failpoints.hit(failpoint);
          }
        }
        unreported += chunk.messages();
        if (unreported >= 10_000) {
          progress.moved(unreported, unreportedBytes);
          unreported = 0;
          unreportedBytes = 0;
        }
      }
      if (readFailure.get() != null) {
        if (stalled.get()) {
          throw stall(source, target, stallTimeout);
        }
        Throwable failure = readFailure.get();
        throw failure instanceof SQLException sql
            ? source.failure(copyOutSql, sql)
            : new StrataException(
                ErrorCode.INTERNAL, "copy reader failed: " + failure, null, failure);
      }
      if (digest != null) {
        digest.finish();
      }
      copyIn.endCopy();
      finished = true;
      // The binary format's trailer arrives as a message of its own: it is not a row.
      progress.moved(Math.max(0, rows > 0 ? unreported - 1 : unreported), unreportedBytes);
      // The binary format's header travels with the first row and its trailer in a message of
      // its own, so the message count is one more than the row count when any row was sent.
      long sourceRows = copyOut.getHandledRowCount();
      return new Result(sourceRows >= 0 ? sourceRows : Math.max(0, rows - 1), bytes);
    } catch (SQLException e) {
      if (stalled.get()) {
        throw stall(source, target, stallTimeout);
      }
      throw target.failure(copyInSql, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException(ErrorCode.INTERNAL, "interrupted during copy", null, e);
    } finally {
      watchdog.interrupt();
      if (!finished && !stalled.get()) {
        cancelQuietly(copyIn);
        // The reader thread owns the source connection while it reads; a cancel request (sent on
        // a connection of its own) makes the server end the COPY, which ends the read.
        cancelSource(source);
      }
      if (!finished) {
        reader.interrupt();
      }
      try {
        reader.join(stallTimeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Queues {@code chunk}; false when the reading thread was interrupted meanwhile. */
  private static boolean offer(BlockingQueue<Chunk> queue, Chunk chunk)
      throws InterruptedException {
    while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
      if (Thread.currentThread().isInterrupted()) {
        return false;
      }
    }
    return true;
  }

  private static StrataException stall(Database source, Database target, Duration stallTimeout) {
    return new StrataException(
        ErrorCode.TIMEOUT,
        "the copy from "
            + source.serverName()
            + " to "
            + target.serverName()
            + " stalled: no row moved for "
            + stallTimeout.toSeconds()
            + " s",
        "check both servers; a rerun resumes the operation");
  }

  private static void abortQuietly(Database database) {
    try {
      database.connection().abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      // Already closed or broken: the blocked call ends either way.
    }
  }

  private static void cancelSource(Database source) {
    try {
      source.connection().unwrap(PGConnection.class).cancelQuery();
    } catch (SQLException e) {
      // Broken already: the server ends the COPY when the connection closes.
    }
  }

  private static void cancelQuietly(org.postgresql.copy.CopyOperation operation) {
    try {
      if (operation.isActive()) {
        operation.cancelCopy();
      }
    } catch (SQLException e) {
      // The connection is already broken; closing it releases the server side.
    }
  }
}
