package dev.strata.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.support.TestLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The doctor's checks of foreign-server options that decide how a transaction spanning servers
 * commits and how long a stalled server holds a query, against real servers: a table hash-sharded
 * in two writable foreign partitions on archive_a and archive_b.
 */
class CommitAcrossServersTest {
  static TestLayout layout;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("commit_across_servers_test");
    apply(layout.config());
    layout.sql(layout.archiveA(), "CREATE TABLE sharded_0 (id int NOT NULL, reading text)");
    layout.sql(layout.archiveB(), "CREATE TABLE sharded_1 (id int NOT NULL, reading text)");
    layout.sql(
        layout.main(),
        "CREATE TABLE sharded (id int NOT NULL, reading text) PARTITION BY HASH (id)",
        "CREATE FOREIGN TABLE sharded_0 PARTITION OF sharded"
            + " FOR VALUES WITH (MODULUS 2, REMAINDER 0) SERVER archive_a"
            + " OPTIONS (table_name 'sharded_0')",
        "CREATE FOREIGN TABLE sharded_1 PARTITION OF sharded"
            + " FOR VALUES WITH (MODULUS 2, REMAINDER 1) SERVER archive_b"
            + " OPTIONS (table_name 'sharded_1')");
  }

  static void apply(StrataConfig config) {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
  }

  static StrataConfig withFdw(String fdw) {
    String yaml =
        layout
            .yaml()
            .replace("  archive_b:", "    fdw: " + fdw + "\n  archive_b:")
            .concat("    fdw: " + fdw + "\n");
    return TestLayout.config(yaml, java.util.Map.of());
  }

  @Test
  void serialCommitIsFlaggedWhereATableWritesToSeveralServers() {
    // parallel_commit exists from PostgreSQL 15, parallel_abort from 16; the version matrix
    // covers what the check says on older coordinators (ForeignServerOptionsMatrixTest).
    assumeTrue(layout.main().postgresVersion() >= 16, "parallel_abort exists from PostgreSQL 16");
    StrataConfig defaults = layout.config();
    apply(defaults);
    DoctorReport report = DoctorTest.doctor(defaults, DoctorOptions.DEFAULTS);

    for (String server : new String[] {"archive_a", "archive_b"}) {
      DoctorTest.assertFinding(
          report,
          Check.FDW_PARALLEL_COMMIT,
          server,
          CheckStatus.WARN,
          "parallel_commit and parallel_abort are off, and public.sharded (archive_a, archive_b)"
              + " has writable foreign partitions on several servers",
          "servers." + server + ".fdw.parallel_commit: true");
    }
    assertThat(DoctorTest.result(report, Check.FDW_PARALLEL_COMMIT, "archive_a").evidence())
        .contains("not atomic across servers");

    // Read-only foreign partitions commit with nothing to flush: no warning.
    layout.sql(
        layout.main(),
        "ALTER FOREIGN TABLE sharded_0 OPTIONS (ADD updatable 'false')",
        "ALTER FOREIGN TABLE sharded_1 OPTIONS (ADD updatable 'false')");
    try {
      CheckResult readOnly =
          DoctorTest.result(
              DoctorTest.doctor(defaults, DoctorOptions.DEFAULTS),
              Check.FDW_PARALLEL_COMMIT,
              "archive_a");
      assertThat(readOnly.status()).as(readOnly.toString()).isEqualTo(CheckStatus.OK);
    } finally {
      layout.sql(
          layout.main(),
          "ALTER FOREIGN TABLE sharded_0 OPTIONS (DROP updatable)",
          "ALTER FOREIGN TABLE sharded_1 OPTIONS (DROP updatable)");
    }

    // The coordinator accepts both options, and a write through both shards commits with them.
    StrataConfig parallel = withFdw("{ parallel_commit: true, parallel_abort: true }");
    apply(parallel);
    layout.sql(layout.main(), "INSERT INTO sharded SELECT g, 'x' FROM generate_series(1, 20) g");
    assertThat(layout.queryString(layout.archiveA(), "SELECT count(*) > 0 FROM sharded_0"))
        .isEqualTo("t");
    assertThat(layout.queryString(layout.archiveB(), "SELECT count(*) > 0 FROM sharded_1"))
        .isEqualTo("t");
    CheckResult on =
        DoctorTest.result(
            DoctorTest.doctor(parallel, DoctorOptions.DEFAULTS),
            Check.FDW_PARALLEL_COMMIT,
            "archive_b");
    assertThat(on.status()).as(on.toString()).isEqualTo(CheckStatus.OK);
    assertThat(on.evidence()).isEqualTo("parallel_commit and parallel_abort on");
    apply(defaults);
  }

  @Test
  void longConnectTimeoutsAndSlowKeepalivesAreFlagged() {
    StrataConfig slow = withFdw("{ connect_timeout: 2min, keepalives_idle: 10min }");
    apply(slow);
    try {
      DoctorReport report = DoctorTest.doctor(slow, DoctorOptions.DEFAULTS);
      DoctorTest.assertFinding(
          report,
          Check.FDW_CONNECT_TIMEOUT,
          "archive_a",
          CheckStatus.WARN,
          "connect_timeout is 120 s",
          "servers.archive_a.fdw.connect_timeout: 10");
      DoctorTest.assertFinding(
          report,
          Check.FDW_KEEPALIVES,
          "archive_b",
          CheckStatus.WARN,
          "keepalives notice a lost server only after about 630 s",
          "servers.archive_b.fdw.keepalives_idle: 30");
    } finally {
      apply(layout.config());
    }
    DoctorReport defaults = DoctorTest.doctor(layout.config(), DoctorOptions.DEFAULTS);
    for (Check check : new Check[] {Check.FDW_CONNECT_TIMEOUT, Check.FDW_KEEPALIVES}) {
      CheckResult result = DoctorTest.result(defaults, check, "archive_a");
      assertThat(result.status()).as(result.toString()).isEqualTo(CheckStatus.OK);
    }
  }
}
