package dev.strata.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.plan.SqlAction;
import dev.strata.support.TestLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server whose url names several hosts, against real servers: the first host is a loopback port
 * nothing listens on (a primary that is down), the second is archive_a. Strata's connections and
 * the coordinator's foreign server both go on to the live host, and doctor says which host is
 * which.
 */
class MultiHostServerTest {
  static TestLayout layout;
  static int downPort;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("multi_host_test");
    downPort = freePort();
    layout.sql(
        layout.archiveA(),
        "CREATE TABLE readings (id int NOT NULL, reading text)",
        "INSERT INTO readings VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  }

  /** A loopback port nothing listens on: connections to it are refused at once. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String hosts(int... ports) {
    StringBuilder hosts = new StringBuilder();
    for (int port : ports) {
      hosts.append(hosts.length() == 0 ? "" : ",").append("127.0.0.1:").append(port);
    }
    return hosts.toString();
  }

  static StrataConfig config(String archiveHosts) {
    String yaml =
        layout.yaml().replace("127.0.0.1:" + layout.archiveA().port() + "/", archiveHosts + "/");
    return TestLayout.config(yaml, Map.of());
  }

  static List<SqlAction> plan(StrataConfig config) {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      return ForeignServerPlanner.plan(config, new CatalogReader(coordinator));
    }
  }

  static void apply(StrataConfig config) {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(coordinator, plan(config), action -> {});
    }
  }

  @Test
  void strataAndTheCoordinatorSkipTheHostThatIsDown() {
    StrataConfig config = config(hosts(downPort, layout.archiveA().port()));

    try (Database archive =
        new Database("archive_a", new Connections(config).server("archive_a"))) {
      assertThat(archive.queryOne("SELECT inet_server_port()", row -> row.getInt(1)))
          .contains(layout.archiveA().port());
    }

    List<SqlAction> actions = plan(config);
    String created =
        actions.stream()
            .filter(action -> action.description().equals("create foreign server archive_a"))
            .findFirst()
            .orElseThrow()
            .statements()
            .get(0)
            .sql();
    assertThat(created)
        .contains("host '127.0.0.1,127.0.0.1'")
        .contains("port '" + downPort + "," + layout.archiveA().port() + "'")
        .contains("target_session_attrs 'read-write'");
    apply(config);
    assertThat(plan(config)).isEmpty();

    layout.sql(
        layout.main(),
        "CREATE FOREIGN TABLE readings (id int, reading text) SERVER archive_a"
            + " OPTIONS (table_name 'readings')");
    assertThat(
            layout.queryString(
                layout.main(), "SELECT string_agg(reading, ',' ORDER BY id)" + " FROM readings"))
        .isEqualTo("one,two,three");

    DoctorReport report = DoctorTest.doctor(config, DoctorOptions.DEFAULTS);
    CheckResult hosts = DoctorTest.result(report, Check.CONNECT_HOSTS, "archive_a");
    assertThat(hosts.status()).as(hosts.toString()).isEqualTo(CheckStatus.WARN);
    assertThat(hosts.evidence())
        .startsWith(
            "primary 127.0.0.1:"
                + layout.archiveA().port()
                + ", but 127.0.0.1:"
                + downPort
                + " is down: 127.0.0.1:"
                + downPort
                + " down (cannot connect to server archive_a")
        .contains(
            "127.0.0.1:"
                + layout.archiveA().port()
                + " primary (PostgreSQL "
                + layout.archiveA().postgresVersion()
                + ".");
    assertThat(hosts.fix())
        .hasValueSatisfying(fix -> assertThat(fix).contains("servers.archive_a.url"));
    for (Check check : List.of(Check.CONNECT_DIRECT, Check.CONNECT_FDW, Check.FDW_INVALID_VALUE)) {
      CheckResult result = DoctorTest.result(report, check, "archive_a");
      assertThat(result.status()).as(result.toString()).isEqualTo(CheckStatus.OK);
    }
    // A server with one host has no per-host check.
    assertThat(report.of(Check.CONNECT_HOSTS)).hasSize(1);

    // The hosts change (the dead one is replaced by another): plan sees the drift and apply fixes
    // it, and the coordinator still reads through the foreign server.
    int otherDownPort = freePort();
    StrataConfig moved = config(hosts(layout.archiveA().port(), otherDownPort));
    List<SqlAction> drift = plan(moved);
    assertThat(drift).hasSize(1);
    assertThat(drift.get(0).reason())
        .contains(
            "port is '"
                + downPort
                + ","
                + layout.archiveA().port()
                + "', config says '"
                + layout.archiveA().port()
                + ","
                + otherDownPort
                + "'");
    apply(moved);
    assertThat(plan(moved)).isEmpty();
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM readings")).isEqualTo("3");
  }

  @Test
  void noReachablePrimaryFails() {
    int secondDownPort = freePort();
    StrataConfig config = config(hosts(downPort, secondDownPort));

    DoctorReport report = DoctorTest.doctor(config, DoctorOptions.DEFAULTS);

    CheckResult hosts = DoctorTest.result(report, Check.CONNECT_HOSTS, "archive_a");
    assertThat(hosts.status()).as(hosts.toString()).isEqualTo(CheckStatus.FAIL);
    assertThat(hosts.evidence())
        .startsWith("no host of archive_a is a reachable primary: 127.0.0.1:" + downPort + " down")
        .contains("127.0.0.1:" + secondDownPort + " down");
    assertThat(hosts.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("pg_promote()"));
    assertThat(DoctorTest.result(report, Check.CONNECT_DIRECT, "archive_a").status())
        .isEqualTo(CheckStatus.FAIL);
  }
}
