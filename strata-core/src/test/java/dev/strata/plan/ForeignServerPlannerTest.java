package dev.strata.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.SqlStatement;
import dev.strata.support.TestLayout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class ForeignServerPlannerTest {
  static final String PASSWORD = "s3cret-'quoted'-%s-$strata$-back\\slash";
  static TestLayout layout;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("foreign_server_planner_test");
    layout.archiveA().execute("DROP ROLE IF EXISTS planner_reader");
    layout.archiveA().createRole("planner_reader", PASSWORD);
    layout.sql(
        layout.archiveA(),
        "CREATE TABLE t (id int)",
        "INSERT INTO t VALUES (1), (2)",
        "GRANT SELECT ON t TO planner_reader");
  }

  private StrataConfig config(String fetchSize, String password) {
    String yaml =
        layout
            .yaml()
            .replace(
                "  archive_b:",
                "    mapping: { user: planner_reader, password: \"${env:READER_PASSWORD}\" }\n"
                    + "    fdw: { fetch_size: "
                    + fetchSize
                    + " }\n"
                    + "  archive_b:");
    return TestLayout.config(yaml, Map.of("READER_PASSWORD", password));
  }

  private List<SqlAction> plan(StrataConfig config) {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      return ForeignServerPlanner.plan(config, new CatalogReader(coordinator));
    }
  }

  private void apply(StrataConfig config, List<SqlAction> actions) {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(coordinator, actions, action -> {});
    }
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void createsEverythingThenChangesNothingOnTheSecondRun() {
    StrataConfig config = config("20000", PASSWORD);
    List<SqlAction> first = plan(config);
    assertThat(first)
        .extracting(SqlAction::description)
        .containsExactly(
            "create extension postgres_fdw",
            "create foreign server archive_a",
            "create user mapping for postgres on server archive_a",
            "create foreign server archive_b",
            "create user mapping for postgres on server archive_b");
    String rendered = render(first);
    assertThat(rendered).doesNotContain(PASSWORD).contains("${env:READER_PASSWORD}");
    assertThat(rendered)
        .contains("fetch_size '20000'")
        .contains("async_capable 'true'")
        .contains("keepalives '1'");
    assertThat(rendered).contains("options '-c statement_timeout=");
    apply(config, first);

    assertThat(plan(config)).isEmpty();
    // The mapping works: the coordinator reads the archive through it, as planner_reader.
    layout.sql(
        layout.main(),
        "CREATE FOREIGN TABLE t_remote (id int) SERVER archive_a OPTIONS (table_name 't')");
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM t_remote")).isEqualTo("2");
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void changesOnlyTheOptionThatDiffers() {
    StrataConfig config = config("50000", PASSWORD);
    List<SqlAction> actions = plan(config);
    assertThat(actions).hasSize(1);
    assertThat(actions.get(0).reason()).isEqualTo("fetch_size is '20000', config says '50000'");
    assertThat(render(actions))
        .isEqualTo("ALTER SERVER \"archive_a\" OPTIONS (SET fetch_size '50000');");
    apply(config, actions);
    assertThat(plan(config)).isEmpty();
  }

  @Test
  @org.junit.jupiter.api.Order(3)
  void dropsOptionsAddedByHandAndResetsAChangedPasswordWithoutShowingIt() {
    layout.sql(layout.main(), "ALTER SERVER archive_a OPTIONS (ADD fdw_startup_cost '100')");
    layout.archiveA().execute("ALTER ROLE planner_reader PASSWORD 'rotated-password'");
    StrataConfig config = config("50000", "rotated-password");
    List<SqlAction> actions = plan(config);
    assertThat(actions)
        .extracting(SqlAction::reason)
        .containsExactly(
            "fdw_startup_cost not in config", "password differs from ${env:READER_PASSWORD}");
    assertThat(render(actions)).doesNotContain("rotated-password");
    apply(config, actions);
    assertThat(plan(config)).isEmpty();
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM t_remote")).isEqualTo("2");
  }

  private static String render(List<SqlAction> actions) {
    return actions.stream()
        .flatMap(action -> action.statements().stream())
        .map(SqlStatement::render)
        .reduce((a, b) -> a + "\n" + b)
        .orElse("");
  }
}
