package dev.strata.config;

import static dev.strata.config.ConfigTesting.config;
import static dev.strata.config.ConfigTesting.problem;
import static dev.strata.config.ConfigTesting.problems;
import static dev.strata.config.ConfigTesting.withServer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.sql.QualifiedName;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code mirrors}: what binds, and every mistake named where it is. */
class MirrorConfigTest {
  private static String mirrors(String entries) {
    return withServer("") + "mirrors:\n" + entries.indent(2);
  }

  private static MirrorConfig only(String entries) {
    return config(mirrors(entries)).mirrors().values().iterator().next();
  }

  @Test
  void aTableMirrorBindsWithItsDefaults() {
    MirrorConfig mirror =
        only("ref.customers: {from: archive_1, table: public.customers, refresh: 15 min}");
    assertThat(mirror.server()).isEqualTo("archive_1");
    assertThat(mirror.mode()).isEqualTo(MirrorConfig.Mode.TABLE);
    assertThat(mirror.source())
        .isEqualTo(
            new MirrorConfig.OneTable(
                QualifiedName.parse("ref.customers"), QualifiedName.parse("public.customers")));
    assertThat(mirror.refresh()).hasValue(Duration.ofMinutes(15));
    assertThat(mirror.key()).isEmpty();
    assertThat(mirror.onSchemaChange()).isEqualTo(MirrorConfig.OnSchemaChange.FAIL);
    assertThat(mirror.timeout()).isEqualTo(MirrorConfig.DEFAULT_TIMEOUT);
    // Without table, the source has the entry's own name.
    assertThat(only("ref.customers: {from: archive_1, refresh: 1 h}").source())
        .isEqualTo(
            new MirrorConfig.OneTable(
                QualifiedName.parse("ref.customers"), QualifiedName.parse("ref.customers")));
  }

  @Test
  void indexesKeysAndIncrementalSettingsBind() {
    MirrorConfig mirror =
        only(
            "ref.customers:\n"
                + "  from: archive_1\n"
                + "  mode: incremental\n"
                + "  refresh: 5 min\n"
                + "  watermark: updated_at\n"
                + "  lookback: 2 min\n"
                + "  detect_deletes: true\n"
                + "  key: id\n"
                + "  indexes: [email, \"last_name, first_name\", {columns: [geom], using: gist},"
                + " {columns: [code], unique: true}]\n");
    assertThat(mirror.key()).containsExactly("id");
    assertThat(mirror.watermark()).hasValue("updated_at");
    assertThat(mirror.lookback()).isEqualTo(Duration.ofMinutes(2));
    assertThat(mirror.detectDeletes()).isTrue();
    assertThat(mirror.indexes())
        .containsExactly(
            new MirrorConfig.Index(List.of("email"), "btree", false),
            new MirrorConfig.Index(List.of("last_name", "first_name"), "btree", false),
            new MirrorConfig.Index(List.of("geom"), "gist", false),
            new MirrorConfig.Index(List.of("code"), "btree", true));
  }

  @Test
  void aSchemaEntrySelectsByPatterns() {
    MirrorConfig mirror =
        only(
            "crm: {from: archive_1, schema: public, include: [\"cust*\", orders], exclude: \"*_old\", refresh: 1 h}");
    MirrorConfig.SchemaTables tables = (MirrorConfig.SchemaTables) mirror.source();
    assertThat(tables.localSchema()).isEqualTo("crm");
    assertThat(List.of("customers", "customers_old", "orders", "orders_2", "invoices"))
        .filteredOn(tables::selects)
        .containsExactly("customers", "orders");
  }

  @Test
  void everyMistakeIsNamedWhereItIs() {
    assertThat(problem(mirrors("ref.customers: {from: crm, refresh: 1 h}")).describe())
        .startsWith("mirrors.ref.customers.from (strata.yaml:")
        .contains("names server \"crm\", which is not defined under servers (defined: archive_1)");
    assertThat(problem(mirrors("ref.customers: {from: archive_1}")).describe())
        .contains("mirrors.ref.customers.refresh")
        .contains("is required: how often the copy is refreshed");
    assertThat(
            problem(mirrors("ref.customers: {from: archive_1, mode: snapshot, refresh: 1 h}"))
                .describe())
        .contains("is \"snapshot\"; write matview, table, incremental or replica");
    assertThat(
            problem(mirrors("ref.customers: {from: archive_1, mode: incremental, refresh: 1 h}"))
                .describe())
        .contains("mirrors.ref.customers.watermark")
        .contains("is required with mode: incremental");
    assertThat(
            problem(
                    mirrors(
                        "ref.customers: {from: archive_1, watermark: updated_at, refresh: 1 h}"))
                .describe())
        .contains("applies to mode: incremental only");
    assertThat(
            problem(mirrors("ref.customers: {from: archive_1, mode: replica, refresh: 1 h}"))
                .describe())
        .contains("does not apply to mode: replica");
    assertThat(
            problem(
                    mirrors(
                        "ref.customers: {from: archive_1, table: public.customers, mode: replica}"))
                .describe())
        .contains("logical replication matches tables by schema and name");
    assertThat(problem(mirrors("ref.customers: {from: archive_1, refresh: 90}")).describe())
        .contains("has no unit");
    assertThat(
            problem(
                    mirrors(
                        "ref.customers: {from: archive_1, refresh: 1 h, table: a.b, schema: public}"))
                .describe())
        .contains("and table are both set");
    assertThat(
            problem(mirrors("ref.customers: {from: archive_1, refresh: 1 h, include: [x]}"))
                .describe())
        .contains("needs schema: NAME");
    assertThat(
            problem(
                    mirrors(
                        "ref.customers: {from: archive_1, refresh: 1 h, on_schema_change: ignore}"))
                .describe())
        .contains("write fail or follow");
    assertThat(
            problem(
                    mirrors(
                        "ref.customers: {from: archive_1, refresh: 1 h, indexes: [{columns: [geom], using: rtree}]}"))
                .describe())
        .contains("write one of btree, hash, gist, gin, brin, spgist");
    assertThat(
            problem(mirrors("ref.customers: {from: archive_1, refresh: 1 h, key: \"id, id\"}"))
                .describe())
        .contains("names a column twice");
    assertThat(
            problem(mirrors("ref.customers: {from: archive_1, refrsh: 1 h, refresh: 1 h}"))
                .describe())
        .contains("is not a setting of mirrors.ref.customers")
        .contains("refresh");
    assertThat(problem(mirrors("\"a.b.c\": {from: archive_1, refresh: 1 h}")).describe())
        .contains("write SCHEMA.NAME");
    // Two entries for one local table, and a mirror over a managed table, are refused.
    assertThat(
            problems(
                mirrors(
                    "ref.customers: {from: archive_1, refresh: 1 h}\n"
                        + "ref.\"customers\": {from: archive_1, refresh: 2 h}")))
        .anyMatch(
            p -> p.describe().contains("names the same local table as mirrors.ref.customers"));
  }

  @Test
  void theEnvironmentAndFlagsChangeAMirrorTheFileDefines() {
    String yaml = mirrors("ref.customers: {from: archive_1, refresh: 1 h}");
    MirrorConfig fromEnvironment =
        ConfigTesting.load(yaml, java.util.Map.of("STRATA_MIRRORS__REF_CUSTOMERS__REFRESH", "5min"))
            .config()
            .mirrors()
            .get("ref.customers");
    assertThat(fromEnvironment.refresh()).hasValue(Duration.ofMinutes(5));
    MirrorConfig fromFlag =
        ConfigTesting.load(
                yaml, java.util.Map.of(), java.util.Map.of("mirrors.ref.customers.mode", "matview"))
            .config()
            .mirrors()
            .get("ref.customers");
    assertThat(fromFlag.mode()).isEqualTo(MirrorConfig.Mode.MATVIEW);
  }

  @Test
  void configShowRendersMirrors() {
    String yaml =
        ConfigRenderer.toYaml(
            config(
                mirrors(
                    "ref.customers: {from: archive_1, mode: matview, refresh: 15 min, key: [id]}")),
            false);
    assertThat(yaml).contains("mirrors:").contains("mode: matview").contains("refresh: 15min");
  }
}
