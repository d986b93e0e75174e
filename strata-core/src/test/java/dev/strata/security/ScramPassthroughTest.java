package dev.strata.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.health.Check;
import dev.strata.health.CheckResult;
import dev.strata.health.CheckStatus;
import dev.strata.health.Doctor;
import dev.strata.health.DoctorOptions;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.plan.SqlAction;
import dev.strata.sql.SqlStatement;
import dev.strata.support.TestLayout;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL 18's {@code use_scram_passthrough}: the user mapping stores no password, and a client
 * that logged in to the coordinator with SCRAM reaches the archive as itself, because both servers
 * hold the same SCRAM verifier for its role.
 */
class ScramPassthroughTest {
  static final String PASSWORD = "passthrough-pw-11";

  @Test
  void aScramClientReadsTheArchiveThroughAMappingWithoutPassword() throws Exception {
    TestLayout layout = new TestLayout("scram_passthrough_test");
    // Older coordinators refuse the option; the version matrix pins that refusal.
    assumeTrue(
        layout.main().postgresVersion() >= 18, "use_scram_passthrough exists from PostgreSQL 18");
    layout.main().execute("DROP ROLE IF EXISTS pass_user");
    layout.archiveA().execute("DROP ROLE IF EXISTS pass_user");
    layout.main().createRole("pass_user", PASSWORD);
    String verifier =
        layout.queryString(
            layout.main(), "SELECT rolpassword FROM pg_authid WHERE rolname = 'pass_user'");
    assertThat(verifier).startsWith("SCRAM-SHA-256$");
    // The same verifier (salt and iterations), not merely the same password, on the archive.
    layout.archiveA().execute("CREATE ROLE pass_user LOGIN PASSWORD '" + verifier + "'");
    layout.sql(
        layout.archiveA(),
        "CREATE TABLE t (id int)",
        "INSERT INTO t VALUES (1), (2), (3)",
        "GRANT SELECT ON t TO pass_user");

    String yaml =
        layout
            .yaml()
            .replace(
                "  archive_b:",
                "    password: \"${env:ARCHIVE_PASSWORD}\"\n"
                    + "    mapping: { local_user: pass_user, user: pass_user }\n"
                    + "    fdw: { use_scram_passthrough: true }\n"
                    + "  archive_b:");
    StrataConfig config = TestLayout.config(yaml, Map.of("ARCHIVE_PASSWORD", "unused-by-trust"));
    assertThat(config.server("archive_a").mapping().password()).isEmpty();
    List<SqlAction> actions;
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      actions = ForeignServerPlanner.plan(config, new CatalogReader(coordinator));
      ActionExecutor.execute(coordinator, actions, a -> {});
    }
    String sql =
        actions.stream()
            .flatMap(a -> a.statements().stream())
            .map(SqlStatement::render)
            .reduce("", (a, b) -> a + "\n" + b);
    assertThat(sql)
        .contains("use_scram_passthrough 'true'")
        .contains(
            "CREATE USER MAPPING FOR \"pass_user\" SERVER \"archive_a\" OPTIONS (user 'pass_user')")
        .doesNotContain("strata.secret");
    layout.sql(
        layout.main(),
        "CREATE FOREIGN TABLE t_remote (id int) SERVER archive_a OPTIONS (table_name 't')",
        "GRANT SELECT ON t_remote TO pass_user");

    Properties login = new Properties();
    login.setProperty("user", "pass_user");
    login.setProperty("password", PASSWORD);
    try (var connection =
            DriverManager.getConnection(layout.main().jdbcUrl(layout.database), login);
        var statement = connection.createStatement();
        var rows = statement.executeQuery("SELECT count(*) FROM t_remote")) {
      rows.next();
      assertThat(rows.getLong(1)).isEqualTo(3);
    }

    // Strata's own session (postgres, trusted) has no SCRAM keys to pass through: the doctor says
    // so instead of reporting a broken server.
    CheckResult probe =
        new Doctor(new Connections(config), DoctorOptions.DEFAULTS)
            .run().of(Check.CONNECT_FDW).stream()
                .filter(r -> r.subject().equals("archive_a"))
                .findFirst()
                .orElseThrow();
    assertThat(probe.status()).as(probe.toString()).isEqualTo(CheckStatus.WARN);
    assertThat(probe.evidence()).contains("not verified: with use_scram_passthrough");
    assertThat(probe.fix())
        .hasValueSatisfying(f -> assertThat(f).contains("coordinator.user must be pass_user"));
  }
}
