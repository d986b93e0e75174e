package dev.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.config.ConfigLoader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import dev.strata.testkit.StrataYaml;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The schedule by an injected clock: a partition becomes due for archiving as the clock advances,
 * and the leader's scheduled apply archives it. Then what the service shows of it: the dashboard
 * document and its event stream, the operations, and the metrics of the finished operation.
 */
class ServeScheduleTest {
  static final String DATABASE = "strata_schedule_test";
  static final String MAPPING_PASSWORD = "schedule-Secret-9x1";
  static LocalServer main;
  static StrataConfig config;

  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    private final AtomicReference<Instant> now;

    MovableClock(Instant start) {
      this.now = new AtomicReference<>(start);
    }

    void set(Instant instant) {
      now.set(instant);
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @BeforeAll
  static void setUp() throws Exception {
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    servers.server(SharedServers.ARCHIVE_A).execute("DROP ROLE IF EXISTS schedule_reader");
    servers.server(SharedServers.ARCHIVE_A).createRole("schedule_reader", MAPPING_PASSWORD);
    try (Connection connection = main.connect(DATABASE);
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE events (id int NOT NULL, at timestamp NOT NULL)"
              + " PARTITION BY RANGE (at)");
      statement.execute(
          "CREATE TABLE events_2026_01 PARTITION OF events"
              + " FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')");
      statement.execute(
          "INSERT INTO events SELECT g, '2026-01-01'::timestamp + g * interval '1 minute'"
              + " FROM generate_series(1, 500) g");
    }
    config =
        ConfigLoader.builder()
            .environment(Map.of("SCHEDULE_READER_PASSWORD", MAPPING_PASSWORD))
            .build()
            .loadText(
                StrataYaml.coordinator(main, DATABASE)
                    + "servers:\n"
                    + StrataYaml.server(
                        "archive_a",
                        servers.server(SharedServers.ARCHIVE_A),
                        DATABASE,
                        "schedule_reader",
                        "SCHEDULE_READER_PASSWORD")
                    + "tables:\n"
                    + "  events: { partition_by: { column: at, interval: 1 month }, premake: 1,"
                    + " hot: 3 months, archive_to: archive_a }\n",
                "strata.yaml")
            .config();
  }

  static String relkind(String table) {
    try (Connection connection = main.connect(DATABASE);
        Statement statement = connection.createStatement();
        var rows =
            statement.executeQuery(
                "SELECT relkind FROM pg_class WHERE oid = to_regclass('" + table + "')")) {
      return rows.next() ? rows.getString(1) : "";
    } catch (java.sql.SQLException e) {
      return "";
    }
  }

  @Test
  void aPartitionBecomesDueAsTheClockAdvancesAndTheLeaderArchivesIt() throws Exception {
    MovableClock clock = new MovableClock(Instant.parse("2026-03-15T12:00:00Z"));
    ServeOptions options =
        new ServeOptions(
            "127.0.0.1",
            0,
            Duration.ofMillis(300),
            Duration.ofMillis(700),
            Duration.ofMillis(450),
            Duration.ofMillis(400),
            clock,
            Optional.empty(),
            Optional.empty());
    try (StrataService service = new StrataService(new Connections(config), options).start()) {
      StrataServiceTest.await("the service leads", service::isLeader);
      // Several scheduled applies by the clock of 2026-03-15: January is younger than 3 months.
      StrataServiceTest.await(
          "two scheduled applies ran",
          () ->
              query(
                      "SELECT count(*) FROM strata.service_run WHERE kind = 'apply'"
                          + " AND outcome = 'ok'")
                  >= 2);
      assertThat(relkind("events_2026_01")).as("not due yet: still local").isEqualTo("r");
      assertThat(query("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass"))
          .as("premake made March and April")
          .isGreaterThanOrEqualTo(3);

      // The dashboard says what the next apply will do: nothing for January yet.
      JsonNode before = dashboard(service);
      assertThat(before.at("/tables/0/next").toString()).doesNotContain("events_2026_01");

      // The clock reaches June: January's range ended more than 3 months ago.
      clock.set(Instant.parse("2026-06-02T00:00:00Z"));
      StrataServiceTest.await(
          "the leader's scheduled apply archives January",
          () -> relkind("events_2026_01").equals("f"));
      assertThat(query("SELECT count(*) FROM events WHERE at < '2026-02-01'")).isEqualTo(500);

      // The dashboard document: January on archive_a, the finished operation, the tiers.
      try {
        StrataServiceTest.await(
            "the snapshot shows January archived",
            () -> tierOf(dashboard(service), "public.events_2026_01").equals("archive_a"));
      } catch (AssertionError e) {
        throw new AssertionError("dashboard: " + dashboard(service).toPrettyString(), e);
      }
      JsonNode document = dashboard(service);
      assertThat(document.at("/leader/leader").asBoolean()).isTrue();
      assertThat(document.get("tiers").toString()).contains("archive_a").contains("retired");
      JsonNode operations = get(service, "/api/v1/operations").get("operations");
      assertThat(operations.toString()).contains("\"kind\":\"archive\"").contains("\"done\"");

      // The event stream sends the same document as a state event.
      JsonNode streamed = firstEvent(service);
      assertThat(tierOf(streamed, "public.events_2026_01")).isEqualTo("archive_a");

      // Metrics: the operation's duration and rows, premake readiness, FDW sessions.
      StrataServiceTest.await(
          "the finished archive is counted",
          () ->
              metrics(service)
                      .getOrDefault(
                          "strata_operation_duration_seconds_count{kind=\"archive\",outcome=\"done\"}",
                          0.0)
                  >= 1);
      Map<String, Double> samples = metrics(service);
      assertThat(samples).containsEntry("strata_move_rows_total{kind=\"archive\"}", 500.0);
      assertThat(samples.keySet())
          .anyMatch(
              name -> name.startsWith("strata_premake_periods_ready{table=\"public.events\"}"))
          .anyMatch(
              name ->
                  name.startsWith("strata_fdw_connections{server=\"archive_a\",state=\"idle\"}"));
      assertThat(get(service, "/api/v1/plan").get("actions").isArray()).isTrue();
    }
  }

  static String tierOf(JsonNode document, String partition) {
    for (JsonNode table : document.get("tables")) {
      for (JsonNode p : table.get("partitions")) {
        if (p.get("name").asText().equals(partition)) {
          return p.get("tier").asText();
        }
      }
    }
    return "";
  }

  static JsonNode dashboard(StrataService service) {
    try {
      return get(service, "/api/v1/dashboard");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode get(StrataService service, String path) throws Exception {
    HttpResponse<String> response = StrataServiceTest.get(service, path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return new ObjectMapper().readTree(response.body());
  }

  static Map<String, Double> metrics(StrataService service) {
    try {
      return PrometheusText.parse(StrataServiceTest.get(service, "/metrics").body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads the event stream until its first state event; parses its data. */
  static JsonNode firstEvent(StrataService service) throws Exception {
    HttpResponse<java.io.InputStream> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + service.port() + "/api/v1/events"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/event-stream");
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      boolean inState = false;
      StringBuilder data = new StringBuilder();
      while ((line = reader.readLine()) != null) {
        if (line.equals("event: state")) {
          inState = true;
        } else if (inState && line.startsWith("data: ")) {
          data.append(line.substring("data: ".length())).append('\n');
        } else if (inState && line.isEmpty()) {
          return new ObjectMapper().readTree(data.toString());
        }
      }
    }
    throw new AssertionError("the stream ended before a state event");
  }

  static long query(String sql) {
    try (Connection connection = main.connect(DATABASE);
        Statement statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    } catch (java.sql.SQLException e) {
      return -1;
    }
  }
}
