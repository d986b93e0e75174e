package dev.strata.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.catalog.CatalogReader;
import dev.strata.config.ConfigLoader;
import dev.strata.config.LoadedConfig;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.testkit.LocalServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * What every benchmark of this module needs besides its measurement: the facts about the machine
 * and the run that make a result comparable (cores, CPU, JVM, PostgreSQL and its settings, load
 * average, revision), waiting for a quiet machine, one-statement access to an embedded server, the
 * Strata config of the embedded servers, the arithmetic of the reported figures, writing the
 * results and removing the temporary directory.
 *
 * <p>Kept in one place so the benchmarks describe their runs the same way: results from different
 * benchmarks are read side by side, and a fact gathered differently in each would not compare.
 */
final class BenchmarkSupport {
  /** The system property through which bench/lib.sh passes the measured commit. */
  static final String REVISION_PROPERTY = "strata.bench.revision";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BenchmarkSupport() {}

  // The machine and the run ------------------------------------------------------------------

  /**
   * Cores, CPU model, operating system, JVM, and the PostgreSQL version and chosen settings of
   * {@code server}: what decides whether two results can be compared.
   *
   * @param settings the {@code pg_settings} names that matter to the benchmark, reported sorted
   */
  static ObjectNode machine(LocalServer server, List<String> settings) throws SQLException {
    ObjectNode machine = JsonNodeFactory.instance.objectNode();
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put("cpu", cpuModel());
    machine.put(
        "os",
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"));
    machine.put(
        "jvm",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    machine.put("postgresql", queryText(server, "SELECT version()"));
    machine.put(
        "postgresql_settings",
        queryText(
            server,
            "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)"
                + " FROM pg_settings WHERE name IN ("
                + settings.stream().map(name -> "'" + name + "'").collect(Collectors.joining(", "))
                + ")"));
    return machine;
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(line -> line.startsWith("model name"))
          .map(line -> line.substring(line.indexOf(':') + 1).strip())
          .findFirst()
          .orElse("unknown");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /**
   * The measured commit as bench/lib.sh determined it (marked when the engine has local changes),
   * or {@code unknown} when the benchmark was started some other way.
   */
  static String revision() {
    return System.getProperty(REVISION_PROPERTY, "unknown");
  }

  /** Now in UTC, to the second: when the run happened. */
  static String utcTimestamp() {
    return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** The 1, 5 and 15 minute load averages: other work on the machine skews every figure. */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static double oneMinuteLoadAverage() {
    try {
      return Double.parseDouble(
          Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** What a benchmark says, once, when it has to wait for the machine to calm down. */
  @FunctionalInterface
  interface QuietWaitAnnouncement {
    String text(double load, double threshold);
  }

  /**
   * Waits, at most {@code limit}, until the one-minute load average is below half the cores: on a
   * small machine other work skews every figure. Returns the seconds waited; where the load average
   * cannot be read, it does not wait.
   *
   * @param pollInterval how often the load average is read again
   * @param announcement what to say the first time the machine is found busy
   * @param say where the announcement goes
   */
  static double waitForQuietMachine(
      Duration limit,
      Duration pollInterval,
      QuietWaitAnnouncement announcement,
      Consumer<String> say)
      throws InterruptedException {
    long started = System.nanoTime();
    double threshold = Runtime.getRuntime().availableProcessors() / 2.0;
    boolean announced = false;
    while (System.nanoTime() - started < limit.toNanos()) {
      double load = oneMinuteLoadAverage();
      if (Double.isNaN(load) || load < threshold) {
        break;
      }
      if (!announced) {
        say.accept(announcement.text(load, threshold));
        announced = true;
      }
      Thread.sleep(pollInterval.toMillis());
    }
    return (System.nanoTime() - started) / 1e9;
  }

  // Embedded servers -------------------------------------------------------------------------

  /** Runs {@code statements} in order on one connection, in autocommit. */
  static void execute(LocalServer server, String... statements) throws SQLException {
    try (Connection connection = server.connect();
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  /** The first column of the first row, as a number. */
  static long queryLong(LocalServer server, String sql) throws SQLException {
    try (Connection connection = server.connect();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /** The first column of the first row, as text. */
  static String queryText(LocalServer server, String sql) throws SQLException {
    try (Connection connection = server.connect();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  /**
   * Writes {@code strata.yaml} into {@code directory}: {@code coordinator} and {@code servers} (by
   * their Strata names, in the map's order), all as the superuser, whom the embedded servers trust
   * on loopback, so neither connections nor user mappings need a password.
   *
   * @param comment the file's opening comment lines, each ending in a newline
   */
  static Path writeConfig(
      Path directory, String comment, LocalServer coordinator, Map<String, LocalServer> servers)
      throws IOException {
    StringBuilder yaml = new StringBuilder(comment);
    yaml.append("coordinator:\n  url: ")
        .append(coordinator.uri())
        .append("\n  user: ")
        .append(LocalServer.SUPERUSER)
        .append("\nservers:\n");
    servers.forEach(
        (name, server) ->
            yaml.append("  ")
                .append(name)
                .append(":\n    url: ")
                .append(server.uri())
                .append("\n    user: ")
                .append(LocalServer.SUPERUSER)
                .append('\n'));
    Path file = directory.resolve("strata.yaml");
    Files.writeString(file, yaml.toString(), StandardCharsets.UTF_8);
    return file;
  }

  /**
   * Loads {@code file} with an empty environment, so STRATA_* variables of the caller's shell
   * cannot change the run; each warning goes to {@code warn}.
   */
  static StrataConfig loadConfig(Path file, Consumer<String> warn) {
    LoadedConfig loaded = ConfigLoader.builder().environment(Map.of()).build().load(file);
    loaded.warnings().forEach(warning -> warn.accept("config warning: " + warning));
    return loaded.config();
  }

  /**
   * What {@code strata apply} does first: postgres_fdw, the foreign servers and the user mappings;
   * each applied action's description goes to {@code applied}.
   */
  static void applyForeignServers(
      Connections connections, StrataConfig config, Consumer<String> applied) {
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      ActionExecutor.execute(
          coordinator,
          ForeignServerPlanner.plan(config, new CatalogReader(coordinator)),
          action -> applied.accept(action.description()));
    }
  }

  // Figures ----------------------------------------------------------------------------------

  /** {@code numerator / denominator} to {@code digits} decimals, or 0 without a denominator. */
  static double ratio(double numerator, double denominator, int digits) {
    return denominator <= 0 ? 0 : round(numerator / denominator, digits);
  }

  static double round(double value, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }

  /** The middle value, or the mean of the two middle values; 0 for no values. */
  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Double> sorted = values.stream().sorted().toList();
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1
        ? sorted.get(middle)
        : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }

  /** The smallest value; 0 for no values. */
  static double min(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
  }

  /**
   * Adds a performance target (docs/architecture.md) with the measured value and whether it was
   * met.
   *
   * @param comparison {@code >=} or {@code <=}: how the measured value must compare to the
   *     threshold
   */
  static void addTarget(
      ArrayNode targets, String name, String comparison, double threshold, double measured) {
    ObjectNode target = targets.addObject();
    target.put("target", name);
    target.put("comparison", comparison);
    target.put("threshold", threshold);
    target.put("measured", measured);
    target.put("met", comparison.equals(">=") ? measured >= threshold : measured <= threshold);
  }

  static boolean allTargetsMet(ArrayNode targets) {
    return StreamSupport.stream(targets.spliterator(), false)
        .allMatch(target -> target.get("met").asBoolean());
  }

  // Results and clean-up ---------------------------------------------------------------------

  /**
   * Writes {@code NAME.json} and {@code NAME.md} into {@code directory}: the report, and the
   * Markdown that was rendered from it, so the two cannot disagree.
   */
  static void writeResults(
      Path directory,
      String name,
      JsonNode report,
      Function<JsonNode, String> markdown,
      Consumer<String> say)
      throws IOException {
    Files.createDirectories(directory);
    Path jsonFile = directory.resolve(name + ".json");
    Path markdownFile = directory.resolve(name + ".md");
    Files.writeString(jsonFile, JSON.writeValueAsString(report) + "\n", StandardCharsets.UTF_8);
    Files.writeString(markdownFile, markdown.apply(report), StandardCharsets.UTF_8);
    say.accept("wrote " + jsonFile + " and " + markdownFile);
  }

  /** Deletes {@code directory} and everything in it, as far as it can: it is temporary. */
  static void deleteRecursively(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(BenchmarkSupport::deleteQuietly);
    } catch (IOException e) {
      // Best effort: what is left is in the system's temporary directory.
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // Best effort, as above.
    }
  }
}
