package dev.strata.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.support.TestLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saved plans: {@code apply FILE} runs exactly the approved plan, or refuses and changes nothing
 * when the state it was made from has changed.
 */
class SavedPlanTest {
  static final String NOW = "2026-07-01";

  TestLayout layout;
  StrataConfig config;
  LifecycleExecutor executor;

  @TempDir Path directory;

  @BeforeEach
  void setUp() {
    layout = new TestLayout("saved_plan_test");
    layout.sql(
        layout.main(),
        "CREATE TABLE events " + LifecycleTest.COLUMNS + " PARTITION BY RANGE (time)");
    for (int year = 2023; year <= 2026; year++) {
      layout.sql(
          layout.main(),
          "CREATE TABLE events_"
              + year
              + " PARTITION OF events FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO events SELECT g, 'n' || g, timestamp '"
              + year
              + "-01-01' + g * interval '1 hour', g FROM generate_series(1, 40) g");
    }
    config =
        TestLayout.config(
            layout.yaml(
                "tables:\n  events:\n    partition_by: { column: time, interval: 1 year }\n"
                    + "    premake: 1\n    hot: 1 year\n    archive_to: archive_a\n"),
            Map.of());
    executor = new LifecycleExecutor(new Connections(config), MoveProgress.NONE);
  }

  SavedPlan saved() {
    LifecyclePlan plan = new LifecyclePlanner(new Connections(config)).plan(Periods.parseNow(NOW));
    Path file = directory.resolve("tonight.plan");
    executor.snapshot(plan, Set.of()).write(file);
    return SavedPlan.read(file);
  }

  List<String> apply(SavedPlan approved) {
    List<String> applied = new ArrayList<>();
    executor.apply(approved, plan -> {}, action -> applied.add(action.description()));
    return applied;
  }

  String partitions() {
    return layout.queryString(
        layout.main(),
        "SELECT string_agg(c.relname || '@' || coalesce(s.srvname, 'local'), ',' ORDER BY c.relname)"
            + " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            + " LEFT JOIN pg_foreign_table f ON f.ftrelid = c.oid"
            + " LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver"
            + " WHERE i.inhparent = 'events'::regclass");
  }

  String operations() {
    boolean journal =
        layout
            .queryString(layout.main(), "SELECT to_regclass('strata.operation') IS NOT NULL")
            .equals("t");
    return journal
        ? layout.queryString(layout.main(), "SELECT count(*)::text FROM strata.operation")
        : "no journal";
  }

  static List<String> sqlOf(SavedPlan plan, String description) {
    return plan.actions().stream()
        .filter(a -> a.description().equals(description))
        .findFirst()
        .orElseThrow()
        .sql();
  }

  @Test
  void runsExactlyTheApprovedPlanWhenNothingChanged() {
    SavedPlan approved = saved();
    assertThat(approved.actions())
        .extracting(SavedPlan.PlannedAction::description)
        .contains(
            "archive public.events_2023 to archive_a",
            "archive public.events_2024 to archive_a",
            "create public.events_2027 FROM ('2027-01-01 00:00:00') TO ('2028-01-01 00:00:00')");
    assertThat(approved.now()).isEqualTo("2026-07-01T00:00");

    // Each archive is rendered as it will run after the actions before it: the foreign server is
    // created first, and the second archive's journal row takes the next id.
    assertThat(sqlOf(approved, "archive public.events_2024 to archive_a"))
        .anyMatch(
            line ->
                line.startsWith("INSERT INTO strata.operation ")
                    && line.contains("$1 = '2', $2 = 'archive'"));

    List<String> applied = apply(approved);

    assertThat(applied)
        .containsExactlyElementsOf(
            approved.actions().stream().map(SavedPlan.PlannedAction::description).toList());
    assertThat(partitions())
        .contains("events_2023@archive_a", "events_2024@archive_a", "events_2027@local");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT string_agg(id || ':' || partition_name, ',' ORDER BY id) FROM strata.operation"))
        .isEqualTo("1:events_2023,2:events_2024");
    // Applied once, the plan is history: the journal and the partitions it was made from moved on.
    String journal = operations();
    assertThatThrownBy(() -> apply(approved))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("no longer matches")
        .hasMessageContaining("no longer: partition public.events_2023");
    assertThat(operations()).isEqualTo(journal);
  }

  @Test
  void refusedAndNothingChangedAfterAPartitionIsCreated() {
    SavedPlan approved = saved();
    layout.sql(
        layout.main(),
        "CREATE TABLE events_2030 PARTITION OF events FOR VALUES FROM ('2030-01-01') TO ('2031-01-01')");
    String before = partitions();

    assertThatThrownBy(() -> apply(approved))
        .isInstanceOf(StrataException.class)
        .satisfies(e -> assertThat(((StrataException) e).code()).isEqualTo(ErrorCode.CHECK_FAILED))
        .hasMessageContaining("nothing was changed")
        .hasMessageContaining(
            "now: partition public.events_2030 FOR VALUES FROM ('2030-01-01 00:00:00') TO"
                + " ('2031-01-01 00:00:00') local");
    assertThat(partitions()).isEqualTo(before);
    assertThat(operations()).isEqualTo("no journal");
  }

  @Test
  void refusedAndNothingChangedAfterAServerIsAdded() {
    SavedPlan approved = saved();
    layout.sql(
        layout.main(),
        "CREATE EXTENSION IF NOT EXISTS postgres_fdw",
        "CREATE SERVER added_later FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1')");
    String before = partitions();

    assertThatThrownBy(() -> apply(approved))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("now: server added_later postgres_fdw {host=127.0.0.1}");
    assertThat(partitions()).isEqualTo(before);
    assertThat(operations()).isEqualTo("no journal");
  }

  @Test
  void theSqlInTheFileIsComparedNeverExecuted() throws Exception {
    saved();
    Path file = directory.resolve("tonight.plan");
    ObjectMapper json = new ObjectMapper();
    ObjectNode document = (ObjectNode) json.readTree(file.toFile());
    ArrayNode sql = (ArrayNode) document.withArray("actions").get(0).withArray("sql");
    sql.insert(0, "DROP TABLE events CASCADE;");
    json.writeValue(file.toFile(), document);
    SavedPlan tampered = SavedPlan.read(file);

    assertThatThrownBy(() -> apply(tampered))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("action 1 was \"")
        .hasMessageContaining("with other SQL");
    assertThat(layout.queryString(layout.main(), "SELECT count(*)::text FROM events"))
        .isEqualTo("160");
    assertThat(operations()).isEqualTo("no journal");
  }

  @Test
  void aFileThatIsNotAPlanIsAUsageError() throws Exception {
    Path notAPlan = directory.resolve("strata.yaml");
    Files.writeString(notAPlan, "servers: {}\n");
    assertThatThrownBy(() -> SavedPlan.read(notAPlan))
        .isInstanceOf(StrataException.class)
        .satisfies(e -> assertThat(((StrataException) e).code()).isEqualTo(ErrorCode.USAGE))
        .hasMessageContaining("cannot read the plan");
    Path otherFormat = directory.resolve("other.plan");
    Files.writeString(
        otherFormat, "{\"format\":\"strata-plan-0\",\"now\":\"2026-01-01T00:00\",\"state\":\"x\"}");
    assertThatThrownBy(() -> SavedPlan.read(otherFormat))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("is not a Strata plan (expected format strata-plan-1)");
    Path missing = directory.resolve("missing.plan");
    assertThatThrownBy(() -> SavedPlan.read(missing))
        .isInstanceOf(StrataException.class)
        .satisfies(e -> assertThat(((StrataException) e).code()).isEqualTo(ErrorCode.USAGE));
  }
}
