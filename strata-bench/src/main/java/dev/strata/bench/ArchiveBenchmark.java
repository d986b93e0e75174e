package dev.strata.bench;

import static dev.strata.bench.BenchmarkSupport.addTarget;
import static dev.strata.bench.BenchmarkSupport.allTargetsMet;
import static dev.strata.bench.BenchmarkSupport.applyForeignServers;
import static dev.strata.bench.BenchmarkSupport.deleteRecursively;
import static dev.strata.bench.BenchmarkSupport.execute;
import static dev.strata.bench.BenchmarkSupport.loadAverage;
import static dev.strata.bench.BenchmarkSupport.loadConfig;
import static dev.strata.bench.BenchmarkSupport.machine;
import static dev.strata.bench.BenchmarkSupport.queryLong;
import static dev.strata.bench.BenchmarkSupport.ratio;
import static dev.strata.bench.BenchmarkSupport.revision;
import static dev.strata.bench.BenchmarkSupport.round;
import static dev.strata.bench.BenchmarkSupport.utcTimestamp;
import static dev.strata.bench.BenchmarkSupport.waitForQuietMachine;
import static dev.strata.bench.BenchmarkSupport.writeConfig;
import static dev.strata.bench.BenchmarkSupport.writeResults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveResult;
import dev.strata.operation.OperationState;
import dev.strata.operation.PartitionMover;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The archive benchmark of the performance targets of docs/architecture.md: moves the same rows of
 * the seed's {@code emp} shape from a coordinator to an archive server in five ways, in one run on
 * two embedded PostgreSQL 18 servers, and measures the parent's lock window during Strata's swap.
 *
 * <ol>
 *   <li>(c) a raw binary COPY relay, unverified: the practical ceiling (and, as a diagnostic, the
 *       same relay forwarding one message per row as Strata does);
 *   <li>(b) {@code INSERT INTO foreign SELECT *} through postgres_fdw with {@code batch_size 1000};
 *   <li>(a) the seed's method: the same through a foreign server with the seed's options ({@code
 *       batch_size} unset, so 1), on a slice because it is slow;
 *   <li>(d) {@code PartitionMover.archive}, which {@code strata archive} runs: freeze, copy,
 *       verify, swap and cleanup, end to end, on a partition without indexes and on one with the
 *       seed's two indexes;
 *   <li>(e) the swap under load: four clients of the benchmark's own {@link LoadGenerator} insert
 *       into a hot partition and read another through the parent in a loop while five partitions of
 *       20,000 rows, and then one of {@code --rows} rows, are archived; their slowest transaction
 *       during a swap is the stall the swap imposes;
 *   <li>(f) {@code PartitionMover.move}, which {@code strata move} runs: the partition (d) archived
 *       moved on to a second archive server, verified, server to server.
 * </ol>
 *
 * <p>The baselines (a) to (c) run three times each, interleaved, and report the median (every run
 * is kept in the JSON): they are cheap, and the seed's method, one network round trip per row,
 * swings by a factor of two between runs on a small machine. Each (d) consumes its partition, so it
 * runs once.
 *
 * <p>Fairness: (a), (b), (c) and the first (d) read the same local partition (only the seed's
 * method stops after its slice); the second (d) reads a partition with identical rows shifted by
 * one year. The local data is loaded and vacuumed before any measurement, so every method reads it
 * warm. Before each measurement both servers are quiesced (running autovacuum workers waited for,
 * then a checkpoint); each method's remote table is dropped, or for Strata's vacuumed, before the
 * next starts, so no method pays for another's writes. Each result is checked (row counts on the
 * archive, the partition foreign afterwards) before it is reported.
 *
 * <p>Everything runs in a new temporary directory that is deleted at the end; the servers listen on
 * loopback only. Results go to {@code archive-SIZE.json} and {@code archive-SIZE.md} in {@code
 * --out}, SIZE naming the rows ({@code 1m} for 1,000,000).
 */
public final class ArchiveBenchmark {
  private static final String MAIN = "main";
  private static final String ARCHIVE = "archive";

  /** The target of the server-to-server move (f). */
  private static final String SECOND_ARCHIVE = "archive2";

  private static final String SEED_SERVER = "seed_archive";

  /** The big partitions: one read by (a), (b), (c) and the first (d); one with indexes. */
  private static final int PLAIN_YEAR = 2011;

  private static final int INDEXED_YEAR = 2012;

  /** (e): five small partitions archived in turn under load. */
  private static final int FIRST_SWAP_YEAR = 2013;

  private static final int SWAPS = 5;
  private static final long SWAP_PARTITION_ROWS = 20_000;

  /** (e): a partition of {@code --rows} rows archived under load. */
  private static final int LOADED_YEAR = 2019;

  /** The load: every client inserts into the hot partition and reads the reader partition. */
  private static final int READER_YEAR = 2020;

  private static final long READER_PARTITION_ROWS = 20_000;
  private static final int HOT_YEAR = 2021;
  private static final int LOAD_CLIENTS = 4;
  private static final Duration LOAD_BASELINE = Duration.ofSeconds(3);
  private static final Duration LOAD_LIMIT = Duration.ofMinutes(15);
  private static final int LOAD_MAXIMUM_SAMPLES_PER_CLIENT = 1_000_000;

  private static final int WORST_SAMPLES_REPORTED = 5;
  private static final Duration QUIET_WAIT = Duration.ofMinutes(5);

  /** Decimals of the reported ratios. */
  private static final int RATIO_DIGITS = 3;

  /** The settings that matter to moving rows: memory, durability and WAL. */
  private static final List<String> POSTGRESQL_SETTINGS =
      List.of(
          "shared_buffers",
          "fsync",
          "synchronous_commit",
          "full_page_writes",
          "wal_level",
          "max_wal_size",
          "maintenance_work_mem");

  /** Runs of each baseline, (a) to (c); odd, so the median is one of them. */
  private static final int BASELINE_RUNS = 3;

  private static final Duration AUTOVACUUM_WAIT = Duration.ofSeconds(30);

  private static final int RELAY_CHUNK_BYTES = 64 * 1024;

  /** Targets from the issue: (d)/(c) without indexes, (d)/(a), reader latency during swaps. */
  static final double TARGET_STRATA_VS_RAW_RELAY = 0.7;

  static final double TARGET_STRATA_VS_SEED = 20;
  static final double TARGET_READER_MAX_MILLIS = 100;
  static final double TARGET_SWAP_STALL_MILLIS = 50;

  private final BenchmarkOptions options;
  private final ProgressLog progress;
  private final ObjectMapper json = new ObjectMapper();

  ArchiveBenchmark(BenchmarkOptions options, PrintStream out) {
    this.options = options;
    this.progress = new ProgressLog(out);
  }

  public static void main(String[] args) {
    BenchmarkRun.main(
        args,
        BenchmarkOptions.USAGE,
        BenchmarkOptions::parse,
        "archive benchmark",
        options -> new ArchiveBenchmark(options, System.out).run());
  }

  void run() throws IOException, SQLException, InterruptedException {
    double quietWaitSeconds =
        waitForQuietMachine(
            QUIET_WAIT,
            Duration.ofSeconds(2),
            (load, threshold) ->
                String.format(
                    Locale.ROOT,
                    "waiting (at most %d s) for the load average %.2f to fall below %.1f",
                    QUIET_WAIT.toSeconds(),
                    load,
                    threshold),
            progress::say);
    Path base = Files.createTempDirectory("strata-bench-");
    progress.say("starting embedded servers main, archive and archive2 in " + base);
    try (LocalServers servers =
        LocalServers.start(
            base.resolve("servers"),
            false,
            List.of(
                ServerSpec.of(MAIN, "appdb"),
                ServerSpec.of(ARCHIVE, "archive_db"),
                ServerSpec.of(SECOND_ARCHIVE, "archive_db")))) {
      ObjectNode report = measure(servers, base);
      report.put("waited_for_quiet_machine_s", round(quietWaitSeconds, 1));
      writeResults(
          options.out(),
          ArchiveReport.name(options.rows()),
          report,
          ArchiveReport::markdown,
          progress::say);
    } finally {
      deleteRecursively(base);
    }
  }

  private ObjectNode measure(LocalServers servers, Path base)
      throws IOException, SQLException, InterruptedException {
    LocalServer main = servers.server(MAIN);
    LocalServer archive = servers.server(ARCHIVE);
    LocalServer secondArchive = servers.server(SECOND_ARCHIVE);
    Map<String, LocalServer> archives = new LinkedHashMap<>();
    archives.put(ARCHIVE, archive);
    archives.put(SECOND_ARCHIVE, secondArchive);
    StrataConfig config =
        loadConfig(
            writeConfig(
                base,
                "# Written by the archive benchmark: embedded servers on loopback, where the"
                    + " superuser\n# postgres is trusted, so neither connections nor the user"
                    + " mapping need a password.\n",
                main,
                archives),
            progress::say);
    Connections connections = new Connections(config);
    applyForeignServers(
        connections, config, description -> progress.say("applied: " + description));
    load(main);
    createSeedAndBatchTargets(main, archive);

    long rows = options.rows();
    ObjectNode report = json.createObjectNode();
    report.put("benchmark", "archive");
    report.put("date", utcTimestamp());
    report.put("rows", rows);
    report.put("strata_revision", revision());
    report.set("machine", machine(main, POSTGRESQL_SETTINGS));
    // Other work on the machine skews every figure; the load average says whether there was any.
    report.put("load_average_at_start", loadAverage());
    report.put(
        "command",
        "bench/run-archive.sh --rows "
            + rows
            + (options.seedRows() != Math.min(BenchmarkOptions.DEFAULT_SEED_ROWS, rows)
                ? " --seed-rows " + options.seedRows()
                : ""));
    ObjectNode methods = report.putObject("methods");

    // The baselines are cheap, and the seed's method (one round trip per row) swings by a factor
    // of two between runs on a small machine, so each baseline runs several times, interleaved so
    // that a slow spell of the machine hits all of them; the median is reported, with every run.
    List<Run> rawRuns = new ArrayList<>();
    List<Run> rawRowRuns = new ArrayList<>();
    List<Run> batchRuns = new ArrayList<>();
    List<Run> seedRuns = new ArrayList<>();
    for (int round = 1; round <= BASELINE_RUNS; round++) {
      progress.say("baselines, round " + round + " of " + BASELINE_RUNS);
      rawRuns.add(rawRelay(main, archive, RELAY_CHUNK_BYTES, "bench_raw_copy_relay"));
      rawRowRuns.add(rawRelay(main, archive, 0, "bench_raw_copy_relay_row_messages"));
      batchRuns.add(
          fdwInsert(main, archive, "bench.fdw_batch_1000", "public.bench_fdw_batch_1000", rows));
      seedRuns.add(
          fdwInsert(
              main,
              archive,
              "bench.seed_fdw_insert",
              "public.bench_seed_fdw_insert",
              options.seedRows()));
    }
    ObjectNode raw =
        repeated(
            "raw binary COPY relay between the servers (COPY TO STDOUT piped into COPY FROM"
                + " STDIN, 64 KiB messages), autocommit, no verification, no indexes",
            rawRuns);
    ObjectNode rawRows =
        repeated(
            "diagnostic: the same raw relay forwarding one CopyData message per row, as"
                + " Strata's CopyRelay does",
            rawRowRuns);
    ObjectNode batch =
        repeated(
            "INSERT INTO foreign SELECT * through postgres_fdw on Strata's foreign server,"
                + " foreign table option batch_size '1000'",
            batchRuns);
    ObjectNode seed =
        repeated(
            "the seed's method: INSERT INTO foreign SELECT * through postgres_fdw on a foreign"
                + " server with the seed's options (fetch_size 10000, use_remote_estimate,"
                + " batch_size unset = 1), on the first "
                + options.seedRows()
                + " rows of the partition",
            seedRuns);
    ObjectNode strata = strataArchive(connections, main, archive, PLAIN_YEAR, false);
    ObjectNode strataIndexed = strataArchive(connections, main, archive, INDEXED_YEAR, true);
    ObjectNode strataMove = strataMove(connections, main, archive, secondArchive);

    methods.set("seed_fdw_insert", seed);
    methods.set("fdw_batch_1000", batch);
    methods.set("raw_copy_relay", raw);
    methods.set("raw_copy_relay_row_messages", rawRows);
    methods.set("strata_archive", strata);
    methods.set("strata_archive_with_indexes", strataIndexed);
    methods.set("strata_move", strataMove);

    ObjectNode underLoad = report.putObject("swap_under_load");
    underLoad.put("clients", LOAD_CLIENTS);
    ArrayNode transaction = underLoad.putArray("transaction");
    loadTransaction().forEach(transaction::add);
    ObjectNode small =
        underLoad(
            connections,
            main,
            archive,
            IntStream.range(0, SWAPS).map(i -> FIRST_SWAP_YEAR + i).toArray(),
            SWAP_PARTITION_ROWS);
    ObjectNode large = underLoad(connections, main, archive, new int[] {LOADED_YEAR}, rows);
    underLoad.set("small_partitions", small);
    underLoad.set("large_partition", large);
    report.put("swap_reader_latency_ms_max", small.get("during_moves").get("max_ms").asDouble());
    report.put("swap_stall_ms_max_small", small.get("max_ms_during_swap_steps").asDouble());
    report.put("swap_stall_ms_max_large", large.get("max_ms_during_swap_steps").asDouble());

    double strataRate = strata.get("rows_per_s").asDouble();
    ObjectNode ratios = report.putObject("ratios");
    ratios.put(
        "strata_archive_vs_raw_copy_relay",
        ratio(strataRate, raw.get("rows_per_s").asDouble(), RATIO_DIGITS));
    ratios.put(
        "strata_archive_with_indexes_vs_raw_copy_relay",
        ratio(
            strataIndexed.get("rows_per_s").asDouble(),
            raw.get("rows_per_s").asDouble(),
            RATIO_DIGITS));
    ratios.put(
        "strata_archive_vs_seed_fdw_insert",
        ratio(strataRate, seed.get("rows_per_s").asDouble(), RATIO_DIGITS));
    ratios.put(
        "strata_archive_vs_fdw_batch_1000",
        ratio(strataRate, batch.get("rows_per_s").asDouble(), RATIO_DIGITS));
    ratios.put(
        "strata_move_vs_raw_copy_relay",
        ratio(
            strataMove.get("rows_per_s").asDouble(),
            raw.get("rows_per_s").asDouble(),
            RATIO_DIGITS));
    ratios.put(
        "raw_copy_relay_row_messages_vs_raw_copy_relay",
        ratio(
            rawRows.get("rows_per_s").asDouble(), raw.get("rows_per_s").asDouble(), RATIO_DIGITS));

    ArrayNode targets = report.putArray("targets");
    addTarget(
        targets,
        "strata_archive / raw_copy_relay (d)/(c), without indexes",
        ">=",
        TARGET_STRATA_VS_RAW_RELAY,
        ratios.get("strata_archive_vs_raw_copy_relay").asDouble());
    addTarget(
        targets,
        "strata_archive / seed_fdw_insert (d)/(a)",
        ">=",
        TARGET_STRATA_VS_SEED,
        ratios.get("strata_archive_vs_seed_fdw_insert").asDouble());
    addTarget(
        targets,
        "slowest transaction of the load during 5 moves of 20,000 rows, whole moves (ms)",
        "<=",
        TARGET_READER_MAX_MILLIS,
        report.get("swap_reader_latency_ms_max").asDouble());
    addTarget(
        targets,
        "slowest transaction of the load during the swaps of 20,000-row partitions (ms)",
        "<=",
        TARGET_SWAP_STALL_MILLIS,
        report.get("swap_stall_ms_max_small").asDouble());
    addTarget(
        targets,
        String.format(
            Locale.ROOT,
            "slowest transaction of the load during the swap of a %,d-row partition (ms)",
            rows),
        "<=",
        TARGET_SWAP_STALL_MILLIS,
        report.get("swap_stall_ms_max_large").asDouble());
    report.put("targets_met", allTargetsMet(targets));
    report.put("load_average_at_end", loadAverage());
    report.put("benchmark_seconds", round(progress.elapsedSeconds(), 1));
    return report;
  }

  // Setup ------------------------------------------------------------------------------------

  private void load(LocalServer main) throws SQLException {
    long rows = options.rows();
    progress.say(
        "loading "
            + rows
            + " rows into each of emp_"
            + PLAIN_YEAR
            + ", emp_"
            + INDEXED_YEAR
            + " and emp_"
            + LOADED_YEAR);
    execute(main, EmpData.createParent());
    execute(main, EmpData.createYearPartition(PLAIN_YEAR), EmpData.fill(PLAIN_YEAR, rows));
    execute(main, EmpData.createYearPartition(INDEXED_YEAR), EmpData.fill(INDEXED_YEAR, rows));
    execute(main, EmpData.createYearPartition(LOADED_YEAR), EmpData.fill(LOADED_YEAR, rows));
    execute(main, EmpData.createYearPartition(HOT_YEAR));
    execute(main, EmpData.createIndexes(INDEXED_YEAR).toArray(String[]::new));
    for (int i = 0; i < SWAPS; i++) {
      int year = FIRST_SWAP_YEAR + i;
      execute(main, EmpData.createYearPartition(year), EmpData.fill(year, SWAP_PARTITION_ROWS));
    }
    execute(
        main,
        EmpData.createYearPartition(READER_YEAR),
        EmpData.fill(READER_YEAR, READER_PARTITION_ROWS));
    // The load reads one day of it, as an application would: through an index.
    execute(main, EmpData.createIndexes(READER_YEAR).get(0));
    progress.say("VACUUM ANALYZE");
    execute(main, "VACUUM ANALYZE");
    execute(main, "CHECKPOINT");
  }

  /** The seed's foreign server (step 8 of seed 000) and the foreign tables of (a) and (b). */
  private void createSeedAndBatchTargets(LocalServer main, LocalServer archive)
      throws SQLException {
    execute(
        main,
        "CREATE SERVER "
            + SEED_SERVER
            + " FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '"
            + archive.host()
            + "', port '"
            + archive.port()
            + "', dbname '"
            + archive.database()
            + "', fetch_size '10000', use_remote_estimate 'true')",
        "CREATE USER MAPPING FOR "
            + LocalServer.SUPERUSER
            + " SERVER "
            + SEED_SERVER
            + " OPTIONS (user '"
            + LocalServer.SUPERUSER
            + "')",
        "CREATE SCHEMA bench",
        "CREATE FOREIGN TABLE bench.seed_fdw_insert ("
            + EmpData.COLUMN_DEFINITIONS
            + ") SERVER "
            + SEED_SERVER
            + " OPTIONS (schema_name 'public', table_name 'bench_seed_fdw_insert')",
        "CREATE FOREIGN TABLE bench.fdw_batch_1000 ("
            + EmpData.COLUMN_DEFINITIONS
            + ") SERVER "
            + ARCHIVE
            + " OPTIONS (schema_name 'public', table_name 'bench_fdw_batch_1000',"
            + " batch_size '1000')");
  }

  // (c) raw relay ----------------------------------------------------------------------------

  /** One timed run of a baseline, with what is worth keeping about it. */
  private record Run(long rows, double seconds, ObjectNode details) {
    double rowsPerSecond() {
      return rows / Math.max(seconds, 1e-9);
    }
  }

  private Run rawRelay(LocalServer main, LocalServer archive, int chunkBytes, String table)
      throws SQLException, InterruptedException {
    String remoteTable = "public." + table;
    execute(archive, EmpData.createRemoteTable(remoteTable));
    quiesce(main, archive);
    progress.say(
        "(c) raw COPY relay of "
            + options.rows()
            + " rows"
            + (chunkBytes > 0
                ? ", " + chunkBytes / 1024 + " KiB chunks"
                : ", one message per row"));
    RawCopyRelay.Result result;
    try (Connection source = main.connect();
        Connection target = archive.connect()) {
      result =
          RawCopyRelay.relay(
              source,
              "COPY (SELECT "
                  + EmpData.COLUMNS
                  + " FROM "
                  + EmpData.partition(PLAIN_YEAR)
                  + ") TO STDOUT (FORMAT binary)",
              target,
              "COPY " + remoteTable + " (" + EmpData.COLUMNS + ") FROM STDIN (FORMAT binary)",
              chunkBytes);
    }
    requireRows(archive, remoteTable, options.rows());
    execute(archive, "DROP TABLE " + remoteTable);
    ObjectNode details = json.createObjectNode();
    details.put("bytes", result.bytes());
    details.put("messages", result.messages());
    return new Run(result.rows(), result.elapsed().toNanos() / 1e9, details);
  }

  // (a), (b) postgres_fdw ----------------------------------------------------------------------

  private Run fdwInsert(
      LocalServer main, LocalServer archive, String foreignTable, String remoteTable, long rows)
      throws SQLException, InterruptedException {
    execute(archive, EmpData.createRemoteTable(remoteTable));
    quiesce(main, archive);
    progress.say("INSERT INTO " + foreignTable + " SELECT * ... (" + rows + " rows)");
    String sql =
        "INSERT INTO "
            + foreignTable
            + " SELECT * FROM "
            + EmpData.partition(PLAIN_YEAR)
            + (rows < options.rows() ? " LIMIT " + rows : "");
    long inserted;
    long started;
    long ended;
    try (Connection connection = main.connect();
        Statement statement = connection.createStatement()) {
      started = System.nanoTime();
      inserted = statement.executeLargeUpdate(sql);
      ended = System.nanoTime();
    }
    if (inserted != rows) {
      throw new IllegalStateException(sql + " inserted " + inserted + " rows, not " + rows);
    }
    requireRows(archive, remoteTable, rows);
    execute(archive, "DROP TABLE " + remoteTable);
    ObjectNode details = json.createObjectNode();
    details.put("sql", sql);
    return new Run(rows, (ended - started) / 1e9, details);
  }

  /** A baseline's result: its median run (by rows/s), and every run. */
  private ObjectNode repeated(String description, List<Run> runs) {
    List<Run> byRate = new ArrayList<>(runs);
    byRate.sort(Comparator.comparingDouble(Run::rowsPerSecond));
    Run median = byRate.get(byRate.size() / 2);
    ObjectNode node = method(description, median.rows(), median.seconds());
    node.put("statistic", "median of " + runs.size() + " interleaved runs");
    node.setAll(median.details());
    ArrayNode each = node.putArray("runs");
    for (Run run : runs) {
      ObjectNode entry = each.addObject();
      entry.put("seconds", round(run.seconds(), 3));
      entry.put("rows_per_s", Math.round(run.rowsPerSecond()));
    }
    return node;
  }

  // (d) Strata ---------------------------------------------------------------------------------

  private ObjectNode strataArchive(
      Connections connections, LocalServer main, LocalServer archive, int year, boolean withIndexes)
      throws SQLException, InterruptedException {
    quiesce(main, archive);
    progress.say(
        "(d) strata archive of emp_"
            + year
            + " ("
            + options.rows()
            + " rows"
            + (withIndexes ? ", 2 indexes" : ", no indexes")
            + "), jobs 1");
    Move move = archive(connections, year);
    MoveResult result = move.result();
    if (result.rowsCopied() != options.rows()) {
      throw new IllegalStateException(
          "archive of emp_" + year + " copied " + result.rowsCopied() + " rows");
    }
    requireArchived(main, year, options.rows());
    // Untimed: what autovacuum would soon do to the new table, done now so that it cannot run
    // during the next measurement.
    execute(archive, "VACUUM ANALYZE " + EmpData.partition(year));
    double seconds = (move.clock().endedNanos() - move.clock().startedNanos()) / 1e9;
    ObjectNode node =
        method(
            "PartitionMover.archive (what `strata archive` runs), end to end: preflight, journal,"
                + " target table, freeze, binary COPY relay, "
                + (withIndexes ? "2 index builds (time, name), " : "")
                + "verification (count + checksum on both sides), swap, cleanup",
            result.rowsCopied(),
            seconds);
    node.put("statistic", "single run");
    node.put("indexes", withIndexes ? 2 : 0);
    node.put("jobs", 1);
    ObjectNode phases = node.putObject("phases_s");
    move.clock().phaseSeconds().forEach((phase, value) -> phases.put(phase, round(value, 3)));
    ObjectNode moveResult = node.putObject("move_result");
    moveResult.put("copy_s", seconds(result.copy()));
    moveResult.put("indexes_s", seconds(result.indexes()));
    moveResult.put("verify_s", seconds(result.verify()));
    moveResult.put("swap_s", seconds(result.swap()));
    moveResult.put("total_s", seconds(result.total()));
    moveResult.put("rows_copied", result.rowsCopied());
    moveResult.put("bytes_copied", result.bytesCopied());
    moveResult.put("swap_attempts", result.swapAttempts());
    node.put(
        "copy_rows_per_s",
        Math.round(result.rowsCopied() / Math.max(1e-9, result.copy().toNanos() / 1e9)));
    return node;
  }

  private record Move(MoveResult result, StepClock clock) {}

  private Move archive(Connections connections, int year) {
    StepClock clock = new StepClock();
    MoveResult result =
        new PartitionMover(connections, clock)
            .archive(
                QualifiedName.of("public", "emp"),
                QualifiedName.of("public", EmpData.partitionName(year)),
                ARCHIVE,
                1);
    clock.end();
    if (result.operation().state() != OperationState.DONE) {
      throw new IllegalStateException(
          "archive of emp_" + year + " ended at " + result.operation().state().label());
    }
    return new Move(result, clock);
  }

  // (f) server to server ------------------------------------------------------------------------

  /** Moves the partition (d) archived, without indexes, from the archive to the second one. */
  private ObjectNode strataMove(
      Connections connections, LocalServer main, LocalServer archive, LocalServer secondArchive)
      throws SQLException, InterruptedException {
    quiesce(main, archive, secondArchive);
    progress.say(
        "(f) strata move of emp_"
            + PLAIN_YEAR
            + " ("
            + options.rows()
            + " rows) from "
            + ARCHIVE
            + " to "
            + SECOND_ARCHIVE
            + ", jobs 1");
    StepClock clock = new StepClock();
    MoveResult result =
        new PartitionMover(connections, clock)
            .move(
                QualifiedName.of("public", "emp"),
                QualifiedName.of("public", EmpData.partitionName(PLAIN_YEAR)),
                SECOND_ARCHIVE,
                1);
    clock.end();
    if (result.operation().state() != OperationState.DONE
        || result.rowsCopied() != options.rows()) {
      throw new IllegalStateException(
          "move of emp_"
              + PLAIN_YEAR
              + " ended at "
              + result.operation().state().label()
              + " after copying "
              + result.rowsCopied()
              + " rows");
    }
    requireArchived(main, PLAIN_YEAR, options.rows());
    requireRows(secondArchive, EmpData.partition(PLAIN_YEAR), options.rows());
    double seconds = (clock.endedNanos() - clock.startedNanos()) / 1e9;
    ObjectNode node =
        method(
            "PartitionMover.move (what `strata move` runs), end to end: the archived partition"
                + " of (d), without indexes, from archive to archive2: preflight, journal, target"
                + " table, freeze of the source table, binary COPY relay between the two servers,"
                + " verification, swap of the foreign partition, cleanup",
            result.rowsCopied(),
            seconds);
    node.put("statistic", "single run");
    node.put("indexes", 0);
    node.put("jobs", 1);
    ObjectNode phases = node.putObject("phases_s");
    clock.phaseSeconds().forEach((phase, value) -> phases.put(phase, round(value, 3)));
    node.put(
        "copy_rows_per_s",
        Math.round(result.rowsCopied() / Math.max(1e-9, result.copy().toNanos() / 1e9)));
    return node;
  }

  // (e) the swap under load ------------------------------------------------------------------

  /**
   * One transaction of the load: an insert into the hot partition, and a read of one day of another
   * (an index scan), both through the parent.
   */
  private static List<String> loadTransaction() {
    return List.of(
        "INSERT INTO "
            + EmpData.PARENT
            + " ("
            + EmpData.COLUMNS
            + ") VALUES (0, 'load', timestamp "
            + EmpData.yearStart(HOT_YEAR)
            + " + interval '1 day', 'Load', 1.00)",
        "SELECT count(*) FROM "
            + EmpData.PARENT
            + " WHERE time >= timestamp "
            + EmpData.yearStart(READER_YEAR)
            + " + interval '150 days' AND time < timestamp "
            + EmpData.yearStart(READER_YEAR)
            + " + interval '151 days'");
  }

  /**
   * Archives the partitions of {@code years} one after another while {@link #LOAD_CLIENTS} clients
   * run {@link #loadTransaction()} in a loop, and reports how long their transactions took before
   * the moves, during them, and during each swap step.
   */
  private ObjectNode underLoad(
      Connections connections,
      LocalServer main,
      LocalServer archive,
      int[] years,
      long rowsPerPartition)
      throws SQLException, InterruptedException {
    quiesce(main, archive);
    progress.say(
        "(e) archiving "
            + years.length
            + " partition(s) of "
            + rowsPerPartition
            + " rows while "
            + LOAD_CLIENTS
            + " clients insert into emp_"
            + HOT_YEAR
            + " and read emp_"
            + READER_YEAR
            + " through the parent");
    ObjectNode node = json.createObjectNode();
    node.put("moves", years.length);
    node.put("rows_per_moved_partition", rowsPerPartition);
    node.put("rows_in_reader_partition", READER_PARTITION_ROWS);
    ArrayNode swaps = json.createArrayNode();
    List<Move> moves = new ArrayList<>();
    long movesStarted;
    long movesEnded;
    long[] gcBefore;
    long[] gcAfter;
    LoadGenerator.Sample[] samples;
    List<Connection> clients = new ArrayList<>();
    try {
      for (int i = 0; i < LOAD_CLIENTS; i++) {
        clients.add(main.connect());
      }
      LoadGenerator load =
          new LoadGenerator(
              clients, loadTransaction(), LOAD_MAXIMUM_SAMPLES_PER_CLIENT, LOAD_LIMIT);
      try {
        load.start();
        Thread.sleep(LOAD_BASELINE.toMillis());
        gcBefore = garbageCollection();
        movesStarted = System.nanoTime();
        for (int year : years) {
          moves.add(archive(connections, year));
        }
        movesEnded = System.nanoTime();
        gcAfter = garbageCollection();
        Thread.sleep(500);
      } finally {
        load.close();
      }
      samples = load.samples();
      node.put("errors", load.errors());
      if (load.errors() > 0) {
        node.put("first_error", load.firstError());
      }
    } finally {
      for (Connection client : clients) {
        client.close();
      }
    }
    for (int year : years) {
      requireArchived(main, year, rowsPerPartition);
    }
    node.set("baseline", latency(LoadGenerator.statistics(samples, 0, movesStarted)));
    node.set("during_moves", latency(LoadGenerator.statistics(samples, movesStarted, movesEnded)));
    double worstInSwap = 0;
    for (int i = 0; i < moves.size(); i++) {
      Move move = moves.get(i);
      long[] window = move.clock().window("swap");
      ObjectNode swap = swaps.addObject();
      swap.put("partition", EmpData.partitionName(years[i]));
      swap.put("move_s", round((move.clock().endedNanos() - move.clock().startedNanos()) / 1e9, 3));
      swap.put("swap_ms", round(move.result().swap().toNanos() / 1e6, 1));
      swap.put("swap_attempts", move.result().swapAttempts());
      LoadGenerator.LatencyStatistics inMove =
          LoadGenerator.statistics(samples, move.clock().startedNanos(), move.clock().endedNanos());
      swap.put("max_ms_during_move", round(inMove.maxMillis(), 1));
      if (window != null) {
        LoadGenerator.LatencyStatistics inSwap =
            LoadGenerator.statistics(samples, window[0], window[1]);
        swap.put("samples_during_swap", inSwap.samples());
        swap.put("max_ms_during_swap", round(inSwap.maxMillis(), 1));
        worstInSwap = Math.max(worstInSwap, inSwap.maxMillis());
      }
    }
    node.put("max_ms_during_swap_steps", round(worstInSwap, 1));
    node.set("swaps", swaps);
    node.set("worst_samples", worstSamples(samples, movesStarted, movesEnded, moves, years));
    // The clients run in this JVM: a collection pause would show up as their latency.
    node.put("jvm_gc_collections_during_moves", gcAfter[0] - gcBefore[0]);
    node.put("jvm_gc_ms_during_moves", gcAfter[1] - gcBefore[1]);
    progress.say(
        "load: slowest transaction "
            + node.get("during_moves").get("max_ms")
            + " ms during the moves, "
            + node.get("max_ms_during_swap_steps")
            + " ms during the swap steps (baseline max "
            + node.get("baseline").get("max_ms")
            + " ms)");
    return node;
  }

  /** The slowest transactions during the moves and the move phases each overlapped. */
  private ArrayNode worstSamples(
      LoadGenerator.Sample[] samples,
      long movesStarted,
      long movesEnded,
      List<Move> moves,
      int[] years) {
    ArrayNode worst = json.createArrayNode();
    Arrays.stream(samples)
        .filter(sample -> sample.overlaps(movesStarted, movesEnded))
        .sorted(Comparator.comparingDouble(LoadGenerator.Sample::latencyMillis).reversed())
        .limit(WORST_SAMPLES_REPORTED)
        .forEach(
            sample -> {
              ObjectNode node = worst.addObject();
              node.put("latency_ms", round(sample.latencyMillis(), 1));
              node.put(
                  "started_s_after_moves_began",
                  round((sample.startNanos() - movesStarted) / 1e9, 3));
              ArrayNode phases = node.putArray("overlapped");
              for (int i = 0; i < moves.size(); i++) {
                String partition = EmpData.partitionName(years[i]);
                moves
                    .get(i)
                    .clock()
                    .phasesOverlapping(sample.startNanos(), sample.endNanos())
                    .forEach(phase -> phases.add(partition + " " + phase));
              }
            });
    return worst;
  }

  /** Collections so far and their accumulated time in milliseconds, over all collectors. */
  private static long[] garbageCollection() {
    long count = 0;
    long millis = 0;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, collector.getCollectionCount());
      millis += Math.max(0, collector.getCollectionTime());
    }
    return new long[] {count, millis};
  }

  private ObjectNode latency(LoadGenerator.LatencyStatistics statistics) {
    ObjectNode node = json.createObjectNode();
    node.put("samples", statistics.samples());
    node.put("p50_ms", round(statistics.p50Millis(), 2));
    node.put("p99_ms", round(statistics.p99Millis(), 2));
    node.put("max_ms", round(statistics.maxMillis(), 1));
    return node;
  }

  // Checks -----------------------------------------------------------------------------------

  private static void requireRows(LocalServer server, String table, long expected)
      throws SQLException {
    long found = queryLong(server, "SELECT count(*) FROM " + table);
    if (found != expected) {
      throw new IllegalStateException(
          table + " on " + server.name() + " has " + found + " rows, expected " + expected);
    }
  }

  /** The partition is now a foreign table and the parent still returns all its rows. */
  private static void requireArchived(LocalServer main, int year, long expected)
      throws SQLException {
    long foreign =
        queryLong(
            main,
            "SELECT count(*) FROM pg_class WHERE oid = '"
                + EmpData.partition(year)
                + "'::regclass AND relkind = 'f'");
    long rows =
        queryLong(
            main,
            "SELECT count(*) FROM "
                + EmpData.PARENT
                + " WHERE time >= "
                + EmpData.yearStart(year)
                + " AND time < "
                + EmpData.yearStart(year + 1));
    if (foreign != 1 || rows != expected) {
      throw new IllegalStateException(
          "after the archive, emp_"
              + year
              + (foreign != 1 ? " is not a foreign table" : " is foreign")
              + " and the parent returns "
              + rows
              + " rows of "
              + expected);
    }
  }

  // Results ----------------------------------------------------------------------------------

  private ObjectNode method(String description, long rows, double seconds) {
    ObjectNode node = json.createObjectNode();
    node.put("description", description);
    node.put("rows", rows);
    node.put("seconds", round(seconds, 3));
    node.put("rows_per_s", Math.round(rows / Math.max(seconds, 1e-9)));
    return node;
  }

  // Helpers ----------------------------------------------------------------------------------

  /**
   * Lets the next measurement start on quiet servers: waits (bounded) for running autovacuum
   * workers, then checkpoints both servers, so no method pays for another's writes.
   */
  private void quiesce(LocalServer... servers) throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + AUTOVACUUM_WAIT.toNanos();
    String workers =
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'";
    for (LocalServer server : servers) {
      while (queryLong(server, workers) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
    }
    for (LocalServer server : servers) {
      execute(server, "CHECKPOINT");
    }
  }

  private static double seconds(Duration duration) {
    return round(duration.toNanos() / 1e9, 3);
  }
}
