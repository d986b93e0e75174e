package dev.strata.config;

import static dev.strata.config.ConfigTesting.MINIMAL;
import static dev.strata.config.ConfigTesting.load;
import static dev.strata.config.ConfigTesting.problem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

/** Servers with standbys: a url naming several hosts, each with its own optional port. */
class MultiHostConfigTest {
  private static final String SERVER =
      MINIMAL
          + """
          servers:
            shard_1:
              url: "postgresql://db1.internal:5432,db2.internal:5433,[fd00::3]/shard_db"
          """;

  @Test
  void everyHostIsKeptInOrderAndStrataAsksForTheWritableOne() {
    ConnectionConfig connection = load(SERVER).config().server("shard_1").connection();

    assertThat(connection.hosts())
        .containsExactly(
            new HostAndPort("db1.internal", 5432),
            new HostAndPort("db2.internal", 5433),
            new HostAndPort("fd00::3", 5432));
    assertThat(connection.parameters()).containsEntry("target_session_attrs", "read-write");
    assertThat(connection.jdbcUrl())
        .isEqualTo("jdbc:postgresql://db1.internal:5432,db2.internal:5433,[fd00::3]:5432/shard_db");
    assertThat(connection.displayUri())
        .isEqualTo(
            "postgresql://postgres@db1.internal:5432,db2.internal:5433,[fd00::3]:5432/shard_db");
  }

  @Test
  void oneHostAloneDropsTheChoiceAmongHosts() {
    ConnectionConfig connection = load(SERVER).config().server("shard_1").connection();

    ConnectionConfig second = connection.forHost(connection.hosts().get(1));

    assertThat(second.hosts()).containsExactly(new HostAndPort("db2.internal", 5433));
    assertThat(second.parameters()).doesNotContainKey("target_session_attrs");
    assertThat(second.jdbcUrl()).isEqualTo("jdbc:postgresql://db2.internal:5433/shard_db");
  }

  @Test
  void theForeignServerGetsLibpqsMultiHostForm() {
    LoadedConfig loaded = load(SERVER);

    assertThat(loaded.config().server("shard_1").fdwOptions())
        .containsEntry("host", "db1.internal,db2.internal,fd00::3")
        .containsEntry("port", "5432,5433,5432")
        .containsEntry("dbname", "shard_db")
        .containsEntry("target_session_attrs", "read-write");
    assertThat(loaded.config().origins().of("servers.shard_1.fdw.target_session_attrs"))
        .contains("from servers.shard_1.url (strata.yaml:5)");
  }

  @Test
  void aWrittenTargetSessionAttrsWins() {
    String yaml = SERVER.replace("/shard_db\"", "/shard_db?target_session_attrs=any\"");

    ServerConfig server = load(yaml).config().server("shard_1");

    assertThat(server.connection().parameters()).containsEntry("target_session_attrs", "any");
    assertThat(server.fdwOptions()).containsEntry("target_session_attrs", "any");
    ServerConfig overridden =
        load(SERVER + "    fdw: { target_session_attrs: prefer-standby }\n")
            .config()
            .server("shard_1");
    assertThat(overridden.fdwOptions()).containsEntry("target_session_attrs", "prefer-standby");
    assertThat(overridden.connection().parameters())
        .containsEntry("target_session_attrs", "read-write");
  }

  @Test
  void aServerWithOneHostGetsNoTargetSessionAttrs() {
    ServerConfig server =
        load(MINIMAL + "servers:\n  archive_1:\n    url: postgresql://a1:5432/db\n")
            .config()
            .server("archive_1");

    assertThat(server.connection().parameters()).isEmpty();
    assertThat(server.fdwOptions())
        .containsEntry("host", "a1")
        .containsEntry("port", "5432")
        .doesNotContainKey("target_session_attrs");
  }

  @Test
  void theCoordinatorTakesOneHost() {
    assertThat(problem("coordinator: {url: \"postgresql://h1,h2:5433/db\"}\n").describe())
        .startsWith(
            "coordinator.url (strata.yaml:1): the URL names several hosts; the coordinator"
                + " takes one");
  }

  @Test
  void configShowPrintsTheUrlAsWrittenAndTheDerivedOptions() throws Exception {
    StrataConfig config = load(SERVER).config();
    String yaml = ConfigRenderer.toYaml(config, true);

    assertThat(yaml)
        .contains(
            "  url: \"postgresql://db1.internal:5432,db2.internal:5433,[fd00::3]/shard_db\"  #"
                + " strata.yaml:5\n")
        .contains(
            "    host: \"db1.internal,db2.internal,fd00::3\"  # from servers.shard_1.url (strata.yaml:5)\n")
        .contains("    port: \"5432,5433,5432\"  # from servers.shard_1.url (strata.yaml:5)\n")
        .contains(
            "    target_session_attrs: read-write  # from servers.shard_1.url (strata.yaml:5)\n");
    JsonNode reread = new YAMLMapper().readTree(yaml);
    assertThat(reread).isEqualTo(ConfigRenderer.toTree(config));
  }
}
