package dev.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.strata.connect.Connections;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped alert rules and Grafana dashboard load, and every metric they use is one a running
 * service exposes (read from a live scrape, after a doctor run and an archive).
 */
class DeployFilesTest {
  private static final Pattern METRIC = Pattern.compile("\\bstrata_[a-z_]+");

  static final String DATABASE = "deploy_files_test";
  static dev.strata.config.StrataConfig config;

  /**
   * A deployment with something behind every metric: a partitioned table with rows, a mirror of a
   * table on the archive server, all made by apply.
   */
  @BeforeAll
  static void setUp() throws Exception {
    var servers = dev.strata.testkit.SharedServers.get();
    var main = servers.server(dev.strata.testkit.SharedServers.MAIN);
    var archive = servers.server(dev.strata.testkit.SharedServers.ARCHIVE_A);
    dev.strata.testkit.SharedServers.freshDatabase(dev.strata.testkit.SharedServers.MAIN, DATABASE);
    dev.strata.testkit.SharedServers.freshDatabase(
        dev.strata.testkit.SharedServers.ARCHIVE_A, DATABASE);
    execute(
        archive,
        "CREATE TABLE customers (id int PRIMARY KEY, name text)",
        "INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g");
    execute(
        main,
        "CREATE TABLE events (id int NOT NULL, at timestamp NOT NULL) PARTITION BY RANGE (at)",
        "CREATE TABLE events_2020_01 PARTITION OF events"
            + " FOR VALUES FROM ('2020-01-01') TO ('2020-02-01')",
        "INSERT INTO events SELECT g, '2020-01-02' FROM generate_series(1, 100) g");
    config =
        dev.strata.config.ConfigLoader.builder()
            .environment(java.util.Map.of())
            .build()
            .loadText(
                dev.strata.testkit.StrataYaml.coordinator(main, DATABASE)
                    + "servers:\n"
                    + dev.strata.testkit.StrataYaml.server("archive_a", archive, DATABASE)
                    + "tables:\n"
                    + "  events: { partition_by: { column: at, interval: 1 month }, premake: 1 }\n"
                    + "mirrors:\n"
                    + "  ref.customers: { from: archive_a, table: customers, refresh: 1 h }\n",
                "strata.yaml")
            .config();
    new dev.strata.plan.LifecycleExecutor(
            new Connections(config), dev.strata.operation.MoveProgress.NONE)
        .apply(
            java.time.LocalDateTime.now(java.time.ZoneOffset.UTC).withNano(0),
            Set.of(),
            plan -> {},
            action -> {});
    execute(
        main,
        "INSERT INTO events SELECT g, now() FROM generate_series(1, 500) g",
        "ANALYZE events");
  }

  static void execute(dev.strata.testkit.LocalServer server, String... statements)
      throws java.sql.SQLException {
    try (var connection = server.connect(DATABASE);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  @Test
  void theAlertRulesAndTheDashboardUseOnlyMetricsTheServiceExposes() throws Exception {
    JsonNode alerts =
        new ObjectMapper(new YAMLFactory())
            .readTree(Files.readString(Path.of("..", "deploy", "prometheus", "alerts.yml")));
    List<String> expressions = new ArrayList<>();
    for (JsonNode group : alerts.get("groups")) {
      for (JsonNode rule : group.get("rules")) {
        assertThat(rule.get("alert").asText()).startsWith("Strata");
        assertThat(rule.get("annotations").get("description").asText()).isNotBlank();
        expressions.add(rule.get("expr").asText());
      }
    }
    JsonNode dashboard =
        new ObjectMapper()
            .readTree(Files.readString(Path.of("..", "deploy", "grafana", "strata.json")));
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        expressions.add(target.get("expr").asText());
      }
    }
    Set<String> used = new TreeSet<>();
    for (String expression : expressions) {
      Matcher matcher = METRIC.matcher(expression);
      while (matcher.find()) {
        used.add(matcher.group());
      }
    }
    assertThat(used).contains("strata_server_up", "strata_doctor_findings", "strata_leader");

    try (StrataService service =
        new StrataService(new Connections(config), StrataServiceTest.options()).start()) {
      StrataServiceTest.await(
          "a doctor run by the leader",
          () -> {
            try {
              return StrataServiceTest.get(service, "/metrics")
                  .body()
                  .contains("strata_doctor_findings{");
            } catch (Exception e) {
              return false;
            }
          });
      StrataServiceTest.await(
          "a scheduled run counted",
          () -> {
            try {
              return StrataServiceTest.get(service, "/metrics")
                  .body()
                  .contains("strata_service_runs_total{");
            } catch (Exception e) {
              return false;
            }
          });
      // An operation that finishes while the service runs: its duration and rows are counted.
      new dev.strata.operation.PartitionMover(
              new Connections(config), dev.strata.operation.MoveProgress.NONE)
          .archive(
              dev.strata.sql.QualifiedName.of("public", "events"),
              dev.strata.sql.QualifiedName.of("public", "events_2020_01"),
              "archive_a",
              1);
      StrataServiceTest.await(
          "the archive counted",
          () -> {
            try {
              return StrataServiceTest.get(service, "/metrics")
                  .body()
                  .contains("strata_operation_duration_seconds_bucket{");
            } catch (Exception e) {
              return false;
            }
          });
      Set<String> exposed =
          PrometheusText.parse(StrataServiceTest.get(service, "/metrics").body()).keySet().stream()
              .map(sample -> sample.replaceAll("\\{.*", ""))
              .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
      assertThat(exposed).containsAll(used);
    }
  }
}
