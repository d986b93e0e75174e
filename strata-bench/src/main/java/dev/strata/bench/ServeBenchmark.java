package dev.strata.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.cli.StrataCli;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.server.ServeOptions;
import dev.strata.server.StrataService;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code strata serve} measured: scrape latency and CPU with N partitions (most of them foreign,
 * spread over M archive servers), from the snapshot the service reads in the background; how long
 * that read takes; and the takeover time after the leader is killed with SIGKILL, two real serve
 * processes at the default {@code takeover: 15s}, K times.
 *
 * <p>Usage: {@code ServeBenchmark [--partitions N] [--servers M] [--takeovers K] [--out DIR]}.
 */
public final class ServeBenchmark {
  static final String USAGE =
      "usage: ServeBenchmark [--partitions N] [--servers M] [--takeovers K] [--out DIR]\n"
          + "  --partitions N  daily partitions of the table (default 1000; 90% archived)\n"
          + "  --servers M     archive servers (default 10)\n"
          + "  --takeovers K   leader kills measured (default 5)\n"
          + "  --out DIR       where serve.json and serve.md go (default bench/results)";

  record Options(int partitions, int servers, int takeovers, Path out) {
    static Options parse(String... args) {
      int partitions = 1000;
      int servers = 10;
      int takeovers = 5;
      Path out = Path.of("bench", "results");
      for (OptionReader options = new OptionReader(args); options.next(); ) {
        switch (options.option()) {
          case "--partitions" -> partitions = (int) options.wholeNumber("a number of partitions");
          case "--servers" -> servers = (int) options.wholeNumber("a number of servers");
          case "--takeovers" -> takeovers = (int) options.wholeNumber("a number of takeovers");
          case "--out" -> out = Path.of(options.value());
          default -> throw options.unknownOption();
        }
      }
      if (partitions < 10 || servers < 1 || takeovers < 1) {
        throw new IllegalArgumentException(
            "--partitions at least 10, --servers and --takeovers at least 1");
      }
      return new Options(partitions, servers, takeovers, out);
    }
  }

  private static final int SCRAPES = 200;
  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  private final Options options;
  private final ProgressLog progress = new ProgressLog(System.out);
  private final HttpClient http = HttpClient.newHttpClient();

  private ServeBenchmark(Options options) {
    this.options = options;
  }

  public static void main(String[] args) {
    BenchmarkRun.main(
        args, USAGE, Options::parse, "serve benchmark", o -> new ServeBenchmark(o).run());
  }

  private void run() throws Exception {
    Path directory = Files.createTempDirectory("strata-serve-bench");
    String loadAtStart = BenchmarkSupport.loadAverage();
    List<ServerSpec> specs = new ArrayList<>();
    specs.add(ServerSpec.of("main", "appdb"));
    for (int i = 1; i <= options.servers(); i++) {
      specs.add(ServerSpec.of("archive" + i, "archive_db"));
    }
    try (LocalServers servers = LocalServers.start(directory, false, specs)) {
      LocalServer main = servers.server("main");
      Map<String, LocalServer> archives = new LinkedHashMap<>();
      for (int i = 1; i <= options.servers(); i++) {
        archives.put("archive" + i, servers.server("archive" + i));
      }
      progress.say((options.servers() + 1) + " servers started");
      Path file =
          BenchmarkSupport.writeConfig(
              directory, "# strata.yaml of bench/run-serve.sh\n", main, archives);
      Files.writeString(
          file,
          "tables:\n  events: { partition_by: { column: at, interval: 1 day }, premake: 1 }\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.APPEND);
      StrataConfig config = BenchmarkSupport.loadConfig(file, progress::say);
      Connections connections = new Connections(config);
      BenchmarkSupport.applyForeignServers(connections, config, applied -> {});
      int foreign = layout(main, archives);
      progress.say(options.partitions() + " partitions, " + foreign + " of them foreign");

      ObjectNode report = JsonNodeFactory.instance.objectNode();
      report.put("benchmark", "serve");
      report.put("date", BenchmarkSupport.utcTimestamp());
      report.put("strata_revision", BenchmarkSupport.revision());
      report.put(
          "command",
          "bench/run-serve.sh --partitions "
              + options.partitions()
              + " --servers "
              + options.servers()
              + " --takeovers "
              + options.takeovers());
      report.put("load_average_at_start", loadAtStart);
      report.set("machine", BenchmarkSupport.machine(main, List.of("shared_buffers")));
      report.put("partitions", options.partitions());
      report.put("foreign_partitions", foreign);
      report.put("servers", options.servers());
      report.set("scrape", scrapes(connections));
      report.set("takeover", takeovers(file, main));
      report.put("load_average_at_end", BenchmarkSupport.loadAverage());
      write(report);
    }
  }

  /** Daily partitions from 2024-01-01; the oldest 90% foreign, spread over the servers in runs. */
  private int layout(LocalServer main, Map<String, LocalServer> archives) throws Exception {
    int foreign = options.partitions() * 9 / 10;
    List<String> names = new ArrayList<>(archives.keySet());
    int perServer = (foreign + names.size() - 1) / names.size();
    Map<String, StringBuilder> remote = new LinkedHashMap<>();
    StringBuilder local =
        new StringBuilder(
            "CREATE TABLE events (id bigint NOT NULL, at timestamp NOT NULL, body text)"
                + " PARTITION BY RANGE (at);\n");
    LocalDate day = LocalDate.parse("2024-01-01");
    for (int i = 0; i < options.partitions(); i++, day = day.plusDays(1)) {
      String name = "events_" + day.toString().replace('-', '_');
      String bound = "FOR VALUES FROM ('" + day + "') TO ('" + day.plusDays(1) + "')";
      String rows =
          "SELECT g, '"
              + day
              + "'::timestamp + g * interval '1 second', 'row' FROM"
              + " generate_series(1, 100) g";
      if (i < foreign) {
        String server = names.get(i / perServer);
        remote
            .computeIfAbsent(server, s -> new StringBuilder())
            .append("CREATE TABLE ")
            .append(name)
            .append(" (id bigint NOT NULL, at timestamp NOT NULL, body text);\n")
            .append("INSERT INTO ")
            .append(name)
            .append(' ')
            .append(rows)
            .append(";\nANALYZE ")
            .append(name)
            .append(";\n");
        local
            .append("CREATE FOREIGN TABLE ")
            .append(name)
            .append(" PARTITION OF events ")
            .append(bound)
            .append(" SERVER ")
            .append(server)
            .append(" OPTIONS (schema_name 'public', table_name '")
            .append(name)
            .append("');\n");
      } else {
        local
            .append("CREATE TABLE ")
            .append(name)
            .append(" PARTITION OF events ")
            .append(bound)
            .append(";\nINSERT INTO events ")
            .append(rows)
            .append(";\n");
      }
    }
    for (Map.Entry<String, StringBuilder> entry : remote.entrySet()) {
      run(archives.get(entry.getKey()), entry.getValue().toString());
    }
    run(main, local + "CREATE TABLE events_default PARTITION OF events DEFAULT;\nANALYZE events;");
    return foreign;
  }

  private static void run(LocalServer server, String script) throws Exception {
    try (Connection connection = server.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(script);
    }
  }

  private ObjectNode scrapes(Connections connections) throws Exception {
    ServeOptions serve =
        new ServeOptions(
            "127.0.0.1",
            0,
            Duration.ofHours(1),
            Duration.ofHours(1),
            Duration.ofSeconds(15),
            Duration.ofSeconds(30),
            Clock.systemUTC(),
            Optional.empty(),
            Optional.empty());
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    long started = System.nanoTime();
    try (StrataService service = new StrataService(connections, serve).start()) {
      String base = "http://127.0.0.1:" + service.port();
      while (get(base + "/readyz").statusCode() != 200) {
        Thread.sleep(20);
      }
      result.put("first_snapshot_ready_ms", (System.nanoTime() - started) / 1_000_000);
      result.put("snapshot_read_ms", service.lastSnapshotDuration().toMillis());
      String metrics = get(base + "/metrics").body();
      result.put("metrics_bytes", metrics.length());
      result.put("metrics_samples", metrics.lines().filter(l -> !l.startsWith("#")).count());
      BenchmarkSupport.waitForQuietMachine(
          Duration.ofMinutes(2),
          Duration.ofSeconds(5),
          (load, threshold) ->
              "waiting for a quieter machine (load " + load + ", want below " + threshold + ")",
          progress::say);
      for (String path : List.of("/metrics", "/api/v1/dashboard", "/api/v1/status")) {
        for (int i = 0; i < 10; i++) {
          get(base + path);
        }
        var cpu =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = cpu.getProcessCpuTime();
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < SCRAPES; i++) {
          long t = System.nanoTime();
          HttpResponse<String> response = get(base + path);
          millis.add((System.nanoTime() - t) / 1e6);
          if (response.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + response.statusCode());
          }
        }
        double cpuMillis = (cpu.getProcessCpuTime() - cpuBefore) / 1e6 / SCRAPES;
        millis.sort(Double::compare);
        ObjectNode figures = result.putObject(path);
        figures.put("requests", SCRAPES);
        figures.put("p50_ms", BenchmarkSupport.round(millis.get(SCRAPES / 2), 2));
        figures.put("p95_ms", BenchmarkSupport.round(millis.get(SCRAPES * 95 / 100), 2));
        figures.put("max_ms", BenchmarkSupport.round(millis.get(SCRAPES - 1), 2));
        figures.put("jvm_cpu_ms_per_request", BenchmarkSupport.round(cpuMillis, 2));
        progress.say(path + ": " + figures);
      }
    }
    return result;
  }

  private ObjectNode takeovers(Path config, LocalServer main) throws Exception {
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result.put("takeover_setting_ms", 15_000);
    ArrayNode runs = result.putArray("runs_ms");
    List<Double> measured = new ArrayList<>();
    Path directory = config.getParent();
    for (int run = 1; run <= options.takeovers(); run++) {
      Path leaderLog = directory.resolve("leader-" + run + ".log");
      Path followerLog = directory.resolve("follower-" + run + ".log");
      Process leader = serve(config, leaderLog);
      Process follower = null;
      try {
        int leaderPort = port(leaderLog);
        awaitLeader(leaderPort, true, Duration.ofSeconds(60));
        follower = serve(config, followerLog);
        int followerPort = port(followerLog);
        awaitLeader(followerPort, false, Duration.ofSeconds(60));
        long killed = System.nanoTime();
        leader.destroyForcibly();
        awaitLeader(followerPort, true, Duration.ofSeconds(60));
        double millis = (System.nanoTime() - killed) / 1e6;
        measured.add(millis);
        runs.add(Math.round(millis));
        progress.say("takeover " + run + ": " + Math.round(millis) + " ms after kill -9");
      } finally {
        leader.destroyForcibly();
        if (follower != null) {
          follower.destroy();
          if (!follower.waitFor(30, TimeUnit.SECONDS)) {
            follower.destroyForcibly();
          }
        }
        leader.waitFor(30, TimeUnit.SECONDS);
      }
    }
    result.put("median_ms", Math.round(BenchmarkSupport.median(measured)));
    return result;
  }

  private Process serve(Path config, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        List.of(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            StrataCli.class.getName(),
            "serve",
            "-c",
            config.toString(),
            "--listen",
            "127.0.0.1:0",
            "--apply-every",
            "1h",
            "--doctor-every",
            "1h");
    File file = log.toFile();
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(file).start();
  }

  private static int port(Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)) {
        Matcher matcher = LISTENING.matcher(Files.readString(log));
        if (matcher.find()) {
          return Integer.parseInt(matcher.group(1));
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("strata serve did not start: " + Files.readString(log));
  }

  private void awaitLeader(int port, boolean leader, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    String wanted = "\"leader\" : " + leader;
    while (System.nanoTime() < deadline) {
      try {
        if (get("http://127.0.0.1:" + port + "/api/v1/leader").body().contains(wanted)) {
          return;
        }
      } catch (java.io.IOException e) {
        // Not answering yet.
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("port " + port + " never said " + wanted);
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void write(ObjectNode report) throws Exception {
    Files.createDirectories(options.out());
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(options.out().resolve("serve.json").toFile(), report);
    StringBuilder md = new StringBuilder("# strata serve benchmark\n\n");
    md.append(
        ReportHeader.runParagraph(
            report, ReportHeader.postgresqlRelease(report), "", "serve.json"));
    md.append("| request | p50 | p95 | max | JVM CPU per request |\n|---|---:|---:|---:|---:|\n");
    var scrape = report.get("scrape");
    for (String path : List.of("/metrics", "/api/v1/dashboard", "/api/v1/status")) {
      var f = scrape.get(path);
      md.append(
          String.format(
              "| `GET %s` | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n",
              path,
              f.get("p50_ms").asDouble(),
              f.get("p95_ms").asDouble(),
              f.get("max_ms").asDouble(),
              f.get("jvm_cpu_ms_per_request").asDouble()));
    }
    md.append(
        String.format(
            "%nThe background snapshot behind them (status of every partition and server, the"
                + " plan, probes) took %d ms; the first was ready %d ms after start. /metrics"
                + " held %d samples.%n%n",
            scrape.get("snapshot_read_ms").asLong(),
            scrape.get("first_snapshot_ready_ms").asLong(),
            scrape.get("metrics_samples").asLong()));
    var takeover = report.get("takeover");
    md.append(
        String.format(
            "Takeover after `kill -9` of the leader (two `strata serve` processes, `takeover:"
                + " 15s`): median %d ms; runs %s ms.%n",
            takeover.get("median_ms").asLong(), takeover.get("runs_ms").toString()));
    Files.writeString(options.out().resolve("serve.md"), md.toString(), StandardCharsets.UTF_8);
    System.out.println(md);
  }
}
