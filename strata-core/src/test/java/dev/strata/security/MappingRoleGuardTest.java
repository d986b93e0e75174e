package dev.strata.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.plan.SqlAction;
import dev.strata.support.TestLayout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The secure default of {@code strata apply}: a user mapping that logs in as a superuser of its
 * server is refused (checked on the server) unless the config insists; one that reuses Strata's own
 * role is let through.
 */
@TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class MappingRoleGuardTest {
  static final String PASSWORD = "guard-pw-3";
  static final Map<String, String> ENVIRONMENT = Map.of("GUARD_PASSWORD", PASSWORD);
  static TestLayout layout;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("mapping_role_guard_test");
    layout
        .archiveA()
        .execute("DROP ROLE IF EXISTS guard_admin", "DROP ROLE IF EXISTS guard_reader");
    layout.archiveA().createRole("guard_admin", PASSWORD);
    layout.archiveA().execute("ALTER ROLE guard_admin SUPERUSER");
    layout.archiveA().createRole("guard_reader", PASSWORD);
  }

  static StrataConfig config(String mappingUser, String extra) {
    String yaml =
        layout
                .yaml()
                .replace(
                    "  archive_b:",
                    "    mapping: { user: "
                        + mappingUser
                        + ", password: \"${env:GUARD_PASSWORD}\" }\n"
                        + "  archive_b:")
            + extra;
    return TestLayout.config(yaml, ENVIRONMENT);
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

  static String mappings() {
    return layout.queryString(
        layout.main(),
        "SELECT coalesce(string_agg(srvname || ':' || usename, ',' ORDER BY srvname), '')"
            + " FROM pg_user_mappings");
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void refusesAnExplicitSuperuserMappingAndChangesNothing() {
    assertThatThrownBy(() -> apply(config("guard_admin", "")))
        .isInstanceOfSatisfying(
            StrataException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.CHECK_FAILED);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "refusing to create or change the user mapping for server archive_a: its"
                          + " role guard_admin (servers.archive_a.mapping.user) is a superuser on"
                          + " that server, so every query the coordinator sends there could read"
                          + " or change anything on it");
              assertThat(e.hint())
                  .contains("`strata grants`", "security.allow_superuser_mapping: true")
                  .endsWith("nothing was changed");
            });
    assertThat(mappings()).isEmpty();
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void refusesWhenTheServerCannotBeCheckedEither() {
    String reachable = ":" + layout.archiveA().port() + "/";
    String yaml =
        layout
            .yaml()
            .replace(
                "  archive_b:",
                "    mapping: { user: guard_reader, password: \"${env:GUARD_PASSWORD}\" }\n"
                    + "  archive_b:");
    // Only archive_a's URL points nowhere (archive_b keeps its own port).
    int at = yaml.indexOf(reachable);
    StrataConfig unreachable =
        TestLayout.config(
            yaml.substring(0, at) + ":1/" + yaml.substring(at + reachable.length()), ENVIRONMENT);
    assertThatThrownBy(() -> plan(unreachable))
        .isInstanceOfSatisfying(
            StrataException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.CONNECTION);
              assertThat(e.getMessage())
                  .startsWith(
                      "cannot check the role of the user mapping for server archive_a before"
                          + " creating or changing it: cannot connect to server archive_a");
              assertThat(e.hint()).contains("nothing was changed for this mapping");
            });
  }

  @Test
  @org.junit.jupiter.api.Order(3)
  void createsTheMappingWhenTheConfigInsists() {
    StrataConfig allowed = config("guard_admin", "security: { allow_superuser_mapping: true }\n");
    assertThat(plan(allowed))
        .extracting(SqlAction::description)
        .contains("create user mapping for postgres on server archive_a");
    apply(allowed);
    assertThat(mappings()).isEqualTo("archive_a:postgres,archive_b:postgres");
    // An unchanged mapping is not re-checked by apply; strata doctor reports it.
    assertThat(plan(config("guard_admin", ""))).isEmpty();
  }

  @Test
  @org.junit.jupiter.api.Order(4)
  void changesTheMappingToADedicatedRoleAndLetsASingleRoleSetupThrough() {
    StrataConfig dedicated = config("guard_reader", "");
    assertThat(plan(dedicated))
        .extracting(SqlAction::description)
        .containsExactly("change user mapping for postgres on server archive_a");
    apply(dedicated);
    assertThat(plan(dedicated)).isEmpty();
    // The test layout's own config maps to postgres, Strata's own (superuser) role: allowed.
    StrataConfig singleRole = layout.config();
    assertThat(MappingRoleGuard.reusesStrataRole(singleRole.server("archive_a"))).isTrue();
    apply(singleRole);
    assertThat(plan(singleRole)).isEmpty();
  }
}
