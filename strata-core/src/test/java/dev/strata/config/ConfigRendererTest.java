package dev.strata.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigRendererTest {
  private static final Map<String, String> ENVIRONMENT =
      Map.of(
          "PGPASSWORD", "coordinator-secret-1",
          "ARCHIVE1_PASSWORD", "archive-secret-2",
          "FDW_READER_PASSWORD", "reader-secret-3",
          "STRATA_SERVERS__ARCHIVE_2023__PASSWORD", "env-secret-4");

  private static final List<String> SECRETS =
      List.of(
          "coordinator-secret-1",
          "archive-secret-2",
          "reader-secret-3",
          "env-secret-4",
          "literal-secret-5");

  /** The design document's example, plus a second server and a literal password. */
  private static final String EXAMPLE =
      """
      coordinator: { url: "postgresql://localhost:5432/appdb", user: postgres, password: "${env:PGPASSWORD}" }
      servers:
        archive_2024:
          url: "postgresql://archive1:5432/archive_db"
          user: strata
          password: "${env:ARCHIVE1_PASSWORD}"
          mapping: { user: fdw_reader, password: "${env:FDW_READER_PASSWORD}" }
          fdw: { fetch_size: 10000, async_capable: true, connect_timeout: 5 }
        archive_2023:
          url: "postgresql://archive2:5432/archive_db"
          mapping: { password: literal-secret-5 }
      tables:
        public.emp:
          partition_by: { column: time, interval: 1 year }
          premake: 2
          hot: 1 year
          archive_to: [archive_2024, archive_2023]
          retention: 5 years
          export_before_retire: ./exports
        sales:
          partition_by: { column: sold_at, interval: 1 month }
          hot: 6 months
          archive_to: { fill: [archive_2023, archive_2024], max_size_per_server: 2TB }
      """;

  private static StrataConfig config() {
    return ConfigTesting.load(EXAMPLE, ENVIRONMENT).config();
  }

  @Test
  void noSecretValueAppearsInAnyOutput() throws Exception {
    StrataConfig config = config();
    List<String> outputs =
        List.of(
            ConfigRenderer.toYaml(config, false),
            ConfigRenderer.toYaml(config, true),
            new ObjectMapper().writeValueAsString(ConfigRenderer.toJson(config, false)),
            new ObjectMapper().writeValueAsString(ConfigRenderer.toJson(config, true)),
            config.toString());

    for (String output : outputs) {
      for (String secret : SECRETS) {
        assertThat(output).doesNotContain(secret);
      }
    }
    assertThat(config.coordinator().password().orElseThrow().reveal())
        .isEqualTo("coordinator-secret-1");
  }

  @Test
  void secretsAreShownMaskedWithTheirSource() {
    ObjectNode tree = ConfigRenderer.toTree(config());

    assertThat(tree.at("/coordinator/password").asText()).isEqualTo("******** (${env:PGPASSWORD})");
    assertThat(tree.at("/servers/archive_2024/mapping/password").asText())
        .isEqualTo("******** (${env:FDW_READER_PASSWORD})");
    assertThat(tree.at("/servers/archive_2023/password").asText())
        .isEqualTo("******** (${env:STRATA_SERVERS__ARCHIVE_2023__PASSWORD})");
    assertThat(tree.at("/servers/archive_2023/mapping/password").asText())
        .isEqualTo("******** (literal)");
  }

  @Test
  void fdwShowsTheEffectiveForeignServerOptions() {
    ObjectNode tree = ConfigRenderer.toTree(config());
    JsonNode fdw = tree.at("/servers/archive_2024/fdw");

    List<String> names = new ArrayList<>();
    fdw.properties().forEach(field -> names.add(field.getKey()));
    assertThat(names)
        .startsWith("host", "port", "dbname", "application_name", "connect_timeout")
        .contains("options", "fetch_size");
    assertThat(fdw.get("connect_timeout").asText()).isEqualTo("5");
    assertThat(fdw.get("keepalives").asText()).isEqualTo("1");
    assertThat(fdw.get("options").asText())
        .isEqualTo("-c statement_timeout=900000 -c lock_timeout=10000");
  }

  @Test
  void yamlParsesBackToTheSameTree() throws Exception {
    StrataConfig config = config();
    String yaml = ConfigRenderer.toYaml(config, true);

    JsonNode reread = new YAMLMapper().readTree(yaml);
    assertThat(reread).isEqualTo(ConfigRenderer.toTree(config));
  }

  @Test
  void yamlWithOriginsAnnotatesEachValue() {
    String yaml = ConfigRenderer.toYaml(config(), true);

    assertThat(yaml)
        .contains("  url: \"postgresql://localhost:5432/appdb\"  # strata.yaml:1\n")
        .contains("    fetch_size: \"10000\"  # strata.yaml:8\n")
        .contains("    keepalives: \"1\"  # default\n")
        .contains("  statement: 5min  # default\n")
        .contains("    archive_to: [archive_2024, archive_2023]  # strata.yaml:17\n")
        .contains(
            "    password: \"******** (${env:STRATA_SERVERS__ARCHIVE_2023__PASSWORD})\"  #"
                + " env STRATA_SERVERS__ARCHIVE_2023__PASSWORD\n")
        .contains(
            "    archive_to:  # strata.yaml:23\n      fill: [archive_2023, archive_2024]\n"
                + "      max_size_per_server: 2TB\n");
    assertThat(ConfigRenderer.toYaml(config(), false)).doesNotContain("#");
  }

  @Test
  void everyRenderedValueHasAnOrigin() {
    StrataConfig config = config();
    List<String> leaves = new ArrayList<>();
    collectLeaves(ConfigRenderer.toTree(config), "", leaves);

    assertThat(leaves).hasSizeGreaterThan(40);
    for (String leaf : leaves) {
      assertThat(config.origins().of(leaf)).as(leaf).isPresent();
    }
  }

  @Test
  void jsonWithOriginsAddsAnOriginsObject() {
    ObjectNode json = ConfigRenderer.toJson(config(), true);

    assertThat(json.at("/origins/coordinator.url").asText()).isEqualTo("strata.yaml:1");
    assertThat(json.at("/origins/timeouts.lock").asText()).isEqualTo("default");
    assertThat(ConfigRenderer.toJson(config(), false).has("origins")).isFalse();
  }

  @Test
  void minimalConfigRendersWithNullsForUnsetValues() {
    String yaml = ConfigRenderer.toYaml(ConfigTesting.config(ConfigTesting.MINIMAL), false);

    assertThat(yaml)
        .isEqualTo(
            """
            coordinator:
              url: "postgresql://coordinator.internal/appdb"
              user: postgres
              password: null
            servers: {}
            timeouts:
              connect: 10s
              statement: 5min
              lock: 5s
              idle_in_transaction: 10min
            tables: {}
            security:
              min_sslmode: null
              allow_superuser_mapping: false
            serve:
              listen: "127.0.0.1:7432"
              token: null
              apply_every: 10min
              apply_at: null
              doctor_every: 5min
              takeover: 15s
              snapshot_every: 30s
            """);
  }

  /** Leaf key paths; {@code archive_to} counts as one leaf whatever its form. */
  private static void collectLeaves(JsonNode node, String path, List<String> leaves) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String keyPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
      if (field.getValue().isObject() && !field.getKey().equals("archive_to")) {
        collectLeaves(field.getValue(), keyPath, leaves);
      } else {
        leaves.add(keyPath);
      }
    }
  }
}
