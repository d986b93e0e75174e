package dev.strata.config;

import static dev.strata.config.ConfigTesting.MINIMAL;
import static dev.strata.config.ConfigTesting.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.strata.secret.Secret;
import dev.strata.sql.QualifiedName;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every key's default, and that its origin says "default". */
class ConfigDefaultsTest {
  private static final String FULL_DEFAULTS =
      MINIMAL
          + """
          servers:
            archive_1:
              url: postgresql://archive1.internal/archive_db
          tables:
            emp:
              partition_by: {column: time, interval: 1 year}
          """;

  @Test
  void coordinatorDefaults() {
    StrataConfig config = config(MINIMAL);

    ConnectionConfig coordinator = config.coordinator();
    assertThat(coordinator.url()).isEqualTo("postgresql://coordinator.internal/appdb");
    assertThat(coordinator.hosts()).containsExactly(new HostAndPort("coordinator.internal", 5432));
    assertThat(coordinator.database()).isEqualTo("appdb");
    assertThat(coordinator.parameters()).isEmpty();
    assertThat(coordinator.user()).isEqualTo("postgres");
    assertThat(coordinator.password()).isEmpty();
    assertThat(config.servers()).isEmpty();
    assertThat(config.tables()).isEmpty();
    assertThat(config.origins().of("coordinator.url")).contains("strata.yaml:2");
    assertThat(config.origins().of("coordinator.user")).contains("default");
    assertThat(config.origins().of("coordinator.password")).contains("default");
  }

  @Test
  void timeoutDefaults() {
    StrataConfig config = config(MINIMAL);

    assertThat(config.timeouts()).isEqualTo(Timeouts.DEFAULTS);
    assertThat(config.timeouts().connect()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.timeouts().statement()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.timeouts().lock()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.timeouts().idleInTransaction()).isEqualTo(Duration.ofMinutes(10));
    for (String key : new String[] {"connect", "statement", "lock", "idle_in_transaction"}) {
      assertThat(config.origins().of("timeouts." + key)).contains("default");
    }
  }

  @Test
  void serverAndMappingDefaults() {
    StrataConfig config = config(FULL_DEFAULTS);

    ServerConfig server = config.server("archive_1");
    assertThat(server.name()).isEqualTo("archive_1");
    assertThat(server.connection().user()).isEqualTo("postgres");
    assertThat(server.connection().password()).isEmpty();
    assertThat(server.mapping().localUser()).isEmpty();
    assertThat(server.mapping().user()).isEqualTo("postgres");
    assertThat(server.mapping().password()).isEmpty();
    assertThat(config.origins().of("servers.archive_1.user")).contains("default");
    assertThat(config.origins().of("servers.archive_1.mapping.local_user")).contains("default");
    assertThat(config.origins().of("servers.archive_1.mapping.user"))
        .contains("from servers.archive_1.user (default)");
    assertThat(config.origins().of("servers.archive_1.mapping.password"))
        .contains("from servers.archive_1.password (default)");
  }

  @Test
  void mappingDefaultsToTheServersUserAndPassword() {
    StrataConfig config =
        ConfigTesting.load(
                ConfigTesting.withServer(
                    """
                    user: strata
                    password: ${env:ARCHIVE_PASSWORD}
                    """),
                Map.of("ARCHIVE_PASSWORD", "s3cret"))
            .config();

    MappingConfig mapping = config.server("archive_1").mapping();
    assertThat(mapping.user()).isEqualTo("strata");
    assertThat(mapping.password()).map(Secret::reveal).contains("s3cret");
    assertThat(mapping.password()).map(Secret::source).contains("${env:ARCHIVE_PASSWORD}");
  }

  @Test
  void fdwOptionDefaultsAreCompleteAndIncludeTheUrlsAddress() {
    StrataConfig config = config(FULL_DEFAULTS);

    assertThat(config.server("archive_1").fdwOptions())
        .containsOnly(
            entry("host", "archive1.internal"),
            entry("port", "5432"),
            entry("dbname", "archive_db"),
            entry("application_name", "strata_fdw"),
            entry("connect_timeout", "10"),
            entry("keepalives", "1"),
            entry("keepalives_idle", "30"),
            entry("keepalives_interval", "10"),
            entry("keepalives_count", "3"),
            entry("tcp_user_timeout", "60000"),
            entry("options", "-c statement_timeout=900000 -c lock_timeout=10000"),
            entry("fetch_size", "10000"),
            entry("async_capable", "true"),
            entry("use_remote_estimate", "false"),
            entry("parallel_commit", "false"));
    assertThat(config.origins().of("servers.archive_1.fdw.fetch_size")).contains("default");
    assertThat(config.origins().of("servers.archive_1.fdw.host"))
        .contains("from servers.archive_1.url (strata.yaml:5)");
    assertThat(config.origins().of("servers.archive_1.fdw.options"))
        .contains("from fdw.statement_timeout (default), fdw.lock_timeout (default)");
  }

  @Test
  void everyRegistryDefaultRendersToWhatTheServerGets() {
    StrataConfig config = config(FULL_DEFAULTS);
    Map<String, String> options = config.server("archive_1").fdwOptions();

    for (FdwOptions.FdwOption option : FdwOptions.all()) {
      if (option.strataDefault().isEmpty() || option.isSessionSetting()) {
        continue;
      }
      assertThat(options)
          .as(option.name())
          .containsEntry(option.name(), option.render(option.strataDefault().get()));
    }
  }

  @Test
  void tableDefaults() {
    StrataConfig config = config(FULL_DEFAULTS);

    TableConfig table = config.findTable(QualifiedName.of("public", "emp")).orElseThrow();
    assertThat(table.name()).isEqualTo(QualifiedName.of("public", "emp"));
    assertThat(table.partitionBy().orElseThrow())
        .isEqualTo(new PartitionBy("time", new Interval(1, Interval.Unit.YEAR)));
    assertThat(table.premake()).isEqualTo(2);
    assertThat(table.hot()).isEmpty();
    assertThat(table.archiveTo()).isEmpty();
    assertThat(table.retention()).isEmpty();
    assertThat(table.exportBeforeRetire()).isEmpty();
    assertThat(table.decommission()).isFalse();
    assertThat(table.archivedUpdatable()).isFalse();
    assertThat(table.detachedGrace()).isEqualTo(Duration.ZERO);
    for (String key :
        new String[] {
          "premake",
          "hot",
          "archive_to",
          "retention",
          "export_before_retire",
          "decommission",
          "archived_updatable",
          "detached_grace"
        }) {
      assertThat(config.origins().of("tables.public.emp." + key)).as(key).contains("default");
    }
    assertThat(config.origins().of("tables.public.emp.partition_by.interval"))
        .contains("strata.yaml:8");
  }

  @Test
  void nullValuesTakeTheDefault() {
    StrataConfig config =
        config(
            MINIMAL
                + """
                  user:
                timeouts:
                  lock: ~
                """);

    assertThat(config.coordinator().user()).isEqualTo("postgres");
    assertThat(config.timeouts().lock()).isEqualTo(Duration.ofSeconds(5));
  }
}
