package dev.strata.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.connect.Connections;
import dev.strata.mirror.MirrorRefresher;
import dev.strata.mirror.MirrorVerifier;
import dev.strata.mirror.Mirrors;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mirrors (seed 003) measured on two embedded servers: a {@code crm} server with a {@code
 * customers} table of N rows, and a coordinator that copies it. Measured: the seed's own way (a
 * materialized view over a foreign table made by hand, postgres_fdw's default fetch_size of 100,
 * refreshed plainly); Strata's {@code matview}, {@code table} and {@code incremental} modes, each
 * created and first filled by {@code strata apply} and then refreshed with no change and after 1%
 * of the rows changed; the lag of a {@code replica} mirror while 2 clients insert at the source;
 * and 2 readers counting a mirror's rows while it is refreshed.
 *
 * <p>Usage: {@code MirrorBenchmark --rows N --out DIR}.
 */
public final class MirrorBenchmark {
  static final String USAGE =
      "usage: MirrorBenchmark [--rows N] [--out DIR]\n"
          + "  --rows N   rows in the source table (default 1000000)\n"
          + "  --out DIR  where mirror.json and mirror.md go (default bench/results)";

  /**
   * The command line.
   *
   * @param rows rows in the source table
   * @param out directory that receives {@code mirror.json} and {@code mirror.md}
   */
  record Options(long rows, Path out) {
    static final long DEFAULT_ROWS = 1_000_000;
    static final long MINIMUM_ROWS = 1_000;
    static final long MAXIMUM_ROWS = 100_000_000;

    Options {
      if (rows < MINIMUM_ROWS || rows > MAXIMUM_ROWS) {
        throw new IllegalArgumentException(
            "--rows must be between " + MINIMUM_ROWS + " and " + MAXIMUM_ROWS + ", not " + rows);
      }
    }

    static Options parse(String... args) {
      long rows = DEFAULT_ROWS;
      Path out = Path.of("bench", "results");
      for (OptionReader options = new OptionReader(args); options.next(); ) {
        switch (options.option()) {
          case "--rows" -> rows = options.wholeNumber("a whole number of rows");
          case "--out" -> out = Path.of(options.value());
          default -> throw options.unknownOption();
        }
      }
      return new Options(rows, out);
    }
  }

  private static final List<String> POSTGRESQL_SETTINGS =
      List.of(
          "shared_buffers",
          "work_mem",
          "wal_level",
          "fsync",
          "synchronous_commit",
          "max_wal_size",
          "wal_writer_delay");
  private static final LocalDateTime NOW = LocalDateTime.parse("2026-06-01T00:00:00");

  private static final QualifiedName MATVIEW = QualifiedName.of("ref", "customers_mv");
  private static final QualifiedName TABLE = QualifiedName.of("ref", "customers_table");
  private static final QualifiedName INCREMENTAL = QualifiedName.of("ref", "customers_inc");
  private static final QualifiedName REPLICA = QualifiedName.of("public", "customers");

  /** Each mirror's entry under {@code mirrors:}, as a user would write it. */
  private static final Map<QualifiedName, String> ENTRIES = new LinkedHashMap<>();

  static {
    ENTRIES.put(MATVIEW, "{ from: crm, table: public.customers, mode: matview, refresh: 1 h }");
    ENTRIES.put(TABLE, "{ from: crm, table: public.customers, mode: table, refresh: 1 h }");
    ENTRIES.put(
        INCREMENTAL,
        "{ from: crm, table: public.customers, mode: incremental, refresh: 1 h, watermark:"
            + " updated_at, lookback: 0 }");
    ENTRIES.put(REPLICA, "{ from: crm, mode: replica }");
  }

  private static final int READERS = 2;
  private static final int WRITERS = 2;
  private static final Duration WRITE_LOAD = Duration.ofSeconds(20);
  private static final Duration LAG_SAMPLE_INTERVAL = Duration.ofMillis(200);
  private static final Duration READERS_BEFORE = Duration.ofSeconds(1);
  private static final Duration READERS_AFTER = Duration.ofMillis(500);
  private static final Duration QUIET_WAIT = Duration.ofSeconds(60);
  private static final Duration AUTOVACUUM_WAIT = Duration.ofSeconds(60);
  private static final Duration SYNC_WAIT = Duration.ofMinutes(10);
  private static final Duration CATCH_UP_WAIT = Duration.ofMinutes(2);

  /** Ids of the rows the replica's writers insert: writer w uses [first + w * range, ...). */
  private static final long FIRST_WRITER_ID = 10_000_000_000L;

  private static final long WRITER_ID_RANGE = 1_000_000_000L;
  private static final int WRITER_CAPACITY = 1 << 21;

  /** A row of the source: {@code g} its id, {@code at} its updated_at. */
  private static String sourceRow(String g, String at) {
    return g
        + ", 'customer ' || "
        + g
        + ", 'c' || "
        + g
        + " || '@example.com', 'city_' || ("
        + g
        + " % 500), "
        + at
        + ", '{\"tier\": ' || ("
        + g
        + " % 3) || ', \"since\": ' || (2000 + "
        + g
        + " % 25) || ', \"note\": \"' || md5("
        + g
        + "::text) || '\"}'";
  }

  private final long rows;
  private final Path out;
  private final ProgressLog progress = new ProgressLog(System.out);
  private final List<QualifiedName> configured = new ArrayList<>();
  private Path directory;
  private String baseYaml;
  private LocalServer main;
  private LocalServer crm;
  private double waitedSeconds;
  private int configs;

  /** When the last {@link #create} began its {@code strata apply}. */
  private long applyStarted;

  private MirrorBenchmark(Options options) {
    this.rows = options.rows();
    this.out = options.out();
  }

  public static void main(String[] args) {
    BenchmarkRun.main(
        args, USAGE, Options::parse, "mirror benchmark", o -> new MirrorBenchmark(o).run());
  }

  private void run() throws Exception {
    directory = Files.createTempDirectory("strata-mirror-bench");
    String loadAtStart = BenchmarkSupport.loadAverage();
    List<ServerSpec> specs =
        List.of(ServerSpec.of("main", "appdb"), ServerSpec.of("crm", "crm_db"));
    try (LocalServers servers = LocalServers.start(directory, false, specs)) {
      main = servers.server("main");
      crm = servers.server("crm");
      progress.say("servers started");
      baseYaml =
          Files.readString(
              BenchmarkSupport.writeConfig(
                  directory, "# strata.yaml of bench/run-mirror.sh\n", main, Map.of("crm", crm)),
              StandardCharsets.UTF_8);
      loadSource();

      ObjectNode report = JsonNodeFactory.instance.objectNode();
      report.put("benchmark", "mirror");
      report.put("date", BenchmarkSupport.utcTimestamp());
      report.put("strata_revision", BenchmarkSupport.revision());
      report.put("command", "bench/run-mirror.sh --rows " + rows);
      report.put("load_average_at_start", loadAtStart);
      report.set("machine", BenchmarkSupport.machine(main, POSTGRESQL_SETTINGS));
      report.put("rows", rows);
      report.put(
          "source_bytes",
          BenchmarkSupport.queryLong(crm, "SELECT pg_total_relation_size('customers')"));

      report.set("seed_matview", seedMatview());
      report.set("matview", matviewMode());
      report.set("table", tableMode());
      report.set("incremental", incrementalMode());
      ObjectNode readers = JsonNodeFactory.instance.objectNode();
      readers.set("table_refresh", readersDuring(TABLE, 2));
      readers.set("matview_refresh", readersDuring(MATVIEW, 3));
      report.set("readers", readers);
      report.set("replica", replica());

      double seedRefresh = report.get("seed_matview").get("refresh").get("seconds").asDouble();
      double incremental =
          report.get("incremental").get("refresh_after_change").get("seconds").asDouble();
      report.put(
          "seed_refresh_over_incremental", BenchmarkSupport.ratio(seedRefresh, incremental, 1));
      ArrayNode targets = report.putArray("targets");
      BenchmarkSupport.addTarget(
          targets,
          "seed plain REFRESH / incremental refresh after 1% updated",
          ">=",
          20,
          report.get("seed_refresh_over_incremental").asDouble());
      report.put("all_targets_met", BenchmarkSupport.allTargetsMet(targets));
      report.put("waited_for_quiet_machine_seconds", BenchmarkSupport.round(waitedSeconds, 1));
      report.put("load_average_at_end", BenchmarkSupport.loadAverage());
      BenchmarkSupport.writeResults(
          out, "mirror", report, MirrorBenchmark::markdown, progress::say);
      System.out.println(markdown(report));
    } finally {
      BenchmarkSupport.deleteRecursively(directory);
    }
  }

  // The source ----------------------------------------------------------------------------------

  private void loadSource() throws SQLException {
    progress.say("loading " + rows + " rows into crm's customers");
    BenchmarkSupport.execute(
        crm,
        "CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text, city text,"
            + " updated_at timestamptz NOT NULL, profile text)",
        "INSERT INTO customers SELECT "
            + sourceRow("g", "timestamptz '2020-01-01' + g * interval '1 second'")
            + " FROM generate_series(1, "
            + rows
            + ") g",
        "CREATE INDEX customers_updated_at ON customers (updated_at)",
        "VACUUM ANALYZE customers");
    progress.say("loaded");
  }

  /**
   * Changes 1% of the source's rows in round {@code round} (each round its own rows): 0.5% updated
   * (updated_at set to the clock), 0.2% deleted, 0.3% inserted as new ids. Returns each count.
   */
  private ObjectNode changeOnePercent(int round) throws SQLException {
    int low = round * 100;
    long firstNew = rows + 1 + round * rows;
    long updated =
        update(
            crm,
            "UPDATE customers SET city = 'moved_"
                + round
                + "', updated_at = clock_timestamp() WHERE id % 1000 BETWEEN "
                + low
                + " AND "
                + (low + 4));
    long deleted =
        update(
            crm, "DELETE FROM customers WHERE id % 1000 IN (" + (low + 5) + ", " + (low + 6) + ")");
    long inserted =
        update(
            crm,
            "INSERT INTO customers SELECT "
                + sourceRow("g", "clock_timestamp()")
                + " FROM generate_series("
                + firstNew
                + ", "
                + (firstNew + rows * 3 / 1000 - 1)
                + ") g");
    BenchmarkSupport.execute(crm, "ANALYZE customers");
    ObjectNode change = JsonNodeFactory.instance.objectNode();
    change.put("updated", updated);
    change.put("deleted", deleted);
    change.put("inserted", inserted);
    change.put("total", updated + deleted + inserted);
    return change;
  }

  private long sourceRows() throws SQLException {
    return BenchmarkSupport.queryLong(crm, "SELECT count(*) FROM customers");
  }

  // (1) The seed's way -------------------------------------------------------------------------

  /**
   * Seed 003's materialized view: a foreign server made by hand without options, the table imported
   * with IMPORT FOREIGN SCHEMA (so postgres_fdw fetches 100 rows per round trip), a materialized
   * view over it, and a plain REFRESH. Dropped afterwards.
   */
  private ObjectNode seedMatview() throws Exception {
    phase("seed: materialized view over a foreign table made by hand");
    BenchmarkSupport.execute(
        main,
        "CREATE EXTENSION IF NOT EXISTS postgres_fdw",
        "CREATE SERVER seed_crm FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '"
            + crm.host()
            + "', port '"
            + crm.port()
            + "', dbname '"
            + crm.database()
            + "')",
        // The embedded servers trust the superuser on loopback, so no password is needed.
        "CREATE USER MAPPING FOR "
            + LocalServer.SUPERUSER
            + " SERVER seed_crm OPTIONS (user '"
            + LocalServer.SUPERUSER
            + "')",
        "CREATE SCHEMA seed",
        "IMPORT FOREIGN SCHEMA public LIMIT TO (customers) FROM SERVER seed_crm INTO seed");
    long sourceRows = sourceRows();
    quiesce();
    double create =
        timed(
            () ->
                BenchmarkSupport.execute(
                    main,
                    "CREATE MATERIALIZED VIEW seed.customers_mv AS SELECT * FROM seed.customers"));
    quiesce();
    double refresh =
        timed(() -> BenchmarkSupport.execute(main, "REFRESH MATERIALIZED VIEW seed.customers_mv"));
    long copied = BenchmarkSupport.queryLong(main, "SELECT count(*) FROM seed.customers_mv");
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put(
        "foreign_table",
        "IMPORT FOREIGN SCHEMA through a foreign server without options: fetch_size 100");
    node.set("create", statementNode(create, sourceRows));
    node.set("refresh", statementNode(refresh, sourceRows));
    node.put("rows", copied);
    BenchmarkSupport.execute(main, "DROP SCHEMA seed CASCADE", "DROP SERVER seed_crm CASCADE");
    progress.say("seed: " + node);
    return node;
  }

  private static ObjectNode statementNode(double seconds, long rowsRead) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("seconds", BenchmarkSupport.round(seconds, 3));
    node.put("rows_read", rowsRead);
    node.put("rows_read_per_second", Math.round(rowsRead / seconds));
    return node;
  }

  // (2) to (4) Strata's modes ------------------------------------------------------------------

  private ObjectNode matviewMode() throws Exception {
    return fullRefreshMode("matview", MATVIEW, 0);
  }

  private ObjectNode tableMode() throws Exception {
    return fullRefreshMode("table", TABLE, 1);
  }

  /** A mode whose refresh reads the whole source: first fill, no change, 1% changed. */
  private ObjectNode fullRefreshMode(String mode, QualifiedName mirror, int round)
      throws Exception {
    phase(mode + " mode");
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.set("first_fill", create(mirror));
    node.set("refresh_no_change", refresh(mirror, sourceRows()));
    ObjectNode change = changeOnePercent(round);
    node.set("refresh_after_change", refresh(mirror, sourceRows()));
    ((ObjectNode) node.get("refresh_after_change")).set("source_change", change);
    node.put("verified_equal", verify(mirror));
    progress.say(mode + ": " + node);
    return node;
  }

  private ObjectNode incrementalMode() throws Exception {
    phase("incremental mode");
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.set("first_fill", create(INCREMENTAL));
    node.set("refresh_no_change", refresh(INCREMENTAL, rowsPastWatermark(INCREMENTAL)));
    long updated =
        update(
            crm,
            "UPDATE customers SET city = 'incremental', updated_at = now() WHERE id % 1000 BETWEEN"
                + " 500 AND 509");
    BenchmarkSupport.execute(crm, "ANALYZE customers");
    ObjectNode after = refresh(INCREMENTAL, rowsPastWatermark(INCREMENTAL));
    after.put("source_rows_updated", updated);
    node.set("refresh_after_change", after);
    // With lookback 0 the next refresh still reads the rows at the watermark (>=): here every row
    // of the last update, which shared one now().
    node.set("refresh_again_no_change", refresh(INCREMENTAL, rowsPastWatermark(INCREMENTAL)));
    node.put("verified_equal", verify(INCREMENTAL));
    progress.say("incremental: " + node);
    return node;
  }

  /** The source's rows an incremental refresh reads now: at or past the recorded watermark. */
  private long rowsPastWatermark(QualifiedName mirror) throws SQLException {
    String watermark =
        BenchmarkSupport.queryText(
            main,
            "SELECT watermark FROM strata.mirror WHERE schema_name = '"
                + mirror.schema()
                + "' AND name = '"
                + mirror.name()
                + "'");
    return BenchmarkSupport.queryLong(
        crm,
        "SELECT count(*) FROM customers WHERE updated_at >= '"
            + watermark.replace("'", "''")
            + "'::timestamptz");
  }

  /**
   * Adds {@code mirror} to the configuration and runs {@code strata apply}, which creates it and
   * fills it the first time; timed end to end, and the first refresh as Strata recorded it (a
   * replica has none: its subscription copies the rows after the apply).
   */
  private ObjectNode create(QualifiedName mirror) throws Exception {
    configured.add(mirror);
    Connections connections = connections();
    long sourceRows = sourceRows();
    quiesce();
    List<String> actions = new ArrayList<>();
    applyStarted = System.nanoTime();
    double seconds =
        timed(
            () ->
                new LifecycleExecutor(connections, MoveProgress.NONE)
                    .apply(NOW, Set.of(), plan -> {}, action -> actions.add(describe(action))));
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("apply_seconds", BenchmarkSupport.round(seconds, 3));
    String recorded =
        BenchmarkSupport.queryText(
            main,
            "SELECT coalesce(last_duration_ms, -1) || ' ' || coalesce(last_rows, -1) FROM"
                + " strata.mirror WHERE schema_name = '"
                + mirror.schema()
                + "' AND name = '"
                + mirror.name()
                + "'");
    long refreshMillis = Long.parseLong(recorded.split(" ")[0]);
    if (refreshMillis >= 0) {
      node.put("refresh_seconds", BenchmarkSupport.round(refreshMillis / 1000.0, 3));
      node.put("rows", Long.parseLong(recorded.split(" ")[1]));
      node.put("rows_read", sourceRows);
      node.put("rows_read_per_second", Math.round(sourceRows / seconds));
    }
    ArrayNode list = node.putArray("actions");
    actions.forEach(list::add);
    return node;
  }

  private static String describe(LifecycleAction action) {
    return action.kind() + ": " + action.description();
  }

  /**
   * One refresh, as {@code strata mirror refresh} runs it: timed end to end (its planning
   * included), with the time of its transaction as Strata reports it.
   *
   * @param rowsRead the source's rows the refresh reads, counted at the source beforehand
   */
  private ObjectNode refresh(QualifiedName mirror, long rowsRead) throws Exception {
    Connections connections = connections();
    Mirrors.Resolved resolved = Mirrors.require(Mirrors.resolve(connections), mirror);
    quiesce();
    long started = System.nanoTime();
    MirrorRefresher.Result result =
        new MirrorRefresher(connections)
            .refresh(resolved, new MirrorRefresher.Options(false, false));
    double seconds = (System.nanoTime() - started) / 1e9;
    return refreshNode(result, seconds, rowsRead);
  }

  private static ObjectNode refreshNode(
      MirrorRefresher.Result result, double seconds, long rowsRead) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("seconds", BenchmarkSupport.round(seconds, 3));
    node.put("transaction_seconds", BenchmarkSupport.round(result.duration().toNanos() / 1e9, 3));
    node.put("full", result.full());
    node.put("rows", result.rows());
    node.put("rows_read", rowsRead);
    node.put("rows_read_per_second", Math.round(rowsRead / seconds));
    if (result.changed().isPresent()) {
      node.put("rows_changed", result.changed().get());
      node.put("rows_changed_per_second", Math.round(result.changed().get() / seconds));
    } else {
      node.putNull("rows_changed");
    }
    ArrayNode notes = node.putArray("notes");
    result.notes().forEach(notes::add);
    return node;
  }

  /** {@code strata mirror verify}: the copy's count and checksum equal the source's. */
  private boolean verify(QualifiedName mirror) {
    Connections connections = connections();
    return new MirrorVerifier(connections)
        .verify(Mirrors.require(Mirrors.resolve(connections), mirror))
        .equal();
  }

  /** A configuration with the mirrors created so far, written and loaded. */
  private Connections connections() {
    StringBuilder yaml = new StringBuilder(baseYaml).append("mirrors:\n");
    for (QualifiedName mirror : configured) {
      yaml.append("  ").append(mirror.display()).append(": ").append(ENTRIES.get(mirror));
      yaml.append('\n');
    }
    try {
      Path file = directory.resolve("strata-" + ++configs + ".yaml");
      Files.writeString(file, yaml.toString(), StandardCharsets.UTF_8);
      return new Connections(BenchmarkSupport.loadConfig(file, progress::say));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // (6) Readers during a refresh ---------------------------------------------------------------

  /**
   * Brings {@code mirror} up to date (untimed), changes 1% of the source (round {@code round}),
   * then refreshes it while 2 readers count its rows in a loop: every count must be the copy's
   * count before the refresh or after it.
   */
  private ObjectNode readersDuring(QualifiedName mirror, int round) throws Exception {
    phase("readers during a refresh of " + mirror.display());
    Connections connections = connections();
    Mirrors.Resolved resolved = Mirrors.require(Mirrors.resolve(connections), mirror);
    new MirrorRefresher(connections).refresh(resolved, new MirrorRefresher.Options(false, false));
    ObjectNode change = changeOnePercent(round);
    long before = BenchmarkSupport.queryLong(main, "SELECT count(*) FROM " + mirror.quoted());
    long after = sourceRows();
    quiesce();
    AtomicBoolean stop = new AtomicBoolean();
    List<Reader> readers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < READERS; i++) {
      Reader reader = new Reader(main, "SELECT count(*) FROM " + mirror.quoted(), stop);
      readers.add(reader);
      Thread thread = new Thread(reader, "bench-reader-" + i);
      threads.add(thread);
      thread.start();
    }
    MirrorRefresher.Result result;
    long started;
    long ended;
    try {
      Thread.sleep(READERS_BEFORE.toMillis());
      started = System.nanoTime();
      result =
          new MirrorRefresher(connections)
              .refresh(resolved, new MirrorRefresher.Options(false, false));
      ended = System.nanoTime();
      Thread.sleep(READERS_AFTER.toMillis());
    } finally {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(60_000);
      }
    }
    List<LoadGenerator.Sample> samples = new ArrayList<>();
    TreeSet<Long> counts = new TreeSet<>();
    long unexpected = 0;
    long outOfOrder = 0;
    long errors = 0;
    for (Reader reader : readers) {
      errors += reader.errors.get();
      for (Read read : reader.reads) {
        samples.add(read.sample());
        counts.add(read.count());
        if (read.count() != before && read.count() != after) {
          unexpected++;
        }
        boolean beforeRefresh = read.sample().endNanos() < started;
        boolean afterRefresh = read.sample().startNanos() > ended;
        if ((beforeRefresh && read.count() != before) || (afterRefresh && read.count() != after)) {
          outOfOrder++;
        }
      }
    }
    LoadGenerator.Sample[] all = samples.toArray(LoadGenerator.Sample[]::new);
    LoadGenerator.LatencyStatistics baseline = LoadGenerator.statistics(all, 0, started);
    LoadGenerator.LatencyStatistics during = LoadGenerator.statistics(all, started, ended);
    ObjectNode node = refreshNode(result, (ended - started) / 1e9, after);
    node.set("source_change", change);
    node.put("readers", READERS);
    node.put("count_before", before);
    node.put("count_after", after);
    ArrayNode seen = node.putArray("counts_seen");
    counts.forEach(seen::add);
    node.put("reads", all.length);
    node.put("reads_during_refresh", during.samples());
    node.put("reads_with_another_count", unexpected);
    node.put("reads_with_a_count_out_of_order", outOfOrder);
    node.put("reader_errors", errors);
    node.put("max_read_ms_during_refresh", BenchmarkSupport.round(during.maxMillis(), 1));
    node.put("p50_read_ms_during_refresh", BenchmarkSupport.round(during.p50Millis(), 1));
    node.put("max_read_ms_before_refresh", BenchmarkSupport.round(baseline.maxMillis(), 1));
    node.put("p50_read_ms_before_refresh", BenchmarkSupport.round(baseline.p50Millis(), 1));
    progress.say("readers during the refresh of " + mirror.display() + ": " + node);
    return node;
  }

  private record Read(LoadGenerator.Sample sample, long count) {}

  /** Runs one counting query in a loop and records each result with its start and end. */
  private static final class Reader implements Runnable {
    final LocalServer server;
    final String sql;
    final AtomicBoolean stop;
    final List<Read> reads = new ArrayList<>();
    final AtomicLong errors = new AtomicLong();

    Reader(LocalServer server, String sql, AtomicBoolean stop) {
      this.server = server;
      this.sql = sql;
      this.stop = stop;
    }

    @Override
    public void run() {
      try (Connection connection = server.connect();
          Statement statement = connection.createStatement()) {
        while (!stop.get()) {
          long start = System.nanoTime();
          try (ResultSet result = statement.executeQuery(sql)) {
            result.next();
            long count = result.getLong(1);
            reads.add(new Read(new LoadGenerator.Sample(start, System.nanoTime()), count));
          } catch (SQLException e) {
            errors.incrementAndGet();
          }
        }
      } catch (SQLException e) {
        errors.incrementAndGet();
      }
    }
  }

  // (5) Replica lag ----------------------------------------------------------------------------

  /**
   * A replica mirror created by {@code strata apply}; once its initial copy is done, 2 clients
   * insert one row per transaction at the source for 20 s, and every 200 ms the lag is sampled: the
   * slot's unconfirmed WAL at the source, and how long the oldest acknowledged row not yet visible
   * on the coordinator has been acknowledged.
   */
  private ObjectNode replica() throws Exception {
    phase("replica mode");
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.set("create", create(REPLICA));
    long ready = awaitSubscriptionReady(applyStarted);
    node.put("initial_sync_seconds", BenchmarkSupport.round((ready - applyStarted) / 1e9, 3));
    node.put(
        "rows_after_initial_sync",
        BenchmarkSupport.queryLong(main, "SELECT count(*) FROM " + REPLICA.quoted()));
    String slot =
        BenchmarkSupport.queryText(
            main, "SELECT subslotname FROM pg_subscription WHERE subname LIKE 'strata_mirror%'");
    waitForQuietMachine();
    quiesce();

    AtomicBoolean stop = new AtomicBoolean();
    List<Writer> writers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      Writer writer = new Writer(crm, FIRST_WRITER_ID + i * WRITER_ID_RANGE, stop);
      writers.add(writer);
      Thread thread = new Thread(writer, "bench-writer-" + i);
      threads.add(thread);
      thread.start();
    }
    List<Double> lagMillis = new ArrayList<>();
    List<Double> lagBytes = new ArrayList<>();
    long loadStarted = System.nanoTime();
    try (Connection source = crm.connect();
        Connection coordinator = main.connect();
        PreparedStatement bytes =
            source.prepareStatement(
                "SELECT pg_current_wal_lsn() - confirmed_flush_lsn FROM pg_replication_slots"
                    + " WHERE slot_name = ?");
        PreparedStatement visible =
            coordinator.prepareStatement(
                "SELECT coalesce(max(id), 0) FROM "
                    + REPLICA.quoted()
                    + " WHERE id >= ? AND id < ?")) {
      bytes.setString(1, slot);
      for (int sample = 1; ; sample++) {
        long due = loadStarted + sample * LAG_SAMPLE_INTERVAL.toNanos();
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        if (System.nanoTime() - loadStarted > WRITE_LOAD.toNanos()) {
          break;
        }
        long lag = 0;
        for (Writer writer : writers) {
          int acknowledged = writer.acknowledged;
          long at = System.nanoTime();
          visible.setLong(1, writer.firstId);
          visible.setLong(2, writer.firstId + WRITER_ID_RANGE);
          long seen;
          try (ResultSet result = visible.executeQuery()) {
            result.next();
            seen = result.getLong(1) == 0 ? 0 : result.getLong(1) - writer.firstId + 1;
          }
          if (seen < acknowledged) {
            lag = Math.max(lag, at - writer.acknowledgedAt[(int) seen]);
          }
        }
        lagMillis.add(lag / 1e6);
        try (ResultSet result = bytes.executeQuery()) {
          if (result.next()) {
            lagBytes.add((double) result.getLong(1));
          }
        }
      }
    } finally {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(60_000);
      }
    }
    long loadEnded = System.nanoTime();
    long acknowledged = writers.stream().mapToLong(w -> w.acknowledged).sum();
    long caughtUp = awaitRows(acknowledged);
    long missing =
        acknowledged
            - BenchmarkSupport.queryLong(
                main,
                "SELECT count(*) FROM " + REPLICA.quoted() + " WHERE id >= " + FIRST_WRITER_ID);
    double loadSeconds = (loadEnded - loadStarted) / 1e9;
    node.put("writers", WRITERS);
    node.put("load_seconds", BenchmarkSupport.round(loadSeconds, 2));
    node.put("acknowledged_inserts", acknowledged);
    node.put("inserts_per_second", Math.round(acknowledged / loadSeconds));
    node.put("max_insert_ms", writers.stream().mapToLong(w -> w.slowest.get()).max().orElse(0));
    node.put("writer_errors", writers.stream().mapToLong(w -> w.errors.get()).sum());
    node.put("samples", lagMillis.size());
    ObjectNode millis = node.putObject("lag_ms");
    millis.put("p50", BenchmarkSupport.round(percentile(lagMillis, 0.50), 1));
    millis.put("p95", BenchmarkSupport.round(percentile(lagMillis, 0.95), 1));
    millis.put("max", BenchmarkSupport.round(percentile(lagMillis, 1.0), 1));
    ObjectNode wal = node.putObject("lag_bytes");
    wal.put("p50", Math.round(percentile(lagBytes, 0.50)));
    wal.put("p95", Math.round(percentile(lagBytes, 0.95)));
    wal.put("max", Math.round(percentile(lagBytes, 1.0)));
    node.put(
        "catch_up_seconds_after_load",
        caughtUp < 0 ? -1 : BenchmarkSupport.round((caughtUp - loadEnded) / 1e9, 3));
    node.put("acknowledged_but_missing", missing);
    node.put("verified_equal", verify(REPLICA));
    progress.say("replica: " + node);
    return node;
  }

  /** When every table of the coordinator's subscriptions is ready (its initial copy done). */
  private long awaitSubscriptionReady(long since) throws Exception {
    while (System.nanoTime() - since < SYNC_WAIT.toNanos()) {
      long notReady =
          BenchmarkSupport.queryLong(
              main,
              "SELECT CASE WHEN count(*) = 0 THEN -1 ELSE count(*) FILTER (WHERE srsubstate <>"
                  + " 'r') END FROM pg_subscription_rel");
      if (notReady == 0) {
        return System.nanoTime();
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(
        "the replica mirror's initial copy did not finish within " + SYNC_WAIT);
  }

  /** When the coordinator has all {@code acknowledged} inserted rows, or -1 after the bound. */
  private long awaitRows(long acknowledged) throws Exception {
    long since = System.nanoTime();
    while (System.nanoTime() - since < CATCH_UP_WAIT.toNanos()) {
      if (BenchmarkSupport.queryLong(
              main, "SELECT count(*) FROM " + REPLICA.quoted() + " WHERE id >= " + FIRST_WRITER_ID)
          >= acknowledged) {
        return System.nanoTime();
      }
      Thread.sleep(20);
    }
    return -1;
  }

  /**
   * Inserts one row per transaction at the source, with ids from its own range in order, and
   * records when each insert was acknowledged.
   */
  private static final class Writer implements Runnable {
    final LocalServer server;
    final long firstId;
    final AtomicBoolean stop;
    final long[] acknowledgedAt = new long[WRITER_CAPACITY];
    final AtomicLong slowest = new AtomicLong();
    final AtomicLong errors = new AtomicLong();

    /** Rows acknowledged so far; written after their time in {@link #acknowledgedAt}. */
    volatile int acknowledged;

    Writer(LocalServer server, long firstId, AtomicBoolean stop) {
      this.server = server;
      this.firstId = firstId;
      this.stop = stop;
    }

    @Override
    public void run() {
      try (Connection connection = server.connect();
          PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO customers (id, name, email, city, updated_at, profile) VALUES (?,"
                      + " 'writer', 'writer@example.com', 'city_new', clock_timestamp(),"
                      + " '{\"tier\": 0}')")) {
        while (!stop.get() && acknowledged < acknowledgedAt.length) {
          insert.setLong(1, firstId + acknowledged);
          long began = System.nanoTime();
          try {
            insert.executeUpdate();
          } catch (SQLException e) {
            errors.incrementAndGet();
            return;
          }
          long end = System.nanoTime();
          acknowledgedAt[acknowledged] = end;
          acknowledged = acknowledged + 1;
          slowest.accumulateAndGet((end - began) / 1_000_000, Math::max);
        }
      } catch (SQLException e) {
        errors.incrementAndGet();
      }
    }
  }

  /** Nearest-rank percentile; 0 for no values. */
  private static double percentile(List<Double> values, double fraction) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Double> sorted = values.stream().sorted().toList();
    int rank = (int) Math.ceil(fraction * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  // Helpers ------------------------------------------------------------------------------------

  @FunctionalInterface
  private interface Work {
    void run() throws Exception;
  }

  private static double timed(Work work) throws Exception {
    long started = System.nanoTime();
    work.run();
    return (System.nanoTime() - started) / 1e9;
  }

  /** Rows an INSERT, UPDATE or DELETE changed. */
  private static long update(LocalServer server, String sql) throws SQLException {
    try (Connection connection = server.connect();
        Statement statement = connection.createStatement()) {
      return statement.executeLargeUpdate(sql);
    }
  }

  private void phase(String name) throws InterruptedException {
    progress.say(name);
    waitForQuietMachine();
  }

  private void waitForQuietMachine() throws InterruptedException {
    waitedSeconds +=
        BenchmarkSupport.waitForQuietMachine(
            QUIET_WAIT,
            Duration.ofSeconds(2),
            (load, threshold) ->
                String.format(
                    Locale.ROOT, "waiting for load %.2f to fall below %.1f", load, threshold),
            progress::say);
  }

  /**
   * Lets the next measurement start on quiet servers: waits (bounded) for running autovacuum
   * workers, then checkpoints both servers.
   */
  private void quiesce() throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + AUTOVACUUM_WAIT.toNanos();
    String workers =
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'";
    for (LocalServer server : List.of(main, crm)) {
      while (BenchmarkSupport.queryLong(server, workers) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
    }
    for (LocalServer server : List.of(main, crm)) {
      BenchmarkSupport.execute(server, "CHECKPOINT");
    }
  }

  // The Markdown report ------------------------------------------------------------------------

  static String markdown(JsonNode report) {
    JsonNode seed = report.get("seed_matview");
    JsonNode matview = report.get("matview");
    JsonNode table = report.get("table");
    JsonNode incremental = report.get("incremental");
    JsonNode replica = report.get("replica");
    JsonNode readers = report.get("readers");
    double waited = report.get("waited_for_quiet_machine_seconds").asDouble();
    StringBuilder text = new StringBuilder("# Mirror benchmark\n\n");
    text.append(
        ReportHeader.runParagraph(
            report,
            ReportHeader.postgresqlRelease(report),
            waited >= 1
                ? String.format(
                    Locale.ROOT, " (then waited %.0f s in all for a quieter machine)", waited)
                : "",
            "mirror.json"));
    text.append(
        String.format(
            Locale.ROOT,
            "A source table `customers (id bigint PRIMARY KEY, name, email, city, updated_at"
                + " timestamptz NOT NULL, profile text)` of %,d rows (%s with its indexes, one on"
                + " `updated_at`) on an embedded `crm` server, mirrored to a coordinator on the"
                + " same machine. Each time is one run, end to end: a first fill is `strata apply`"
                + " creating the mirror, a refresh is the call `strata mirror refresh` makes"
                + " (planning included). \"1%% changed\": 0.5%% of the rows updated, 0.2%%"
                + " deleted, 0.3%% inserted.%n%n",
            report.get("rows").asLong(),
            megabytes(report.get("source_bytes").asLong())));
    text.append("## Refreshes\n\n");
    text.append("| | rows read | rows changed | time | rows read/s |\n");
    text.append("|---|---:|---:|---:|---:|\n");
    text.append(
        row(
            "seed 003: `CREATE MATERIALIZED VIEW` over a hand-made foreign table (fetch_size 100)",
            seed.get("create")));
    text.append(row("seed 003: plain `REFRESH MATERIALIZED VIEW`", seed.get("refresh")));
    text.append(firstFillRow("`matview`: first fill (plain REFRESH)", matview.get("first_fill")));
    text.append(row("`matview`: concurrent refresh, no change", matview.get("refresh_no_change")));
    text.append(
        row("`matview`: concurrent refresh after 1% changed", matview.get("refresh_after_change")));
    text.append(firstFillRow("`table`: first fill", table.get("first_fill")));
    text.append(row("`table`: refresh, no change", table.get("refresh_no_change")));
    text.append(row("`table`: refresh after 1% changed", table.get("refresh_after_change")));
    text.append(firstFillRow("`incremental`: first fill", incremental.get("first_fill")));
    text.append(row("`incremental`: refresh, no change", incremental.get("refresh_no_change")));
    text.append(
        row(
            "`incremental`: refresh after 1% updated (`updated_at = now()`)",
            incremental.get("refresh_after_change")));
    text.append(
        row(
            "`incremental`: the next refresh, no change",
            incremental.get("refresh_again_no_change")));
    JsonNode target = report.get("targets").get(0);
    JsonNode after = incremental.get("refresh_after_change");
    text.append(
        String.format(
            Locale.ROOT,
            "%nThe incremental refresh after 1%% updated wrote %,d rows at %,d changed rows/s."
                + " Seed's plain REFRESH / that refresh: **%.1f×** (target ≥ %.0f×: %s). The"
                + " seed's foreign table is made by hand as seed 003 does (IMPORT FOREIGN SCHEMA"
                + " through a foreign server without options), so postgres_fdw fetches 100 rows"
                + " per round trip; Strata's proxies fetch 10,000. With `lookback: 0` an"
                + " incremental refresh still reads the rows at the watermark (`>=`), here every"
                + " row of the last update, which shared one `now()`. Copies verified equal to"
                + " the source afterwards (`strata mirror verify`): matview %s, table %s,"
                + " incremental %s, replica %s.%n%n",
            after.get("rows_changed").asLong(),
            after.get("rows_changed_per_second").asLong(),
            report.get("seed_refresh_over_incremental").asDouble(),
            target.get("threshold").asDouble(),
            target.get("met").asBoolean() ? "met" : "not met",
            yesNo(matview.get("verified_equal")),
            yesNo(table.get("verified_equal")),
            yesNo(incremental.get("verified_equal")),
            yesNo(replica.get("verified_equal"))));
    text.append("## `replica`: lag under a steady insert load\n\n");
    text.append(
        String.format(
            Locale.ROOT,
            "%d clients insert one row per transaction at the source for %.0f s (%,d inserts,"
                + " %,d/s; slowest insert %d ms; %d errors); the lag is sampled every %d ms (%d"
                + " samples). Time: how long the oldest acknowledged row not yet visible on the"
                + " coordinator had been acknowledged (0 when every acknowledged row is visible)."
                + " Bytes: `pg_current_wal_lsn() - confirmed_flush_lsn` of the mirror's slot at"
                + " the source (the subscriber confirms what its own WAL has flushed).%n%n",
            replica.get("writers").asInt(),
            replica.get("load_seconds").asDouble(),
            replica.get("acknowledged_inserts").asLong(),
            replica.get("inserts_per_second").asLong(),
            replica.get("max_insert_ms").asLong(),
            replica.get("writer_errors").asLong(),
            LAG_SAMPLE_INTERVAL.toMillis(),
            replica.get("samples").asInt()));
    text.append("| lag | p50 | p95 | max |\n|---|---:|---:|---:|\n");
    JsonNode millis = replica.get("lag_ms");
    JsonNode bytes = replica.get("lag_bytes");
    text.append(
        String.format(
            Locale.ROOT,
            "| time | %.1f ms | %.1f ms | %.1f ms |%n",
            millis.get("p50").asDouble(),
            millis.get("p95").asDouble(),
            millis.get("max").asDouble()));
    text.append(
        String.format(
            Locale.ROOT,
            "| WAL | %,d bytes | %,d bytes | %,d bytes |%n%n",
            bytes.get("p50").asLong(),
            bytes.get("p95").asLong(),
            bytes.get("max").asLong()));
    text.append(
        String.format(
            Locale.ROOT,
            "Initial copy by the subscription: %.2f s from `strata apply` to ready (%,d rows)."
                + " After the load stopped the copy had every row within %.3f s; acknowledged but"
                + " missing: %d.%n%n",
            replica.get("initial_sync_seconds").asDouble(),
            replica.get("rows_after_initial_sync").asLong(),
            replica.get("catch_up_seconds_after_load").asDouble(),
            replica.get("acknowledged_but_missing").asLong()));
    text.append("## Readers during a refresh\n\n");
    text.append(
        String.format(
            Locale.ROOT,
            "The mirror is brought up to date, 1%% of the source changes, and %d readers run"
                + " `SELECT count(*)` on the mirror in a loop from 1 s before its refresh to 0.5 s"
                + " after it. Every count must be the copy's count before the refresh or after it;"
                + " a read that ended before the refresh began must see the old count, one that"
                + " began after it ended the new one.%n%n",
            readers.get("table_refresh").get("readers").asInt()));
    text.append(
        "| refresh | time | rows changed | reads during | slowest read before | slowest read"
            + " during | counts seen | other counts | out of order | errors |\n");
    text.append("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|\n");
    text.append(readersRow("`table` refresh", readers.get("table_refresh")));
    text.append(readersRow("`matview` concurrent refresh", readers.get("matview_refresh")));
    return text.toString();
  }

  private static String row(String label, JsonNode step) {
    JsonNode changed = step.get("rows_changed");
    return String.format(
        Locale.ROOT,
        "| %s | %,d | %s | %.3f s | %,d |%n",
        label,
        step.get("rows_read").asLong(),
        changed == null || changed.isNull()
            ? ""
            : String.format(Locale.ROOT, "%,d", changed.asLong()),
        step.get("seconds").asDouble(),
        step.get("rows_read_per_second").asLong());
  }

  private static String firstFillRow(String label, JsonNode step) {
    return String.format(
        Locale.ROOT,
        "| %s | %,d | %,d | %.3f s (its refresh %.3f s) | %,d |%n",
        label,
        step.get("rows_read").asLong(),
        step.get("rows").asLong(),
        step.get("apply_seconds").asDouble(),
        step.get("refresh_seconds").asDouble(),
        step.get("rows_read_per_second").asLong());
  }

  private static String readersRow(String label, JsonNode step) {
    List<String> counts = new ArrayList<>();
    step.get("counts_seen")
        .forEach(count -> counts.add(String.format(Locale.ROOT, "%,d", count.asLong())));
    JsonNode changed = step.get("rows_changed");
    return String.format(
        Locale.ROOT,
        "| %s | %.3f s | %s | %d | %.1f ms | %.1f ms | %s | %d | %d | %d |%n",
        label,
        step.get("seconds").asDouble(),
        changed.isNull()
            ? String.format(
                Locale.ROOT, "(%,d at the source)", step.get("source_change").get("total").asLong())
            : String.format(Locale.ROOT, "%,d", changed.asLong()),
        step.get("reads_during_refresh").asLong(),
        step.get("max_read_ms_before_refresh").asDouble(),
        step.get("max_read_ms_during_refresh").asDouble(),
        String.join(" · ", counts),
        step.get("reads_with_another_count").asLong(),
        step.get("reads_with_a_count_out_of_order").asLong(),
        step.get("reader_errors").asLong());
  }

  private static String yesNo(JsonNode value) {
    return value.asBoolean() ? "yes" : "**no**";
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
  }
}
