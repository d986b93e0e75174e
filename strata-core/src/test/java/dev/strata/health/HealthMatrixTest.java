package dev.strata.health;

import static dev.strata.support.EventsTable.EVENTS;
import static dev.strata.support.EventsTable.partition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.PartitionMover;
import dev.strata.support.EventsTable;
import dev.strata.support.MatrixVersions;
import dev.strata.support.TestLayout;
import dev.strata.support.VersionMatrix;
import dev.strata.testkit.LocalServer;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code strata status} and {@code strata doctor} on every PostgreSQL version of the matrix: a
 * healthy deployment (a password-protected mapping role, every Strata default, events 2020 on
 * archive_a and 2021 on archive_b, 2022 to 2025 local) passes every check, deep ones included, and
 * status reports each partition where its rows live and each server's version.
 */
class HealthMatrixTest {
  static final String READER = "matrix_reader";
  static final String READER_PASSWORD = "matrix-reader-pw-3";
  static final LocalDateTime NOW = LocalDateTime.of(2024, 6, 1, 0, 0);

  /** {@link #layout}'s config, with {@code extra} appended at the top level. */
  static StrataConfig config(TestLayout layout, String extra) {
    StringBuilder yaml = new StringBuilder();
    yaml.append("coordinator:\n  url: ")
        .append(layout.url(layout.main()))
        .append("\n  user: postgres\nservers:\n");
    for (String name : List.of("archive_a", "archive_b")) {
      LocalServer server = name.equals("archive_a") ? layout.archiveA() : layout.archiveB();
      yaml.append("  ")
          .append(name)
          .append(":\n    url: ")
          .append(layout.url(server))
          .append("\n    user: postgres\n    mapping: { user: ")
          .append(READER)
          .append(", password: \"${env:MATRIX_READER_PASSWORD}\" }\n")
          .append("    fdw: { idle_in_transaction_session_timeout: 10min }\n");
    }
    yaml.append("tables:\n  public.events:\n")
        .append("    partition_by: { column: at, interval: 1 year }\n")
        .append("    premake: 1\n    hot: 1 year\n    archive_to: archive_a\n")
        .append(extra);
    return TestLayout.config(yaml.toString(), Map.of("MATRIX_READER_PASSWORD", READER_PASSWORD));
  }

  /** The healthy deployment on one version's servers (or a mixed layout's). */
  static StrataConfig healthy(TestLayout layout) {
    StrataConfig config = prepare(layout);
    PartitionMover mover = new PartitionMover(new Connections(config), MoveProgress.NONE);
    mover.archive(EVENTS, partition(2020), "archive_a", 1);
    mover.archive(EVENTS, partition(2021), "archive_b", 1);
    return config;
  }

  /** {@link #healthy} before anything is archived: every year of events local. */
  static StrataConfig prepare(TestLayout layout) {
    for (LocalServer archive : List.of(layout.archiveA(), layout.archiveB())) {
      // Roles are per server, and several tests' databases share these servers: made once.
      if (archive.queryText("postgres", "SELECT 1 FROM pg_roles WHERE rolname = '" + READER + "'")
          == null) {
        archive.createRole(READER, READER_PASSWORD);
      }
    }
    StrataConfig config = config(layout, "");
    EventsTable.applyForeignServers(config);
    // The mapping's local role has a bound, as a healthy deployment's application roles do.
    layout.sql(
        layout.main(),
        "ALTER ROLE postgres IN DATABASE " + layout.database + " SET statement_timeout = '5min'");
    EventsTable.create(layout, 500, 2020, 2021, 2022, 2023, 2024, 2025);
    return config;
  }

  static DoctorReport doctor(StrataConfig config) {
    return new Doctor(
            new Connections(config),
            DoctorOptions.DEFAULTS.withDeep(true).withNow(Optional.of(NOW)))
        .run();
  }

  @VersionMatrix(suite = "doctor")
  void aHealthyDeploymentPassesEveryCheck(int version) {
    TestLayout layout = MatrixVersions.layout("health_matrix_doctor", version);
    StrataConfig config = healthy(layout);

    DoctorReport report = doctor(config);

    assertThat(report.results())
        .as(DoctorTest.describe(report))
        .allMatch(r -> r.status() == CheckStatus.OK);
    assertThat(report.exitCode()).isEqualTo(DoctorReport.EXIT_OK);
    for (String server : List.of("coordinator", "archive_a", "archive_b")) {
      assertThat(DoctorTest.result(report, Check.CONNECT_DIRECT, server).evidence())
          .contains("PostgreSQL " + version + ".");
    }
    assertThat(DoctorTest.result(report, Check.CONNECT_FDW, "archive_b").evidence())
        .contains("reached archive_b as " + READER, "PostgreSQL " + version + ".");
    assertThat(
            DoctorTest.result(report, Check.PARTITION_ROW_COUNT, "public.events_2021").evidence())
        .contains("500 rows");
    assertThat(DoctorTest.result(report, Check.PARTITION_CHECKSUM, "public.events_2021").evidence())
        .contains("as operation");
  }

  @VersionMatrix(suite = "status")
  void statusShowsWhereEachPartitionLivesAndEachServersVersion(int version) {
    TestLayout layout = MatrixVersions.layout("health_matrix_status", version);
    StrataConfig config = healthy(layout);

    StatusReport report = new StatusService(new Connections(config)).status(Optional.empty(), true);

    StatusReport.TableStatus events =
        report.tables().stream()
            .filter(t -> t.table().equals("public.events"))
            .findFirst()
            .orElseThrow();
    assertThat(events.partitions())
        .extracting(StatusReport.PartitionStatus::name, StatusReport.PartitionStatus::tier)
        .startsWith(
            org.assertj.core.groups.Tuple.tuple("public.events_2020", "archive_a"),
            org.assertj.core.groups.Tuple.tuple("public.events_2021", "archive_b"),
            org.assertj.core.groups.Tuple.tuple("public.events_2022", "local"));
    assertThat(events.partitions())
        .allSatisfy(
            p -> {
              assertThat(p.rows()).as(p.name()).isEqualTo(OptionalLong.of(500));
              assertThat(p.rowsExact()).isTrue();
            });
    assertThat(report.servers())
        .allSatisfy(
            server -> {
              assertThat(server.reachable()).as(server.name()).isTrue();
              assertThat(server.version())
                  .hasValueSatisfying(v -> assertThat(v).startsWith(version + "."));
            });
  }
}
