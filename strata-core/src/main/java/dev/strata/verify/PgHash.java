package dev.strata.verify;

/**
 * PostgreSQL's 64-bit hash functions ({@code hash_bytes_extended} and {@code
 * hash_bytes_uint32_extended} of {@code src/common/hashfn.c}, Bob Jenkins' lookup3 as PostgreSQL
 * adapted it), so that Strata can hash rows as they stream past and get, bit for bit, what a
 * server's {@code hashint4extended}, {@code hashtextextended} and friends return. Values that a
 * server hashes in its own memory layout (the bytes of a {@code float8}, a numeric's digits) are
 * laid out little-endian, as on every platform PostgreSQL commonly runs on; {@link ColumnHash}
 * checks each server against this class before relying on it.
 */
public final class PgHash {
  private static final int INITIAL = 0x9e3779b9;

  private PgHash() {}

  /** {@code hash_bytes_uint32_extended(k, seed)}. */
  public static long uint32(int k, long seed) {
    int a = INITIAL + 4 + 3923095;
    int b = a;
    int c = a;
    if (seed != 0) {
      a += (int) (seed >>> 32);
      b += (int) seed;
      // mix(a, b, c)
      a -= c;
      a ^= Integer.rotateLeft(c, 4);
      c += b;
      b -= a;
      b ^= Integer.rotateLeft(a, 6);
      a += c;
      c -= b;
      c ^= Integer.rotateLeft(b, 8);
      b += a;
      a -= c;
      a ^= Integer.rotateLeft(c, 16);
      c += b;
      b -= a;
      b ^= Integer.rotateLeft(a, 19);
      a += c;
      c -= b;
      c ^= Integer.rotateLeft(b, 4);
      b += a;
    }
    a += k;
    return finish(a, b, c);
  }

  /**
   * {@code hash_bytes_extended(bytes[offset, offset + length), seed)} on a little-endian server.
   */
  public static long bytes(byte[] bytes, int offset, int length, long seed) {
    int a = INITIAL + length + 3923095;
    int b = a;
    int c = a;
    if (seed != 0) {
      a += (int) (seed >>> 32);
      b += (int) seed;
      a -= c;
      a ^= Integer.rotateLeft(c, 4);
      c += b;
      b -= a;
      b ^= Integer.rotateLeft(a, 6);
      a += c;
      c -= b;
      c ^= Integer.rotateLeft(b, 8);
      b += a;
      a -= c;
      a ^= Integer.rotateLeft(c, 16);
      c += b;
      b -= a;
      b ^= Integer.rotateLeft(a, 19);
      a += c;
      c -= b;
      c ^= Integer.rotateLeft(b, 4);
      b += a;
    }
    int k = offset;
    int remaining = length;
    while (remaining >= 12) {
      a += littleEndian(bytes, k);
      b += littleEndian(bytes, k + 4);
      c += littleEndian(bytes, k + 8);
      a -= c;
      a ^= Integer.rotateLeft(c, 4);
      c += b;
      b -= a;
      b ^= Integer.rotateLeft(a, 6);
      a += c;
      c -= b;
      c ^= Integer.rotateLeft(b, 8);
      b += a;
      a -= c;
      a ^= Integer.rotateLeft(c, 16);
      c += b;
      b -= a;
      b ^= Integer.rotateLeft(a, 19);
      a += c;
      c -= b;
      c ^= Integer.rotateLeft(b, 4);
      b += a;
      k += 12;
      remaining -= 12;
    }
    // The last 11 bytes; the lowest byte of c is reserved for the length.
    // (PostgreSQL's switch falls through from the longest tail down.)
    if (remaining >= 11) {
      c += (bytes[k + 10] & 0xff) << 24;
    }
    if (remaining >= 10) {
      c += (bytes[k + 9] & 0xff) << 16;
    }
    if (remaining >= 9) {
      c += (bytes[k + 8] & 0xff) << 8;
    }
    if (remaining >= 8) {
      b += (bytes[k + 7] & 0xff) << 24;
    }
    if (remaining >= 7) {
      b += (bytes[k + 6] & 0xff) << 16;
    }
    if (remaining >= 6) {
      b += (bytes[k + 5] & 0xff) << 8;
    }
    if (remaining >= 5) {
      b += bytes[k + 4] & 0xff;
    }
    if (remaining >= 4) {
      a += (bytes[k + 3] & 0xff) << 24;
    }
    if (remaining >= 3) {
      a += (bytes[k + 2] & 0xff) << 16;
    }
    if (remaining >= 2) {
      a += (bytes[k + 1] & 0xff) << 8;
    }
    if (remaining >= 1) {
      a += bytes[k] & 0xff;
    }
    return finish(a, b, c);
  }

  /** {@code final(a, b, c)}, reported as {@code ((uint64) b << 32) | c}. */
  private static long finish(int a, int b, int c) {
    c ^= b;
    c -= Integer.rotateLeft(b, 14);
    a ^= c;
    a -= Integer.rotateLeft(c, 11);
    b ^= a;
    b -= Integer.rotateLeft(a, 25);
    c ^= b;
    c -= Integer.rotateLeft(b, 16);
    a ^= c;
    a -= Integer.rotateLeft(c, 4);
    b ^= a;
    b -= Integer.rotateLeft(a, 14);
    c ^= b;
    c -= Integer.rotateLeft(b, 24);
    return ((long) b << 32) | (c & 0xffffffffL);
  }

  private static int littleEndian(byte[] bytes, int at) {
    return (bytes[at] & 0xff)
        | (bytes[at + 1] & 0xff) << 8
        | (bytes[at + 2] & 0xff) << 16
        | (bytes[at + 3] & 0xff) << 24;
  }
}
