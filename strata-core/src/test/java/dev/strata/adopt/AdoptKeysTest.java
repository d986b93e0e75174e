package dev.strata.adopt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The key choices and what each gives up, an identity column, a foreign key dropped on request, and
 * the dry run held against what runs.
 */
class AdoptKeysTest {
  static TestLayout layout;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("adopt_keys_test");
  }

  static AdoptRequest request(String table, String column, String interval, KeyMode keys) {
    return new AdoptRequest(
        QualifiedName.parse(table), column, interval, Optional.of(keys), 700, true, false);
  }

  @Test
  void perPartitionKeepsUniquenessInEachPartitionOnly() {
    layout.sql(
        layout.main(),
        "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamp"
            + " NOT NULL, kind text UNIQUE, payload text)",
        "INSERT INTO events (at, kind, payload) SELECT timestamp '2024-01-01' + g * interval '1"
            + " hour', 'k' || g, repeat('x', g % 50) FROM generate_series(1, 5000) g",
        "CREATE TABLE event_notes (id int PRIMARY KEY, event bigint REFERENCES events (id) ON"
            + " DELETE CASCADE)",
        "INSERT INTO event_notes VALUES (1, 1)");
    String before =
        layout.queryString(
            layout.main(),
            "SELECT count(*) || '/' || sum(hashtextextended(e::text, 0)) FROM events e");
    AdoptResult result =
        new TableAdopter(layout.connections(), AdoptProgress.NONE)
            .adopt(request("events", "at", "1 month", KeyMode.PER_PARTITION));
    assertThat(result.state()).isEqualTo(AdoptState.DONE);
    assertThat(result.droppedForeignKeys())
        .singleElement()
        .asString()
        .contains("event_notes.event_notes_event_fkey")
        .contains("FOREIGN KEY (event) REFERENCES events(id) ON DELETE CASCADE");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) || '/' || sum(hashtextextended(e::text, 0)) FROM events e"))
        .isEqualTo(before);
    // No key on the parent: archiving is possible; each partition has its unique indexes.
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) FROM pg_constraint WHERE conrelid = 'events'::regclass AND"
                    + " contype IN ('p', 'u')"))
        .isEqualTo("0");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) FROM pg_index WHERE indrelid = 'events_2024_03'::regclass AND"
                    + " indisunique"))
        .isEqualTo("2");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) FROM pg_constraint WHERE conrelid = 'event_notes'::regclass AND"
                    + " contype = 'f'"))
        .isEqualTo("0");
    // What per-partition gives up: the same id in two partitions; not twice in one.
    layout.sql(
        layout.main(),
        "INSERT INTO events (id, at, kind) OVERRIDING SYSTEM VALUE VALUES (1, '2024-05-05',"
            + " 'again')");
    assertThatThrownBy(
            () ->
                layout.sql(
                    layout.main(),
                    "INSERT INTO events (id, at, kind) OVERRIDING SYSTEM VALUE VALUES (2,"
                        + " '2024-01-01 05:00', 'twice')"))
        .hasMessageContaining("duplicate key");
    // The identity continues after the copied rows.
    assertThat(
            layout.queryString(
                layout.main(),
                "WITH n AS (INSERT INTO events (at) VALUES ('2024-02-02') RETURNING id) SELECT id"
                    + " FROM n"))
        .isEqualTo("5001");
    // A late key beyond the ranges lands in the default partition.
    layout.sql(layout.main(), "INSERT INTO events (at) VALUES ('2031-01-01')");
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM events_default"))
        .isEqualTo("1");
  }

  @Test
  void includePartitionKeyExtendsEveryKey() {
    layout.sql(
        layout.main(),
        "CREATE TABLE sensors (id int PRIMARY KEY)",
        "INSERT INTO sensors SELECT generate_series(0, 9)",
        "CREATE TABLE readings (id serial PRIMARY KEY, sensor int NOT NULL REFERENCES sensors (id)"
            + " ON DELETE CASCADE, at date NOT NULL, value real, UNIQUE (sensor, id))",
        "INSERT INTO readings (sensor, at, value) SELECT g % 10, date '2020-01-01' + g, g FROM"
            + " generate_series(1, 3000) g");
    new TableAdopter(layout.connections(), AdoptProgress.NONE)
        .adopt(request("readings", "at", "1 year", KeyMode.INCLUDE_PARTITION_KEY));
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY"
                    + " conname) FROM pg_constraint WHERE conrelid = 'readings'::regclass AND"
                    + " contype IN ('p', 'u')"))
        .isEqualTo(
            "readings_pkey PRIMARY KEY (id, at), readings_sensor_id_key UNIQUE (sensor, id, at)");
    // The foreign key the table holds is on the partitioned table.
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid ="
                    + " 'readings'::regclass AND contype = 'f'"))
        .isEqualTo("FOREIGN KEY (sensor) REFERENCES sensors(id) ON DELETE CASCADE");
    assertThatThrownBy(
            () ->
                layout.sql(
                    layout.main(), "INSERT INTO readings (sensor, at) VALUES (99, '2022-02-02')"))
        .hasMessageContaining("violates foreign key constraint");
    // What include-partition-key gives up: id alone is unique only together with at.
    layout.sql(layout.main(), "INSERT INTO readings (id, sensor, at) VALUES (1, 9, '2022-02-02')");
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM readings WHERE id = 1"))
        .isEqualTo("2");
  }

  @Test
  void theDryRunIsWhatRuns() throws Exception {
    layout.sql(
        layout.main(),
        "CREATE TABLE \"Mixed Case\" (\"Key\" int PRIMARY KEY, \"When\" date NOT NULL, note"
            + " text)",
        "INSERT INTO \"Mixed Case\" SELECT g, date '2024-01-01' + g, 'n' FROM generate_series(1,"
            + " 1000) g",
        "CREATE INDEX \"Mixed note\" ON \"Mixed Case\" (note) WHERE note IS NOT NULL",
        "CREATE VIEW \"Mixed view\" AS SELECT \"Key\" FROM \"Mixed Case\"");
    AdoptRequest request =
        request("\"Mixed Case\"", "When", "3 months", KeyMode.INCLUDE_PARTITION_KEY);
    TableAdopter adopter = new TableAdopter(layout.connections(), AdoptProgress.NONE);
    List<String> printed = new ArrayList<>();
    for (TableAdopter.PlannedStep step : adopter.plan(request)) {
      if (step.title().startsWith("prepare")
          || step.title().startsWith("indexes")
          || step.title().startsWith("swap")) {
        step.lines().stream()
            .filter(line -> !line.startsWith("--") && !line.startsWith("SET LOCAL"))
            .filter(line -> !line.startsWith("SELECT count(*)"))
            .forEach(printed::add);
      }
    }
    List<String> executed = new ArrayList<>();
    AutoCloseable observation =
        Database.observe(statement -> executed.add(statement.sql().strip() + ";"));
    try {
      adopter.adopt(request);
    } finally {
      observation.close();
    }
    List<String> executedText = new ArrayList<>();
    for (String sql : executed) {
      executedText.add(sql);
    }
    assertThat(printed).isNotEmpty();
    for (String line : printed) {
      String statement = line.replaceFirst(";  -- \\$1 = .*$", ";");
      assertThat(executedText).as("executed statements").contains(statement);
    }
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM \"Mixed view\""))
        .isEqualTo("1000");
  }
}
