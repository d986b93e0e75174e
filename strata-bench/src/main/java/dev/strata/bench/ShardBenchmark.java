package dev.strata.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.MoveResult;
import dev.strata.operation.ShardMover;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.shard.Rebalancer;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shard moves measured on embedded servers: a shard of N rows moved online (logical replication)
 * and in freeze mode (a source without logical WAL), each while two clients insert into the moving
 * shard and two into another shard through the coordinator; the same rows copied by {@code INSERT
 * ... SELECT} through postgres_fdw; and a rebalance of 8 shards from 2 servers to 4.
 *
 * <p>Usage: {@code ShardBenchmark --rows N --out DIR}.
 */
public final class ShardBenchmark {
  private static final List<String> POSTGRESQL_SETTINGS =
      List.of("shared_buffers", "wal_level", "fsync", "synchronous_commit", "max_wal_size");
  private static final QualifiedName READINGS = QualifiedName.of("public", "readings");
  private static final QualifiedName EVENTS = QualifiedName.of("public", "events");
  private static final LocalDateTime NOW = LocalDateTime.parse("2026-06-01T00:00:00");
  private static final java.util.concurrent.atomic.AtomicInteger RUNS =
      new java.util.concurrent.atomic.AtomicInteger();

  public static void main(String[] args) throws Exception {
    long rows = Long.parseLong(argument(args, "--rows", "1000000"));
    Path out = Path.of(argument(args, "--out", "bench/results"));
    Path directory = Files.createTempDirectory("strata-shard-bench");
    String loadAtStart = BenchmarkSupport.loadAverage();
    List<ServerSpec> specs =
        List.of(
            ServerSpec.of("main", "appdb"),
            ServerSpec.of("shard_a", "shard_db"),
            ServerSpec.of("shard_b", "shard_db"),
            ServerSpec.of("shard_c", "shard_db"),
            ServerSpec.of("shard_d", "shard_db"),
            ServerSpec.of("plain", "shard_db").with("wal_level", "replica"));
    try (LocalServers servers = LocalServers.start(directory, false, specs)) {
      LocalServer main = servers.server("main");
      say("servers started");
      Path configFile = config(directory, servers, "[shard_a, plain]", "[shard_a, shard_b]");
      StrataConfig config = BenchmarkSupport.loadConfig(configFile, ShardBenchmark::say);
      Connections connections = new Connections(config);
      BenchmarkSupport.execute(
          main,
          "CREATE TABLE readings (id bigint NOT NULL, reading_date date NOT NULL, city text NOT"
              + " NULL, temp numeric) PARTITION BY HASH (city)",
          "CREATE TABLE events (id bigint NOT NULL, at timestamp NOT NULL, city text NOT NULL,"
              + " payload text) PARTITION BY HASH (city)");
      new LifecycleExecutor(connections, MoveProgress.NONE)
          .apply(NOW, Set.of(), plan -> {}, action -> {});
      say("shards created");

      // Two shards of `rows` rows each: shard 0 on shard_a (logical WAL), shard 1 on plain (not).
      List<List<String>> cities = new ArrayList<>();
      for (int remainder = 0; remainder < 2; remainder++) {
        cities.add(citiesOf(main, "readings", 2, remainder, 64));
      }
      load(servers.server("shard_a"), "readings_shard_0_of_2", cities.get(0), rows);
      load(servers.server("plain"), "readings_shard_1_of_2", cities.get(1), rows);
      say("loaded " + rows + " rows into each of the two readings shards");

      ObjectNode report = JsonNodeFactory.instance.objectNode();
      report.put("benchmark", "shard");
      report.put("date", BenchmarkSupport.utcTimestamp());
      report.put("strata_revision", BenchmarkSupport.revision());
      report.put("command", "bench/run-shard.sh --rows " + rows);
      report.put("load_average_at_start", loadAtStart);
      report.set("machine", BenchmarkSupport.machine(main, POSTGRESQL_SETTINGS));
      report.put("rows", rows);

      ObjectNode online =
          measureMove(
              main,
              connections,
              QualifiedName.of("public", "readings_shard_0_of_2"),
              "shard_b",
              cities.get(0),
              cities.get(1),
              rows);
      report.set("online_move", online);
      ObjectNode freeze =
          measureMove(
              main,
              connections,
              QualifiedName.of("public", "readings_shard_1_of_2"),
              "shard_c",
              cities.get(1),
              cities.get(0),
              rows);
      report.set("freeze_move", freeze);
      report.set("fdw_insert_select", fdwInsertSelect(servers, main, rows));
      report.set("rebalance", rebalance(servers, main, directory, rows));
      report.put("load_average_at_end", BenchmarkSupport.loadAverage());
      BenchmarkSupport.writeResults(
          out, "shard", report, ShardBenchmark::markdown, ShardBenchmark::say);
      System.out.println(markdown(report));
    } finally {
      BenchmarkSupport.deleteRecursively(directory);
    }
  }

  private static Path config(
      Path directory, LocalServers servers, String readingsOn, String eventsOn) throws Exception {
    StringBuilder yaml = new StringBuilder("# strata.yaml of bench/run-shard.sh\n");
    yaml.append("coordinator: { url: \"")
        .append(servers.server("main").uri())
        .append("\", user: postgres }\nservers:\n");
    for (String name : List.of("shard_a", "shard_b", "shard_c", "shard_d", "plain")) {
      yaml.append("  ")
          .append(name)
          .append(": { url: \"")
          .append(servers.server(name).uri())
          .append("\", user: postgres, fdw: { batch_size: 1000 } }\n");
    }
    yaml.append("tables:\n  readings:\n    shard_by: { column: city, method: hash, shards: 2 }\n")
        .append("    shards_on: ")
        .append(readingsOn)
        .append("\n  events:\n    shard_by: { column: city, method: hash, shards: 8 }\n")
        .append("    shards_on: ")
        .append(eventsOn)
        .append('\n');
    Path file = directory.resolve("strata.yaml");
    Files.writeString(file, yaml.toString(), StandardCharsets.UTF_8);
    return file;
  }

  /**
   * {@code count} city names whose hash puts them in shard (modulus, remainder) of {@code table}.
   */
  private static List<String> citiesOf(
      LocalServer main, String table, int modulus, int remainder, int count) throws SQLException {
    String list =
        BenchmarkSupport.queryText(
            main,
            "SELECT string_agg(c, ',') FROM (SELECT 'city_' || g AS c FROM generate_series(0,"
                + " 100000) g WHERE satisfies_hash_partition('"
                + table
                + "'::regclass, "
                + modulus
                + ", "
                + remainder
                + ", 'city_' || g) LIMIT "
                + count
                + ") s");
    return List.of(list.split(","));
  }

  /** Rows written straight into a shard on its server (the fast way to build the layout). */
  private static void load(LocalServer server, String shard, List<String> cities, long rows)
      throws SQLException {
    BenchmarkSupport.execute(
        server,
        "INSERT INTO "
            + shard
            + " SELECT g, DATE '2016-01-01' + (g % 3650)::int, (ARRAY['"
            + String.join("','", cities)
            + "'])[1 + (g % "
            + cities.size()
            + ")::int], round((g % 400)::numeric / 10, 1) FROM generate_series(1, "
            + rows
            + ") g",
        "ANALYZE " + shard);
  }

  /** Moves {@code shard} while two clients write into it and two into another shard. */
  private static ObjectNode measureMove(
      LocalServer main,
      Connections connections,
      QualifiedName shard,
      String to,
      List<String> movingCities,
      List<String> otherCities,
      long rows)
      throws Exception {
    BenchmarkSupport.waitForQuietMachine(
        java.time.Duration.ofSeconds(60),
        java.time.Duration.ofSeconds(2),
        (load, threshold) ->
            String.format(Locale.ROOT, "waiting for load %.2f to fall below %.1f", load, threshold),
        ShardBenchmark::say);
    AtomicBoolean stop = new AtomicBoolean();
    long firstId = 10_000_000_000L + RUNS.getAndIncrement() * 1_000_000_000L;
    AtomicLong ids = new AtomicLong(firstId);
    List<Writer> moving = new ArrayList<>();
    List<Writer> others = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Writer writer = new Writer(main, i < 2 ? movingCities : otherCities, ids, stop);
      (i < 2 ? moving : others).add(writer);
      Thread thread = new Thread(writer, "bench-writer-" + i);
      threads.add(thread);
      thread.start();
    }
    Thread.sleep(1000);
    long baselineMoving = moving.stream().mapToLong(w -> w.slowest.getAndSet(0)).max().orElse(0);
    long baselineOther = others.stream().mapToLong(w -> w.slowest.getAndSet(0)).max().orElse(0);
    long started = System.nanoTime();
    MoveResult result = new ShardMover(connections, MoveProgress.NONE).move(READINGS, shard, to);
    double seconds = (System.nanoTime() - started) / 1e9;
    Thread.sleep(500);
    stop.set(true);
    for (Thread thread : threads) {
      thread.join(60_000);
    }
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("shard", shard.display());
    node.put("to", to);
    node.put("seconds", BenchmarkSupport.round(seconds, 2));
    node.put("rows_per_second", Math.round(rows / seconds));
    node.put("copy_seconds", BenchmarkSupport.round(result.copy().toNanos() / 1e9, 3));
    node.put("cutover_seconds", BenchmarkSupport.round(result.verify().toNanos() / 1e9, 3));
    node.put("swap_seconds", BenchmarkSupport.round(result.swap().toNanos() / 1e9, 3));
    node.put(
        "max_insert_ms_moving_shard",
        moving.stream().mapToLong(w -> w.slowest.get()).max().orElse(0));
    node.put(
        "max_insert_ms_other_shard",
        others.stream().mapToLong(w -> w.slowest.get()).max().orElse(0));
    node.put("baseline_max_insert_ms_moving_shard", baselineMoving);
    node.put("baseline_max_insert_ms_other_shard", baselineOther);
    node.put("retries_moving_shard", moving.stream().mapToLong(w -> w.retries.get()).sum());
    node.put(
        "acknowledged_inserts",
        moving.stream().mapToLong(w -> w.acknowledged.get()).sum()
            + others.stream().mapToLong(w -> w.acknowledged.get()).sum());
    long errors =
        moving.stream().mapToLong(w -> w.errors.get()).sum()
            + others.stream().mapToLong(w -> w.errors.get()).sum();
    node.put("errors", errors);
    long lost =
        BenchmarkSupport.queryLong(
            main,
            "SELECT "
                + (moving.stream().mapToLong(w -> w.acknowledged.get()).sum()
                    + others.stream().mapToLong(w -> w.acknowledged.get()).sum())
                + " - count(*) FROM readings WHERE id > "
                + firstId
                + " AND id < "
                + (firstId + 1_000_000_000L));
    node.put("acknowledged_but_missing", lost);
    say("moved " + shard.display() + " to " + to + ": " + node);
    return node;
  }

  /** The same number of rows copied by INSERT ... SELECT through postgres_fdw, server to server. */
  private static ObjectNode fdwInsertSelect(LocalServers servers, LocalServer main, long rows)
      throws SQLException {
    BenchmarkSupport.execute(
        servers.server("shard_d"),
        "CREATE TABLE fdw_copy (id bigint NOT NULL, reading_date date NOT NULL, city text NOT"
            + " NULL, temp numeric)");
    BenchmarkSupport.execute(
        main,
        "CREATE FOREIGN TABLE fdw_copy (id bigint NOT NULL, reading_date date NOT NULL, city text"
            + " NOT NULL, temp numeric) SERVER shard_d OPTIONS (table_name 'fdw_copy')");
    long started = System.nanoTime();
    BenchmarkSupport.execute(main, "INSERT INTO fdw_copy SELECT * FROM readings_shard_0_of_2");
    double seconds = (System.nanoTime() - started) / 1e9;
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("seconds", BenchmarkSupport.round(seconds, 2));
    node.put("rows_per_second", Math.round(rows / seconds));
    say("INSERT ... SELECT through postgres_fdw: " + node);
    return node;
  }

  /** 8 shards on 2 servers, then shards_on grows to 4 and rebalance runs. */
  private static ObjectNode rebalance(
      LocalServers servers, LocalServer main, Path directory, long rows) throws Exception {
    long perShard = Math.max(1, rows / 8);
    for (int remainder = 0; remainder < 8; remainder++) {
      String server = remainder % 2 == 0 ? "shard_a" : "shard_b";
      load(
          servers.server(server),
          "events_shard_" + remainder + "_of_8",
          citiesOf(main, "events", 8, remainder, 16),
          perShard,
          true);
    }
    Path configFile =
        config(directory, servers, "[shard_a, plain]", "[shard_a, shard_b, shard_c, shard_d]");
    Connections connections =
        new Connections(BenchmarkSupport.loadConfig(configFile, ShardBenchmark::say));
    BenchmarkSupport.waitForQuietMachine(
        java.time.Duration.ofSeconds(60),
        java.time.Duration.ofSeconds(2),
        (load, threshold) ->
            String.format(Locale.ROOT, "waiting for load %.2f to fall below %.1f", load, threshold),
        ShardBenchmark::say);
    long started = System.nanoTime();
    Rebalancer.Plan plan = new Rebalancer(connections).plan(EVENTS, Rebalancer.By.SIZE);
    for (Rebalancer.Move move : plan.moves()) {
      new ShardMover(connections, MoveProgress.NONE).move(EVENTS, move.shard(), move.to());
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("shards", 8);
    node.put("rows", perShard * 8);
    node.put("moves", plan.moves().size());
    node.put("bytes_moved", plan.bytesMoved());
    node.put("lower_bound_bytes", plan.lowerBound());
    node.put("seconds", BenchmarkSupport.round(seconds, 2));
    ObjectNode after = node.putObject("bytes_per_server_after");
    plan.after().forEach(after::put);
    Rebalancer.Plan again = new Rebalancer(connections).plan(EVENTS, Rebalancer.By.SIZE);
    node.put("moves_planned_afterwards", again.moves().size());
    say("rebalance: " + node);
    return node;
  }

  private static void load(
      LocalServer server, String shard, List<String> cities, long rows, boolean events)
      throws SQLException {
    BenchmarkSupport.execute(
        server,
        "INSERT INTO "
            + shard
            + " SELECT g, TIMESTAMP '2026-01-01' + g * INTERVAL '1 second', (ARRAY['"
            + String.join("','", cities)
            + "'])[1 + (g % "
            + cities.size()
            + ")::int], md5(g::text) FROM generate_series(1, "
            + rows
            + ") g",
        "ANALYZE " + shard);
  }

  /** Inserts one row per transaction through the coordinator; retries one refused with 40001. */
  private static final class Writer implements Runnable {
    final LocalServer main;
    final List<String> cities;
    final AtomicLong ids;
    final AtomicBoolean stop;
    final AtomicLong slowest = new AtomicLong();
    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong errors = new AtomicLong();

    Writer(LocalServer main, List<String> cities, AtomicLong ids, AtomicBoolean stop) {
      this.main = main;
      this.cities = cities;
      this.ids = ids;
      this.stop = stop;
    }

    @Override
    public void run() {
      try (Connection connection = main.connect();
          PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO readings VALUES (?, DATE '2026-01-01', ?, 1)")) {
        int i = 0;
        while (!stop.get()) {
          long id = ids.incrementAndGet();
          insert.setLong(1, id);
          insert.setString(2, cities.get(i++ % cities.size()));
          long began = System.nanoTime();
          while (true) {
            try {
              insert.executeUpdate();
              acknowledged.incrementAndGet();
              break;
            } catch (SQLException e) {
              if (!"40001".equals(e.getSQLState())) {
                errors.incrementAndGet();
                break;
              }
              retries.incrementAndGet();
              Thread.sleep(2);
            }
          }
          slowest.accumulateAndGet((System.nanoTime() - began) / 1_000_000, Math::max);
        }
      } catch (SQLException e) {
        errors.incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static String markdown(JsonNode report) {
    JsonNode online = report.get("online_move");
    JsonNode freeze = report.get("freeze_move");
    JsonNode fdw = report.get("fdw_insert_select");
    JsonNode rebalance = report.get("rebalance");
    StringBuilder text = new StringBuilder("# Shard benchmark\n\n");
    text.append(
        ReportHeader.runParagraph(
            report, ReportHeader.postgresqlRelease(report), "", "shard.json"));
    text.append(
        String.format(
            Locale.ROOT,
            "A shard of %,d rows (`readings`, hash-sharded on `city`) moved between embedded"
                + " servers on one machine while 2 clients insert into that shard and 2 into the"
                + " other shard, one row per transaction through the coordinator (a client retries"
                + " an insert refused with SQLSTATE 40001; its latency counts from the first"
                + " attempt).%n%n",
            report.get("rows").asLong()));
    text.append(
        "| | time | rows/s | writes to the moving shard: slowest insert | writes to the other"
            + " shard: slowest insert | retries | errors | acknowledged but missing |\n");
    text.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    text.append(moveRow("online move (logical replication)", online));
    text.append(moveRow("freeze mode (source without logical WAL)", freeze));
    text.append(
        String.format(
            Locale.ROOT,
            "| `INSERT ... SELECT` through postgres_fdw (batch_size 1000, no writers, no"
                + " verification) | %.2f s | %,d | | | | | |%n%n",
            fdw.get("seconds").asDouble(),
            fdw.get("rows_per_second").asLong()));
    text.append(
        String.format(
            Locale.ROOT,
            "Online move: initial copy %.2f s, cut-over %.3f s (writes to the shard wait only"
                + " here), swap %.3f s. Before the move the slowest insert took %d ms (moving"
                + " shard) and %d ms (other shard).%n%n",
            online.get("copy_seconds").asDouble(),
            online.get("cutover_seconds").asDouble(),
            online.get("swap_seconds").asDouble(),
            online.get("baseline_max_insert_ms_moving_shard").asLong(),
            online.get("baseline_max_insert_ms_other_shard").asLong()));
    text.append(
        String.format(
            Locale.ROOT,
            "Rebalance of %d shards (%,d rows) from 2 servers to 4, by size: %d moves, %s moved"
                + " (no plan can move less than %s), %.1f s; a second plan moves %d shards.%n",
            rebalance.get("shards").asInt(),
            rebalance.get("rows").asLong(),
            rebalance.get("moves").asInt(),
            megabytes(rebalance.get("bytes_moved").asLong()),
            megabytes(rebalance.get("lower_bound_bytes").asLong()),
            rebalance.get("seconds").asDouble(),
            rebalance.get("moves_planned_afterwards").asInt()));
    return text.toString();
  }

  private static String moveRow(String label, JsonNode move) {
    return String.format(
        Locale.ROOT,
        "| %s | %.2f s | %,d | %d ms | %d ms | %d | %d | %d |%n",
        label,
        move.get("seconds").asDouble(),
        move.get("rows_per_second").asLong(),
        move.get("max_insert_ms_moving_shard").asLong(),
        move.get("max_insert_ms_other_shard").asLong(),
        move.get("retries_moving_shard").asLong(),
        move.get("errors").asLong(),
        move.get("acknowledged_but_missing").asLong());
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
  }

  private static void say(String message) {
    System.out.println("[shard-bench] " + message);
    System.out.flush();
  }

  private static String argument(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  private ShardBenchmark() {}
}
