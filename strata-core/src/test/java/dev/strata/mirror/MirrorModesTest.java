package dev.strata.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.StrataException;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.sql.QualifiedName;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each mirror mode against real servers: the first copy equals the source (count and checksum), and
 * after inserts, updates and deletes at the source and a refresh it is equal again.
 */
class MirrorModesTest {
  MirrorFixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new MirrorFixture("mirror_modes_test", 20_000);
  }

  MirrorRefresher.Result refresh(StrataConfig config, String name, boolean verify) {
    Connections connections = new Connections(config);
    Mirrors.Resolved resolved =
        Mirrors.require(Mirrors.resolve(connections), QualifiedName.parse(name));
    return new MirrorRefresher(connections)
        .refresh(resolved, new MirrorRefresher.Options(false, verify));
  }

  @Test
  void tableMirrorIsCreatedFilledAndFollowsInsertsUpdatesAndDeletes() {
    StrataConfig config =
        fixture.config(
            "  ref.customers: { from: crm, table: public.customers, mode: table, refresh: 1 h,"
                + " indexes: [email, \"city, name\"] }\n");
    List<LifecycleAction> applied = fixture.apply(config);
    assertThat(applied).extracting(LifecycleAction::kind).contains("mirror");
    assertThat(fixture.contents(fixture.main, "ref.customers"))
        .isEqualTo(fixture.contents(fixture.crm, "customers"));
    // Its key is the source's primary key; the declared indexes exist; it is a real table.
    assertThat(
            fixture.query(
                fixture.main,
                "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE"
                    + " schemaname = 'ref' AND tablename = 'customers'"))
        .isEqualTo("customers_city_name_idx,customers_email_idx,customers_strata_key");
    assertThat(
            fixture.query(
                fixture.main, "SELECT relkind FROM pg_class WHERE oid = 'ref.customers'::regclass"))
        .isEqualTo("r");
    // Nothing is due right after: the next plan is empty.
    assertThat(fixture.plan(config)).isEmpty();

    fixture.changeSource();
    MirrorRefresher.Result result = refresh(config, "ref.customers", true);
    assertThat(fixture.contents(fixture.main, "ref.customers"))
        .isEqualTo(fixture.contents(fixture.crm, "customers"));
    // Only the rows that changed were written: 10 inserted (one of them, 1000004, deleted again
    // at the source), ids divisible by 97 updated, by 89 deleted (one divisible by both counts
    // once, as deleted).
    long updated = 20_000 / 97 - 20_000 / (97 * 89);
    long deleted = 20_000 / 89;
    assertThat(result.changed()).hasValue(9 + updated + deleted);
    assertThat(result.verification()).hasValueSatisfying(v -> assertThat(v.equal()).isTrue());
    assertThat(
            new MirrorVerifier(new Connections(config))
                .verify(
                    Mirrors.require(
                        Mirrors.resolve(new Connections(config)),
                        QualifiedName.parse("ref.customers")))
                .equal())
        .isTrue();
  }

  @Test
  void matviewMirrorWithAKeyRefreshesConcurrentlyAndWithoutOnePlainly() {
    StrataConfig config =
        fixture.config(
            "  ref.customers_mv: { from: crm, table: customers, mode: matview, refresh: 1 h }\n"
                + "  ref.cities: { from: crm, table: cities, mode: matview, refresh: 1 h }\n");
    fixture.crm(
        "CREATE TABLE cities (name text, region text)",
        "INSERT INTO cities SELECT 'city_' || g, 'r' || (g % 5) FROM generate_series(1, 50) g");
    fixture.apply(config);
    assertThat(fixture.contents(fixture.main, "ref.customers_mv"))
        .isEqualTo(fixture.contents(fixture.crm, "customers"));
    assertThat(
            fixture.query(
                fixture.main,
                "SELECT relkind FROM pg_class WHERE oid = 'ref.customers_mv'::regclass"))
        .isEqualTo("m");
    fixture.changeSource();
    fixture.crm("INSERT INTO cities VALUES ('atlantis', 'r9')");
    MirrorRefresher.Result keyed = refresh(config, "ref.customers_mv", true);
    assertThat(keyed.notes()).isEmpty();
    assertThat(fixture.contents(fixture.main, "ref.customers_mv"))
        .isEqualTo(fixture.contents(fixture.crm, "customers"));
    MirrorRefresher.Result plain = refresh(config, "ref.cities", false);
    assertThat(plain.notes()).anyMatch(note -> note.contains("plain REFRESH"));
    // Doctor says which matview locks its readers out at each refresh, and which does not.
    var doctor =
        new dev.strata.health.Doctor(
                new Connections(config), dev.strata.health.DoctorOptions.DEFAULTS)
            .run().results().stream()
                .filter(r -> r.check().id().equals("mirror.concurrent"))
                .toList();
    assertThat(doctor)
        .anyMatch(
            r ->
                r.subject().equals("ref.cities")
                    && r.status() == dev.strata.health.CheckStatus.WARN)
        .anyMatch(
            r ->
                r.subject().equals("ref.customers_mv")
                    && r.status() == dev.strata.health.CheckStatus.OK);
    assertThat(fixture.query(fixture.main, "SELECT count(*) FROM ref.cities")).isEqualTo("51");
    // The statements say which refresh each one gets.
    Connections connections = new Connections(config);
    Mirrors.Resolution resolution = Mirrors.resolve(connections);
    assertThat(
            new MirrorRefresher(connections)
                .plan(
                    resolution.find(QualifiedName.parse("ref.customers_mv")).orElseThrow(),
                    MirrorRefresher.Options.DEFAULT)
                .get(0)
                .sql())
        .isEqualTo("REFRESH MATERIALIZED VIEW CONCURRENTLY \"ref\".\"customers_mv\"");
  }

  @Test
  void incrementalMirrorReadsOnlyRowsPastTheWatermarkAndDetectsDeletesWhenAsked() {
    StrataConfig config =
        fixture.config(
            "  ref.customers: { from: crm, table: customers, mode: incremental, refresh: 1 h,"
                + " watermark: updated_at, lookback: 0, detect_deletes: true }\n");
    fixture.apply(config);
    assertThat(fixture.contents(fixture.main, "ref.customers"))
        .isEqualTo(fixture.contents(fixture.crm, "customers"));
    fixture.changeSource();
    MirrorRefresher.Result result = refresh(config, "ref.customers", false);
    assertThat(result.full()).isFalse();
    assertThat(fixture.contents(fixture.main, "ref.customers"))
        .isEqualTo(fixture.contents(fixture.crm, "customers"));
    long updated = 20_000 / 97 - 20_000 / (97 * 89);
    long deleted = 20_000 / 89;
    // The row at the old watermark is read again (>=) but unchanged, so not written.
    assertThat(result.changed()).hasValue(9 + updated + deleted);
    // The size it records is counted from the change, not by reading the copy again.
    assertThat(result.rows())
        .isEqualTo(Long.parseLong(fixture.query(fixture.crm, "SELECT count(*) FROM customers")));

    // The watermark condition goes to the source: only rows past it travel.
    Connections connections = new Connections(config);
    Mirrors.Resolved resolved =
        Mirrors.require(Mirrors.resolve(connections), QualifiedName.parse("ref.customers"));
    var statements =
        new MirrorRefresher(connections).plan(resolved, MirrorRefresher.Options.DEFAULT);
    var load =
        statements.stream()
            .filter(s -> s.sql().contains("\"updated_at\" >= ?"))
            .findFirst()
            .orElseThrow();
    try (var coordinator =
        new dev.strata.connect.Database("coordinator", connections.coordinator())) {
      String plan =
          String.join(
              "\n",
              coordinator.query(
                  "EXPLAIN (VERBOSE) " + load.sql().substring(load.sql().indexOf("SELECT")),
                  row -> row.getString(1),
                  load.boundValues()));
      // The bound value is inlined by the custom plan; what matters is where the condition runs.
      assertThat(plan)
          .containsPattern(
              "Remote SQL: SELECT .* FROM public.customers WHERE \\(\\(updated_at >= ");
    }
  }

  @Test
  void incrementalMirrorWithoutDeleteDetectionKeepsDeletedRowsUntilAFullRefresh() {
    StrataConfig config =
        fixture.config(
            "  ref.customers: { from: crm, table: customers, mode: incremental, refresh: 1 h,"
                + " watermark: updated_at }\n");
    fixture.apply(config);
    fixture.crm(
        "DELETE FROM customers WHERE id <= 5",
        "UPDATE customers SET city = 'x', updated_at = now() WHERE id = 10");
    // The update is read and written; the deletes go unseen.
    assertThat(refresh(config, "ref.customers", false).changed()).hasValue(1L);
    assertThat(fixture.query(fixture.main, "SELECT count(*) FROM ref.customers"))
        .isEqualTo("20000");
    Connections connections = new Connections(config);
    new MirrorRefresher(connections)
        .refresh(
            Mirrors.require(Mirrors.resolve(connections), QualifiedName.parse("ref.customers")),
            new MirrorRefresher.Options(true, true));
    assertThat(fixture.query(fixture.main, "SELECT count(*) FROM ref.customers"))
        .isEqualTo("19995");
  }

  @Test
  void replicaMirrorFollowsTheSourceAndIsDroppedWithEverythingItMade() throws Exception {
    StrataConfig config = fixture.config("  public.customers: { from: crm, mode: replica }\n");
    fixture.apply(config);
    awaitEqual();
    fixture.changeSource();
    awaitEqual();
    MirrorStatus.Row status = new MirrorStatus(new Connections(config)).read(true).get(0);
    assertThat(status.mode()).isEqualTo("replica");
    assertThat(status.replica()).hasValueSatisfying(r -> assertThat(r.enabled()).isTrue());
    var doctor =
        new dev.strata.health.Doctor(
                new Connections(config), dev.strata.health.DoctorOptions.DEFAULTS)
            .run()
            .results();
    assertThat(doctor)
        .anyMatch(
            r ->
                r.check().id().equals("mirror.replica")
                    && r.status() == dev.strata.health.CheckStatus.OK
                    && r.evidence().contains("subscription enabled"));
    // A disabled subscription is a failure doctor names.
    fixture.main(
        "ALTER SUBSCRIPTION "
            + fixture.query(fixture.main, "SELECT quote_ident(subname) FROM pg_subscription")
            + " DISABLE");
    assertThat(
            new dev.strata.health.Doctor(
                    new Connections(config), dev.strata.health.DoctorOptions.DEFAULTS)
                .run()
                .results())
        .anyMatch(
            r ->
                r.check().id().equals("mirror.replica")
                    && r.status() == dev.strata.health.CheckStatus.FAIL
                    && r.evidence().contains("disabled"));

    // Removed from the configuration: apply drops the copy, its subscription, slot and publication.
    StrataConfig without = fixture.config("  {}\n");
    List<LifecycleAction> dropped =
        new LifecycleExecutor(new Connections(without), MoveProgress.NONE)
            .apply(MirrorFixture.NOW, Set.of(), plan -> {}, action -> {});
    assertThat(dropped)
        .extracting(LifecycleAction::description)
        .anyMatch(d -> d.startsWith("drop mirror"));
    assertThat(fixture.query(fixture.main, "SELECT count(*) FROM pg_subscription")).isEqualTo("0");
    assertThat(fixture.query(fixture.main, "SELECT to_regclass('public.customers')::text"))
        .isNull();
    assertThat(fixture.query(fixture.crm, "SELECT count(*) FROM pg_publication")).isEqualTo("0");
    assertThat(
            fixture.query(
                fixture.crm,
                "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"))
        .isEqualTo("0");
  }

  private void awaitEqual() throws InterruptedException {
    String expected = fixture.contents(fixture.crm, "customers");
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
    while (!expected.equals(fixture.contents(fixture.main, "public.customers"))) {
      assertThat(System.nanoTime()).as("replica caught up within 60 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void aMirrorThatWasNeverCreatedCannotBeRefreshedAndSaysHow() {
    StrataConfig config =
        fixture.config("  ref.customers: { from: crm, table: customers, refresh: 1 h }\n");
    assertThatThrownBy(() -> refresh(config, "ref.customers", false))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("has not been created yet");
  }
}
