package dev.strata.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.config.FdwOptions;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.health.Check;
import dev.strata.health.CheckResult;
import dev.strata.health.CheckStatus;
import dev.strata.health.Doctor;
import dev.strata.health.DoctorOptions;
import dev.strata.health.DoctorReport;
import dev.strata.support.MatrixVersions;
import dev.strata.support.TestLayout;
import dev.strata.support.VersionMatrix;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * What differs by PostgreSQL version in the foreign servers Strata creates, on every version of the
 * matrix: which postgres_fdw options the coordinator knows (checked against the server itself, so
 * the registry's versions are proven), that Strata's defaults apply on each version and a second
 * apply changes nothing, that a configured option the coordinator cannot honour is refused before
 * anything changes, and what doctor says and suggests about parallel commit and timeouts.
 */
class ForeignServerOptionsMatrixTest {
  static List<SqlAction> plan(StrataConfig config) {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      return ForeignServerPlanner.plan(config, new CatalogReader(coordinator));
    }
  }

  static void apply(StrataConfig config) {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
  }

  static StrataConfig withFdw(TestLayout layout, String fdw) {
    String yaml =
        layout
            .yaml()
            .replace("  archive_b:", "    fdw: " + fdw + "\n  archive_b:")
            .concat("    fdw: " + fdw + "\n");
    return TestLayout.config(yaml, Map.of());
  }

  /** The options of foreign server {@code server} on the coordinator, as PostgreSQL stores them. */
  static String storedOptions(TestLayout layout, String server) {
    return layout.queryString(
        layout.main(),
        "SELECT array_to_string(srvoptions, ',') FROM pg_foreign_server WHERE srvname = '"
            + server
            + "'");
  }

  @VersionMatrix(suite = "fdw options")
  void theCoordinatorKnowsExactlyTheOptionsTheRegistryGivesItsVersion(int version)
      throws SQLException {
    TestLayout layout = MatrixVersions.layout("fdw_matrix_registry", version);
    layout.sql(layout.main(), "CREATE EXTENSION postgres_fdw");
    for (FdwOptions.FdwOption option : FdwOptions.all()) {
      if (option.isSessionSetting() || option.valueWithout().isEmpty()) {
        continue;
      }
      String create =
          "CREATE SERVER probe_"
              + option.name()
              + " FOREIGN DATA WRAPPER postgres_fdw OPTIONS ("
              + option.name()
              + " '"
              + option.valueWithout().get()
              + "')";
      try (var connection = layout.main().connect(layout.database);
          var statement = connection.createStatement()) {
        if (option.knownTo(version)) {
          statement.execute(create);
        } else {
          assertThatThrownBy(() -> statement.execute(create))
              .as(option.name() + " on PostgreSQL " + version)
              .isInstanceOf(SQLException.class)
              .hasMessageContaining("invalid option \"" + option.name() + "\"")
              .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("HV00D"));
        }
      }
    }
  }

  @VersionMatrix(suite = "fdw options")
  void strataDefaultsApplyOnEveryVersionAndASecondApplyChangesNothing(int version) {
    TestLayout layout = MatrixVersions.layout("fdw_matrix_defaults", version);
    StrataConfig config = layout.config();
    List<SqlAction> first = plan(config);

    assertThat(first)
        .filteredOn(a -> a.kind().equals("foreign_server"))
        .allSatisfy(
            action -> {
              String ddl = action.statements().get(0).sql();
              assertThat(ddl.contains("parallel_commit")).as(ddl).isEqualTo(version >= 15);
              assertThat(action.reason().contains("parallel_commit left out"))
                  .as(action.reason())
                  .isEqualTo(version < 15);
            });
    apply(config);
    assertThat(storedOptions(layout, "archive_a"))
        .contains("fetch_size=10000", "async_capable=true", "keepalives=1");
    assertThat(storedOptions(layout, "archive_a").contains("parallel_commit=false"))
        .isEqualTo(version >= 15);
    assertThat(plan(config)).as("a second apply").isEmpty();
  }

  @VersionMatrix(suite = "fdw options")
  void aConfiguredOptionTheCoordinatorCannotHonourIsRefusedBeforeAnythingChanges(int version) {
    TestLayout layout = MatrixVersions.layout("fdw_matrix_refused", version);
    StrataConfig parallel = withFdw(layout, "{ parallel_commit: true, parallel_abort: true }");

    if (version >= 16) {
      apply(parallel);
      assertThat(storedOptions(layout, "archive_b"))
          .contains("parallel_commit=true", "parallel_abort=true");
    } else {
      assertThatThrownBy(() -> plan(parallel))
          .isInstanceOfSatisfying(
              StrataException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIG))
          .hasMessage(
              "servers.archive_a.fdw sets "
                  + (version == 14 ? "parallel_commit 'true' (PostgreSQL 15+), " : "")
                  + "parallel_abort 'true' (PostgreSQL 16+), which the coordinator's postgres_fdw"
                  + " does not know: the coordinator runs PostgreSQL "
                  + layout.main().serverVersion()
                  + " (it would refuse the option with \"invalid option\")");
      assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM pg_foreign_server"))
          .as("nothing changed")
          .isEqualTo("0");
    }
    StrataConfig scram = withFdw(layout, "{ use_scram_passthrough: false }");
    apply(scram);
    assertThat(storedOptions(layout, "archive_a").contains("use_scram_passthrough"))
        .as("false is what a coordinator without the option does")
        .isEqualTo(version >= 18);
  }

  @VersionMatrix(suite = "fdw options")
  void doctorJudgesParallelCommitAndTimeoutsByTheCoordinatorsVersion(int version) {
    TestLayout layout = MatrixVersions.layout("fdw_matrix_doctor", version);
    StrataConfig config =
        version >= 15 ? withFdw(layout, "{ parallel_commit: true }") : layout.config();
    apply(config);
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
            + " OPTIONS (table_name 'sharded_1')",
        "INSERT INTO sharded SELECT g, 'x' FROM generate_series(1, 20) g");

    DoctorReport report = new Doctor(new Connections(config), DoctorOptions.DEFAULTS).run();

    CheckResult parallel = only(report, Check.FDW_PARALLEL_COMMIT, "archive_a");
    switch (version) {
      case 14 -> {
        assertThat(parallel.status()).as(parallel.toString()).isEqualTo(CheckStatus.OK);
        assertThat(parallel.evidence())
            .contains("parallel_commit and parallel_abort not available on the coordinator");
      }
      case 15 -> {
        assertThat(parallel.status()).as(parallel.toString()).isEqualTo(CheckStatus.OK);
        assertThat(parallel.evidence())
            .startsWith("parallel_commit on; parallel_abort not available on the coordinator");
      }
      default -> {
        assertThat(parallel.status()).as(parallel.toString()).isEqualTo(CheckStatus.WARN);
        assertThat(parallel.evidence()).startsWith("parallel_abort is off");
        assertThat(parallel.fix())
            .hasValueSatisfying(f -> assertThat(f).contains("parallel_abort"));
      }
    }

    // transaction_timeout exists from PostgreSQL 17: only then does the fix name it.
    CheckResult timeouts = only(report, Check.FDW_ROLE_TIMEOUTS, "postgres");
    assertThat(timeouts.status()).isEqualTo(CheckStatus.WARN);
    assertThat(timeouts.fix().orElseThrow().contains("transaction_timeout"))
        .as(timeouts.fix().orElseThrow())
        .isEqualTo(version >= 17);
    String setting = "SELECT set_config('transaction_timeout', '10min', true)";
    if (version >= 17) {
      layout.sql(layout.main(), setting);
    } else {
      assertThatThrownBy(() -> layout.sql(layout.main(), setting))
          .hasMessageContaining("unrecognized configuration parameter \"transaction_timeout\"");
    }
  }

  static CheckResult only(DoctorReport report, Check check, String subject) {
    List<CheckResult> found =
        report.of(check).stream().filter(r -> r.subject().equals(subject)).toList();
    assertThat(found).as(check.id() + " on " + subject + ": " + report.results()).hasSize(1);
    return found.get(0);
  }
}
