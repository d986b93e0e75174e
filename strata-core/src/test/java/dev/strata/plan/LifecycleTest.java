package dev.strata.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.StrataException;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.support.TestLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** plan/apply against real servers: the clock, range edges, catch-up, default rows, retire. */
class LifecycleTest {
  static final String COLUMNS =
      "(id int NOT NULL, name text NOT NULL, time timestamp NOT NULL, salary numeric(10,2))";
  TestLayout layout;

  @TempDir Path exports;

  @BeforeEach
  void setUp() {
    layout = new TestLayout("lifecycle_test");
  }

  StrataConfig config(String table, String policy) {
    return TestLayout.config(
        layout.yaml(
            "tables:\n  "
                + table
                + ":\n    partition_by: { column: time, interval: 1 year }\n"
                + policy),
        Map.of());
  }

  static LocalDateTime at(String text) {
    return Periods.parseNow(text);
  }

  LifecyclePlan plan(StrataConfig config, String now) {
    return new LifecyclePlanner(new Connections(config)).plan(at(now));
  }

  List<LifecycleAction> apply(StrataConfig config, String now) {
    return new LifecycleExecutor(new Connections(config), MoveProgress.NONE)
        .apply(at(now), Set.of(), plan -> {}, action -> {});
  }

  List<String> descriptions(LifecyclePlan plan, String kind) {
    return plan.actions().stream()
        .filter(a -> a.kind().equals(kind))
        .map(LifecycleAction::description)
        .toList();
  }

  String partitions(String table) {
    return layout.queryString(
        layout.main(),
        "SELECT string_agg(c.relname || '@' || coalesce(s.srvname, 'local'), ',' ORDER BY c.relname) FROM pg_inherits i"
            + " JOIN pg_class c ON c.oid = i.inhrelid LEFT JOIN pg_foreign_table f ON f.ftrelid = c.oid"
            + " LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver WHERE i.inhparent = '"
            + table
            + "'::regclass");
  }

  void year(String table, int year, int rows) {
    layout.sql(
        layout.main(),
        "CREATE TABLE "
            + table
            + "_"
            + year
            + " PARTITION OF "
            + table
            + " FOR VALUES FROM ('"
            + year
            + "-01-01') TO ('"
            + (year + 1)
            + "-01-01')",
        "INSERT INTO "
            + table
            + " SELECT g, 'n' || g, timestamp '"
            + year
            + "-01-01' + g * interval '1 hour', g FROM generate_series(1, "
            + rows
            + ") g");
  }

  @Test
  void premakesByTheClockWithNoData() {
    layout.sql(layout.main(), "CREATE TABLE events " + COLUMNS + " PARTITION BY RANGE (time)");
    StrataConfig config = config("public.events", "    premake: 2\n");
    LifecyclePlan plan = plan(config, "2026-02-01");
    assertThat(descriptions(plan, "premake"))
        .containsExactly(
            "create public.events_2026 FROM ('2026-01-01 00:00:00') TO ('2027-01-01 00:00:00')",
            "create public.events_2027 FROM ('2027-01-01 00:00:00') TO ('2028-01-01 00:00:00')",
            "create public.events_2028 FROM ('2028-01-01 00:00:00') TO ('2029-01-01 00:00:00')");
    apply(config, "2026-02-01");
    assertThat(partitions("events"))
        .isEqualTo("events_2026@local,events_2027@local,events_2028@local");
    assertThat(plan(config, "2026-12-31").actions()).isEmpty();
    // Missed runs: two years later, the years between the newest partition and now come too.
    assertThat(descriptions(plan(config, "2030-06-01"), "premake"))
        .extracting(d -> d.substring(0, "create public.events_2029".length()))
        .containsExactly(
            "create public.events_2029",
            "create public.events_2030",
            "create public.events_2031",
            "create public.events_2032");
    assertThat(descriptions(plan(config, "2027-01-01"), "premake"))
        .containsExactly(
            "create public.events_2029 FROM ('2029-01-01 00:00:00') TO ('2030-01-01 00:00:00')");

    layout.sql(layout.main(), "CREATE TABLE monthly " + COLUMNS + " PARTITION BY RANGE (time)");
    StrataConfig monthly =
        TestLayout.config(
            layout.yaml(
                "tables:\n  monthly:\n    partition_by: { column: time, interval: 3 months }\n    premake: 1\n"),
            Map.of());
    assertThat(descriptions(plan(monthly, "2026-05-15"), "premake"))
        .containsExactly(
            "create public.monthly_20260401_20260701 FROM ('2026-04-01 00:00:00') TO ('2026-07-01 00:00:00')",
            "create public.monthly_20260701_20261001 FROM ('2026-07-01 00:00:00') TO ('2026-10-01 00:00:00')");
  }

  @Test
  void archivesAndRetiresWholeRangesOnlyAndKeepsStraddlingPartitions() {
    layout.sql(layout.main(), "CREATE TABLE edges " + COLUMNS + " PARTITION BY RANGE (time)");
    for (int y = 2020; y <= 2026; y++) {
      year("edges", y, 50);
    }
    StrataConfig config =
        config(
            "edges",
            "    premake: 0\n    hot: 6 months\n    archive_to: archive_a\n    retention: 3 years\n");
    // now - hot = 2025-12-30: 2025 ends 2026-01-01, after the cutoff: it straddles and stays.
    // now - retention = 2023-06-30: 2020..2022 end before it and are retired, not archived.
    LifecyclePlan early = plan(config, "2026-06-30");
    assertThat(descriptions(early, "retire"))
        .containsExactly(
            "retire public.edges_2020 (local)",
            "retire public.edges_2021 (local)",
            "retire public.edges_2022 (local)");
    assertThat(descriptions(early, "archive"))
        .containsExactly(
            "archive public.edges_2023 to archive_a", "archive public.edges_2024 to archive_a");
    // Exactly at the edge: 2025 ends 2026-01-01 = now - hot, so it is due; 2026 is not.
    LifecyclePlan exact = plan(config, "2026-07-01");
    assertThat(descriptions(exact, "archive"))
        .containsExactly(
            "archive public.edges_2023 to archive_a",
            "archive public.edges_2024 to archive_a",
            "archive public.edges_2025 to archive_a");
  }

  @Test
  void catchesUpAfterMissedRunsOldestFirstThenChangesNothing() {
    layout.sql(layout.main(), "CREATE TABLE catchup " + COLUMNS + " PARTITION BY RANGE (time)");
    for (int y = 2019; y <= 2026; y++) {
      year("catchup", y, 200);
    }
    StrataConfig config =
        config(
            "catchup",
            "    premake: 1\n    hot: 1 year\n    archive_to: [archive_a, archive_b]\n    retention: 5 years\n    export_before_retire: "
                + exports
                + "\n");
    LifecyclePlan plan = plan(config, "2026-03-01");
    assertThat(plan.actions())
        .extracting(LifecycleAction::kind)
        .containsExactly(
            "server", "server", "server", "server", "server", "premake", "archive", "archive",
            "archive", "archive", "retire", "retire");
    assertThat(descriptions(plan, "archive"))
        .containsExactly(
            "archive public.catchup_2021 to archive_b",
            "archive public.catchup_2022 to archive_a",
            "archive public.catchup_2023 to archive_b",
            "archive public.catchup_2024 to archive_a");
    assertThat(descriptions(plan, "retire"))
        .hasSize(2)
        .allSatisfy(d -> assertThat(d).contains("(local)"));
    String sql =
        "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM (SELECT id, name, time, salary FROM catchup WHERE time >= '2021-01-01' AND time < '2022-01-01') t";
    String before = layout.queryString(layout.main(), sql);
    apply(config, "2026-03-01");
    assertThat(partitions("catchup"))
        .isEqualTo(
            "catchup_2021@archive_b,catchup_2022@archive_a,catchup_2023@archive_b,catchup_2024@archive_a,catchup_2025@local,catchup_2026@local,catchup_2027@local");
    assertThat(layout.queryString(layout.main(), sql)).isEqualTo(before);
    assertThat(plan(config, "2026-03-01").actions()).isEmpty();
  }

  @Test
  void retiresWithAnExportThatImportsBackWithTheSameChecksum() throws Exception {
    layout.sql(layout.main(), "CREATE TABLE retiring " + COLUMNS + " PARTITION BY RANGE (time)");
    year("retiring", 2018, 1000);
    year("retiring", 2026, 10);
    layout.sql(
        layout.main(),
        "UPDATE retiring SET name = E'tab\\there, quote '' and \\\\ backslash' WHERE id = 7",
        "UPDATE retiring SET salary = NULL WHERE id = 8");
    String before =
        layout.queryString(
            layout.main(),
            "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM (SELECT * FROM retiring_2018) t");
    StrataConfig config =
        config(
            "retiring",
            "    premake: 0\n    hot: 1 year\n    archive_to: archive_b\n    retention: 3 years\n    export_before_retire: "
                + exports
                + "\n");
    apply(config, "2026-02-01");
    assertThat(partitions("retiring")).isEqualTo("retiring_2026@local");
    Path manifest;
    try (var files = Files.list(exports)) {
      manifest =
          files.filter(f -> f.toString().endsWith(".manifest.json")).findFirst().orElseThrow();
    }
    try (var coordinator =
        new dev.strata.connect.Database("coordinator", new Connections(config).coordinator())) {
      assertThat(
              dev.strata.operation.Exports.planImport(
                      coordinator, manifest, java.util.Optional.empty(), java.util.Optional.empty())
                  .statements())
          .anySatisfy(
              sql ->
                  assertThat(sql)
                      .startsWith("CREATE TABLE \"public\".\"retiring_2018\" PARTITION OF"));
      var imported =
          dev.strata.operation.Exports.importFile(
              coordinator, manifest, java.util.Optional.empty(), java.util.Optional.empty());
      assertThat(imported.rows()).isEqualTo(1000);
    }
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) || '/' || sum(hashtextextended(t::text, 0)) FROM (SELECT * FROM retiring_2018) t"))
        .isEqualTo(before);
  }

  @Test
  void neverRetiresTheLastPartition() {
    layout.sql(layout.main(), "CREATE TABLE lonely " + COLUMNS + " PARTITION BY RANGE (time)");
    year("lonely", 2010, 5);
    StrataConfig config = config("lonely", "    premake: 0\n");
    assertThatThrownBy(
            () ->
                new dev.strata.operation.Retirer(new Connections(config), MoveProgress.NONE)
                    .retire(
                        dev.strata.sql.QualifiedName.parse("lonely"),
                        dev.strata.sql.QualifiedName.parse("lonely_2010"),
                        at("2026-01-01"),
                        java.util.Optional.empty()))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("public.lonely_2010 is the last partition of public.lonely");
    assertThatThrownBy(
            () ->
                new dev.strata.operation.Retirer(new Connections(config), MoveProgress.NONE)
                    .retire(
                        dev.strata.sql.QualifiedName.parse("lonely"),
                        dev.strata.sql.QualifiedName.parse("lonely_2010"),
                        at("2010-06-01"),
                        java.util.Optional.empty()))
        .hasMessageContaining("not wholly past retention");
    assertThat(partitions("lonely")).isEqualTo("lonely_2010@local");
  }

  @Test
  void movesDefaultPartitionRowsUnderConcurrentInsertsWithoutLosingOrDuplicatingAny()
      throws Exception {
    layout.sql(
        layout.main(),
        "CREATE TABLE stray " + COLUMNS + " PARTITION BY RANGE (time)",
        "CREATE TABLE stray_default PARTITION OF stray DEFAULT",
        "CREATE TABLE stray_2026 PARTITION OF stray FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        "INSERT INTO stray SELECT g, 'old', timestamp '2024-01-01' + g * interval '1 hour', 1 FROM generate_series(1, 3000) g",
        "INSERT INTO stray SELECT 100000 + g, 'older', timestamp '2022-06-01' + g * interval '1 hour', 1 FROM generate_series(1, 500) g");
    StrataConfig config = config("stray", "    premake: 0\n");
    LifecyclePlan plan = plan(config, "2026-02-01");
    assertThat(descriptions(plan, "default_rows"))
        .containsExactly(
            "move 500 rows from public.stray_default into new partition public.stray_2022 FROM ('2022-01-01 00:00:00') TO ('2023-01-01 00:00:00')",
            "move 3000 rows from public.stray_default into new partition public.stray_2024 FROM ('2024-01-01 00:00:00') TO ('2025-01-01 00:00:00')");
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger inserted = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try (Connection connection = layout.main().connect(layout.database);
                  var statement = connection.createStatement()) {
                int id = 200000;
                while (running.get() || inserted.get() < 50) {
                  String time = id % 2 == 0 ? "2024-07-07" : "2026-07-07";
                  statement.execute(
                      "INSERT INTO stray VALUES (" + id++ + ", 'concurrent', '" + time + "', 1)");
                  inserted.incrementAndGet();
                }
              } catch (Exception e) {
                failure.set(e);
              }
            });
    // Proof of overlap: while a period's move holds its transaction open, another session
    // inserts into that very range; it waits for the move and must land in the new partition.
    AtomicReference<java.util.concurrent.CompletableFuture<Void>> during = new AtomicReference<>();
    dev.strata.operation.Failpoints.Observation observation =
        dev.strata.operation.Failpoints.observe(
            name -> {
              if (name.equals("default_rows.before_commit") && during.get() == null) {
                during.set(
                    java.util.concurrent.CompletableFuture.runAsync(
                        () ->
                            layout.sql(
                                layout.main(),
                                "INSERT INTO stray VALUES (-7, 'during the move', '2022-07-07', 1),"
                                    + " (-8, 'during the move', '2024-07-07', 1)")));
              }
            });
    writer.start();
    try {
      apply(config, "2026-02-01");
    } finally {
      observation.close();
      running.set(false);
      writer.join(30_000);
    }
    assertThat(failure.get()).isNull();
    assertThat(during.get()).as("an insert ran while a move was open").isNotNull();
    during.get().get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT string_agg(tableoid::regclass::text, ',' ORDER BY id) FROM stray WHERE id IN (-7, -8)"))
        .isEqualTo("stray_2024,stray_2022");
    inserted.addAndGet(2);
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM stray"))
        .isEqualTo(Integer.toString(3500 + inserted.get()));
    assertThat(layout.queryString(layout.main(), "SELECT count(DISTINCT id) FROM stray"))
        .isEqualTo(Integer.toString(3500 + inserted.get()));
    assertThat(
            layout.queryString(layout.main(), "SELECT count(*) FROM stray_2024 WHERE name = 'old'"))
        .isEqualTo("3000");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) FROM ONLY stray_default WHERE time >= '2022-01-01' AND time < '2025-01-01'"))
        .isEqualTo("0");
    assertThat(plan(config, "2026-02-01").actions()).isEmpty();
  }

  @Test
  void aSecondConcurrentApplyFailsAtOnce() throws Exception {
    layout.sql(layout.main(), "CREATE TABLE locked " + COLUMNS + " PARTITION BY RANGE (time)");
    StrataConfig config = config("locked", "    premake: 1\n");
    try (Connection other = layout.main().connect(layout.database);
        var statement = other.createStatement()) {
      statement.execute("SELECT pg_advisory_lock(hashtextextended('strata:apply', 0))");
      assertThatThrownBy(() -> apply(config, "2026-02-01"))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("another `strata apply` is running");
    }
    assertThat(partitions("locked")).isNull();
  }
}
