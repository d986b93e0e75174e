package dev.strata.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.catalog.Column;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * Strata's hashes of values in binary COPY form are, bit for bit, the server's extended hash
 * functions: for every supported type, thousands of random values and the edge cases, each hashed
 * by the server and by {@link ColumnHash}; and a whole table's stream digest equals its fingerprint
 * in SQL however the stream is cut into messages.
 */
class StreamHashingTest {
  static final String DATABASE = "stream_hashing_test";
  static LocalServer main;

  /** SQL producing random values of each type, {@code v} over {@code generate_series}. */
  static final Map<ColumnHash, String> RANDOM =
      Map.ofEntries(
          Map.entry(ColumnHash.SMALLINT, "(random() * 65535 - 32768)::int::smallint"),
          Map.entry(ColumnHash.INTEGER, "(random() * 4294967295 - 2147483648)::bigint::int"),
          Map.entry(ColumnHash.BIGINT, "((random() * 2 - 1) * 9.2e18)::bigint"),
          Map.entry(ColumnHash.BOOLEAN, "random() < 0.5"),
          Map.entry(ColumnHash.DATE, "date '2000-01-01' + (random() * 200000 - 100000)::int"),
          Map.entry(
              ColumnHash.TIMESTAMP, "timestamp '1950-01-01' + random() * interval '100 years'"),
          Map.entry(
              ColumnHash.TIMESTAMPTZ,
              "timestamptz '1950-01-01 00:00+00' + random() * interval '100 years'"),
          Map.entry(ColumnHash.TIME, "time '00:00' + random() * interval '23 hours'"),
          Map.entry(ColumnHash.REAL, "((random() - 0.5) * 10 ^ (random() * 60 - 30))::real"),
          Map.entry(ColumnHash.DOUBLE, "(random() - 0.5) * 10 ^ (random() * 600 - 300)"),
          Map.entry(
              ColumnHash.NUMERIC,
              "round(((random() - 0.5) * 10 ^ (random() * 40 - 20))::numeric,"
                  + " (random() * 20)::int)"),
          Map.entry(
              ColumnHash.TEXT,
              "substr(md5(random()::text) || repeat('é✓', 30), 1, (random() * 80)::int)"),
          Map.entry(
              ColumnHash.VARCHAR,
              "substr(repeat(md5(random()::text), 3), 1, (random() * 90)::int)::varchar(100)"),
          Map.entry(
              ColumnHash.CHARACTER,
              "substr(md5(random()::text), 1, (random() * 10)::int)::character(10)"),
          Map.entry(ColumnHash.UUID, "gen_random_uuid()"),
          Map.entry(
              ColumnHash.BYTEA,
              "substr(decode(md5(random()::text) || md5(random()::text), 'hex'), 1,"
                  + " (random() * 32)::int)"));

  @BeforeAll
  static void setUp() {
    main = SharedServers.get().server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
  }

  @ParameterizedTest
  @EnumSource(ColumnHash.class)
  void eachTypeHashesAsTheServerDoes(ColumnHash type) throws Exception {
    String values =
        "SELECT "
            + RANDOM.get(type)
            + " AS v FROM generate_series(1, 3000) UNION ALL SELECT v FROM "
            + "(SELECT NULL::"
            + (type == ColumnHash.CHARACTER ? "character(10)" : type.typeName())
            + " AS v) nulls";
    List<long[]> pairs = new ArrayList<>();
    List<String> mismatches = new ArrayList<>();
    try (Connection connection = main.connect(DATABASE)) {
      for (long seed : new long[] {0, 7, -3}) {
        CopyOut out =
            connection
                .unwrap(PGConnection.class)
                .getCopyAPI()
                .copyOut(
                    "COPY (SELECT v, "
                        + type.sql("v", seed)
                        + ", v::text FROM ("
                        + values
                        + ") s) TO STDOUT (FORMAT binary)");
        byte[] message;
        boolean header = true;
        while ((message = out.readFromCopy()) != null) {
          int at = header ? 19 : 0;
          header = false;
          if ((short) ColumnHash.be16(message, at) == -1) {
            continue;
          }
          at += 2;
          int length = ColumnHash.be32(message, at);
          at += 4;
          int valueAt = at;
          at += Math.max(length, 0);
          int hashLength = ColumnHash.be32(message, at);
          at += 4;
          if (length == -1) {
            // NULL, or 0 through a one-column row: the fingerprint counts either as 0.
            assertThat(hashLength == -1 || ColumnHash.be64(message, at) == 0)
                .as("a NULL hashes to NULL or 0")
                .isTrue();
            continue;
          }
          long expected = ColumnHash.be64(message, at);
          at += 8;
          long actual = type.hash(message, valueAt, length, seed);
          pairs.add(new long[] {expected, actual});
          if (expected != actual && mismatches.size() < 5) {
            int textLength = ColumnHash.be32(message, at);
            mismatches.add(
                new String(message, at + 4, textLength, java.nio.charset.StandardCharsets.UTF_8)
                    + " (seed "
                    + seed
                    + "): server "
                    + expected
                    + ", Strata "
                    + actual);
          }
        }
      }
    }
    assertThat(mismatches).as(type + " values hashed differently").isEmpty();
    assertThat(pairs).hasSizeGreaterThan(8000);
  }

  @Test
  void theServerAgreesOnEveryTypeAndItsEdgeValues() throws Exception {
    try (Database database = new Database("main", main.connect(DATABASE))) {
      assertThat(Fingerprints.streamHashingAgrees(database, List.of(ColumnHash.values()))).isTrue();
    }
  }

  @Test
  void aStreamDigestEqualsTheFingerprintHoweverTheStreamIsCut() throws Exception {
    List<Column> columns =
        List.of(
            new Column("id", "integer", true),
            new Column("name", "text", false),
            new Column("time", "timestamp without time zone", true),
            new Column("salary", "numeric(10,2)", false),
            new Column("tag", "character(4)", false));
    try (Connection connection = main.connect(DATABASE);
        var statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS digested");
      statement.execute(
          "CREATE TABLE digested (id int NOT NULL, name text, time timestamp NOT NULL,"
              + " salary numeric(10,2), tag character(4))");
      statement.execute(
          "INSERT INTO digested SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'n' || g END,"
              + " timestamp '2020-01-01' + g * interval '1 minute',"
              + " CASE WHEN g % 5 = 0 THEN NULL ELSE g * 1.25 END, substr('abcd', 1, g % 5)"
              + " FROM generate_series(1, 5000) g");
    }
    Fingerprint sql;
    try (Database database = new Database("main", main.connect(DATABASE))) {
      sql =
          Fingerprints.of(
              database,
              QualifiedName.of("public", "digested"),
              columns,
              Fingerprints.Form.COLUMNS,
              "false");
    }
    List<ColumnHash> hashes = ColumnHash.forColumns(columns).orElseThrow();
    byte[] stream;
    try (Connection connection = main.connect(DATABASE)) {
      var bytes = new java.io.ByteArrayOutputStream();
      connection
          .unwrap(PGConnection.class)
          .getCopyAPI()
          .copyOut(
              "COPY (SELECT id, name, time, salary, tag FROM digested) TO STDOUT (FORMAT binary)",
              bytes);
      stream = bytes.toByteArray();
    }
    Random random = new Random(42);
    for (int maximum : new int[] {1, 3, 64, 1 << 20}) {
      RowDigest digest = new RowDigest(hashes);
      int at = 0;
      while (at < stream.length) {
        int length = Math.min(stream.length - at, 1 + random.nextInt(maximum));
        digest.accept(java.util.Arrays.copyOfRange(stream, at, at + length));
        at += length;
      }
      digest.finish();
      assertThat(digest.rows()).isEqualTo(5000);
      assertThat(digest.checksum())
          .as("cut at most %d bytes", maximum)
          .isEqualByComparingTo(sql.checksum());
    }
  }
}
