package dev.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.ConfigLoader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.PartitionMover;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An archive server stopped with SIGSTOP (the kernel still accepts connections, nothing answers):
 * {@code strata_server_up} for it turns 0 once the snapshot's bounded probes give up, every scrape
 * and API call answers meanwhile from memory, and the server is up again after SIGCONT.
 */
class StalledServerServeTest {
  @TempDir static Path directory;

  @Test
  void aStalledServerShowsDownAndNeverBlocksAScrape() throws Exception {
    try (LocalServers servers =
        LocalServers.start(
            directory,
            false,
            List.of(ServerSpec.of("main", "app"), ServerSpec.of("archive", "archive_db")))) {
      LocalServer main = servers.server("main");
      LocalServer archive = servers.server("archive");
      main.execute(
          "CREATE TABLE events (id int NOT NULL, at timestamp NOT NULL) PARTITION BY RANGE (at)",
          "CREATE TABLE events_2024_01 PARTITION OF events"
              + " FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
          "INSERT INTO events SELECT g, '2024-01-02' FROM generate_series(1, 100) g");
      StrataConfig config =
          ConfigLoader.builder()
              .environment(Map.of())
              .build()
              .loadText(
                  "coordinator: { url: \""
                      + main.uri()
                      + "\", user: postgres }\n"
                      + "servers:\n"
                      + "  archive: { url: \""
                      + archive.uri()
                      + "\", user: postgres }\n"
                      + "timeouts: { connect: 2s, statement: 3s, lock: 2s }\n",
                  "strata.yaml")
              .config();
      Connections connections = new Connections(config);
      new LifecycleExecutor(connections, MoveProgress.NONE)
          .apply(LocalDateTime.now().withNano(0), Set.of("server"), plan -> {}, action -> {});
      new PartitionMover(connections, MoveProgress.NONE)
          .archive(
              QualifiedName.of("public", "events"),
              QualifiedName.of("public", "events_2024_01"),
              "archive",
              1);
      ServeOptions options =
          new ServeOptions(
              "127.0.0.1",
              0,
              Duration.ofHours(1),
              Duration.ofHours(1),
              Duration.ofMillis(600),
              Duration.ofMillis(500),
              Clock.systemUTC(),
              Optional.empty(),
              Optional.empty());
      HttpClient client = HttpClient.newHttpClient();
      try (StrataService service = new StrataService(connections, options).start()) {
        String up = "strata_server_up{server=\"archive\"}";
        StrataServiceTest.await("archive up", () -> sample(client, service, up) == 1.0);
        archive.pause();
        try {
          // Every request answers while the background read waits for the stalled server (each
          // request has a hang guard far above what answering from memory takes).
          long answered = 0;
          while (sample(client, service, up) != 0.0) {
            assertThat(get(client, service, "/api/v1/dashboard").statusCode()).isEqualTo(200);
            assertThat(get(client, service, "/healthz").statusCode()).isEqualTo(200);
            answered++;
            Thread.sleep(100);
            assertThat(answered).as("the stalled server shows down in time").isLessThan(600);
          }
          assertThat(get(client, service, "/api/v1/status").body())
              .contains("\"reachable\" : false");
        } finally {
          archive.resume();
        }
        StrataServiceTest.await("archive up again", () -> sample(client, service, up) == 1.0);
      }
    }
  }

  static double sample(HttpClient client, StrataService service, String name) {
    try {
      HttpResponse<String> response = get(client, service, "/metrics");
      assertThat(response.statusCode()).isEqualTo(200);
      return PrometheusText.parse(response.body()).getOrDefault(name, -1.0);
    } catch (Exception e) {
      throw new AssertionError("the scrape did not answer: " + e, e);
    }
  }

  static HttpResponse<String> get(HttpClient client, StrataService service, String path)
      throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
