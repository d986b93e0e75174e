package dev.strata.operation;

import static dev.strata.support.EventsTable.EVENTS;
import static dev.strata.support.EventsTable.partition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.support.EventsTable;
import dev.strata.support.MatrixVersions;
import dev.strata.support.TestLayout;
import dev.strata.support.VersionMatrix;
import java.util.Optional;

/**
 * The move protocol on every PostgreSQL version of the matrix, coordinator and archives of the same
 * version: archive, restore and a move between servers keep every row (count and checksum read
 * through the parent), verify against the journal, and fingerprint in the columns form, which needs
 * the per-type hash functions to agree with Strata's on each version.
 */
class ArchiveMatrixTest {
  static TestLayout layout(int version, String test) {
    TestLayout layout = MatrixVersions.layout("archive_matrix_" + test, version);
    EventsTable.applyForeignServers(layout.config());
    EventsTable.create(layout, 3_000, 2020, 2021, 2022);
    return layout;
  }

  static PartitionMover mover(TestLayout layout) {
    StrataConfig config = layout.config();
    return new PartitionMover(new Connections(config), MoveProgress.NONE);
  }

  @VersionMatrix(suite = "archive")
  void archivesAPartitionAndQueriesAcrossTiers(int version) {
    TestLayout layout = layout(version, "archive");
    PartitionMover mover = mover(layout);
    String before2020 = EventsTable.fingerprint(layout, 2020);
    String perYear = EventsTable.perYear(layout);

    MoveResult archived = mover.archive(EVENTS, partition(2020), "archive_a", 1);

    assertThat(archived.operation().state()).isEqualTo(OperationState.DONE);
    assertThat(archived.rowsCopied()).isEqualTo(3_000);
    assertThat(EventsTable.tier(layout, 2020)).isEqualTo("archive_a");
    assertThat(EventsTable.checksumForm(layout, 2020))
        .as("every column type hashes in the copy stream on PostgreSQL " + version)
        .isEqualTo("columns");
    assertThat(EventsTable.fingerprint(layout, 2020)).isEqualTo(before2020);
    assertThat(EventsTable.perYear(layout)).as("one query over both tiers").isEqualTo(perYear);
    assertThat(
            layout.queryString(
                layout.archiveA(),
                "SELECT count(*) FROM pg_indexes WHERE tablename = 'events_2020'"))
        .isEqualTo("1");
    assertThat(mover.verify(EVENTS, Optional.of(partition(2020))))
        .singleElement()
        .satisfies(v -> assertThat(v.ok()).as(v.verdict()).isTrue());
    assertThat(mover.archive(EVENTS, partition(2020), "archive_a", 1).nothingToDo())
        .as("a rerun of a finished archive")
        .isPresent();
  }

  @VersionMatrix(suite = "archive")
  void archivesATableWhoseTypesHashOnlyInSql(int version) {
    TestLayout layout = MatrixVersions.layout("archive_matrix_record", version);
    EventsTable.applyForeignServers(layout.config());
    layout.sql(
        layout.main(),
        "CREATE TABLE docs (id int NOT NULL, at timestamp NOT NULL, body jsonb, span interval,"
            + " tags text[]) PARTITION BY RANGE (at)",
        "CREATE TABLE docs_2020 PARTITION OF docs FOR VALUES FROM ('2020-01-01') TO"
            + " ('2021-01-01')",
        "INSERT INTO docs SELECT g, timestamp '2020-01-01' + g * interval '1 hour',"
            + " jsonb_build_object('n', g), g * interval '1 minute', ARRAY['t' || g, NULL]"
            + " FROM generate_series(1, 2000) g");
    String sum = "SELECT count(*) || '/' || sum(hashtextextended(d::text, 0)) FROM docs d";
    String before = layout.queryString(layout.main(), sum);
    var docs = dev.strata.sql.QualifiedName.parse("docs");
    var docs2020 = dev.strata.sql.QualifiedName.of("public", "docs_2020");

    assertThat(mover(layout).archive(docs, docs2020, "archive_b", 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT checksum_form FROM strata.operation WHERE partition_name = 'docs_2020'"))
        .isEqualTo("record");
    assertThat(layout.queryString(layout.main(), sum)).isEqualTo(before);
  }

  @VersionMatrix(suite = "restore")
  void restoresAnArchivedPartitionWithIdenticalRows(int version) {
    TestLayout layout = layout(version, "restore");
    PartitionMover mover = mover(layout);
    String before = EventsTable.fingerprint(layout, 2021);
    mover.archive(EVENTS, partition(2021), "archive_b", 1);
    assertThat(EventsTable.tier(layout, 2021)).isEqualTo("archive_b");

    MoveResult restored = mover.restore(EVENTS, partition(2021), false, 1);

    assertThat(restored.operation().state()).isEqualTo(OperationState.DONE);
    assertThat(EventsTable.tier(layout, 2021)).isEqualTo("local");
    assertThat(EventsTable.fingerprint(layout, 2021)).isEqualTo(before);
    assertThat(
            layout.queryString(
                layout.archiveB(), "SELECT count(*) FROM pg_class WHERE relname = 'events_2021'"))
        .as("the remote copy is dropped")
        .isEqualTo("0");
    // Local again, so writable.
    layout.sql(
        layout.main(),
        "INSERT INTO events (id, at, flag, stamp, payload, amount, note, token) VALUES"
            + " (-1, '2021-06-01', true, now(), '\\x00', 1, 'back', gen_random_uuid())");
  }

  @VersionMatrix(suite = "move")
  void movesAnArchivedPartitionBetweenServers(int version) {
    TestLayout layout = layout(version, "move");
    PartitionMover mover = mover(layout);
    String before = EventsTable.fingerprint(layout, 2022);
    mover.archive(EVENTS, partition(2022), "archive_a", 1);

    MoveResult moved = mover.move(EVENTS, partition(2022), "archive_b", 1);

    assertThat(moved.operation().state()).isEqualTo(OperationState.DONE);
    assertThat(EventsTable.tier(layout, 2022)).isEqualTo("archive_b");
    assertThat(EventsTable.checksumForm(layout, 2022)).isEqualTo("columns");
    assertThat(EventsTable.fingerprint(layout, 2022)).isEqualTo(before);
    assertThat(
            layout.queryString(
                layout.archiveA(), "SELECT count(*) FROM pg_class WHERE relname = 'events_2022'"))
        .as("the old remote table is dropped")
        .isEqualTo("0");
    assertThat(mover.verify(EVENTS, Optional.of(partition(2022))))
        .singleElement()
        .satisfies(v -> assertThat(v.ok()).as(v.verdict()).isTrue());
  }
}
