package dev.strata.operation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import dev.strata.support.TestLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proof that a dry run is the truth: for archive (one stream and several), restore and a move
 * between servers, the statements the dry run promises are, session by session, in order and text,
 * the statements the move then executes on the same state. Parameters known only when the move runs
 * (the source's measured row count and checksum) are compared by statement text; everything else
 * with its bound values. A block the dry run marks conditional ("if the table exists") either runs
 * whole or not at all.
 */
class DryRunIsWhatRunsTest {
  static final QualifiedName EVENTS = QualifiedName.parse("events");
  static TestLayout layout;
  static PartitionMover mover;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("dry_run_is_what_runs_test");
    StrataConfig config = layout.config();
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    mover = new PartitionMover(new Connections(config), MoveProgress.NONE);
    layout.sql(
        layout.main(),
        "CREATE TABLE events (id int NOT NULL, time timestamp NOT NULL, note text)"
            + " PARTITION BY RANGE (time)",
        "CREATE ROLE dry_run_reader",
        "GRANT SELECT ON events TO dry_run_reader");
    for (int year = 2001; year <= 2005; year++) {
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
              + "-01-01' + g * interval '1 minute', 'n' || g FROM generate_series(1, 20000) g",
          "CREATE INDEX ON events_" + year + " (time)",
          "CREATE INDEX ON events_" + year + " (note) WHERE id % 2 = 0",
          "GRANT SELECT ON events_" + year + " TO dry_run_reader",
          "COMMENT ON TABLE events_" + year + " IS 'the year " + year + "'");
    }
  }

  static QualifiedName partition(int year) {
    return QualifiedName.of("public", "events_" + year);
  }

  @Test
  void anArchiveRunsWhatItsDryRunPrinted() {
    assertRunsAsPlanned(
        mover.archiveActions(EVENTS, partition(2001), "archive_a", 1),
        () -> mover.archive(EVENTS, partition(2001), "archive_a", 1));
  }

  @Test
  void anArchiveInParallelStreamsRunsWhatItsDryRunPrinted() {
    assertRunsAsPlanned(
        mover.archiveActions(EVENTS, partition(2002), "archive_b", 3),
        () -> mover.archive(EVENTS, partition(2002), "archive_b", 3));
  }

  @Test
  void aRestoreRunsWhatItsDryRunPrinted() {
    mover.archive(EVENTS, partition(2003), "archive_a", 1);
    assertRunsAsPlanned(
        mover.restoreActions(EVENTS, partition(2003), false),
        () -> mover.restore(EVENTS, partition(2003), false, 1));
  }

  @Test
  void aMoveBetweenServersRunsWhatItsDryRunPrinted() {
    mover.archive(EVENTS, partition(2002), "archive_b", 1);
    assertThat(
            mover.planMove(EVENTS, partition(2002), "archive_a", 1).stream()
                .flatMap(step -> step.lines().stream()))
        .contains("-- on archive_b (copy)", "-- on archive_a (copy)");
    assertRunsAsPlanned(
        mover.moveActions(EVENTS, partition(2002), "archive_a"),
        () -> mover.move(EVENTS, partition(2002), "archive_a", 1));
  }

  @Test
  void aResumeRunsWhatItsDryRunPrinted() {
    for (String stop : List.of("archive.after_freeze", "archive.after_verify")) {
      long id = stopAt(stop, () -> mover.archive(EVENTS, partition(2004), "archive_a", 1));
      assertThat(mover.planResume(id)).isNotEmpty();
      assertRunsAsPlanned(mover.resumeActions(id), () -> mover.resume(id));
      mover.restore(EVENTS, partition(2004), false, 1);
    }
  }

  @Test
  void anAbortRunsWhatItsDryRunPrinted() {
    long id =
        stopAt("archive.after_copy", () -> mover.archive(EVENTS, partition(2005), "archive_b", 1));
    assertThat(mover.planAbort(id)).isNotEmpty();
    assertRunsAsPlanned(
        mover.abortActions(id), () -> MoveResult.of(mover.abort(id)), OperationState.ABORTED);
  }

  /** Runs {@code move} until the failpoint {@code point} is reached; returns the operation's id. */
  static long stopAt(String point, Runnable move) {
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals(point)) {
                throw new StopHere();
              }
            });
    try {
      move.run();
    } catch (StopHere expected) {
      // the operation stays where it stopped
    } finally {
      observation.close();
    }
    return Long.parseLong(
        layout.queryString(
            layout.main(),
            "SELECT max(id) FROM strata.operation WHERE state NOT IN ('done', 'aborted')"));
  }

  static final class StopHere extends RuntimeException {
    StopHere() {
      super("stopped by the test", null, false, false);
    }
  }

  static void assertRunsAsPlanned(List<Action> planned, Supplier<MoveResult> run) {
    assertRunsAsPlanned(planned, run, OperationState.DONE);
  }

  static void assertRunsAsPlanned(
      List<Action> planned, Supplier<MoveResult> run, OperationState ending) {
    List<ActionRunner.Executed> executed = Collections.synchronizedList(new ArrayList<>());
    Failpoints.Observation observation = ActionRunner.observe(executed::add);
    MoveResult result;
    try {
      result = run.get();
    } finally {
      observation.close();
    }
    assertThat(result.operation().state()).isEqualTo(ending);
    Map<Session, List<ActionText.Planned>> promised = new LinkedHashMap<>();
    ActionText.statements(planned)
        .forEach(p -> promised.computeIfAbsent(p.session(), s -> new ArrayList<>()).add(p));
    Map<Session, List<SqlStatement>> ran = new LinkedHashMap<>();
    synchronized (executed) {
      executed.forEach(
          e -> ran.computeIfAbsent(e.session(), s -> new ArrayList<>()).add(e.statement()));
    }
    assertThat(ran.keySet()).as("sessions").isEqualTo(promised.keySet());
    for (Session session : promised.keySet()) {
      List<String> expected = new ArrayList<>();
      List<String> actual = ran.get(session).stream().map(DryRunIsWhatRunsTest::text).toList();
      List<ActionText.Planned> plan = promised.get(session);
      int at = 0;
      for (int i = 0; i < plan.size(); i++) {
        ActionText.Planned next = plan.get(i);
        if (next.conditional() != 0
            && (at >= actual.size() || !matches(next.statement(), actual.get(at)))) {
          // A conditional block that did not run: skip all of it.
          int block = next.conditional();
          while (i + 1 < plan.size() && plan.get(i + 1).conditional() == block) {
            i++;
          }
          continue;
        }
        expected.add(
            next.statement().hasDeferred()
                    && at < actual.size()
                    && matches(next.statement(), actual.get(at))
                ? actual.get(at)
                : text(next.statement()));
        at++;
      }
      assertThat(actual).as("statements on " + session.label()).isEqualTo(expected);
    }
  }

  static boolean matches(SqlStatement planned, String actual) {
    return planned.hasDeferred()
        ? actual.startsWith(planned.sql().strip() + ";")
        : text(planned).equals(actual);
  }

  static String text(SqlStatement statement) {
    return statement.render();
  }
}
