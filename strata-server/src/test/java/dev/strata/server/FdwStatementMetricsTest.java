package dev.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.ConfigLoader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 002 §5.1's figures from a server with {@code pg_stat_statements} loaded: the FDW role's
 * sessions by state and its statements' calls and time, as the metrics report them; Strata's own
 * sessions and statements (another role) are not counted.
 */
class FdwStatementMetricsTest {
  @TempDir static Path directory;

  @Test
  void theFdwRolesSessionsAndStatementsAreReported() throws Exception {
    try (LocalServers servers =
        LocalServers.start(
            directory,
            false,
            List.of(
                ServerSpec.of("main", "app"),
                ServerSpec.of("archive", "archive_db")
                    .with("shared_preload_libraries", "pg_stat_statements")))) {
      LocalServer main = servers.server("main");
      LocalServer archive = servers.server("archive");
      archive.createRole("fdw_reader", "reader-Secret-71");
      archive.execute(
          "CREATE EXTENSION pg_stat_statements",
          "CREATE TABLE items (id int, name text)",
          "INSERT INTO items SELECT g, 'i' || g FROM generate_series(1, 100) g",
          "GRANT SELECT ON items TO fdw_reader");
      StrataConfig config =
          ConfigLoader.builder()
              .environment(Map.of("READER_PASSWORD", "reader-Secret-71"))
              .build()
              .loadText(
                  "coordinator: { url: \""
                      + main.uri()
                      + "\", user: postgres }\n"
                      + "servers:\n"
                      + "  archive: { url: \""
                      + archive.uri()
                      + "\", user: postgres, mapping: { user: fdw_reader, password:"
                      + " \"${env:READER_PASSWORD}\" } }\n"
                      + "security: { allow_superuser_mapping: false }\n",
                  "strata.yaml")
              .config();
      new LifecycleExecutor(new Connections(config), MoveProgress.NONE)
          .apply(LocalDateTime.now().withNano(0), Set.of("server"), plan -> {}, action -> {});
      try (Connection coordinator = main.connect();
          Statement statement = coordinator.createStatement()) {
        statement.execute(
            "CREATE FOREIGN TABLE remote_items (id int, name text) SERVER archive"
                + " OPTIONS (schema_name 'public', table_name 'items')");
        for (int i = 0; i < 5; i++) {
          statement.execute("SELECT count(*) FROM remote_items WHERE id > " + i);
        }
        // The coordinator's session keeps its FDW connection open (idle) while the service reads.
        Map<String, ServerProbes.Figures> figures =
            new ServerProbes(new Connections(config)).read();
        ServerProbes.Figures read = figures.get("archive");
        assertThat(read).as("the archive server was probed").isNotNull();
        assertThat(read.connections()).containsEntry("idle", 1L);
        assertThat(read.statements()).isPresent();
        assertThat(read.statements().get().calls()).isGreaterThanOrEqualTo(5);
        assertThat(read.statements().get().seconds()).isPositive();

        try (StrataService service =
            new StrataService(new Connections(config), StrataServiceTest.options()).start()) {
          StrataServiceTest.await(
              "the FDW statement figures in a scrape",
              () -> {
                try {
                  return StrataServiceTest.get(service, "/metrics")
                      .body()
                      .contains("strata_fdw_statement_calls_total{server=\"archive\"}");
                } catch (Exception e) {
                  return false;
                }
              });
          Map<String, Double> samples =
              PrometheusText.parse(StrataServiceTest.get(service, "/metrics").body());
          assertThat(samples.get("strata_fdw_statement_calls_total{server=\"archive\"}"))
              .isGreaterThanOrEqualTo(5.0);
          assertThat(samples)
              .containsKey("strata_fdw_statement_time_seconds_total{server=\"archive\"}")
              .containsKey("strata_fdw_statement_max_seconds{server=\"archive\"}")
              .containsEntry("strata_fdw_connections{server=\"archive\",state=\"idle\"}", 1.0);
        }
      }
    }
  }
}
