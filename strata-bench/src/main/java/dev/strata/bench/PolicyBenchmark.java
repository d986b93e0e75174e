package dev.strata.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.strata.config.ConfigLoader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.health.StatusService;
import dev.strata.operation.AttachRequest;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.PartitionManager;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlan;
import dev.strata.plan.LifecyclePlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * How long {@code strata plan}, {@code strata apply} and {@code strata status} take on a large
 * layout: one table with 1,000 daily partitions, 900 of them archived over 10 servers (90 each),
 * 100 local, plus a policy (premake, hot, round-robin placement, retention). Measured: plan and
 * apply when nothing is due (the steady state a scheduled run sees), plan when ten days of work are
 * due, and status with estimates.
 *
 * <p>Usage: {@code PolicyBenchmark --partitions N --servers S --out DIR}.
 */
public final class PolicyBenchmark {
  private static final int REPEATS = 5;

  /** The settings that matter to planning and applying: memory, durability and the JIT. */
  private static final List<String> POSTGRESQL_SETTINGS =
      List.of("shared_buffers", "work_mem", "fsync", "synchronous_commit", "jit");

  public static void main(String[] args) throws Exception {
    int partitions = intArgument(args, "--partitions", 1000);
    int serverCount = intArgument(args, "--servers", 10);
    Path out = Path.of(stringArgument(args, "--out", "bench/results"));
    int local = Math.max(1, partitions / 10);
    int archived = partitions - local;
    LocalDate now = LocalDate.of(2026, 2, 1);
    LocalDate first = now.minusDays(partitions);

    List<ServerSpec> specs = new ArrayList<>();
    specs.add(ServerSpec.of("main", "appdb"));
    for (int i = 0; i < serverCount; i++) {
      specs.add(ServerSpec.of("archive_" + i, "archive_db"));
    }
    Path directory = Files.createTempDirectory("strata-policy-bench");
    long started = System.nanoTime();
    try (LocalServers servers = LocalServers.start(directory, false, specs)) {
      System.out.printf(
          Locale.ROOT, "started %d servers in %.1f s%n", specs.size(), seconds(started));
      StringBuilder yaml = new StringBuilder();
      yaml.append("coordinator: { url: \"")
          .append(servers.server("main").uri())
          .append("\", user: postgres }\n");
      yaml.append("servers:\n");
      List<String> names = new ArrayList<>();
      for (int i = 0; i < serverCount; i++) {
        String name = "archive_" + i;
        names.add(name);
        yaml.append("  ")
            .append(name)
            .append(": { url: \"")
            .append(servers.server(name).uri())
            .append("\", user: postgres }\n");
      }
      yaml.append("tables:\n  public.events:\n    partition_by: { column: at, interval: 1 day }\n")
          .append("    premake: 7\n    hot: ")
          .append(local + 1)
          .append(" days\n")
          .append("    archive_to: [")
          .append(String.join(", ", names))
          .append("]\n")
          .append("    retention: ")
          .append(partitions + 100)
          .append(" days\n");
      Path configFile = directory.resolve("strata.yaml");
      Files.writeString(configFile, yaml.toString(), StandardCharsets.UTF_8);
      StrataConfig config = ConfigLoader.builder().build().load(configFile).config();
      Connections connections = new Connections(config);

      long setup = System.nanoTime();
      new LifecycleExecutor(connections, MoveProgress.NONE)
          .apply(now.atStartOfDay(), Set.of("server"), plan -> {}, action -> {});
      LocalServer main = servers.server("main");
      try (Connection connection = main.connect();
          Statement statement = connection.createStatement()) {
        statement.execute(
            "CREATE TABLE events (id bigint NOT NULL, at timestamp NOT NULL, v text) PARTITION BY RANGE (at)");
        for (int day = archived; day < partitions; day++) {
          LocalDate date = first.plusDays(day);
          statement.execute(
              "CREATE TABLE events_"
                  + date.toString().replace("-", "_")
                  + " PARTITION OF events FOR VALUES FROM ('"
                  + date
                  + "') TO ('"
                  + date.plusDays(1)
                  + "')");
        }
        statement.execute(
            "INSERT INTO events SELECT g, timestamp '"
                + first.plusDays(archived)
                + "' + g * interval '1 minute', 'x'"
                + " FROM generate_series(1, "
                + (local * 1440 - 1)
                + ") g");
        statement.execute("ANALYZE events");
      }
      PartitionManager manager = new PartitionManager(connections);
      for (int s = 0; s < serverCount; s++) {
        LocalServer archive = servers.server(names.get(s));
        List<AttachRequest.Remote> remotes = new ArrayList<>();
        try (Connection connection = archive.connect();
            Statement statement = connection.createStatement()) {
          for (int day = s; day < archived; day += serverCount) {
            LocalDate date = first.plusDays(day);
            String table = "events_" + date.toString().replace("-", "_");
            statement.execute(
                "CREATE TABLE " + table + " (id bigint NOT NULL, at timestamp NOT NULL, v text)");
            statement.execute(
                "INSERT INTO "
                    + table
                    + " SELECT g, timestamp '"
                    + date
                    + "' + g * interval '1 minute', 'x' FROM generate_series(0, 99) g");
            remotes.add(
                new AttachRequest.Remote(
                    QualifiedName.of("public", table),
                    date.toString(),
                    date.plusDays(1).toString(),
                    Optional.empty()));
          }
          statement.execute("ANALYZE");
        }
        manager.attach(
            manager.planAttach(
                new AttachRequest(
                    QualifiedName.of("public", "events"), names.get(s), remotes, true)));
      }
      // Reach the steady state: premade future days.
      new LifecycleExecutor(connections, MoveProgress.NONE)
          .apply(now.atStartOfDay(), Set.of(), plan -> {}, action -> {});
      System.out.printf(
          Locale.ROOT,
          "layout of %d partitions over %d servers built in %.1f s%n",
          partitions,
          serverCount,
          seconds(setup));

      LifecyclePlanner planner = new LifecyclePlanner(connections);
      LocalDateTime steady = now.atStartOfDay();
      Map<String, Object> results = new LinkedHashMap<>();
      int[] steadyActions = new int[1];
      results.put(
          "plan_nothing_due_ms",
          time(
              () -> {
                LifecyclePlan plan = planner.plan(steady);
                steadyActions[0] = plan.actions().size();
                return plan;
              }));
      results.put("plan_nothing_due_actions", steadyActions[0]);
      results.put(
          "apply_nothing_due_ms",
          time(
              () ->
                  new LifecycleExecutor(connections, MoveProgress.NONE)
                      .apply(steady, Set.of(), plan -> {}, action -> {})));
      LocalDateTime later = steady.plusDays(10);
      int[] dueActions = new int[1];
      results.put(
          "plan_ten_days_due_ms",
          time(
              () -> {
                LifecyclePlan plan = planner.plan(later);
                dueActions[0] = plan.actions().size();
                return plan;
              }));
      results.put("plan_ten_days_due_actions", dueActions[0]);
      results.put(
          "status_estimates_ms",
          time(
              () ->
                  new StatusService(connections)
                      .status(Optional.of(QualifiedName.of("public", "events")), false)));

      Map<String, Object> document = new LinkedHashMap<>();
      document.put("benchmark", "policy");
      document.put("date", BenchmarkSupport.utcTimestamp());
      document.put("partitions", partitions);
      document.put("archived_partitions", archived);
      document.put("local_partitions", local);
      document.put("servers", serverCount);
      document.put("machine", BenchmarkSupport.machine(main, POSTGRESQL_SETTINGS));
      document.put("revision", BenchmarkSupport.revision());
      document.put("repeats", REPEATS);
      document.put(
          "statistic",
          "median of "
              + REPEATS
              + " runs after one warm-up, milliseconds, in-process (no JVM start)");
      document.put("results", results);
      Files.createDirectories(out);
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(out.resolve("policy.json").toFile(), document);
      String markdown =
          "# Policy benchmark\n\n"
              + String.format(
                  Locale.ROOT,
                  "One table with %,d daily partitions: %,d archived over %d servers, %,d local; a policy with premake 7, hot,"
                      + " round-robin `archive_to` over the %d servers, and retention. Embedded servers on one machine"
                      + " (%d cores); median of %d runs after a warm-up, in-process (a CLI run adds about 0.5 s of JVM start)."
                      + " Produced by `bench/run-policy.sh`; figures in [policy.json](policy.json).%n%n",
                  partitions,
                  archived,
                  serverCount,
                  local,
                  serverCount,
                  Runtime.getRuntime().availableProcessors(),
                  REPEATS)
              + "| operation | actions | ms |\n|---|---:|---:|\n"
              + String.format(
                  Locale.ROOT,
                  "| plan, nothing due | %d | %.0f |%n",
                  steadyActions[0],
                  (Double) results.get("plan_nothing_due_ms"))
              + String.format(
                  Locale.ROOT,
                  "| apply, nothing due | 0 | %.0f |%n",
                  (Double) results.get("apply_nothing_due_ms"))
              + String.format(
                  Locale.ROOT,
                  "| plan, ten days due | %d | %.0f |%n",
                  dueActions[0],
                  (Double) results.get("plan_ten_days_due_ms"))
              + String.format(
                  Locale.ROOT,
                  "| status (estimates, sizes from every server) | - | %.0f |%n",
                  (Double) results.get("status_estimates_ms"));
      Files.writeString(out.resolve("policy.md"), markdown, StandardCharsets.UTF_8);
      System.out.println(markdown);
    }
  }

  private static double time(Callable<?> work) throws Exception {
    work.call();
    List<Double> samples = new ArrayList<>();
    for (int i = 0; i < REPEATS; i++) {
      long started = System.nanoTime();
      work.call();
      samples.add((System.nanoTime() - started) / 1e6);
    }
    return BenchmarkSupport.round(BenchmarkSupport.median(samples), 1);
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  private static int intArgument(String[] args, String name, int fallback) {
    return Integer.parseInt(stringArgument(args, name, Integer.toString(fallback)));
  }

  private static String stringArgument(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  private PolicyBenchmark() {}
}
