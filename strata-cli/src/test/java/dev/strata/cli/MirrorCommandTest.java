package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mirrors on the command line: plan and apply create them, {@code mirror status} shows them, {@code
 * mirror refresh} (with its dry run) and {@code mirror verify} keep and check them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MirrorCommandTest {
  static final String DATABASE = "mirror_command_test";
  @TempDir static Path directory;
  static Path config;
  static LocalServer main;
  static LocalServer source;

  @BeforeAll
  static void setUp() throws Exception {
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    source = servers.server(SharedServers.ARCHIVE_A);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    sql(
        source,
        "CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, city text)",
        "INSERT INTO customers SELECT g, 'customer ' || g, 'city_' || (g % 7) FROM"
            + " generate_series(1, 3000) g");
    config = directory.resolve("strata.yaml");
    Files.writeString(
        config,
        "coordinator: { url: \"postgresql://127.0.0.1:"
            + main.port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n"
            + "servers:\n"
            + "  crm: { url: \"postgresql://127.0.0.1:"
            + source.port()
            + "/"
            + DATABASE
            + "\", user: postgres }\n"
            + "mirrors:\n"
            + "  ref.customers: { from: crm, table: customers, mode: table, refresh: 1 h,"
            + " indexes: [city] }\n"
            + "  ref.customers_mv: { from: crm, table: customers, mode: matview, refresh: 1 h }\n");
  }

  static CliRun strata(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "-c";
    all[args.length + 1] = config.toString();
    return CliRun.run(java.util.Map.of(), all);
  }

  static void sql(LocalServer server, String... statements) throws SQLException {
    try (var connection = server.connect(DATABASE);
        var st = connection.createStatement()) {
      for (String statement : statements) {
        st.execute(statement);
      }
    }
  }

  static String query(LocalServer server, String sql) throws SQLException {
    try (var connection = server.connect(DATABASE);
        var statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  @Test
  @Order(1)
  void planShowsTheMirrorsWithTheirSqlAndApplyCreatesThem() throws Exception {
    CliRun plan = strata("plan", "--sql");
    assertThat(plan.exitCode()).as(plan.toString()).isZero();
    assertThat(plan.out())
        .contains("[mirror] create mirror ref.customers of public.customers on crm (table)")
        .contains("CREATE FOREIGN TABLE \"strata_mirror\".\"ref__customers\"")
        .contains("CREATE MATERIALIZED VIEW \"ref\".\"customers_mv\"")
        .contains("INSERT INTO pg_temp.strata_mirror_rows");
    assertThat(query(main, "SELECT to_regclass('ref.customers')::text")).isNull();

    CliRun apply = strata("apply", "--yes");
    assertThat(apply.exitCode()).as(apply.toString()).isZero();
    assertThat(query(main, "SELECT count(*) FROM ref.customers")).isEqualTo("3000");
    assertThat(query(main, "SELECT count(*) FROM ref.customers_mv")).isEqualTo("3000");

    CliRun again = strata("plan");
    assertThat(again.out()).contains("Nothing to change");
  }

  @Test
  @Order(2)
  void statusShowsRowsFreshnessAndReachability() {
    CliRun status = strata("mirror", "status");
    assertThat(status.exitCode()).as(status.toString()).isZero();
    assertThat(status.out())
        .contains("ref.customers")
        .contains("ref.customers_mv")
        .contains("crm:public.customers")
        .contains("3000")
        .contains("ok");
    CliRun json = strata("mirror", "status", "--json");
    assertThat(json.exitCode()).as(json.toString()).isZero();
    assertThat(json.out())
        .contains("\"mirror\" : \"ref.customers\"")
        .contains("\"mode\" : \"matview\"")
        .contains("\"source_reachable\" : true")
        .contains("\"stale\" : false");
  }

  @Test
  @Order(3)
  void refreshHasADryRunAndVerifyTellsAStaleCopyFromAnEqualOne() throws Exception {
    sql(
        source,
        "UPDATE customers SET city = 'moved' WHERE id <= 30",
        "DELETE FROM customers WHERE id > 2990");
    CliRun stale = strata("mirror", "verify", "ref.customers");
    assertThat(stale.exitCode()).as(stale.toString()).isEqualTo(1);
    assertThat(stale.out()).contains("DIFFERENT").contains("--verify");

    CliRun dryRun = strata("mirror", "refresh", "ref.customers", "--dry-run");
    assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
    assertThat(dryRun.out())
        .contains("dry run, nothing was executed")
        .contains("BEGIN;")
        .contains("DELETE FROM \"ref\".\"customers\" m WHERE NOT EXISTS")
        .contains("ON CONFLICT (\"id\") DO UPDATE")
        .contains("COMMIT;");
    assertThat(query(main, "SELECT count(*) FROM ref.customers")).isEqualTo("3000");

    CliRun refresh = strata("mirror", "refresh", "--verify");
    assertThat(refresh.exitCode()).as(refresh.toString()).isZero();
    assertThat(refresh.out())
        .contains("refreshed ref.customers (table, full): 2990 rows, 40 changed")
        .contains("refreshed ref.customers_mv (matview, full): 2990 rows")
        .contains("verified 2990 rows");
    CliRun equal = strata("mirror", "verify", "ref.customers", "--json");
    assertThat(equal.exitCode()).as(equal.toString()).isZero();
    assertThat(equal.out()).contains("\"equal\" : true").contains("\"mirror_rows\" : 2990");
  }

  @Test
  @Order(4)
  void unknownMirrorsAreUsageErrors() {
    CliRun unknown = strata("mirror", "refresh", "ref.nope");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("no mirror named ref.nope").contains("ref.customers");
  }
}
