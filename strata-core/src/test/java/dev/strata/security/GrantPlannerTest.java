package dev.strata.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.health.Check;
import dev.strata.health.CheckStatus;
import dev.strata.health.Doctor;
import dev.strata.health.DoctorOptions;
import dev.strata.health.DoctorReport;
import dev.strata.operation.AttachRequest;
import dev.strata.operation.PartitionManager;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import dev.strata.support.TestLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code strata grants}: least-privilege SQL on both sides, printed and applied for real. */
class GrantPlannerTest {
  static final String PASSWORD = "grant-reader-pw-5";
  static TestLayout layout;
  static StrataConfig config;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("grant_planner_test");
    layout.archiveA().execute("DROP ROLE IF EXISTS grant_reader");
    layout.main().execute("DROP ROLE IF EXISTS grant_app_read");
    config =
        TestLayout.config(
            layout
                .yaml()
                .replace(
                    "  archive_b:",
                    "    mapping: { user: grant_reader, password: \"${env:GRANT_PASSWORD}\" }\n"
                        + "  archive_b:"),
            Map.of("GRANT_PASSWORD", PASSWORD));
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    layout.sql(
        layout.main(), "CREATE TABLE readings (at date NOT NULL, v int) PARTITION BY RANGE (at)");
    layout.sql(
        layout.archiveA(),
        "CREATE TABLE readings_2020 (at date NOT NULL, v int)",
        "INSERT INTO readings_2020 VALUES ('2020-05-05', 1), ('2020-06-06', 2)",
        "CREATE TABLE readings_2021 (at date NOT NULL, v int)",
        "INSERT INTO readings_2021 VALUES ('2021-05-05', 3)");
    PartitionManager manager = new PartitionManager(new Connections(config));
    for (int year : new int[] {2020, 2021}) {
      manager.attach(
          manager.planAttach(
              new AttachRequest(
                  QualifiedName.parse("readings"),
                  "archive_a",
                  List.of(
                      new AttachRequest.Remote(
                          QualifiedName.parse("readings_" + year),
                          year + "-01-01",
                          (year + 1) + "-01-01",
                          Optional.empty())),
                  year == 2020)));
    }
  }

  static String render(GrantPlan.Section section) {
    return SqlStatement.renderAll(section.statements());
  }

  static GrantPlan.Section section(GrantPlan plan, String server) {
    return plan.sections().stream()
        .filter(s -> s.server().equals(server))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void printsLeastPrivilegeSqlForBothSidesAndAppliesIt() {
    GrantPlanner planner = new GrantPlanner(new Connections(config), "grant_app_read");
    GrantPlan plan = planner.plan();
    assertThat(plan.sections())
        .extracting(GrantPlan.Section::server)
        .containsExactly("coordinator", "archive_a", "archive_b");

    GrantPlan.Section coordinator = section(plan, "coordinator");
    assertThat(render(coordinator))
        .contains(
            "REVOKE USAGE ON FOREIGN SERVER \"archive_a\" FROM PUBLIC;",
            "REVOKE USAGE ON FOREIGN SERVER \"archive_b\" FROM PUBLIC;",
            "CREATE ROLE \"grant_app_read\" NOLOGIN",
            "GRANT SELECT ON TABLE \"public\".\"readings\" TO \"grant_app_read\";");
    assertThat(coordinator.notes())
        .anySatisfy(note -> assertThat(note).contains("postgres (coordinator.user) is a superuser"))
        .anySatisfy(note -> assertThat(note).contains("mapping.local_user"));

    GrantPlan.Section archive = section(plan, "archive_a");
    assertThat(render(archive))
        .contains(
            "CREATE ROLE \"grant_reader\" LOGIN",
            "GRANT CONNECT ON DATABASE \"grant_planner_test\" TO \"grant_reader\";",
            "GRANT USAGE ON SCHEMA \"public\" TO \"grant_reader\";",
            "GRANT SELECT ON TABLE \"public\".\"readings_2020\" TO \"grant_reader\";",
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE \"public\".\"readings_2020\" FROM"
                + " \"grant_reader\";",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE \"public\".\"readings_2021\" TO"
                + " \"grant_reader\";")
        .doesNotContain("PASSWORD")
        .doesNotContain(PASSWORD);
    assertThat(archive.notes())
        .anySatisfy(
            note ->
                assertThat(note)
                    .contains(
                        "grant_reader is created without a password: set it to the value of"
                            + " servers.archive_a.mapping.password (${env:GRANT_PASSWORD})"));
    assertThat(section(plan, "archive_b").notes())
        .anySatisfy(note -> assertThat(note).contains("reuses Strata's own role postgres"));

    List<String> executed = new ArrayList<>();
    planner.apply(plan, server -> executed.add("-- " + server), s -> executed.add(s.render()));
    assertThat(executed).contains("-- coordinator", "-- archive_a");
    // Idempotent: a second run changes nothing and does not fail.
    planner.apply(planner.plan(), server -> {}, s -> {});

    assertThat(
            layout.queryString(
                layout.archiveA(),
                "SELECT rolcanlogin AND rolpassword IS NULL AND NOT rolsuper FROM pg_authid"
                    + " WHERE rolname = 'grant_reader'"))
        .isEqualTo("t");
    assertThat(
            layout.queryString(
                layout.archiveA(),
                "SELECT has_table_privilege('grant_reader', 'readings_2020', 'SELECT')::text"
                    + " || has_table_privilege('grant_reader', 'readings_2020', 'INSERT')::text"
                    + " || has_table_privilege('grant_reader', 'readings_2021', 'INSERT')::text"))
        .isEqualTo("truefalsetrue");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT NOT rolcanlogin AND has_table_privilege('grant_app_read', 'readings',"
                    + " 'SELECT') FROM pg_roles WHERE rolname = 'grant_app_read'"))
        .isEqualTo("t");

    // Once its password is set, the coordinator reads the archives through the dedicated role.
    layout.archiveA().execute("DROP ROLE IF EXISTS grant_probe");
    layout.archiveA().createRole("grant_probe", PASSWORD);
    layout
        .archiveA()
        .execute(
            "UPDATE pg_authid SET rolpassword = (SELECT rolpassword FROM pg_authid WHERE rolname ="
                + " 'grant_probe') WHERE rolname = 'grant_reader'",
            "DROP ROLE grant_probe");
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM readings")).isEqualTo("3");
    DoctorReport report = new Doctor(new Connections(config), DoctorOptions.DEFAULTS).run();
    assertThat(report.of(Check.ARCHIVE_MAPPING_ROLE))
        .filteredOn(r -> r.subject().equals("archive_a"))
        .singleElement()
        .satisfies(r -> assertThat(r.status()).isEqualTo(CheckStatus.OK));
    assertThat(report.of(Check.ARCHIVE_WRITE_ACCESS))
        .filteredOn(r -> r.subject().equals("archive_a"))
        .singleElement()
        .satisfies(r -> assertThat(r.status()).as(r.toString()).isEqualTo(CheckStatus.OK));
    assertThat(report.of(Check.FDW_PUBLIC_USAGE))
        .allSatisfy(r -> assertThat(r.status()).isEqualTo(CheckStatus.OK));
  }
}
