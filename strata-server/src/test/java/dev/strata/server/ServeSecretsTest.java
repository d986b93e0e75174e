package dev.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.ConfigLoader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No secret leaves {@code strata serve}: with {@code log_statement = all} on every server, the
 * scheduled apply creates the user mapping (its password), a mutation runs with the bearer token,
 * and neither appears in any server's log, any endpoint's answer, the metrics, or the journal.
 */
class ServeSecretsTest {
  static final String MAPPING_PASSWORD = "serveLog-Secret-83a";
  static final String TOKEN = "serveLog-Token-19f";

  @TempDir static Path directory;

  @Test
  void neitherTheMappingPasswordNorTheTokenIsLoggedOrAnswered() throws Exception {
    try (LocalServers servers =
        LocalServers.start(
            directory,
            false,
            List.of(
                ServerSpec.of("main", "app").with("log_statement", "all"),
                ServerSpec.of("archive", "archive_db").with("log_statement", "all")))) {
      LocalServer main = servers.server("main");
      LocalServer archive = servers.server("archive");
      archive.createRole("log_reader", MAPPING_PASSWORD);
      main.execute(
          "CREATE TABLE events (id int NOT NULL, at timestamp NOT NULL) PARTITION BY RANGE (at)",
          "CREATE TABLE events_2024_01 PARTITION OF events"
              + " FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
          "INSERT INTO events SELECT g, '2024-01-02' FROM generate_series(1, 100) g");
      // The logs from here on: the role above was made by the test, with its password.
      long mainStart = Files.size(main.logFile());
      long archiveStart = Files.size(archive.logFile());
      StrataConfig config =
          ConfigLoader.builder()
              .environment(Map.of("READER_PASSWORD", MAPPING_PASSWORD, "SERVE_TOKEN", TOKEN))
              .build()
              .loadText(
                  "coordinator: { url: \""
                      + main.uri()
                      + "\", user: postgres }\n"
                      + "servers:\n"
                      + "  archive: { url: \""
                      + archive.uri()
                      + "\", user: postgres, mapping: { user: log_reader, password:"
                      + " \"${env:READER_PASSWORD}\" } }\n"
                      + "tables:\n"
                      + "  events: { partition_by: { column: at, interval: 1 month }, premake: 1 }\n"
                      + "serve: { token: \"${env:SERVE_TOKEN}\" }\n",
                  "strata.yaml")
              .config();
      ServeOptions options =
          new ServeOptions(
              "127.0.0.1",
              0,
              Duration.ofMillis(400),
              Duration.ofMillis(700),
              Duration.ofMillis(600),
              Duration.ofMillis(400),
              Clock.systemUTC(),
              config.serve().token(),
              java.util.Optional.empty());
      List<String> answers = new ArrayList<>();
      try (StrataService service = new StrataService(new Connections(config), options).start()) {
        StrataServiceTest.await(
            "the scheduled apply made the user mapping",
            () -> query(main, "SELECT count(*) FROM pg_user_mappings") >= 1);
        StrataServiceTest.await(
            "a doctor run",
            () -> {
              try {
                return StrataServiceTest.get(service, "/api/v1/doctor")
                    .body()
                    .contains("\"run\" : true");
              } catch (Exception e) {
                return false;
              }
            });
        var archived =
            StrataServiceTest.post(
                service,
                "/api/v1/archive",
                TOKEN,
                "{\"table\": \"events\", \"partition\": \"events_2024_01\", \"server\": \"archive\"}");
        assertThat(archived.statusCode()).as(archived.body()).isEqualTo(200);
        answers.add(archived.body());
        answers.add(StrataServiceTest.post(service, "/api/v1/apply", TOKEN + "x", "{}").body());
        for (String path : StrataService.READ_ENDPOINTS) {
          if (!path.equals("/api/v1/events")) {
            answers.add(StrataServiceTest.get(service, path).body());
          }
        }
      }
      // The server's own logs recorded every statement.
      String mainLog = Files.readString(main.logFile()).substring((int) mainStart);
      String archiveLog = Files.readString(archive.logFile()).substring((int) archiveStart);
      assertThat(mainLog).contains("CREATE USER MAPPING").contains("strata.operation");
      List<String> everything = new ArrayList<>(answers);
      everything.add(mainLog);
      everything.add(archiveLog);
      everything.add(text(main, "SELECT string_agg(t::text, E'\\n') FROM strata.service_run t"));
      everything.add(text(main, "SELECT string_agg(t::text, E'\\n') FROM strata.operation t"));
      everything.add(
          text(main, "SELECT string_agg(t::text, E'\\n') FROM strata.operation_event t"));
      for (String text : everything) {
        assertThat(text).doesNotContain(MAPPING_PASSWORD).doesNotContain(TOKEN);
      }
    }
  }

  static long query(LocalServer server, String sql) {
    try (Connection connection = server.connect();
        Statement statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    } catch (java.sql.SQLException e) {
      return -1;
    }
  }

  static String text(LocalServer server, String sql) throws Exception {
    try (Connection connection = server.connect();
        Statement statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      rows.next();
      return String.valueOf(rows.getString(1));
    }
  }
}
