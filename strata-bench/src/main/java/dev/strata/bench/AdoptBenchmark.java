package dev.strata.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.adopt.AdoptProgress;
import dev.strata.adopt.AdoptRequest;
import dev.strata.adopt.AdoptResult;
import dev.strata.adopt.KeyMode;
import dev.strata.adopt.TableAdopter;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code strata adopt} against the method pg_partman documents for partitioning an existing table,
 * run by hand, on the same data while the same writers write. Each run starts from its own copy of
 * a table of N rows ({@code id bigserial} primary key, an index), partitioned by {@code id} into
 * five ranges, while four writers insert and update; every write's latency is measured, and the
 * longest is the longest stall a writer saw.
 *
 * <p>The manual method (pg_partman's "online" migration, as {@code partition_data_proc} does it):
 * rename the table, create the partitioned parent with its name, attach the old table as the
 * default partition, then per range: move its rows out of the default (DELETE ... RETURNING into a
 * holding table), create the range's partition (PostgreSQL scans the default partition to check it
 * holds no row of the range), and insert the rows back through the parent; one transaction per
 * range, which takes the parent's and the default partition's ACCESS EXCLUSIVE locks first (taken
 * by the partition's creation only, they deadlock with the writers). Nothing verifies the result.
 *
 * <p>Usage: {@code AdoptBenchmark --rows N --out DIR}.
 */
public final class AdoptBenchmark {
  private static final List<String> POSTGRESQL_SETTINGS =
      List.of("shared_buffers", "work_mem", "maintenance_work_mem", "fsync", "synchronous_commit");

  private static final int WRITERS = 4;

  public static void main(String[] args) throws Exception {
    long rows = Long.parseLong(argument(args, "--rows", "5000000"));
    Path out = Path.of(argument(args, "--out", "bench/results"));
    long interval = Math.max(1, rows / 5);
    Path directory = Files.createTempDirectory("strata-adopt-bench");
    try (LocalServers servers =
        LocalServers.start(directory, false, List.of(ServerSpec.of("main", "appdb")))) {
      LocalServer main = servers.server("main");
      String loadAtStart = BenchmarkSupport.loadAverage();
      ObjectNode report = JsonNodeFactory.instance.objectNode();
      report.put("benchmark", "adopt");
      report.put("date", BenchmarkSupport.utcTimestamp());
      report.put("strata_revision", BenchmarkSupport.revision());
      report.put("command", "bench/run-adopt.sh --rows " + rows);
      report.put("load_average_at_start", loadAtStart);
      report.set("machine", BenchmarkSupport.machine(main, POSTGRESQL_SETTINGS));
      report.put("rows", rows);
      report.put("writers", WRITERS);
      report.put("partition_width_ids", interval);

      Path config = BenchmarkSupport.writeConfig(directory, "# adopt benchmark\n", main, Map.of());
      StrataConfig strataConfig = BenchmarkSupport.loadConfig(config, System.out::println);

      createTable(main, "orders_strata", rows);
      Writers strataWriters = new Writers(main, "orders_strata", rows);
      long started = System.nanoTime();
      AdoptResult result;
      try {
        result =
            new TableAdopter(new Connections(strataConfig), AdoptProgress.NONE)
                .adopt(
                    new AdoptRequest(
                        QualifiedName.parse("orders_strata"),
                        "id",
                        Long.toString(interval),
                        Optional.of(KeyMode.INCLUDE_PARTITION_KEY),
                        AdoptRequest.DEFAULT_BATCH_ROWS,
                        false,
                        true));
      } finally {
        strataWriters.stop();
      }
      double strataSeconds = (System.nanoTime() - started) / 1e9;
      ObjectNode strata = report.putObject("strata_adopt");
      strata.put("seconds", BenchmarkSupport.round(strataSeconds, 2));
      strata.put("rows_per_second", Math.round(rows / strataSeconds));
      strata.put("copy_seconds", BenchmarkSupport.round(result.copy().toNanos() / 1e9, 2));
      strata.put("rows_copied", result.rowsCopied());
      strata.put("changes_replayed", result.rowsReplayed());
      strata.put("swap_milliseconds", result.swapMillis());
      strata.put("swap_attempts", result.swapAttempts());
      strata.put("verified_rows", result.verifiedRows().orElse(-1L));
      strataWriters.report(strata);
      System.out.printf(
          Locale.ROOT,
          "strata adopt: %.1f s, swap %d ms, longest writer stall %d ms%n",
          strataSeconds,
          result.swapMillis(),
          strataWriters.longestMillis());

      createTable(main, "orders_manual", rows);
      Writers manualWriters = new Writers(main, "orders_manual", rows);
      started = System.nanoTime();
      try {
        manual(main, "orders_manual", rows, interval);
      } finally {
        manualWriters.stop();
      }
      double manualSeconds = (System.nanoTime() - started) / 1e9;
      ObjectNode manual = report.putObject("manual_pg_partman_method");
      manual.put("seconds", BenchmarkSupport.round(manualSeconds, 2));
      manual.put("rows_per_second", Math.round(rows / manualSeconds));
      manualWriters.report(manual);
      System.out.printf(
          Locale.ROOT,
          "manual: %.1f s, longest writer stall %d ms%n",
          manualSeconds,
          manualWriters.longestMillis());

      report.put("load_average_at_end", BenchmarkSupport.loadAverage());
      String name = "adopt";
      BenchmarkSupport.writeResults(
          out, name, report, AdoptBenchmark::markdown, System.out::println);
    } finally {
      BenchmarkSupport.deleteRecursively(directory);
    }
  }

  static void createTable(LocalServer main, String table, long rows) throws SQLException {
    BenchmarkSupport.execute(
        main,
        "CREATE TABLE "
            + table
            + " (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(),"
            + " customer int NOT NULL, amount bigint NOT NULL, note text)",
        "INSERT INTO "
            + table
            + " (created_at, customer, amount, note) SELECT timestamptz '2024-01-01' + g *"
            + " interval '1 second', g % 10000, g, 'order ' || g FROM generate_series(1, "
            + rows
            + ") g",
        "CREATE INDEX ON " + table + " (customer)",
        "VACUUM ANALYZE " + table);
  }

  /** pg_partman's documented online migration, by hand: see the class comment. */
  static void manual(LocalServer main, String table, long rows, long interval) throws SQLException {
    try (Connection connection = main.connect();
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      statement.execute("SET lock_timeout = '10s'");
      statement.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
      statement.execute("ALTER TABLE " + table + " RENAME TO " + table + "_default");
      statement.execute(
          "CREATE TABLE "
              + table
              + " (LIKE "
              + table
              + "_default INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (id)");
      statement.execute("ALTER TABLE " + table + " ATTACH PARTITION " + table + "_default DEFAULT");
      statement.execute("ALTER SEQUENCE " + table + "_id_seq OWNED BY " + table + ".id");
      connection.commit();
      for (long from = 0; from <= rows + interval; from += interval) {
        long to = from + interval;
        // The locks the partition's creation needs (the parent's and the default partition's),
        // taken first and in the writers' order: taken later, they deadlock with writers.
        statement.execute(
            "LOCK TABLE " + table + ", " + table + "_default IN ACCESS EXCLUSIVE MODE");
        statement.execute(
            "CREATE TEMPORARY TABLE holding (LIKE " + table + "_default) ON COMMIT DROP");
        statement.execute(
            "WITH moved AS (DELETE FROM "
                + table
                + "_default WHERE id >= "
                + from
                + " AND id < "
                + to
                + " RETURNING *) INSERT INTO holding SELECT * FROM moved");
        statement.execute(
            "CREATE TABLE "
                + table
                + "_p"
                + from
                + " PARTITION OF "
                + table
                + " FOR VALUES FROM ("
                + from
                + ") TO ("
                + to
                + ")");
        statement.execute("INSERT INTO " + table + " SELECT * FROM holding");
        connection.commit();
      }
      connection.setAutoCommit(true);
      statement.execute("VACUUM ANALYZE " + table);
    }
  }

  /** Four writers inserting and updating, each write timed. */
  static final class Writers {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong longestNanos = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final List<String> firstErrors = new ArrayList<>();

    Writers(LocalServer main, String table, long rows) {
      for (int w = 0; w < WRITERS; w++) {
        Thread thread =
            new Thread(
                () -> {
                  try (Connection connection = main.connect();
                      PreparedStatement insert =
                          connection.prepareStatement(
                              "INSERT INTO "
                                  + table
                                  + " (customer, amount, note) VALUES (?, ?, 'late')");
                      PreparedStatement update =
                          connection.prepareStatement(
                              "UPDATE " + table + " SET amount = amount + 1 WHERE id = ?")) {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (!stop.get()) {
                      long start = System.nanoTime();
                      try {
                        if (random.nextBoolean()) {
                          insert.setInt(1, random.nextInt(10000));
                          insert.setLong(2, random.nextLong(1000));
                          insert.executeUpdate();
                        } else {
                          update.setLong(1, 1 + random.nextLong(rows));
                          update.executeUpdate();
                        }
                        writes.incrementAndGet();
                      } catch (SQLException e) {
                        errors.incrementAndGet();
                        synchronized (firstErrors) {
                          if (firstErrors.size() < 5) {
                            firstErrors.add(e.getSQLState() + " " + e.getMessage());
                          }
                        }
                      }
                      longestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                      Thread.sleep(2);
                    }
                  } catch (SQLException | InterruptedException e) {
                    errors.incrementAndGet();
                  }
                },
                "adopt-bench-writer-" + w);
        threads.add(thread);
        thread.start();
      }
    }

    void stop() throws InterruptedException {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(60_000);
      }
    }

    long longestMillis() {
      return longestNanos.get() / 1_000_000;
    }

    void report(ObjectNode node) {
      node.put("writes", writes.get());
      node.put("write_errors", errors.get());
      node.put("longest_writer_stall_milliseconds", longestMillis());
      var errorList = node.putArray("first_errors");
      firstErrors.forEach(errorList::add);
    }
  }

  static String markdown(JsonNode report) {
    JsonNode strata = report.get("strata_adopt");
    JsonNode manual = report.get("manual_pg_partman_method");
    StringBuilder text = new StringBuilder();
    text.append(
        String.format(
            Locale.ROOT,
            "# strata adopt: %,d rows partitioned online%n%n",
            report.get("rows").asLong()));
    text.append(
        ReportHeader.runParagraph(
            report, ReportHeader.postgresqlRelease(report), "", "adopt.json"));
    text.append(
        String.format(
            Locale.ROOT,
            "A table of %,d rows (`id bigserial` primary key, one index) partitioned by `id` into"
                + " ranges of %,d while %d writers insert and update (every write timed).%n%n",
            report.get("rows").asLong(),
            report.get("partition_width_ids").asLong(),
            report.get("writers").asInt()));
    text.append(
        "| method | total | rows/s | longest writer stall | writes during the run | write errors"
            + " | verified |\n|---|---:|---:|---:|---:|---:|---|\n");
    text.append(
        String.format(
            Locale.ROOT,
            "| `strata adopt` (swap %d ms, %d attempt(s)) | %.1f s | %,d | %,d ms | %,d | %d |"
                + " count and checksum, %,d rows |%n",
            strata.get("swap_milliseconds").asLong(),
            strata.get("swap_attempts").asInt(),
            strata.get("seconds").asDouble(),
            strata.get("rows_per_second").asLong(),
            strata.get("longest_writer_stall_milliseconds").asLong(),
            strata.get("writes").asLong(),
            strata.get("write_errors").asLong(),
            strata.get("verified_rows").asLong()));
    text.append(
        String.format(
            Locale.ROOT,
            "| pg_partman's method by hand (attach as default, move range by range) | %.1f s | %,d"
                + " | %,d ms | %,d | %d | no |%n%n",
            manual.get("seconds").asDouble(),
            manual.get("rows_per_second").asLong(),
            manual.get("longest_writer_stall_milliseconds").asLong(),
            manual.get("writes").asLong(),
            manual.get("write_errors").asLong()));
    text.append(
        "The longest writer stall is the longest single write (insert or update) any writer"
            + " waited for during the run. Strata's writers wait only for the swap; the manual"
            + " method holds the table and its default partition (the old table) locked while"
            + " each range's rows are moved and the new partition's creation scans the"
            + " default.\n");
    return text.toString();
  }

  private static String argument(String[] args, String name, String fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}
