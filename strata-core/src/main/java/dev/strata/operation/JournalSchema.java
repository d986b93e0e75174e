package dev.strata.operation;

import dev.strata.connect.Database;
import java.util.List;

/**
 * Strata's own schema {@code strata} on the coordinator, created and upgraded by Strata: an ordered
 * list of migrations, each applied once and recorded in {@code strata.schema_version}. Two Strata
 * processes starting at once serialize on a transaction-level advisory lock, so a migration never
 * runs twice.
 */
public final class JournalSchema {
  private record Migration(int version, String description, List<String> statements) {}

  private static final List<Migration> MIGRATIONS =
      List.of(
          new Migration(
              1,
              "operation journal and freeze guard",
              List.of(
                  """
                  CREATE TABLE strata.operation (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    kind text NOT NULL CHECK (kind IN ('archive', 'restore')),
                    parent_schema text NOT NULL,
                    parent_name text NOT NULL,
                    partition_schema text NOT NULL,
                    partition_name text NOT NULL,
                    bound text NOT NULL,
                    server text NOT NULL,
                    remote_schema text NOT NULL,
                    remote_table text NOT NULL,
                    staging_name text NOT NULL,
                    detached_name text NOT NULL,
                    state text NOT NULL,
                    jobs integer NOT NULL DEFAULT 1,
                    keep_remote boolean NOT NULL DEFAULT false,
                    source_rows bigint,
                    source_checksum numeric,
                    drop_after timestamptz,
                    last_error text,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    finished_at timestamptz
                  )""",
                  """
                  CREATE UNIQUE INDEX operation_one_unfinished_per_partition
                    ON strata.operation (partition_schema, partition_name)
                    WHERE state NOT IN ('done', 'aborted')""",
                  """
                  CREATE TABLE strata.operation_event (
                    operation_id bigint NOT NULL REFERENCES strata.operation (id),
                    at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    state text NOT NULL,
                    detail text
                  )""",
                  "CREATE INDEX operation_event_by_operation ON strata.operation_event (operation_id, at)",
                  Freeze.REFUSE_WRITE_FUNCTION)),
          new Migration(
              2,
              "retire operations",
              List.of(
                  """
                  ALTER TABLE strata.operation
                    DROP CONSTRAINT operation_kind_check,
                    ADD CONSTRAINT operation_kind_check CHECK (kind IN ('archive', 'restore', 'retire'))""",
                  "ALTER TABLE strata.operation ADD COLUMN export_file text")),
          new Migration(
              3,
              "freeze identity, checked at the swap",
              List.of("ALTER TABLE strata.operation ADD COLUMN freeze_marker text")),
          new Migration(
              4,
              "moves between servers",
              List.of(
                  """
                  ALTER TABLE strata.operation
                    DROP CONSTRAINT operation_kind_check,
                    ADD CONSTRAINT operation_kind_check
                      CHECK (kind IN ('archive', 'restore', 'retire', 'move'))""",
                  """
                  ALTER TABLE strata.operation
                    ADD COLUMN from_server text,
                    ADD COLUMN from_schema text,
                    ADD COLUMN from_table text""")),
          new Migration(
              5,
              "the form of the verified checksum",
              List.of("ALTER TABLE strata.operation ADD COLUMN checksum_form text")),
          new Migration(
              6,
              "shard moves and splits",
              List.of(
                  """
                  ALTER TABLE strata.operation
                    DROP CONSTRAINT operation_kind_check,
                    ADD CONSTRAINT operation_kind_check
                      CHECK (kind IN ('archive', 'restore', 'retire', 'move', 'shard_move',
                        'shard_split'))""")),
          new Migration(
              7,
              "mirrors and their refreshes",
              List.of(
                  """
                  CREATE TABLE strata.mirror (
                    schema_name text NOT NULL,
                    name text NOT NULL,
                    entry text NOT NULL,
                    server text NOT NULL,
                    remote_schema text NOT NULL,
                    remote_table text NOT NULL,
                    mode text NOT NULL,
                    key_columns text[] NOT NULL DEFAULT '{}',
                    indexes text[] NOT NULL DEFAULT '{}',
                    watermark text,
                    refreshes bigint NOT NULL DEFAULT 0,
                    last_started_at timestamptz,
                    last_success_at timestamptz,
                    last_duration_ms bigint,
                    last_rows bigint,
                    last_changed bigint,
                    last_error text,
                    last_error_at timestamptz,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (schema_name, name)
                  )""")),
          new Migration(
              8,
              "runs of strata serve",
              List.of(
                  """
                  CREATE TABLE strata.service_run (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    kind text NOT NULL,
                    runner text NOT NULL,
                    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    finished_at timestamptz,
                    outcome text,
                    actions integer,
                    detail text
                  )""",
                  "CREATE INDEX service_run_by_kind ON strata.service_run (kind, started_at)")),
          new Migration(
              9,
              "progress of running moves",
              List.of(
                  """
                  CREATE TABLE strata.operation_progress (
                    operation_id bigint PRIMARY KEY,
                    copied_rows bigint NOT NULL,
                    copied_bytes bigint NOT NULL,
                    expected_rows bigint,
                    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
                  )""")),
          new Migration(
              10,
              "adoptions of plain tables",
              List.of(
                  """
                  CREATE TABLE strata.adoption (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    table_schema text NOT NULL,
                    table_name text NOT NULL,
                    table_oid bigint NOT NULL,
                    partition_column text NOT NULL,
                    partition_interval text NOT NULL,
                    keys text NOT NULL,
                    state text NOT NULL,
                    high_water text[],
                    copied_rows bigint NOT NULL DEFAULT 0,
                    verified_rows bigint,
                    verified_checksum numeric,
                    dropped_foreign_keys text[] NOT NULL DEFAULT '{}',
                    after_swap text[] NOT NULL DEFAULT '{}',
                    old_table text,
                    swap_attempts integer,
                    swap_millis bigint,
                    last_error text,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    finished_at timestamptz
                  )""",
                  """
                  CREATE UNIQUE INDEX adoption_one_unfinished_per_table
                    ON strata.adoption (table_schema, table_name)
                    WHERE state NOT IN ('done', 'aborted')""")));

  public static final int CURRENT_VERSION = MIGRATIONS.get(MIGRATIONS.size() - 1).version();

  private JournalSchema() {}

  /** Creates or upgrades the schema; a no-op when it is current. */
  public static void ensure(Database coordinator) {
    if (currentVersion(coordinator) == CURRENT_VERSION) {
      return;
    }
    coordinator.inTransaction(
        db -> {
          db.execute("SELECT pg_advisory_xact_lock(hashtextextended('strata:schema', 0))");
          db.execute("CREATE SCHEMA IF NOT EXISTS strata");
          db.execute(
              """
              CREATE TABLE IF NOT EXISTS strata.schema_version (
                version integer PRIMARY KEY,
                description text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())""");
          int applied =
              db.queryOne(
                      "SELECT coalesce(max(version), 0) FROM strata.schema_version",
                      row -> row.getInt(1))
                  .orElse(0);
          for (Migration migration : MIGRATIONS) {
            if (migration.version() > applied) {
              for (String statement : migration.statements()) {
                db.execute(statement);
              }
              db.update(
                  "INSERT INTO strata.schema_version (version, description) VALUES (?, ?)",
                  migration.version(),
                  migration.description());
            }
          }
          return null;
        });
  }

  static int currentVersion(Database coordinator) {
    boolean exists =
        coordinator
            .queryOne(
                "SELECT to_regclass('strata.schema_version') IS NOT NULL", row -> row.getBoolean(1))
            .orElse(false);
    if (!exists) {
      return 0;
    }
    return coordinator
        .queryOne(
            "SELECT coalesce(max(version), 0) FROM strata.schema_version", row -> row.getInt(1))
        .orElse(0);
  }
}
