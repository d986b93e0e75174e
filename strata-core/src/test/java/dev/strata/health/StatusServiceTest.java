package dev.strata.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.AttachRequest;
import dev.strata.operation.PartitionManager;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StatusServiceTest {
  static TestLayout layout;
  static StrataConfig config;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("status_service_test");
    config = layout.config();
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    layout.sql(
        layout.main(),
        "CREATE TABLE metrics (at date NOT NULL, v int) PARTITION BY RANGE (at)",
        "CREATE TABLE metrics_2025 PARTITION OF metrics FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        "INSERT INTO metrics SELECT date '2025-01-01' + g % 300, g FROM generate_series(1, 500) g");
    layout.sql(
        layout.archiveA(),
        "CREATE TABLE metrics_2024 (at date NOT NULL, v int)",
        "INSERT INTO metrics_2024 SELECT date '2024-01-01' + g % 300, g FROM generate_series(1, 300) g");
    PartitionManager manager = new PartitionManager(new Connections(config));
    manager.attach(
        manager.planAttach(
            new AttachRequest(
                QualifiedName.parse("metrics"),
                "archive_a",
                List.of(
                    new AttachRequest.Remote(
                        QualifiedName.parse("metrics_2024"),
                        "2024-01-01",
                        "2025-01-01",
                        Optional.empty())),
                true)));
  }

  @Test
  void reportsPartitionsWhereTheirRowsLiveAndEveryServer() {
    StatusReport report =
        new StatusService(new Connections(config))
            .status(Optional.of(QualifiedName.parse("metrics")), true);
    assertThat(report.tables())
        .singleElement()
        .satisfies(
            table -> {
              assertThat(table.table()).isEqualTo("public.metrics");
              assertThat(table.partitionKey()).isEqualTo("RANGE (at)");
              assertThat(table.partitions())
                  .extracting(StatusReport.PartitionStatus::name)
                  .containsExactly("public.metrics_2024", "public.metrics_2025");
              var archived = table.partitions().get(0);
              assertThat(archived.tier()).isEqualTo("archive_a");
              assertThat(archived.remoteTable()).hasValue("public.metrics_2024");
              assertThat(archived.rows()).hasValue(300);
              assertThat(archived.rowsExact()).isTrue();
              assertThat(archived.sizeBytes()).isPresent();
              var local = table.partitions().get(1);
              assertThat(local.tier()).isEqualTo("local");
              assertThat(local.rows()).hasValue(500);
            });
    assertThat(report.servers())
        .extracting(StatusReport.ServerStatus::name)
        .containsExactly("coordinator", "archive_a", "archive_b");
    assertThat(report.servers())
        .allSatisfy(
            server -> {
              assertThat(server.reachable()).isTrue();
              assertThat(server.version())
                  .hasValueSatisfying(
                      v -> assertThat(v).startsWith(layout.main().postgresVersion() + "."));
              assertThat(server.latencyMillis()).isPresent();
            });
  }

  @Test
  void reportsAnUnreachableServerAndLeavesItsFiguresUnknown() {
    String yaml = layout.yaml().replace(":" + layout.archiveA().port() + "/", ":1/");
    StrataConfig broken = TestLayout.config(yaml, java.util.Map.of());
    StatusReport report =
        new StatusService(new Connections(broken)).status(Optional.empty(), false);
    var archiveA =
        report.servers().stream()
            .filter(s -> s.name().equals("archive_a"))
            .findFirst()
            .orElseThrow();
    assertThat(archiveA.reachable()).isFalse();
    assertThat(archiveA.error())
        .hasValueSatisfying(e -> assertThat(e).contains("cannot connect to server archive_a"));
    var archived = report.tables().get(0).partitions().get(0);
    assertThat(archived.rows()).isEmpty();
    assertThat(archived.note()).hasValue("server archive_a is unreachable");
  }
}
