package dev.strata.verify;

import dev.strata.catalog.Column;
import java.util.List;
import java.util.Optional;

/**
 * A column type whose value Strata hashes exactly as the server's extended hash function does: from
 * the value's binary COPY form on Strata's side, with the named function in SQL on the server's.
 * The fingerprint of the {@link Fingerprints.Form#COLUMNS} form combines them: a row's hash is the
 * XOR of its columns' hashes, each seeded with the column's position (so two columns cannot trade
 * values unnoticed), a NULL counting as 0.
 *
 * <p>Types not listed here (arrays, domains, enums, jsonb, intervals, ...) keep the fingerprint in
 * SQL on both sides ({@link Fingerprints.Form#RECORD}); so do text columns with a collation other
 * than the default, C or POSIX, which might be nondeterministic.
 *
 * <p>Versions: boolean, date, timestamp with time zone and bytea have hash functions of their own
 * only from PostgreSQL 17 ({@code hashboolextended}, {@code hashdateextended}, {@code
 * timestamptz_hash_extended}, {@code hashbyteaextended}); PostgreSQL 14 to 16 hash them with the
 * functions of a binary-compatible type ({@code hashcharextended}, {@code hashint4extended}, {@code
 * timestamp_hash_extended}, {@code hashvarlenaextended}), which SQL cannot call on them. The values
 * are the same on every version, so Strata reaches these four through {@code hash_record_extended}
 * over a one-column row ({@link #sql}): it calls the type's own extended hash with the seed and,
 * for one column, returns that hash unchanged (PostgreSQL 14+). Checksums stay comparable across
 * versions, and between a coordinator and a server of different versions.
 */
public enum ColumnHash {
  SMALLINT("smallint", "hashint2extended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return PgHash.uint32((short) be16(bytes, offset), seed);
    }
  },
  INTEGER("integer", "hashint4extended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return PgHash.uint32(be32(bytes, offset), seed);
    }
  },
  BIGINT("bigint", "hashint8extended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return int8(be64(bytes, offset), seed);
    }
  },
  BOOLEAN("boolean", "hashboolextended", true) {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return PgHash.uint32(bytes[offset] != 0 ? 1 : 0, seed);
    }
  },
  DATE("date", "hashdateextended", true) {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return PgHash.uint32(be32(bytes, offset), seed);
    }
  },
  TIMESTAMP("timestamp without time zone", "timestamp_hash_extended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return int8(be64(bytes, offset), seed);
    }
  },
  TIMESTAMPTZ("timestamp with time zone", "timestamptz_hash_extended", true) {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return int8(be64(bytes, offset), seed);
    }
  },
  TIME("time without time zone", "time_hash_extended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return int8(be64(bytes, offset), seed);
    }
  },
  REAL("real", "hashfloat4extended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      // hashfloat4extended widens to float8 first, so equal values hash alike across the two.
      return float8(Float.intBitsToFloat(be32(bytes, offset)), seed);
    }
  },
  DOUBLE("double precision", "hashfloat8extended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return float8(Double.longBitsToDouble(be64(bytes, offset)), seed);
    }
  },
  NUMERIC("numeric", "hash_numeric_extended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      // ndigits, weight, sign, display scale (not hashed: equal values may differ in it), digits
      int digits = be16(bytes, offset);
      int weight = (short) be16(bytes, offset + 2);
      int sign = be16(bytes, offset + 4);
      if (sign == NUMERIC_NAN
          || sign == NUMERIC_POSITIVE_INFINITY
          || sign == NUMERIC_NEGATIVE_INFINITY) {
        return seed;
      }
      int first = offset + 8;
      int start = 0;
      while (start < digits && digit(bytes, first, start) == 0) {
        start++;
        weight--;
      }
      if (start == digits) {
        return seed - 1;
      }
      int end = digits;
      while (digit(bytes, first, end - 1) == 0) {
        end--;
      }
      // The server hashes its NumericDigit array (int16) in memory: little-endian.
      byte[] memory = new byte[(end - start) * 2];
      for (int i = start; i < end; i++) {
        int d = digit(bytes, first, i);
        memory[(i - start) * 2] = (byte) d;
        memory[(i - start) * 2 + 1] = (byte) (d >>> 8);
      }
      return PgHash.bytes(memory, 0, memory.length, seed) ^ weight;
    }
  },
  TEXT("text", "hashtextextended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return PgHash.bytes(bytes, offset, length, seed);
    }
  },
  VARCHAR("character varying", "hashtextextended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return PgHash.bytes(bytes, offset, length, seed);
    }
  },
  CHARACTER("character", "hashbpcharextended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      // Trailing blanks are insignificant for character(n): the server hashes without them.
      int end = offset + length;
      while (end > offset && bytes[end - 1] == ' ') {
        end--;
      }
      return PgHash.bytes(bytes, offset, end - offset, seed);
    }
  },
  UUID("uuid", "uuid_hash_extended") {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return PgHash.bytes(bytes, offset, length, seed);
    }
  },
  BYTEA("bytea", "hashbyteaextended", true) {
    @Override
    long hash(byte[] bytes, int offset, int length, long seed) {
      return PgHash.bytes(bytes, offset, length, seed);
    }
  };

  private static final int NUMERIC_NAN = 0xC000;
  private static final int NUMERIC_POSITIVE_INFINITY = 0xD000;
  private static final int NUMERIC_NEGATIVE_INFINITY = 0xF000;

  private final String typeName;
  private final String function;
  private final boolean throughRow;

  ColumnHash(String typeName, String function) {
    this(typeName, function, false);
  }

  /**
   * @param throughRow whether SQL reaches the function through {@code hash_record_extended},
   *     because PostgreSQL 14 to 16 have no function of that name
   */
  ColumnHash(String typeName, String function, boolean throughRow) {
    this.typeName = typeName;
    this.function = function;
    this.throughRow = throughRow;
  }

  /** The type as {@code format_type} renders it, without modifiers. */
  public String typeName() {
    return typeName;
  }

  /** The type's extended hash function (on PostgreSQL 17+; see the class comment). */
  public String function() {
    return function;
  }

  /**
   * SQL that hashes {@code value} (an expression of this type) with {@code seed} as {@link
   * #function()} does, on every PostgreSQL version from 14: the function itself, or for the types
   * whose function older versions name otherwise, {@code hash_record_extended(ROW(value), seed)}. A
   * NULL value gives NULL, or 0 through a row; the fingerprint counts both as 0.
   */
  public String sql(String value, long seed) {
    return throughRow
        ? "hash_record_extended(ROW(" + value + "), " + seed + ")"
        : function + "(" + value + ", " + seed + ")";
  }

  /** The hash of one value in its binary COPY form, as {@link #function()} computes it. */
  abstract long hash(byte[] bytes, int offset, int length, long seed);

  /**
   * The hasher for a column whose type {@code format_type} renders as {@code type}, if this class
   * has one; modifiers ({@code numeric(10,2)}, {@code timestamp(3) ...}) do not matter.
   */
  public static Optional<ColumnHash> forType(String type) {
    String bare = type.replaceAll("\\(\\d+(,\\d+)?\\)", "");
    for (ColumnHash hash : values()) {
      if (hash.typeName.equals(bare)) {
        return Optional.of(hash);
      }
    }
    return Optional.empty();
  }

  /** Hashers for every column, or empty when any column's type has none. */
  public static Optional<List<ColumnHash>> forColumns(List<Column> columns) {
    List<Optional<ColumnHash>> found = columns.stream().map(c -> forType(c.type())).toList();
    if (found.stream().anyMatch(Optional::isEmpty)) {
      return Optional.empty();
    }
    return Optional.of(found.stream().map(Optional::orElseThrow).toList());
  }

  /** The seed of the column at {@code index} (from 0): its position, from 1. */
  static long seed(int index) {
    return index + 1L;
  }

  private static long int8(long value, long seed) {
    int low = (int) value;
    int high = (int) (value >>> 32);
    low ^= value >= 0 ? high : ~high;
    return PgHash.uint32(low, seed);
  }

  private static long float8(double value, long seed) {
    if (value == 0.0) {
      // Zero and minus zero are equal, so they hash alike: to the seed.
      return seed;
    }
    long bits =
        Double.isNaN(value)
            ? Double.doubleToLongBits(Double.NaN)
            : Double.doubleToRawLongBits(value);
    byte[] memory = new byte[8];
    for (int i = 0; i < 8; i++) {
      memory[i] = (byte) (bits >>> (8 * i));
    }
    return PgHash.bytes(memory, 0, 8, seed);
  }

  private static int digit(byte[] bytes, int first, int index) {
    return (short) be16(bytes, first + index * 2);
  }

  static int be16(byte[] bytes, int at) {
    return ((bytes[at] & 0xff) << 8) | (bytes[at + 1] & 0xff);
  }

  static int be32(byte[] bytes, int at) {
    return (bytes[at] & 0xff) << 24
        | (bytes[at + 1] & 0xff) << 16
        | (bytes[at + 2] & 0xff) << 8
        | (bytes[at + 3] & 0xff);
  }

  static long be64(byte[] bytes, int at) {
    return ((long) be32(bytes, at) << 32) | (be32(bytes, at + 4) & 0xffffffffL);
  }
}
