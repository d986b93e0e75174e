package dev.strata.health;

import static dev.strata.support.EventsTable.EVENTS;
import static dev.strata.support.EventsTable.partition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.OperationState;
import dev.strata.operation.PartitionMover;
import dev.strata.support.EventsTable;
import dev.strata.support.MatrixVersions;
import dev.strata.support.MixedVersions;
import dev.strata.support.TestLayout;
import java.util.Map;
import java.util.Optional;

/**
 * Deployments whose servers run different PostgreSQL versions, as during an upgrade: a coordinator
 * of 18 with archives of 14 and 16, and a coordinator of 14 with an archive of 18. A partition
 * archived to each server keeps its rows (checksums computed on servers of different versions
 * agree, in the columns form), one query reads every tier through the coordinator, a restore brings
 * the rows back, status shows each server's version and doctor passes every check.
 */
class MixedVersionsTest {
  @MixedVersions(suite = "mixed layout")
  void archiveQueryRestoreStatusAndDoctorAcrossVersions(MatrixVersions.Mixed mixed) {
    TestLayout layout = MatrixVersions.layout("mixed_versions", mixed);
    StrataConfig config = HealthMatrixTest.prepare(layout);
    PartitionMover mover = new PartitionMover(new Connections(config), MoveProgress.NONE);
    String perYear = EventsTable.perYear(layout);
    String rows2020 = EventsTable.fingerprint(layout, 2020);
    String rows2021 = EventsTable.fingerprint(layout, 2021);

    assertThat(mover.archive(EVENTS, partition(2020), "archive_a", 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(mover.archive(EVENTS, partition(2021), "archive_b", 1).operation().state())
        .isEqualTo(OperationState.DONE);

    assertThat(EventsTable.tier(layout, 2020)).isEqualTo("archive_a");
    assertThat(EventsTable.tier(layout, 2021)).isEqualTo("archive_b");
    assertThat(EventsTable.checksumForm(layout, 2020)).isEqualTo("columns");
    assertThat(EventsTable.checksumForm(layout, 2021)).isEqualTo("columns");
    assertThat(EventsTable.perYear(layout)).as("one query over every tier").isEqualTo(perYear);
    assertThat(EventsTable.fingerprint(layout, 2020)).isEqualTo(rows2020);
    assertThat(mover.verify(EVENTS, Optional.empty()))
        .hasSize(2)
        .allSatisfy(v -> assertThat(v.ok()).as(v.verdict()).isTrue());

    StatusReport status = new StatusService(new Connections(config)).status(Optional.empty(), true);
    Map<String, Integer> versions =
        Map.of(
            "coordinator", mixed.coordinator(),
            "archive_a", mixed.archiveA(),
            "archive_b", mixed.archiveB());
    assertThat(status.servers())
        .allSatisfy(
            server ->
                assertThat(server.version())
                    .as(server.name())
                    .hasValueSatisfying(
                        v -> assertThat(v).startsWith(versions.get(server.name()) + ".")));

    DoctorReport report = HealthMatrixTest.doctor(config);
    assertThat(report.results())
        .as(DoctorTest.describe(report))
        .allMatch(r -> r.status() == CheckStatus.OK);

    assertThat(mover.restore(EVENTS, partition(2021), false, 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(EventsTable.tier(layout, 2021)).isEqualTo("local");
    assertThat(EventsTable.fingerprint(layout, 2021)).isEqualTo(rows2021);
    assertThat(EventsTable.perYear(layout)).isEqualTo(perYear);
    DoctorReport after = HealthMatrixTest.doctor(config);
    assertThat(after.results())
        .as(DoctorTest.describe(after))
        .allMatch(r -> r.status() == CheckStatus.OK);
  }
}
