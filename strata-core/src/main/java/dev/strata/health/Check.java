package dev.strata.health;

/**
 * Every check {@code strata doctor} runs: a closed set, so the documentation (README's "strata
 * doctor" section) and the tests can list them all. Each result names its check by {@link #id()}.
 * The order here is the order of the report: connectivity first, then the coordinator's foreign
 * servers, archived partitions, table layout, leftovers, archive-side hygiene, statistics and the
 * configuration's own secrets.
 */
public enum Check {
  CONNECT_DIRECT(
      "connect.direct",
      "Strata connects to the server directly and authenticates; connect time, round trip and"
          + " server version."),
  CONNECT_HOSTS(
      "connect.hosts",
      "For a server whose url names several hosts: each host separately, which one is the primary"
          + " and which are standbys or down."),
  CONNECT_FDW(
      "connect.fdw",
      "The coordinator reaches the server through its foreign server and user mapping; time to"
          + " connect and round trip."),
  FDW_SERVER(
      "fdw.server",
      "A postgres_fdw foreign server and a user mapping exist on the coordinator for each"
          + " configured server."),
  FDW_INVALID_VALUE(
      "fdw.invalid_value",
      "Connection options PostgreSQL stores unchecked (port, sslmode, timeouts, keepalives) hold"
          + " valid values."),
  FDW_FETCH_SIZE(
      "fdw.fetch_size", "fetch_size is set above postgres_fdw's 100 rows per round trip."),
  FDW_CONNECT_TIMEOUT("fdw.connect_timeout", "connect_timeout bounds the wait for a connection."),
  FDW_KEEPALIVES(
      "fdw.keepalives", "TCP keepalives notice a lost host or network path within about a minute."),
  FDW_TCP_USER_TIMEOUT(
      "fdw.tcp_user_timeout", "tcp_user_timeout bounds how long sent data may go unacknowledged."),
  FDW_SESSION_TIMEOUTS(
      "fdw.session_timeouts",
      "statement_timeout and lock_timeout are set for remote sessions (libpq options)."),
  FDW_ROLE_TIMEOUTS(
      "fdw.role_timeouts",
      "Every role that reads foreign partitions (each user mapping's local role) has a"
          + " statement_timeout: postgres_fdw waits for a server that does not answer without a"
          + " deadline."),
  FDW_ASYNC_CAPABLE(
      "fdw.async_capable",
      "async_capable is on where a table has foreign partitions on several servers."),
  FDW_PARALLEL_COMMIT(
      "fdw.parallel_commit",
      "parallel_commit and parallel_abort are on where a table has writable foreign partitions on"
          + " several servers: otherwise each server touched adds its commit round trip."),
  FDW_SSLMODE("fdw.sslmode", "sslmode is at least security.min_sslmode."),
  FDW_BATCH_SIZE(
      "fdw.batch_size", "Writable foreign partitions send inserts in batches (batch_size > 1)."),
  FDW_USE_REMOTE_ESTIMATE(
      "fdw.use_remote_estimate", "Large foreign partitions are planned with use_remote_estimate."),
  FDW_PUBLIC_USAGE("fdw.public_usage", "PUBLIC has no USAGE on the foreign server."),
  PARTITION_REMOTE_TABLE(
      "partition.remote_table", "Each archived partition's remote table exists on its server."),
  PARTITION_COLUMNS(
      "partition.columns", "The remote table's columns, types and NOT NULLs match the parent's."),
  PARTITION_CHECK_CONSTRAINT(
      "partition.check_constraint",
      "The remote table has a CHECK constraint equal to the partition's bounds."),
  PARTITION_OUT_OF_BOUNDS(
      "partition.out_of_bounds", "No remote row lies outside the partition's bounds."),
  PARTITION_ROW_COUNT(
      "partition.row_count", "The remote row count equals the count the journal recorded."),
  PARTITION_CHECKSUM(
      "partition.checksum",
      "(--deep) The remote rows' checksum equals the checksum the journal recorded."),
  LAYOUT_GAPS("layout.gaps", "No gap between consecutive range partitions."),
  LAYOUT_DEFAULT_ROWS("layout.default_rows", "The default partition holds no rows."),
  LAYOUT_PREMAKE(
      "layout.premake",
      "The current period and `premake` more have partitions, by the clock (tables in the"
          + " config)."),
  LAYOUT_UNIQUE_INDEX(
      "layout.unique_index",
      "A table in the config has no primary key or unique index, which would block archiving."),
  ORPHAN_REMOTE_TABLE(
      "orphan.remote_table",
      "Every remote table a Strata operation created is used by a partition."),
  ORPHAN_DETACHED_COPY(
      "orphan.detached_copy", "No detached local copy is kept past its grace period."),
  ORPHAN_OPERATION("orphan.operation", "No journal operation is left unfinished."),
  ORPHAN_ADOPTION(
      "orphan.adoption",
      "No table is left half adopted (capture triggers, a _strata_new table or an unfinished"
          + " adoption) without a running `strata adopt`."),
  ORPHAN_REPLICATION(
      "orphan.replication",
      "No publication, subscription or replication slot of a finished shard move is left."),
  ARCHIVE_IDLE_IN_TRANSACTION(
      "archive.idle_in_transaction",
      "No postgres_fdw session on the server is idle in a transaction for long."),
  ARCHIVE_IDLE_TIMEOUT(
      "archive.idle_timeout",
      "idle_in_transaction_session_timeout ends remote sessions left idle in a transaction."),
  ARCHIVE_MAPPING_ROLE(
      "archive.mapping_role",
      "The user mapping's role exists and is not a superuser (nor CREATEROLE, CREATEDB,"
          + " BYPASSRLS)."),
  ARCHIVE_WRITE_ACCESS(
      "archive.write_access", "The user mapping's role cannot write to read-only archived tables."),
  STATISTICS_ANALYZED(
      "statistics.analyzed", "Every foreign partition has been analyzed on the coordinator."),
  MIRROR_REFRESH(
      "mirror.refresh",
      "Each mirror's last refresh succeeded (a failed one kept the previous copy)."),
  MIRROR_STALE(
      "mirror.stale", "No mirror is older than twice its refresh interval, or was never filled."),
  MIRROR_SHAPE(
      "mirror.shape", "Each mirror's source table still has the columns the mirror was made with."),
  MIRROR_CONCURRENT(
      "mirror.concurrent",
      "Each matview mirror has the unique index REFRESH ... CONCURRENTLY needs, so refreshes do"
          + " not block readers."),
  MIRROR_REPLICA(
      "mirror.replica",
      "Each replica mirror's subscription exists, is enabled and is not lagging far behind."),
  SECURITY_PASSWORD_SOURCE(
      "security.password_source",
      "Passwords come from the environment, a file or .pgpass, not the configuration text.");

  private final String id;
  private final String description;

  Check(String id, String description) {
    this.id = id;
    this.description = description;
  }

  /** The stable name reports and documentation use, e.g. {@code partition.columns}. */
  public String id() {
    return id;
  }

  /** What the check verifies, in one sentence. */
  public String description() {
    return description;
  }
}
