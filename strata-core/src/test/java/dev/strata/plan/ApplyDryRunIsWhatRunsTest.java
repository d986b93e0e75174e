package dev.strata.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.OperationState;
import dev.strata.operation.PartitionMover;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata plan --sql} (and {@code strata apply --dry-run}, which prints the same) is what
 * {@code strata apply} then executes: for a plan that sets up a foreign server, moves default
 * partition rows, premakes partitions, and retires a local and a foreign partition with an export,
 * the statements every server executed during the apply equal, in order and text, the statements of
 * the dry run. (Archives, restores, moves, resumes and aborts are held against their runs statement
 * by statement in {@code DryRunIsWhatRunsTest}.)
 */
class ApplyDryRunIsWhatRunsTest {
  static final String COLUMNS = "(id int NOT NULL, note text, time timestamp NOT NULL)";

  TestLayout layout;

  @TempDir Path exports;

  @BeforeEach
  void setUp() {
    layout = new TestLayout("apply_dry_run_test");
  }

  @Test
  void applyExecutesExactlyTheStatementsOfItsDryRun() throws Exception {
    layout.sql(
        layout.main(),
        "CREATE TABLE dr " + COLUMNS + " PARTITION BY RANGE (time)",
        "CREATE TABLE dr_default PARTITION OF dr DEFAULT");
    for (int year : new int[] {2015, 2016, 2026}) {
      layout.sql(
          layout.main(),
          "CREATE TABLE dr_"
              + year
              + " PARTITION OF dr FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO dr SELECT g, 'n' || g, timestamp '"
              + year
              + "-01-01' + g * interval '1 hour' FROM generate_series(1, 300) g");
    }
    // Rows that landed in the default partition: the plan moves them into a new partition.
    layout.sql(
        layout.main(),
        "INSERT INTO dr SELECT 9000 + g, 'stray', timestamp '2020-03-01' + g * interval '1 hour'"
            + " FROM generate_series(1, 50) g");
    String policy =
        "tables:\n  dr:\n    partition_by: { column: time, interval: 1 year }\n"
            + "    premake: 2\n    hot: 8 years\n    archive_to: archive_a\n"
            + "    retention: 9 years\n    export_before_retire: "
            + exports
            + "\n";
    // archive_b's foreign server exists only in the second config: the plan creates it.
    StrataConfig before = TestLayout.config(layout.yaml(policy), Map.of());
    StrataConfig config =
        TestLayout.config(layout.yaml(policy).replace("archive_b:", "archive_c:"), Map.of());
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(before).coordinator())) {
      ActionExecutor.execute(
          coordinator,
          ForeignServerPlanner.plan(before, new dev.strata.catalog.CatalogReader(coordinator)),
          a -> {});
    }
    new PartitionMover(new Connections(before), MoveProgress.NONE)
        .archive(QualifiedName.parse("dr"), QualifiedName.parse("dr_2016"), "archive_a", 1);

    LocalDateTime now = Periods.parseNow("2026-02-01");
    LifecycleExecutor executor = new LifecycleExecutor(new Connections(config), MoveProgress.NONE);
    LifecyclePlan plan = new LifecyclePlanner(new Connections(config)).plan(now);
    assertThat(plan.actions())
        .extracting(LifecycleAction::kind)
        .contains("server", "default_rows", "premake", "retire");
    List<String> promised = new ArrayList<>();
    executor.sql(plan).forEach(lines -> promised.addAll(statements(lines)));

    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    AutoCloseable observation = Database.observe(executed -> ran.add(executed.sql().strip()));
    try {
      executor.apply(now, Set.of(), p -> {}, action -> {});
    } finally {
      observation.close();
    }

    assertThat(executedChanges(ran)).isEqualTo(promised);
    assertThat(new LifecyclePlanner(new Connections(config)).plan(now).actions())
        .extracting(LifecycleAction::kind)
        .doesNotContain("retire", "default_rows", "premake");
    assertThat(
            layout.queryString(
                layout.main(), "SELECT string_agg(state, ',' ORDER BY id) FROM strata.operation"))
        .isEqualTo(
            String.join(
                ",", Collections.nCopies(3, OperationState.DONE.label()).toArray(String[]::new)));
  }

  /**
   * The statements of one action's dry run: its lines without comments and transaction brackets,
   * each without its terminating semicolon and bound-values comment. Left out: the export's read of
   * the rows' fingerprint (a query; the observer sees statements that change something) and its
   * COPY (it runs through the driver's COPY API).
   */
  static List<String> statements(List<String> lines) {
    List<String> statements = new ArrayList<>();
    for (String line : lines) {
      String text = line.strip();
      if (text.startsWith("--") || text.equals("BEGIN;") || text.equals("COMMIT;")) {
        continue;
      }
      int comment = text.lastIndexOf(";  -- ");
      String sql = comment >= 0 ? text.substring(0, comment) : text.replaceAll(";$", "");
      if (sql.startsWith("COPY (SELECT") || sql.startsWith("SELECT count(*), coalesce(sum(")) {
        continue;
      }
      statements.add(sql.strip());
    }
    return statements;
  }

  /**
   * What ran that changes or locks something a dry run shows: session housekeeping (statement
   * timeouts, the advisory locks that serialize Strata's own runs) is not part of any plan.
   */
  static List<String> executedChanges(List<String> ran) {
    List<String> changes = new ArrayList<>();
    synchronized (ran) {
      for (String sql : ran) {
        if (sql.startsWith("SET statement_timeout")
            || sql.startsWith("SELECT pg_advisory_unlock")
            || sql.startsWith("SELECT pg_advisory_lock")
            || sql.startsWith("SELECT pg_try_advisory_lock")) {
          continue;
        }
        changes.add(sql);
      }
    }
    return changes;
  }
}
