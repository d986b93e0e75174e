package dev.strata.verify;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link Fingerprints.Form#COLUMNS} fingerprint of rows in binary COPY format, computed as they
 * stream past: fed the CopyData messages of a {@code COPY ... TO STDOUT (FORMAT binary)} in order,
 * it parses the header, each tuple and the trailer, and adds each row's hash to a sum that equals
 * what the fingerprint query returns on a server holding the same rows. Messages may split tuples
 * anywhere (PostgreSQL sends one row per message, the header with the first).
 *
 * <p>Not thread-safe: one digest per stream; {@link #add} combines streams.
 */
public final class RowDigest {
  private static final byte[] SIGNATURE = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0
  };

  private final ColumnHash[] columns;
  private long rows;
  private long sumLow;
  private long sumHigh;
  private boolean headerRead;
  private boolean ended;
  private byte[] pending = new byte[0];

  public RowDigest(List<ColumnHash> columns) {
    this.columns = columns.toArray(ColumnHash[]::new);
  }

  /** Rows digested so far. */
  public long rows() {
    return rows;
  }

  /** The sum of the rows' hashes, as the fingerprint query's {@code sum(...)} returns it. */
  public BigDecimal checksum() {
    return new BigDecimal(
        BigInteger.valueOf(sumHigh)
            .shiftLeft(64)
            .add(new BigInteger(Long.toUnsignedString(sumLow))));
  }

  /** Whether the stream's trailer has been seen. */
  public boolean ended() {
    return ended;
  }

  /** Adds another stream's rows (parallel streams of one copy). */
  public synchronized void add(RowDigest other) {
    rows += other.rows;
    addToSum(other.sumLow, other.sumHigh);
  }

  /** Digests the next CopyData message. */
  public void accept(byte[] message) {
    if (pending.length == 0) {
      int consumed = parse(message, 0, message.length);
      if (consumed < message.length) {
        pending = Arrays.copyOfRange(message, consumed, message.length);
      }
    } else {
      byte[] joined = Arrays.copyOf(pending, pending.length + message.length);
      System.arraycopy(message, 0, joined, pending.length, message.length);
      int consumed = parse(joined, 0, joined.length);
      pending = Arrays.copyOfRange(joined, consumed, joined.length);
    }
  }

  /** Checks that the stream ended properly: trailer seen, nothing left over. */
  public void finish() {
    if (!ended || pending.length != 0) {
      throw new IllegalStateException(
          "binary COPY stream ended "
              + (ended
                  ? "with " + pending.length + " bytes after its trailer"
                  : "without its trailer"));
    }
  }

  /** Parses whole units (header, tuples, trailer) from {@code bytes}; returns the bytes used. */
  private int parse(byte[] bytes, int from, int to) {
    int at = from;
    if (!headerRead) {
      if (to - at < SIGNATURE.length + 8) {
        return at;
      }
      for (int i = 0; i < SIGNATURE.length; i++) {
        if (bytes[at + i] != SIGNATURE[i]) {
          throw new IllegalStateException("not a binary COPY stream: bad signature");
        }
      }
      int extension = ColumnHash.be32(bytes, at + SIGNATURE.length + 4);
      if (extension < 0 || to - at < SIGNATURE.length + 8 + extension) {
        return at;
      }
      at += SIGNATURE.length + 8 + extension;
      headerRead = true;
    }
    while (at < to) {
      if (ended) {
        throw new IllegalStateException("binary COPY stream has data after its trailer");
      }
      if (to - at < 2) {
        return at;
      }
      int fields = (short) ColumnHash.be16(bytes, at);
      if (fields == -1) {
        ended = true;
        at += 2;
        continue;
      }
      if (fields != columns.length) {
        throw new IllegalStateException(
            "binary COPY tuple has " + fields + " fields, expected " + columns.length);
      }
      int cursor = at + 2;
      long row = 0;
      for (int i = 0; i < fields; i++) {
        if (to - cursor < 4) {
          return at;
        }
        int length = ColumnHash.be32(bytes, cursor);
        cursor += 4;
        if (length == -1) {
          continue;
        }
        if (length < 0) {
          throw new IllegalStateException("binary COPY field with length " + length);
        }
        if (to - cursor < length) {
          return at;
        }
        row ^= columns[i].hash(bytes, cursor, length, ColumnHash.seed(i));
        cursor += length;
      }
      rows++;
      addToSum(row, row >> 63);
      at = cursor;
    }
    return at;
  }

  /** Adds the signed 128-bit value {@code (high, low)} to the sum. */
  private void addToSum(long low, long high) {
    long sum = sumLow + low;
    long carry = Long.compareUnsigned(sum, sumLow) < 0 ? 1 : 0;
    sumLow = sum;
    sumHigh += high + carry;
  }
}
