package dev.strata.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What would make a move fail after the freeze is refused before it, with nothing changed: a
 * function, type or operator class the target lacks, a generated column. And a failure a rerun
 * cannot fix says to abort, not to resume.
 */
class PreflightTest {
  static TestLayout layout;
  static PartitionMover mover;
  static final QualifiedName EVENTS = QualifiedName.parse("events");

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("preflight_test");
    StrataConfig config = layout.config();
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    mover = new PartitionMover(new Connections(config), MoveProgress.NONE);
    String function =
        "CREATE FUNCTION squash(text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT lower($1) $$";
    layout.sql(
        layout.main(),
        function,
        "CREATE TYPE mood AS ENUM ('calm', 'busy')",
        "CREATE TABLE events (id int NOT NULL, time timestamp NOT NULL, note text)"
            + " PARTITION BY RANGE (time)",
        "CREATE TABLE moods (id int NOT NULL, time timestamp NOT NULL, mood mood)"
            + " PARTITION BY RANGE (time)",
        "CREATE TABLE moods_2020 PARTITION OF moods FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
        "INSERT INTO moods VALUES (1, '2020-02-02', 'calm')",
        "CREATE TABLE shapes (id int NOT NULL, time timestamp NOT NULL,"
            + " twice int GENERATED ALWAYS AS (id * 2) STORED) PARTITION BY RANGE (time)",
        "CREATE TABLE shapes_2020 PARTITION OF shapes FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
        "INSERT INTO shapes (id, time) VALUES (1, '2020-02-02')");
    layout.sql(layout.archiveB(), function, SHOUT);
    layout.sql(layout.main(), SHOUT);
    for (int year = 2020; year <= 2023; year++) {
      layout.sql(
          layout.main(),
          "CREATE TABLE events_"
              + year
              + " PARTITION OF events FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO events SELECT g, timestamp '"
              + year
              + "-01-01' + g * interval '1 hour', 'Note ' || g FROM generate_series(1, 2000) g",
          "CREATE INDEX ON events_" + year + " (squash(note))");
    }
  }

  static final String SHOUT =
      "CREATE FUNCTION shout(text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT upper($1) $$";

  static QualifiedName partition(int year) {
    return QualifiedName.of("public", "events_" + year);
  }

  static String state() {
    return layout.queryString(
            layout.main(),
            "SELECT count(*) FROM strata.operation WHERE partition_name LIKE 'events%'")
        + " operations, "
        + layout.queryString(
            layout.main(), "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'strata_freeze%'")
        + " freeze triggers";
  }

  @Test
  void anIndexFunctionTheServerLacksIsRefusedBeforeAnythingChanges() {
    mover.archive(EVENTS, partition(2023), "archive_b", 1);
    String before = state();
    assertThatThrownBy(() -> mover.archive(EVENTS, partition(2020), "archive_a", 1))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining(
            "public.events_2020 cannot be copied to server archive_a, which lacks what its columns"
                + " or indexes use: function public.squash(text), used by index events_2020_squash_idx")
        .satisfies(e -> assertThat(((StrataException) e).code()).isEqualTo(ErrorCode.CHECK_FAILED));
    assertThat(state()).isEqualTo(before);
    assertThat(
            layout.queryString(
                layout.archiveA(), "SELECT count(*) FROM pg_class WHERE relname = 'events_2020'"))
        .isEqualTo("0");
  }

  @Test
  void aColumnTypeTheServerLacksIsRefused() {
    assertThatThrownBy(
            () ->
                mover.archive(
                    QualifiedName.parse("moods"),
                    QualifiedName.parse("moods_2020"),
                    "archive_a",
                    1))
        .hasMessageContaining("type mood, used by column mood");
  }

  @Test
  void aGeneratedColumnIsRefused() {
    assertThatThrownBy(
            () ->
                mover.archive(
                    QualifiedName.parse("shapes"),
                    QualifiedName.parse("shapes_2020"),
                    "archive_b",
                    1))
        .hasMessageContaining("public.shapes has generated column twice")
        .satisfies(e -> assertThat(((StrataException) e).hint()).contains("Nothing was changed"));
  }

  @Test
  void aFailureARerunCannotFixSaysAbortAndAbortUnfreezes() {
    layout.sql(layout.main(), "CREATE INDEX ON events_2021 (shout(note))");
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("archive.after_copy")) {
                layout.sql(layout.archiveB(), "DROP FUNCTION shout(text)");
              }
            });
    StrataException failure;
    try {
      failure =
          (StrataException)
              org.assertj.core.api.Assertions.catchThrowable(
                  () -> mover.archive(EVENTS, partition(2021), "archive_b", 1));
    } finally {
      observation.close();
      layout.sql(layout.archiveB(), SHOUT);
    }
    assertThat(failure).isNotNull();
    assertThat(failure.getMessage()).contains("stopped before step 'indexes'", "shout");
    assertThat(failure.hint())
        .contains("A rerun would fail the same way", "`strata abort")
        .doesNotContain("strata resume");
    Operation unfinished =
        mover.resumable().stream()
            .filter(op -> op.partition().equals(partition(2021)))
            .findFirst()
            .orElseThrow();
    mover.abort(unfinished.id());
    layout.sql(layout.main(), "INSERT INTO events VALUES (-1, '2021-05-05', 'writable again')");
  }
}
