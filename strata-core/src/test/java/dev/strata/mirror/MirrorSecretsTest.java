package dev.strata.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlanner;
import dev.strata.support.TestLayout;
import dev.strata.testkit.LocalServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hostile checks of mirrors: the source's password (the user mapping's and a replica's
 * subscription's) never reaches a server log under {@code log_statement = all} or a dry run, and
 * tables with hostile names are mirrored as names, never as SQL.
 */
class MirrorSecretsTest {
  static final String PASSWORD = "mirror-Secret-7e1'x\\\\y";

  @Test
  void theSourcePasswordNeverReachesALogOrADryRun() throws Exception {
    MirrorFixture fixture = new MirrorFixture("mirror_secrets_test", 1_000);
    fixture.crm.execute(
        "DROP ROLE IF EXISTS mirror_admin",
        "CREATE ROLE mirror_admin LOGIN SUPERUSER PASSWORD '" + PASSWORD.replace("'", "''") + "'");
    String yaml =
        fixture
            .yaml(
                "  public.customers: { from: crm, mode: replica }\n"
                    + "  ref.customers: { from: crm, table: customers, refresh: 1 h }\n")
            .replace(
                "/mirror_secrets_test\", user: postgres }\ntimeouts",
                "/mirror_secrets_test\", user: mirror_admin, password: \"${env:CRM_PASSWORD}\" }\ntimeouts");
    StrataConfig config = TestLayout.config(yaml, Map.of("CRM_PASSWORD", PASSWORD));
    assertThat(config.server("crm").connection().user()).isEqualTo("mirror_admin");
    String dryRun =
        String.join(
            "\n",
            new LifecycleExecutor(new Connections(config), MoveProgress.NONE)
                .sql(new LifecyclePlanner(new Connections(config)).plan(MirrorFixture.NOW)).stream()
                    .flatMap(List::stream)
                    .toList());
    assertThat(dryRun).contains("CREATE SUBSCRIPTION").doesNotContain("Secret-7e1");

    List<LocalServer> servers = List.of(fixture.main, fixture.crm);
    Map<LocalServer, Long> start = new java.util.LinkedHashMap<>();
    for (LocalServer server : servers) {
      start.put(server, Files.size(server.logFile()));
      server.execute(
          "ALTER SYSTEM SET log_statement = 'all'",
          "ALTER SYSTEM SET log_min_duration_statement = 0",
          "SELECT pg_reload_conf()");
    }
    try {
      fixture.apply(config);
      fixture.changeSource();
      new MirrorRefresher(new Connections(config))
          .refresh(
              Mirrors.require(
                  Mirrors.resolve(new Connections(config)),
                  dev.strata.sql.QualifiedName.parse("ref.customers")),
              new MirrorRefresher.Options(false, true));
      new MirrorStatus(new Connections(config)).read(true);
    } finally {
      for (LocalServer server : servers) {
        server.execute(
            "ALTER SYSTEM RESET log_statement",
            "ALTER SYSTEM RESET log_min_duration_statement",
            "SELECT pg_reload_conf()");
      }
    }
    String coordinatorLog = since(fixture.main, start.get(fixture.main));
    assertThat(coordinatorLog)
        .as("the coordinator logged every statement, the subscription's among them")
        .contains("COPY pg_temp.strata_secret (value) FROM STDIN")
        .contains("CREATE SUBSCRIPTION");
    for (LocalServer server : servers) {
      assertThat(since(server, start.get(server)))
          .as("log of " + server.name())
          .doesNotContain("Secret-7e1");
    }
    // Dropped again, with everything the replica made.
    fixture.apply(
        TestLayout.config(
            yaml.substring(0, yaml.indexOf("mirrors:")) + "mirrors: {}\n",
            Map.of("CRM_PASSWORD", PASSWORD)));
    assertThat(fixture.query(fixture.main, "SELECT count(*) FROM pg_subscription")).isEqualTo("0");
  }

  @Test
  void tablesWithHostileNamesAreMirroredAsNames() {
    MirrorFixture fixture = new MirrorFixture("mirror_secrets_test", 10);
    fixture.crm(
        "CREATE SCHEMA \"odd'schema\"",
        "CREATE TABLE \"odd'schema\".\"x\"\"; DROP TABLE customers; --\" (id int PRIMARY KEY,"
            + " \"v;al\" text)",
        "INSERT INTO \"odd'schema\".\"x\"\"; DROP TABLE customers; --\" VALUES (1, 'a''b')");
    StrataConfig config =
        fixture.config("  odd: { from: crm, schema: \"odd'schema\", refresh: 1 h }\n");
    fixture.apply(config);
    assertThat(
            fixture.query(
                fixture.main, "SELECT \"v;al\" FROM odd.\"x\"\"; DROP TABLE customers; --\""))
        .isEqualTo("a'b");
    assertThat(fixture.query(fixture.crm, "SELECT count(*) FROM customers")).isEqualTo("10");
  }

  private static String since(LocalServer server, long offset) throws java.io.IOException {
    byte[] all = Files.readAllBytes(server.logFile());
    return new String(all, (int) offset, all.length - (int) offset, StandardCharsets.UTF_8);
  }
}
