package dev.strata.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.MoveResult;
import dev.strata.operation.OperationState;
import dev.strata.operation.PartitionMover;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import dev.strata.testkit.LocalServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code strata doctor} against real servers: a healthy layout passes every check, and each check
 * is then broken for real (a dropped constraint, a foreign server changed by hand, a row deleted on
 * the archive, a superuser mapping, ...) and must report it with its evidence and its fix. Every
 * test repairs what it broke, so the healthy baseline holds between tests.
 */
class DoctorTest {
  static final String READER = "doctor_reader";
  static final String READER_PASSWORD = "doctor-reader-pw-7";
  static final Map<String, String> ENVIRONMENT = Map.of("DOCTOR_READER_PASSWORD", READER_PASSWORD);
  static final QualifiedName EMP = QualifiedName.parse("emp");
  static final LocalDateTime NOW = LocalDateTime.of(2024, 6, 1, 0, 0);
  static final DoctorOptions OPTIONS = DoctorOptions.DEFAULTS.withNow(Optional.of(NOW));

  static TestLayout layout;
  static StrataConfig config;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("doctor_test");
    for (LocalServer archive : List.of(layout.archiveA(), layout.archiveB())) {
      archive.execute("DROP ROLE IF EXISTS " + READER, "DROP ROLE IF EXISTS doctor_nobody");
      archive.createRole(READER, READER_PASSWORD);
    }
    config = config("");
    apply(config);
    // The role that reads foreign partitions here (the mapping's local role) has a bound, as a
    // healthy deployment's application roles do.
    layout.sql(
        layout.main(),
        "ALTER ROLE postgres IN DATABASE " + layout.database + " SET statement_timeout = '5min'");
    layout.sql(
        layout.main(),
        "CREATE TABLE emp (id int NOT NULL, time timestamp NOT NULL, salary numeric(10,2))"
            + " PARTITION BY RANGE (time)");
    for (int year = 2019; year <= 2025; year++) {
      layout.sql(
          layout.main(),
          "CREATE TABLE emp_"
              + year
              + " PARTITION OF emp FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO emp SELECT g, timestamp '"
              + year
              + "-01-01' + g * interval '13 hours', g * 1.5 FROM generate_series(1, 500) g");
    }
    PartitionMover mover = mover(config);
    mover.archive(EMP, partition(2022), "archive_a", 1);
    mover.archive(EMP, partition(2023), "archive_b", 1);
  }

  /**
   * The healthy config: a dedicated mapping role on both archives, an idle-transaction timeout for
   * the coordinator's sessions there, and emp archived to archive_a. {@code extra} is appended at
   * the top level.
   */
  static StrataConfig config(String extra) {
    return TestLayout.config(yaml(extra, ""), ENVIRONMENT);
  }

  static String yaml(String extra, String tableExtra) {
    StringBuilder yaml = new StringBuilder();
    yaml.append("coordinator:\n  url: ")
        .append(layout.url(layout.main()))
        .append("\n  user: postgres\nservers:\n");
    for (String name : List.of("archive_a", "archive_b")) {
      LocalServer server = name.equals("archive_a") ? layout.archiveA() : layout.archiveB();
      yaml.append("  ")
          .append(name)
          .append(":\n    url: ")
          .append(layout.url(server))
          .append("\n    user: postgres\n")
          .append("    mapping: { user: ")
          .append(READER)
          .append(", password: \"${env:DOCTOR_READER_PASSWORD}\" }\n")
          .append("    fdw: { idle_in_transaction_session_timeout: 10min }\n");
    }
    yaml.append("tables:\n")
        .append("  public.emp:\n")
        .append("    partition_by: { column: time, interval: 1 year }\n")
        .append("    premake: 1\n")
        .append("    hot: 1 year\n")
        .append("    archive_to: archive_a\n")
        .append(tableExtra)
        .append(extra);
    return yaml.toString();
  }

  static void apply(StrataConfig config) {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
  }

  static PartitionMover mover(StrataConfig config) {
    return new PartitionMover(new Connections(config), MoveProgress.NONE);
  }

  static QualifiedName partition(int year) {
    return QualifiedName.of("public", "emp_" + year);
  }

  static DoctorReport doctor() {
    return doctor(config, OPTIONS);
  }

  static DoctorReport doctor(StrataConfig config, DoctorOptions options) {
    return new Doctor(new Connections(config), options).run();
  }

  /** The one result of {@code check} about {@code subject}. */
  static CheckResult result(DoctorReport report, Check check, String subject) {
    List<CheckResult> found =
        report.of(check).stream().filter(r -> r.subject().equals(subject)).toList();
    assertThat(found).as(check.id() + " on " + subject + " in\n" + describe(report)).hasSize(1);
    return found.get(0);
  }

  static void assertFinding(
      DoctorReport report,
      Check check,
      String subject,
      CheckStatus status,
      String evidence,
      String fix) {
    CheckResult result = result(report, check, subject);
    assertThat(result.status()).as(result.toString()).isEqualTo(status);
    assertThat(result.evidence()).as(result.toString()).contains(evidence);
    assertThat(result.fix())
        .as(result.toString())
        .hasValueSatisfying(f -> assertThat(f).contains(fix));
  }

  static String describe(DoctorReport report) {
    StringBuilder text = new StringBuilder();
    for (CheckResult result : report.results()) {
      text.append(result.status().label())
          .append(' ')
          .append(result.check().id())
          .append(' ')
          .append(result.subject())
          .append(": ")
          .append(result.evidence())
          .append(result.fix().map(f -> " | fix: " + f).orElse(""))
          .append('\n');
    }
    return text.toString();
  }

  /** Runs the SQL a fix gives after {@code on SERVER:}, to show the fix repairs what it names. */
  static void runFix(LocalServer server, String fix) {
    String sql = fix.substring(fix.indexOf(": ") + 2);
    layout.sql(server, sql.split("; "));
  }

  /** For clean-ups that may have nothing to clean. */
  static void quietly(Runnable cleanup) {
    try {
      cleanup.run();
    } catch (IllegalStateException nothingToCleanUp) {
      // already clean
    }
  }

  @BeforeEach
  void healthy() {
    apply(config);
  }

  @Test
  void aHealthyLayoutPassesEveryCheck() {
    DoctorReport report = doctor(config, OPTIONS.withDeep(true));

    assertThat(report.results()).as(describe(report)).allMatch(r -> r.status() == CheckStatus.OK);
    assertThat(report.exitCode()).isEqualTo(DoctorReport.EXIT_OK);
    assertThat(result(report, Check.CONNECT_DIRECT, "archive_a").evidence())
        .contains(
            "connected as postgres",
            "round trip",
            "PostgreSQL " + layout.archiveA().postgresVersion() + ".");
    assertThat(result(report, Check.CONNECT_FDW, "archive_b").evidence())
        .contains(
            "reached archive_b as doctor_reader",
            "round trip",
            "PostgreSQL " + layout.archiveB().postgresVersion() + ".");
    assertThat(result(report, Check.PARTITION_ROW_COUNT, "public.emp_2022").evidence())
        .contains("500 rows, as operation");
    assertThat(result(report, Check.PARTITION_CHECKSUM, "public.emp_2023").evidence())
        .contains("as operation");
    assertThat(result(report, Check.PARTITION_OUT_OF_BOUNDS, "public.emp_2022").evidence())
        .contains("validated CHECK constraint");
    // Every check but the deep checksum reported at least once; connect.hosts is only for servers
    // with several hosts (MultiHostServerTest), and the mirror checks for mirrors (the mirror
    // tests), none of which are here.
    for (Check check : Check.values()) {
      if (check != Check.CONNECT_HOSTS && !check.id().startsWith("mirror.")) {
        assertThat(report.of(check)).as(check.id()).isNotEmpty();
      }
    }
    assertThat(report.of(Check.CONNECT_HOSTS)).isEmpty();
    assertThat(doctor().of(Check.PARTITION_CHECKSUM)).isEmpty();
  }

  // ---------------------------------------------------------------- connectivity

  @Test
  void anUnreachableServerFailsItsConnectionAndLeavesItsPartitionsUnchecked() {
    String yaml = yaml("", "").replace(":" + layout.archiveB().port() + "/", ":1/");
    DoctorReport report = doctor(TestLayout.config(yaml, ENVIRONMENT), OPTIONS);

    assertFinding(
        report,
        Check.CONNECT_DIRECT,
        "archive_b",
        CheckStatus.FAIL,
        "cannot connect to server archive_b",
        "servers.archive_b.url");
    assertFinding(
        report,
        Check.PARTITION_REMOTE_TABLE,
        "archive_b",
        CheckStatus.FAIL,
        "1 archived partition on archive_b not checked",
        "connect.direct");
    assertThat(result(report, Check.CONNECT_DIRECT, "archive_a").status())
        .isEqualTo(CheckStatus.OK);
    assertThat(report.exitCode()).isEqualTo(DoctorReport.EXIT_FAILURES);
  }

  @Test
  void aWrongPasswordFailsAuthenticationWithoutShowingIt() {
    String yaml =
        yaml("", "")
            .replace(
                "    user: postgres\n    mapping: { user: doctor_reader, password:"
                    + " \"${env:DOCTOR_READER_PASSWORD}\" }\n    fdw: { idle_in_transaction_session_timeout:"
                    + " 10min }\ntables",
                "    user: doctor_reader\n    password: \"${env:WRONG_PASSWORD}\"\n"
                    + "    mapping: { user: doctor_reader, password:"
                    + " \"${env:DOCTOR_READER_PASSWORD}\" }\n    fdw: { idle_in_transaction_session_timeout:"
                    + " 10min }\ntables");
    StrataConfig wrong =
        TestLayout.config(
            yaml, Map.of("DOCTOR_READER_PASSWORD", READER_PASSWORD, "WRONG_PASSWORD", "nope-42"));
    DoctorReport report = doctor(wrong, OPTIONS);

    assertFinding(
        report,
        Check.CONNECT_DIRECT,
        "archive_b",
        CheckStatus.FAIL,
        "authentication failed",
        "servers.archive_b.password (from ${env:WRONG_PASSWORD})");
    assertThat(describe(report)).doesNotContain("nope-42").doesNotContain(READER_PASSWORD);
  }

  @Test
  void aWrongMappingPasswordFailsThePathThroughTheForeignServer() {
    StrataConfig wrong =
        TestLayout.config(yaml("", ""), Map.of("DOCTOR_READER_PASSWORD", "not-the-password"));
    apply(wrong);
    DoctorReport report = doctor();

    assertFinding(
        report,
        Check.CONNECT_FDW,
        "archive_a",
        CheckStatus.FAIL,
        "password authentication failed for user \"doctor_reader\"",
        "servers.archive_a.mapping.password (from ${env:DOCTOR_READER_PASSWORD}), then strata apply");
    assertThat(describe(report)).doesNotContain("not-the-password");
  }

  @Test
  void aMappingForAnotherCoordinatorRoleIsProbedAsThatRole() {
    layout.main().execute("DROP ROLE IF EXISTS doctor_app", "CREATE ROLE doctor_app NOLOGIN");
    StrataConfig forApp =
        TestLayout.config(
            yaml("", "")
                .replace(
                    "mapping: { user: doctor_reader",
                    "mapping: { local_user: doctor_app, user: doctor_reader"),
            ENVIRONMENT);
    apply(forApp);
    try {
      assertThat(result(doctor(forApp, OPTIONS), Check.CONNECT_FDW, "archive_a").evidence())
          .contains("the coordinator (doctor_app) reached archive_a as doctor_reader");
      layout.sql(layout.main(), "DROP USER MAPPING FOR doctor_app SERVER archive_a");
      assertFinding(
          doctor(forApp, OPTIONS),
          Check.FDW_SERVER,
          "archive_a",
          CheckStatus.FAIL,
          "no user mapping for doctor_app",
          "strata apply");
    } finally {
      quietly(
          () ->
              layout.sql(
                  layout.main(),
                  "DROP USER MAPPING IF EXISTS FOR doctor_app SERVER archive_a",
                  "DROP USER MAPPING IF EXISTS FOR doctor_app SERVER archive_b"));
      layout.main().execute("DROP ROLE doctor_app");
    }
  }

  // ---------------------------------------------------------------- foreign servers

  @Test
  void aMissingUserMappingFailsWithApplyAsTheFix() {
    layout.sql(layout.main(), "DROP USER MAPPING FOR postgres SERVER archive_b");
    DoctorReport report = doctor();

    assertFinding(
        report,
        Check.FDW_SERVER,
        "archive_b",
        CheckStatus.FAIL,
        "no user mapping for postgres",
        "strata apply");
    assertFinding(
        report,
        Check.CONNECT_FDW,
        "archive_b",
        CheckStatus.FAIL,
        "user mapping not found",
        "strata apply");
  }

  @Test
  void invalidValuesStoredByHandFail() {
    layout.sql(
        layout.main(), "ALTER SERVER archive_b OPTIONS (SET port 'abc', ADD sslmode 'bogus')");
    DoctorReport report = doctor();

    assertFinding(
        report,
        Check.FDW_INVALID_VALUE,
        "archive_b",
        CheckStatus.FAIL,
        "port 'abc' is not a port number from 1 to 65535; sslmode 'bogus' is not one of disable",
        "strata apply (sets port '" + layout.archiveB().port() + "' from the config)");
    assertThat(result(report, Check.FDW_INVALID_VALUE, "archive_b").fix().orElseThrow())
        .contains("ALTER SERVER \"archive_b\" OPTIONS (DROP sslmode)");
    assertThat(result(report, Check.CONNECT_FDW, "archive_b").status()).isEqualTo(CheckStatus.FAIL);
  }

  @Test
  void aRoleThatReadsForeignPartitionsWithoutAStatementTimeoutWarns() {
    String role = "ALTER ROLE postgres IN DATABASE " + layout.database;
    layout.sql(layout.main(), role + " RESET statement_timeout");
    try {
      assertFinding(
          doctor(),
          Check.FDW_ROLE_TIMEOUTS,
          "postgres",
          CheckStatus.WARN,
          "postgres has no statement_timeout on the coordinator",
          "ALTER ROLE \"postgres\" SET statement_timeout = '5min'");
    } finally {
      layout.sql(layout.main(), role + " SET statement_timeout = '5min'");
    }
    assertThat(result(doctor(), Check.FDW_ROLE_TIMEOUTS, "postgres").evidence())
        .contains("statement_timeout 5min, set for postgres or the database");
  }

  @Test
  void optionsAgainstBestPracticeWarn() {
    layout.sql(
        layout.main(),
        "ALTER SERVER archive_a OPTIONS (SET fetch_size '100', DROP connect_timeout,"
            + " SET keepalives '0', DROP tcp_user_timeout, SET async_capable 'false',"
            + " SET options '-c idle_in_transaction_session_timeout=600000')");
    DoctorReport report = doctor();

    assertFinding(
        report,
        Check.FDW_FETCH_SIZE,
        "archive_a",
        CheckStatus.WARN,
        "fetch_size is 100",
        "ALTER SERVER \"archive_a\" OPTIONS (SET fetch_size '10000')");
    assertFinding(
        report,
        Check.FDW_CONNECT_TIMEOUT,
        "archive_a",
        CheckStatus.WARN,
        "no connect_timeout",
        "servers.archive_a.fdw.connect_timeout: 10");
    assertFinding(
        report,
        Check.FDW_KEEPALIVES,
        "archive_a",
        CheckStatus.WARN,
        "keepalives are off",
        "OPTIONS (SET keepalives '1')");
    assertFinding(
        report,
        Check.FDW_TCP_USER_TIMEOUT,
        "archive_a",
        CheckStatus.WARN,
        "no tcp_user_timeout",
        "OPTIONS (ADD tcp_user_timeout '60000')");
    assertFinding(
        report,
        Check.FDW_SESSION_TIMEOUTS,
        "archive_a",
        CheckStatus.WARN,
        "no statement_timeout or lock_timeout",
        "servers.archive_a.fdw.statement_timeout");
    assertFinding(
        report,
        Check.FDW_ASYNC_CAPABLE,
        "archive_a",
        CheckStatus.WARN,
        "public.emp (archive_a, archive_b) has foreign partitions on several servers",
        "servers.archive_a.fdw.async_capable: true");
    assertThat(result(report, Check.FDW_FETCH_SIZE, "archive_b").status())
        .isEqualTo(CheckStatus.OK);
    assertThat(report.exitCode()).isEqualTo(DoctorReport.EXIT_WARNINGS);

    apply(config);
    assertThat(doctor().status()).isEqualTo(CheckStatus.OK);
  }

  @Test
  void anSslmodeBelowTheConfiguredMinimumFails() {
    StrataConfig strict = config("security: { min_sslmode: require }\n");
    DoctorReport report = doctor(strict, OPTIONS);

    assertFinding(
        report,
        Check.FDW_SSLMODE,
        "archive_a",
        CheckStatus.FAIL,
        "sslmode prefer (not set: libpq's default) is weaker than security.min_sslmode require",
        "servers.archive_a.fdw.sslmode: verify-full");
    assertThat(
            result(
                    doctor(config("security: { min_sslmode: disable }\n"), OPTIONS),
                    Check.FDW_SSLMODE,
                    "archive_a")
                .status())
        .isEqualTo(CheckStatus.OK);
  }

  @Test
  void aWritableForeignPartitionWithoutBatchSizeWarns() {
    layout.sql(layout.main(), "ALTER FOREIGN TABLE emp_2022 OPTIONS (SET updatable 'true')");
    try {
      DoctorReport report = doctor();
      assertFinding(
          report,
          Check.FDW_BATCH_SIZE,
          "public.emp_2022",
          CheckStatus.WARN,
          "writable foreign partition without batch_size",
          "ALTER FOREIGN TABLE \"public\".\"emp_2022\" OPTIONS (ADD batch_size '1000')");
      layout.sql(layout.main(), "ALTER FOREIGN TABLE emp_2022 OPTIONS (ADD batch_size '1000')");
      assertThat(result(doctor(), Check.FDW_BATCH_SIZE, "public.emp_2022").status())
          .isEqualTo(CheckStatus.OK);
    } finally {
      layout.sql(layout.main(), "ALTER FOREIGN TABLE emp_2022 OPTIONS (SET updatable 'false')");
      quietly(
          () ->
              layout.sql(layout.main(), "ALTER FOREIGN TABLE emp_2022 OPTIONS (DROP batch_size)"));
    }
  }

  @Test
  void aLargeRemoteTableWithoutRemoteEstimatesWarns() {
    layout.sql(layout.archiveA(), "ANALYZE emp_2022");
    DoctorReport report = doctor(config, OPTIONS.withLargeTableRows(100));

    assertFinding(
        report,
        Check.FDW_USE_REMOTE_ESTIMATE,
        "public.emp_2022",
        CheckStatus.WARN,
        "archive_a:public.emp_2022 holds about 500 rows and use_remote_estimate is off",
        "ALTER FOREIGN TABLE \"public\".\"emp_2022\" OPTIONS (ADD use_remote_estimate 'true')");
    assertThat(result(doctor(), Check.FDW_USE_REMOTE_ESTIMATE, "public.emp_2022").status())
        .isEqualTo(CheckStatus.OK);
  }

  @Test
  void usageOnAForeignServerForPublicWarns() {
    layout.sql(layout.main(), "GRANT USAGE ON FOREIGN SERVER archive_a TO PUBLIC");
    try {
      assertFinding(
          doctor(),
          Check.FDW_PUBLIC_USAGE,
          "archive_a",
          CheckStatus.WARN,
          "PUBLIC has USAGE on foreign server archive_a",
          "REVOKE USAGE ON FOREIGN SERVER \"archive_a\" FROM PUBLIC");
    } finally {
      layout.sql(layout.main(), "REVOKE USAGE ON FOREIGN SERVER archive_a FROM PUBLIC");
    }
  }

  // ---------------------------------------------------------------- archived partitions

  @Test
  void aMissingRemoteTableFails() {
    layout.sql(layout.archiveB(), "ALTER TABLE emp_2023 RENAME TO emp_2023_moved");
    try {
      assertFinding(
          doctor(),
          Check.PARTITION_REMOTE_TABLE,
          "public.emp_2023",
          CheckStatus.FAIL,
          "remote table archive_b:public.emp_2023 does not exist",
          "DETACH PARTITION \"public\".\"emp_2023\"");
    } finally {
      layout.sql(layout.archiveB(), "ALTER TABLE emp_2023_moved RENAME TO emp_2023");
    }
  }

  @Test
  void columnsThatDifferFromTheParentFail() {
    layout.sql(
        layout.archiveA(),
        "ALTER TABLE emp_2022 ALTER COLUMN salary TYPE text",
        "ALTER TABLE emp_2022 ALTER COLUMN id DROP NOT NULL");
    try {
      assertFinding(
          doctor(),
          Check.PARTITION_COLUMNS,
          "public.emp_2022",
          CheckStatus.FAIL,
          "column id is NOT NULL on the coordinator but nullable there; column salary is text there"
              + " but numeric(10,2) on the coordinator",
          "on archive_a: ALTER TABLE \"public\".\"emp_2022\" ALTER COLUMN \"id\" SET NOT NULL;"
              + " ALTER TABLE \"public\".\"emp_2022\" ALTER COLUMN \"salary\" TYPE numeric(10,2)");
    } finally {
      layout.sql(
          layout.archiveA(),
          "ALTER TABLE emp_2022 ALTER COLUMN salary TYPE numeric(10,2) USING salary::numeric",
          "ALTER TABLE emp_2022 ALTER COLUMN id SET NOT NULL");
    }
  }

  @Test
  void aMissingCheckConstraintWarnsAndRowsOutsideTheBoundsFail() {
    layout.sql(
        layout.archiveA(),
        "ALTER TABLE emp_2022 DROP CONSTRAINT strata_partition_bounds",
        "INSERT INTO emp_2022 VALUES (-1, '2030-01-01', 1)");
    try {
      DoctorReport report = doctor();
      assertFinding(
          report,
          Check.PARTITION_CHECK_CONSTRAINT,
          "public.emp_2022",
          CheckStatus.WARN,
          "no CHECK constraint on archive_a:public.emp_2022 equals the bounds",
          "ADD CONSTRAINT strata_partition_bounds CHECK");
      assertFinding(
          report,
          Check.PARTITION_OUT_OF_BOUNDS,
          "public.emp_2022",
          CheckStatus.FAIL,
          "holds 1 row outside FROM ('2022-01-01 00:00:00') TO ('2023-01-01 00:00:00')",
          "SELECT * FROM \"public\".\"emp_2022\" WHERE NOT (");
      assertFinding(
          report,
          Check.PARTITION_ROW_COUNT,
          "public.emp_2022",
          CheckStatus.FAIL,
          "holds 501 rows; operation",
          "strata verify public.emp emp_2022");

      layout.sql(layout.archiveA(), "DELETE FROM emp_2022 WHERE id = -1");
      String fix = result(report, Check.PARTITION_CHECK_CONSTRAINT, "public.emp_2022").fix().get();
      runFix(layout.archiveA(), fix);
      DoctorReport repaired = doctor();
      assertThat(result(repaired, Check.PARTITION_CHECK_CONSTRAINT, "public.emp_2022").status())
          .isEqualTo(CheckStatus.OK);
      assertThat(result(repaired, Check.PARTITION_OUT_OF_BOUNDS, "public.emp_2022").status())
          .isEqualTo(CheckStatus.OK);
    } finally {
      layout.sql(
          layout.archiveA(),
          "DELETE FROM emp_2022 WHERE id = -1",
          "ALTER TABLE emp_2022 DROP CONSTRAINT IF EXISTS strata_partition_bounds",
          "ALTER TABLE emp_2022 ADD CONSTRAINT strata_partition_bounds CHECK (time >="
              + " '2022-01-01' AND time < '2023-01-01' AND time IS NOT NULL)");
    }
  }

  @Test
  void aHandWrittenCheckEqualToTheBoundsPassesAndANotValidOneWarns() {
    layout.sql(
        layout.archiveB(),
        "ALTER TABLE emp_2023 DROP CONSTRAINT strata_partition_bounds",
        "ALTER TABLE emp_2023 ADD CONSTRAINT by_hand CHECK (time >= '2023-01-01' AND time <"
            + " '2024-01-01')");
    try {
      assertThat(result(doctor(), Check.PARTITION_CHECK_CONSTRAINT, "public.emp_2023").status())
          .isEqualTo(CheckStatus.OK);
      layout.sql(
          layout.archiveB(),
          "ALTER TABLE emp_2023 DROP CONSTRAINT by_hand",
          "ALTER TABLE emp_2023 ADD CONSTRAINT by_hand CHECK (time >= '2023-01-01' AND time <"
              + " '2024-01-01') NOT VALID");
      DoctorReport report = doctor();
      assertFinding(
          report,
          Check.PARTITION_CHECK_CONSTRAINT,
          "public.emp_2023",
          CheckStatus.WARN,
          "CHECK by_hand equals the bounds but is NOT VALID",
          "ALTER TABLE \"public\".\"emp_2023\" VALIDATE CONSTRAINT \"by_hand\"");
      assertThat(result(report, Check.PARTITION_OUT_OF_BOUNDS, "public.emp_2023").evidence())
          .contains("no row outside");
    } finally {
      layout.sql(
          layout.archiveB(),
          "ALTER TABLE emp_2023 DROP CONSTRAINT IF EXISTS by_hand",
          "ALTER TABLE emp_2023 ADD CONSTRAINT strata_partition_bounds CHECK (time >="
              + " '2023-01-01' AND time < '2024-01-01' AND time IS NOT NULL)");
    }
  }

  @Test
  void rowsLostOnTheArchiveFailTheCountAndChangedRowsFailTheDeepChecksum() {
    layout.sql(
        layout.archiveB(),
        "CREATE TABLE saved AS SELECT * FROM emp_2023 WHERE id = 7",
        "DELETE FROM emp_2023 WHERE id = 7");
    try {
      assertFinding(
          doctor(),
          Check.PARTITION_ROW_COUNT,
          "public.emp_2023",
          CheckStatus.FAIL,
          "archive_b:public.emp_2023 holds 499 rows; operation",
          "strata verify public.emp emp_2023");
    } finally {
      layout.sql(layout.archiveB(), "INSERT INTO emp_2023 SELECT * FROM saved", "DROP TABLE saved");
    }
    layout.sql(layout.archiveB(), "UPDATE emp_2023 SET salary = salary + 1 WHERE id = 7");
    try {
      DoctorReport shallow = doctor();
      assertThat(result(shallow, Check.PARTITION_ROW_COUNT, "public.emp_2023").status())
          .isEqualTo(CheckStatus.OK);
      assertFinding(
          doctor(config, OPTIONS.withDeep(true)),
          Check.PARTITION_CHECKSUM,
          "public.emp_2023",
          CheckStatus.FAIL,
          "the rows changed after they were archived",
          "strata verify public.emp emp_2023");
    } finally {
      layout.sql(layout.archiveB(), "UPDATE emp_2023 SET salary = salary - 1 WHERE id = 7");
    }
  }

  // ---------------------------------------------------------------- layout

  @Test
  void aGapBetweenPartitionsWarns() {
    layout.sql(
        layout.main(),
        "CREATE TABLE emp_2027 PARTITION OF emp FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')");
    try {
      assertFinding(
          doctor(),
          Check.LAYOUT_GAPS,
          "public.emp",
          CheckStatus.WARN,
          "no partition covers [2026-01-01 00:00:00, 2027-01-01 00:00:00): inserting a row in that"
              + " range fails",
          "strata partition create public.emp --from '2026-01-01 00:00:00' --to '2027-01-01"
              + " 00:00:00'");
    } finally {
      layout.sql(layout.main(), "DROP TABLE emp_2027");
    }
  }

  @Test
  void rowsInTheDefaultPartitionWarn() {
    layout.sql(
        layout.main(),
        "CREATE TABLE emp_default PARTITION OF emp DEFAULT",
        "INSERT INTO emp VALUES (1, '2031-03-03', 1), (2, '2031-04-04', 2)");
    try {
      assertFinding(
          doctor(),
          Check.LAYOUT_DEFAULT_ROWS,
          "public.emp",
          CheckStatus.WARN,
          "the default partition public.emp_default holds 2 rows (keys from 2031-03-03 00:00:00 to"
              + " 2031-04-04 00:00:00)",
          "DETACH PARTITION \"public\".\"emp_default\"");
    } finally {
      layout.sql(layout.main(), "DROP TABLE emp_default");
    }
  }

  @Test
  void missingFuturePartitionsWarnByTheClock() {
    DoctorReport report =
        doctor(config, OPTIONS.withNow(Optional.of(LocalDateTime.of(2025, 3, 1, 0, 0))));

    assertFinding(
        report,
        Check.LAYOUT_PREMAKE,
        "public.emp",
        CheckStatus.WARN,
        "premake 1 at 1 year by the clock (2025-03-01 00:00:00): no partition for [2026-01-01,"
            + " 2027-01-01)",
        "strata partition create public.emp --from '2026-01-01' --to '2027-01-01'");
    assertThat(result(doctor(), Check.LAYOUT_PREMAKE, "public.emp").evidence())
        .contains("the current period and the next 1 have partitions");
  }

  @Test
  void aUniqueIndexOnATableConfiguredForArchivingFails() {
    layout.sql(
        layout.main(),
        "CREATE TABLE keyed (id int PRIMARY KEY, time timestamp NOT NULL) PARTITION BY RANGE (id)",
        "CREATE TABLE keyed_1 PARTITION OF keyed FOR VALUES FROM (0) TO (100)");
    try {
      StrataConfig withKeyed =
          TestLayout.config(
              yaml(
                  "",
                  "  public.keyed:\n"
                      + "    partition_by: { column: id, interval: 1 year }\n"
                      + "    hot: 1 year\n"
                      + "    archive_to: archive_a\n"),
              ENVIRONMENT);
      assertFinding(
          doctor(withKeyed, OPTIONS),
          Check.LAYOUT_UNIQUE_INDEX,
          "public.keyed",
          CheckStatus.FAIL,
          "public.keyed has keyed_pkey: PostgreSQL refuses foreign partitions",
          "ALTER TABLE \"public\".\"keyed\" DROP CONSTRAINT \"keyed_pkey\"");
    } finally {
      layout.sql(layout.main(), "DROP TABLE keyed");
    }
  }

  // ---------------------------------------------------------------- leftovers

  @Test
  void aRemoteTableKeptByARestoreIsAnOrphan() {
    PartitionMover mover = mover(config);
    mover.archive(EMP, partition(2021), "archive_a", 1);
    mover.restore(EMP, partition(2021), true, 1);
    try {
      assertFinding(
          doctor(),
          Check.ORPHAN_REMOTE_TABLE,
          "archive_a",
          CheckStatus.WARN,
          "public.emp_2021 (operation",
          "on archive_a: DROP TABLE \"public\".\"emp_2021\"");
      assertThat(result(doctor(), Check.ORPHAN_REMOTE_TABLE, "archive_a").evidence())
          .contains("kept by --keep-remote of restore");
    } finally {
      layout.sql(layout.archiveA(), "DROP TABLE IF EXISTS emp_2021");
    }
  }

  @Test
  void aDetachedCopyPastItsGracePeriodWarnsUntilResumed() throws Exception {
    StrataConfig graceful = TestLayout.config(yaml("", "    detached_grace: 1s\n"), ENVIRONMENT);
    PartitionMover mover = mover(graceful);
    MoveResult archived = mover.archive(EMP, partition(2019), "archive_b", 1);
    assertThat(archived.operation().state()).isEqualTo(OperationState.SWAPPED);
    long id = archived.operation().id();
    Thread.sleep(1_100);
    try {
      assertFinding(
          doctor(),
          Check.ORPHAN_DETACHED_COPY,
          "coordinator",
          CheckStatus.WARN,
          "detached local copies kept past their grace period",
          "strata resume " + id);
    } finally {
      mover.resume(id);
      mover.restore(EMP, partition(2019), false, 1);
    }
    assertThat(result(doctor(), Check.ORPHAN_DETACHED_COPY, "coordinator").status())
        .isEqualTo(CheckStatus.OK);
  }

  @Test
  void anOperationStoppedBeforeItsSwapFailsWhileThePartitionIsFrozen() {
    // A foreign server broken by hand: the copy and verification go straight to the server and
    // succeed, but the swap counts the rows through the new foreign table, which fails.
    layout.sql(layout.main(), "ALTER SERVER archive_b OPTIONS (SET port '1')");
    PartitionMover mover = mover(config);
    long id;
    try {
      mover.archive(EMP, partition(2020), "archive_b", 1);
      throw new AssertionError("the swap should have failed");
    } catch (dev.strata.StrataException expected) {
      id =
          mover.resumable().stream()
              .filter(op -> op.partition().equals(partition(2020)))
              .findFirst()
              .orElseThrow()
              .id();
    }
    try {
      DoctorReport report = doctor();
      assertFinding(
          report,
          Check.ORPHAN_OPERATION,
          "public.emp_2020",
          CheckStatus.FAIL,
          "the partition is frozen: writes into its range fail",
          "strata resume " + id + " to finish it, or strata abort " + id);
    } finally {
      apply(config);
      mover.abort(id);
    }
    assertThat(result(doctor(), Check.ORPHAN_OPERATION, "coordinator").status())
        .isEqualTo(CheckStatus.OK);
  }

  // ---------------------------------------------------------------- archive-side hygiene

  @Test
  void aCoordinatorTransactionLeftOpenShowsAsAnIdleRemoteSession() throws Exception {
    try (Connection open = layout.main().connect(layout.database);
        Statement statement = open.createStatement()) {
      open.setAutoCommit(false);
      statement.execute(
          "SELECT count(*) FROM emp WHERE time >= '2022-03-01' AND time < '2022-04-01'");
      DoctorReport report = doctor(config, OPTIONS.withIdleInTransactionThreshold(Duration.ZERO));
      assertFinding(
          report,
          Check.ARCHIVE_IDLE_IN_TRANSACTION,
          "archive_a",
          CheckStatus.WARN,
          "1 postgres_fdw session (strata_fdw) idle in a transaction",
          "end the coordinator transaction that opened them");
      open.rollback();
    }
  }

  @Test
  void noIdleTransactionTimeoutWarnsUnlessTheRoleHasOne() {
    layout.sql(
        layout.main(),
        "ALTER SERVER archive_b OPTIONS (SET options '-c statement_timeout=900000 -c"
            + " lock_timeout=10000')");
    DoctorReport report = doctor();
    assertFinding(
        report,
        Check.ARCHIVE_IDLE_TIMEOUT,
        "archive_b",
        CheckStatus.WARN,
        "no idle_in_transaction_session_timeout for the coordinator's sessions on archive_b",
        "servers.archive_b.fdw.idle_in_transaction_session_timeout: 10min");
    layout
        .archiveB()
        .execute("ALTER ROLE doctor_reader SET idle_in_transaction_session_timeout = '5min'");
    try {
      assertThat(result(doctor(), Check.ARCHIVE_IDLE_TIMEOUT, "archive_b").evidence())
          .contains("5min, set for doctor_reader");
    } finally {
      layout
          .archiveB()
          .execute("ALTER ROLE doctor_reader RESET idle_in_transaction_session_timeout");
    }
  }

  @Test
  void aSuperuserMappingFailsUnlessTheConfigAllowsIt() {
    String superuser =
        yaml("", "").replace("mapping: { user: doctor_reader", "mapping: { user: postgres");
    DoctorReport report = doctor(TestLayout.config(superuser, ENVIRONMENT), OPTIONS);
    assertFinding(
        report,
        Check.ARCHIVE_MAPPING_ROLE,
        "archive_a",
        CheckStatus.FAIL,
        "the user mapping's role postgres is a superuser on archive_a",
        "security.allow_superuser_mapping: true");

    DoctorReport allowed =
        doctor(
            TestLayout.config(
                superuser + "security: { allow_superuser_mapping: true }\n", ENVIRONMENT),
            OPTIONS);
    assertFinding(
        allowed,
        Check.ARCHIVE_MAPPING_ROLE,
        "archive_a",
        CheckStatus.WARN,
        "(allowed by security.allow_superuser_mapping)",
        "servers.archive_a.mapping.user");

    String missing =
        yaml("", "").replace("mapping: { user: doctor_reader", "mapping: { user: doctor_nobody");
    assertFinding(
        doctor(TestLayout.config(missing, ENVIRONMENT), OPTIONS),
        Check.ARCHIVE_MAPPING_ROLE,
        "archive_b",
        CheckStatus.FAIL,
        "doctor_nobody (servers.archive_b.mapping.user) does not exist on archive_b",
        "strata grants --apply");
  }

  @Test
  void extraRoleAttributesWarn() {
    layout.archiveB().execute("ALTER ROLE doctor_reader CREATEDB");
    try {
      assertFinding(
          doctor(),
          Check.ARCHIVE_MAPPING_ROLE,
          "archive_b",
          CheckStatus.WARN,
          "doctor_reader has CREATEDB",
          "on archive_b: ALTER ROLE \"doctor_reader\" NOCREATEDB");
    } finally {
      layout.archiveB().execute("ALTER ROLE doctor_reader NOCREATEDB");
    }
  }

  @Test
  void writeRightsOnAReadOnlyArchiveWarn() {
    layout.sql(layout.archiveA(), "GRANT INSERT, DELETE ON emp_2022 TO doctor_reader");
    DoctorReport report = doctor();
    CheckResult result = result(report, Check.ARCHIVE_WRITE_ACCESS, "archive_a");
    assertFinding(
        report,
        Check.ARCHIVE_WRITE_ACCESS,
        "archive_a",
        CheckStatus.WARN,
        "may write to read-only archives (updatable 'false' on the coordinator): public.emp_2022"
            + " (INSERT, DELETE)",
        "on archive_a: REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE \"public\".\"emp_2022\""
            + " FROM \"doctor_reader\"");
    runFix(layout.archiveA(), result.fix().get().replace(" (or strata grants --apply)", ""));
    assertThat(result(doctor(), Check.ARCHIVE_WRITE_ACCESS, "archive_a").status())
        .isEqualTo(CheckStatus.OK);
  }

  // ---------------------------------------------------------------- statistics and secrets

  @Test
  void aForeignPartitionNeverAnalyzedWarnsUntilStrataAnalyze() {
    layout.sql(
        layout.archiveB(),
        "CREATE TABLE metrics_2020 (at date NOT NULL, v int)",
        "INSERT INTO metrics_2020 SELECT date '2020-01-01' + g % 300, g FROM generate_series(1, 40) g",
        "GRANT SELECT ON metrics_2020 TO doctor_reader");
    layout.sql(
        layout.main(),
        "CREATE TABLE metrics (at date NOT NULL, v int) PARTITION BY RANGE (at)",
        "CREATE FOREIGN TABLE metrics_2020 (at date NOT NULL, v int) SERVER archive_b",
        "ALTER TABLE metrics ATTACH PARTITION metrics_2020 FOR VALUES FROM ('2020-01-01') TO"
            + " ('2021-01-01')");
    try {
      DoctorReport report = doctor();
      assertFinding(
          report,
          Check.STATISTICS_ANALYZED,
          "public.metrics",
          CheckStatus.WARN,
          "never analyzed on the coordinator: public.metrics_2020",
          "strata analyze public.metrics");
      assertThat(result(report, Check.PARTITION_ROW_COUNT, "public.metrics_2020").evidence())
          .contains("not archived by Strata");
      assertThat(result(report, Check.PARTITION_CHECK_CONSTRAINT, "public.metrics_2020").status())
          .isEqualTo(CheckStatus.WARN);

      List<ForeignStatistics.Analyzed> analyzed =
          new ForeignStatistics(new Connections(config))
              .analyze(Optional.of(QualifiedName.parse("metrics")));
      assertThat(analyzed)
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.ok()).as(a.toString()).isTrue();
                assertThat(a.partition()).isEqualTo("public.metrics_2020");
                assertThat(a.server()).isEqualTo("archive_b");
                assertThat(a.rows()).hasValue(40);
              });
      assertThat(result(doctor(), Check.STATISTICS_ANALYZED, "public.metrics").status())
          .isEqualTo(CheckStatus.OK);
    } finally {
      layout.sql(layout.main(), "DROP TABLE metrics");
      layout.sql(layout.archiveB(), "DROP TABLE metrics_2020");
    }
  }

  @Test
  void aPasswordWrittenInTheConfigWarns() {
    String literal =
        yaml("", "").replaceFirst("\\$\\{env:DOCTOR_READER_PASSWORD\\}", READER_PASSWORD);
    DoctorReport report =
        doctor(
            TestLayout.config(literal, Map.of("DOCTOR_READER_PASSWORD", READER_PASSWORD)), OPTIONS);
    assertFinding(
        report,
        Check.SECURITY_PASSWORD_SOURCE,
        "configuration",
        CheckStatus.WARN,
        "servers.archive_a.mapping.password is written in the configuration",
        "password: \"${env:NAME}\"");
    assertThat(describe(report)).doesNotContain(READER_PASSWORD);
  }
}
