package dev.strata.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.StrataException;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.health.CheckResult;
import dev.strata.health.CheckStatus;
import dev.strata.health.Doctor;
import dev.strata.health.DoctorOptions;
import dev.strata.operation.Failpoints;
import dev.strata.plan.LifecycleAction;
import dev.strata.sql.QualifiedName;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mirrors when things go wrong: the source stops in the middle of a refresh, its columns change,
 * patterns select tables. A failed refresh keeps the previous copy readable and says why.
 */
class MirrorFaultTest {
  MirrorFixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new MirrorFixture("mirror_fault_test", 5_000);
  }

  @AfterEach
  void sourceRunsAgain() {
    if (!fixture.crm.isRunning()) {
      fixture.crm.start();
    }
  }

  Mirrors.Resolved resolved(StrataConfig config, String name) {
    return Mirrors.require(Mirrors.resolve(new Connections(config)), QualifiedName.parse(name));
  }

  MirrorRefresher.Result refresh(StrataConfig config, String name) {
    return new MirrorRefresher(new Connections(config))
        .refresh(resolved(config, name), MirrorRefresher.Options.DEFAULT);
  }

  @Test
  void aSourceStoppedInTheMiddleOfARefreshLeavesTheOldCopyAndTheErrorIsReported() {
    StrataConfig config =
        fixture.config("  ref.customers: { from: crm, table: customers, refresh: 1 min }\n");
    fixture.apply(config);
    String before = fixture.contents(fixture.main, "ref.customers");
    fixture.changeSource();
    Mirrors.Resolved mirror = resolved(config, "ref.customers");
    // Statement 1 reads the source through the proxy: the source stops just before it.
    Failpoints.Observation observation =
        Failpoints.observe(
            point -> {
              if (point.equals("mirror.before_statement.1")) {
                fixture.crm.stop();
              }
            });
    try {
      assertThatThrownBy(
              () ->
                  new MirrorRefresher(new Connections(config))
                      .refresh(mirror, MirrorRefresher.Options.DEFAULT))
          .isInstanceOf(StrataException.class);
    } finally {
      observation.close();
    }
    assertThat(fixture.crm.isRunning()).isFalse();
    // Readers still see the previous copy, whole.
    assertThat(fixture.contents(fixture.main, "ref.customers")).isEqualTo(before);
    MirrorStatus.Row status = new MirrorStatus(new Connections(config)).read(true).get(0);
    assertThat(status.lastError()).isPresent();
    assertThat(status.sourceReachable()).hasValue(false);
    assertThat(status.refreshInterval()).isPresent();
    List<CheckResult> doctor =
        new Doctor(new Connections(config), DoctorOptions.DEFAULTS).run().results();
    assertThat(doctor)
        .anyMatch(r -> r.check().id().equals("mirror.refresh") && r.status() == CheckStatus.FAIL)
        .noneMatch(r -> r.check().id().equals("mirror.stale") && r.status() != CheckStatus.OK);
    // Once older than twice its interval (1 min here), doctor calls it stale, and says its source
    // does not answer.
    fixture.main("UPDATE strata.mirror SET last_success_at = now() - interval '3 minutes'");
    assertThat(new Doctor(new Connections(config), DoctorOptions.DEFAULTS).run().results())
        .anyMatch(
            r ->
                r.check().id().equals("mirror.stale")
                    && r.status() == CheckStatus.WARN
                    && r.evidence().contains("does not answer"));
    // A plan with the source down does not drop the mirror; it says why it cannot plan it.
    assertThat(fixture.plan(config))
        .noneMatch(action -> action.description().startsWith("drop mirror"));

    fixture.crm.start();
    MirrorRefresher.Result result = refresh(config, "ref.customers");
    assertThat(result.rows())
        .isEqualTo(Long.parseLong(fixture.query(fixture.crm, "SELECT count(*) FROM customers")));
    assertThat(fixture.contents(fixture.main, "ref.customers"))
        .isEqualTo(fixture.contents(fixture.crm, "customers"));
    assertThat(new MirrorStatus(new Connections(config)).read(true).get(0).lastError()).isEmpty();
  }

  @Test
  void aChangedSourceShapeFailsTheRefreshOrIsFollowedAsConfigured() {
    String entry = "  ref.customers: { from: crm, table: customers, refresh: 1 min%s }\n";
    StrataConfig failing = fixture.config(entry.formatted(""));
    StrataConfig following = fixture.config(entry.formatted(", on_schema_change: follow"));
    fixture.apply(failing);
    fixture.crm(
        "ALTER TABLE customers ADD COLUMN segment text DEFAULT 'retail'",
        "ALTER TABLE customers DROP COLUMN profile");
    String before = fixture.query(fixture.main, "SELECT count(*) FROM ref.customers");
    assertThatThrownBy(() -> refresh(failing, "ref.customers"))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("changed shape")
        .hasMessageContaining("column segment (text) added")
        .hasMessageContaining("column profile dropped");
    assertThat(fixture.query(fixture.main, "SELECT count(*) FROM ref.customers")).isEqualTo(before);
    assertThat(
            new Doctor(new Connections(failing), DoctorOptions.DEFAULTS)
                .run().results().stream().filter(r -> r.check().id().equals("mirror.shape")))
        .anyMatch(r -> r.status() == CheckStatus.WARN && r.evidence().contains("segment"));

    MirrorRefresher.Result result = refresh(following, "ref.customers");
    assertThat(result.notes()).anyMatch(note -> note.contains("followed"));
    assertThat(
            fixture.query(
                fixture.main,
                "SELECT count(*) || '/' || count(*) FILTER (WHERE segment = 'retail') FROM"
                    + " ref.customers"))
        .isEqualTo("5000/5000");
    assertThat(
            fixture.query(
                fixture.main,
                "SELECT to_regclass('ref.customers') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'ref.customers'::regclass AND attname = 'profile' AND NOT attisdropped)"))
        .isEqualTo("t");
  }

  @Test
  void applyRefreshesTheOtherMirrorsWhenOneFailsAndThenSaysSo() throws Exception {
    fixture.crm(
        "CREATE TABLE orders (id int PRIMARY KEY, customer bigint)",
        "INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g");
    StrataConfig config =
        fixture.config(
            "  ref.customers: { from: crm, table: customers, refresh: 1s }\n"
                + "  ref.orders: { from: crm, table: orders, refresh: 1s }\n");
    fixture.apply(config);
    fixture.crm(
        "ALTER TABLE customers ADD COLUMN segment text",
        "INSERT INTO orders SELECT g, g FROM generate_series(101, 150) g");
    Thread.sleep(1_100);
    assertThatThrownBy(() -> fixture.apply(config))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("1 mirror refresh(es) failed")
        .hasMessageContaining("refresh mirror ref.customers");
    assertThat(fixture.query(fixture.main, "SELECT count(*) FROM ref.orders")).isEqualTo("150");
    assertThat(fixture.query(fixture.main, "SELECT count(*) FROM ref.customers")).isEqualTo("5000");
  }

  @Test
  void aMatviewFollowsAChangedShapeByBeingRemade() {
    StrataConfig config =
        fixture.config(
            "  ref.customers: { from: crm, table: customers, mode: matview, refresh: 1 min,"
                + " on_schema_change: follow, indexes: [city] }\n");
    fixture.apply(config);
    fixture.crm("ALTER TABLE customers ADD COLUMN segment text DEFAULT 'retail'");
    refresh(config, "ref.customers");
    assertThat(
            fixture.query(
                fixture.main, "SELECT count(*) FROM ref.customers WHERE segment = 'retail'"))
        .isEqualTo("5000");
    assertThat(
            fixture.query(
                fixture.main,
                "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE"
                    + " schemaname = 'ref' AND tablename = 'customers'"))
        .isEqualTo("customers_city_idx,customers_strata_key");
  }

  @Test
  void includeAndExcludePatternsMirrorExactlyTheMatchingTables() {
    fixture.crm(
        "CREATE TABLE customer_notes (id int PRIMARY KEY, note text)",
        "CREATE TABLE customers_old (id int PRIMARY KEY)",
        "CREATE TABLE orders (id int PRIMARY KEY, customer bigint)",
        "CREATE TABLE invoices (id int PRIMARY KEY)",
        "INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g");
    StrataConfig config =
        fixture.config(
            "  crm_copy: { from: crm, schema: public, include: [\"customer*\", orders], exclude:"
                + " [\"*_old\"], refresh: 1 h }\n");
    List<LifecycleAction> applied = fixture.apply(config);
    assertThat(
            applied.stream()
                .filter(a -> a.kind().equals("mirror"))
                .map(LifecycleAction::description))
        .containsExactlyInAnyOrder(
            "create mirror crm_copy.customer_notes of public.customer_notes on crm (table)",
            "create mirror crm_copy.customers of public.customers on crm (table)",
            "create mirror crm_copy.orders of public.orders on crm (table)");
    assertThat(fixture.query(fixture.main, "SELECT count(*) FROM crm_copy.orders"))
        .isEqualTo("100");
    assertThat(fixture.query(fixture.main, "SELECT to_regclass('crm_copy.invoices')::text"))
        .isNull();

    // A table that stops matching is dropped by the next apply; one that starts matching is added.
    StrataConfig narrower =
        fixture.config(
            "  crm_copy: { from: crm, schema: public, include: [\"customer*\", invoices], exclude:"
                + " [\"*_old\"], refresh: 1 h }\n");
    assertThat(fixture.plan(narrower).stream().map(LifecycleAction::description))
        .contains(
            "drop mirror crm_copy.orders (table)",
            "create mirror crm_copy.invoices of public.invoices on crm (table)");
  }
}
