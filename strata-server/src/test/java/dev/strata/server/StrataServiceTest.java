package dev.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.ConfigLoader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import dev.strata.testkit.StrataYaml;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two services against one coordinator: one leader at a time, a takeover when the leader's session
 * dies, the scheduled apply run by the leader and journaled, the read-only API and the metrics.
 */
class StrataServiceTest {
  static final String DATABASE = "strata_service_test";
  static final String MAPPING_PASSWORD = "serve-Secret-4b2";
  static LocalServer main;
  static StrataConfig config;

  @BeforeAll
  static void setUp() throws Exception {
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    servers.server(SharedServers.ARCHIVE_A).execute("DROP ROLE IF EXISTS serve_reader");
    servers.server(SharedServers.ARCHIVE_A).createRole("serve_reader", MAPPING_PASSWORD);
    try (Connection connection = main.connect(DATABASE);
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE events (id int NOT NULL, at timestamp NOT NULL) PARTITION BY RANGE (at)");
    }
    config =
        ConfigLoader.builder()
            .environment(Map.of("SERVE_READER_PASSWORD", MAPPING_PASSWORD))
            .build()
            .loadText(
                StrataYaml.coordinator(main, DATABASE)
                    + "servers:\n"
                    + StrataYaml.server(
                        "archive_a",
                        servers.server(SharedServers.ARCHIVE_A),
                        DATABASE,
                        "serve_reader",
                        "SERVE_READER_PASSWORD")
                    + "tables:\n"
                    + "  events: { partition_by: { column: at, interval: 1 month }, premake: 2 }\n",
                "strata.yaml")
            .config();
  }

  static ServeOptions options() {
    return options(java.util.Optional.empty());
  }

  static ServeOptions options(java.util.Optional<dev.strata.secret.Secret> token) {
    return new ServeOptions(
        "127.0.0.1",
        0,
        Duration.ofMillis(500),
        Duration.ofSeconds(2),
        Duration.ofMillis(900),
        Duration.ofMillis(500),
        Clock.systemUTC(),
        token,
        java.util.Optional.empty());
  }

  static HttpResponse<String> post(StrataService service, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(StrataService service, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  void oneLeaderAtATimeTakesOverWhenTheLeadersSessionDiesAndRunsTheSchedule() throws Exception {
    List<StrataService> services = new ArrayList<>();
    try {
      services.add(new StrataService(new Connections(config), options()).start());
      services.add(new StrataService(new Connections(config), options()).start());
      await("a leader is chosen", () -> services.stream().anyMatch(StrataService::isLeader));
      // Never two leaders, checked over a few seconds of ticks.
      for (int i = 0; i < 40; i++) {
        assertThat(services.stream().filter(StrataService::isLeader).count())
            .isLessThanOrEqualTo(1);
        Thread.sleep(50);
      }
      // The leader's scheduled apply premade the partitions, and the run is journaled.
      await(
          "the scheduled apply premade events' partitions",
          () ->
              query("SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass") >= 3);
      await(
          "the apply run is journaled as ok",
          () ->
              query(
                      "SELECT count(*) FROM strata.service_run WHERE kind = 'apply' AND outcome = 'ok'")
                  >= 1);

      // The leader dies (its session ends, as when its process is killed): the other takes over.
      StrataService leader =
          services.stream().filter(StrataService::isLeader).findFirst().orElseThrow();
      StrataService follower = services.stream().filter(s -> s != leader).findFirst().orElseThrow();
      long died = System.nanoTime();
      query(
          "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND"
              + " objid = (hashtextextended('strata:serve:leader', 0) & 4294967295)::oid");
      await("the follower takes over within the takeover bound", follower::isLeader);
      System.out.printf(
          "takeover after the leader's session ended: %d ms (takeover 900 ms)%n",
          (System.nanoTime() - died) / 1_000_000);
      await("the old leader steps down", () -> !leader.isLeader() || !follower.isLeader());
      assertThat(services.stream().filter(StrataService::isLeader).count()).isEqualTo(1);
    } finally {
      services.forEach(StrataService::close);
    }
  }

  @Test
  void theApiAndTheMetricsAnswerFromTheSnapshot() throws Exception {
    try (StrataService service = new StrataService(new Connections(config), options()).start()) {
      assertThat(get(service, "/healthz").statusCode()).isEqualTo(200);
      await(
          "ready",
          () -> {
            try {
              return get(service, "/readyz").statusCode() == 200;
            } catch (Exception e) {
              return false;
            }
          });
      HttpResponse<String> status = get(service, "/api/v1/status");
      assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
      assertThat(status.body())
          .contains("\"tables\"")
          .contains("\"servers\"")
          .contains("archive_a");
      assertThat(get(service, "/api/v1/leader").body()).contains("\"leader\"");
      assertThat(get(service, "/api/v1/runs").statusCode()).isEqualTo(200);
      HttpResponse<String> missing = get(service, "/api/v1/nope");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.body()).contains("no such endpoint").contains("/api/v1/status");
      HttpResponse<String> post =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + service.port() + "/api/v1/status"))
                      .POST(HttpRequest.BodyPublishers.ofString("{}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);

      HttpResponse<String> metrics = get(service, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      Map<String, Double> samples = PrometheusText.parse(metrics.body());
      assertThat(samples)
          .containsEntry("strata_server_up{server=\"archive_a\"}", 1.0)
          .containsEntry("strata_server_up{server=\"coordinator\"}", 1.0)
          .containsKey("strata_leader")
          .containsKey("strata_snapshot_age_seconds")
          .containsKey("strata_apply_last_success_timestamp_seconds");
      assertThat(samples.keySet()).anyMatch(k -> k.startsWith("strata_server_latency_seconds{"));
      assertThat(metrics.body()).doesNotContain("password");
      // No response carries the mapping's password.
      for (String path :
          List.of(
              "/api/v1/status", "/api/v1/leader", "/api/v1/runs", "/api/v1/mirrors", "/metrics")) {
        assertThat(get(service, path).body()).as(path).doesNotContain(MAPPING_PASSWORD);
      }
    }
  }

  @Test
  void mutationsNeedTheTokenRunOnTheLeaderAndAnswerBadRequestsClearly() throws Exception {
    String token = "serve-Token-91c";
    var secret =
        java.util.Optional.of(dev.strata.secret.Secret.of(token, "${env:STRATA_SERVE_TOKEN}"));
    try (StrataService readOnly = new StrataService(new Connections(config), options()).start()) {
      HttpResponse<String> refused = post(readOnly, "/api/v1/apply", token, "{}");
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body()).contains("read-only").contains("serve.token");
    }
    List<StrataService> services = new ArrayList<>();
    try {
      services.add(new StrataService(new Connections(config), options(secret)).start());
      await("leader", () -> services.get(0).isLeader());
      services.add(new StrataService(new Connections(config), options(secret)).start());
      StrataService leader = services.get(0);
      StrataService follower = services.get(1);
      Thread.sleep(700);
      assertThat(follower.isLeader()).isFalse();

      assertThat(post(leader, "/api/v1/apply", null, "{}").statusCode()).isEqualTo(401);
      HttpResponse<String> wrong = post(leader, "/api/v1/apply", "serve-Token-91d", "{}");
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(post(follower, "/api/v1/apply", token, "{}").statusCode()).isEqualTo(409);

      HttpResponse<String> unknown =
          post(leader, "/api/v1/apply", token, "{\"olny\": [\"premake\"]}");
      assertThat(unknown.statusCode()).isEqualTo(400);
      assertThat(unknown.body()).contains("unknown field \\\"olny\\\"").contains("only");
      HttpResponse<String> malformed = post(leader, "/api/v1/resume", token, "{\"operation\": ");
      assertThat(malformed.statusCode()).isEqualTo(400);
      assertThat(malformed.body()).contains("not the JSON object");
      HttpResponse<String> missing =
          post(leader, "/api/v1/archive", token, "{\"table\": \"events\"}");
      assertThat(missing.statusCode()).isEqualTo(400);
      assertThat(missing.body()).contains("\\\"partition\\\" is required");

      HttpResponse<String> applied =
          post(leader, "/api/v1/apply", token, "{\"only\": [\"premake\"]}");
      assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
      assertThat(applied.body()).contains("\"applied\"");
      HttpResponse<String> noSuchOperation =
          post(leader, "/api/v1/abort", token, "{\"operation\": 987654}");
      assertThat(noSuchOperation.statusCode()).isBetween(400, 409);
      for (HttpResponse<String> response : List.of(wrong, unknown, applied, noSuchOperation)) {
        assertThat(response.body()).doesNotContain(token);
      }
    } finally {
      services.forEach(StrataService::close);
    }
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
