package dev.strata.config;

import static dev.strata.config.ConfigTesting.withServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.config.FdwOptions.FdwOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FdwOptionsTest {
  private static FdwOption option(String name) {
    return FdwOptions.find(name).orElseThrow();
  }

  @Test
  void registryNamesAreUniqueAndDefaultsValid() {
    assertThat(FdwOptions.names()).doesNotHaveDuplicates().doesNotContain(FdwOptions.OPTIONS);
    for (FdwOption option : FdwOptions.all()) {
      option.strataDefault().ifPresent(value -> assertThat(option.render(value)).isNotEmpty());
      assertThat(option.render(option.example())).as(option.name()).isNotEmpty();
      assertThat(option.description()).isNotBlank();
    }
  }

  @Test
  void rendersValuesAsPostgresqlStoresThem() {
    assertThat(option("keepalives").render("true")).isEqualTo("1");
    assertThat(option("keepalives").render("false")).isEqualTo("0");
    assertThat(option("async_capable").render("TRUE")).isEqualTo("true");
    assertThat(option("connect_timeout").render("1min")).isEqualTo("60");
    assertThat(option("connect_timeout").render("5")).isEqualTo("5");
    assertThat(option("tcp_user_timeout").render("30s")).isEqualTo("30000");
    assertThat(option("tcp_user_timeout").render("45000")).isEqualTo("45000");
    assertThat(option("statement_timeout").render("15min")).isEqualTo("900000");
    assertThat(option("statement_timeout").render("0")).isEqualTo("0");
    assertThat(option("extensions").render("postgis, pg_trgm")).isEqualTo("postgis,pg_trgm");
    assertThat(option("fdw_tuple_cost").render("0.01")).isEqualTo("0.01");
    assertThat(option("analyze_sampling").render("off")).isEqualTo("off");
    assertThat(option("port").render("5433")).isEqualTo("5433");
  }

  @Test
  void refusesValuesPostgresqlWouldOnlyRejectLater() {
    assertThatThrownBy(() -> option("port").render("abc"))
        .hasMessage("expected a whole number from 1 to 65535, e.g. 5432; got \"abc\"");
    assertThatThrownBy(() -> option("port").render("70000"))
        .hasMessageStartingWith("expected a whole number from 1 to 65535");
    assertThatThrownBy(() -> option("analyze_sampling").render("sometimes"))
        .hasMessage(
            "expected one of off, auto, random, system, bernoulli, e.g. auto; got \"sometimes\"");
    assertThatThrownBy(() -> option("extensions").render("postgis;drop"))
        .hasMessageStartingWith("expected a list of names");
    assertThatThrownBy(() -> option("host").render(" "))
        .hasMessageStartingWith("expected non-empty text");
  }

  @Test
  void sessionOptionsRenderInOrder() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("statement_timeout", "900000");
    settings.put("lock_timeout", "10000");

    assertThat(FdwOptions.sessionOptions(settings))
        .isEqualTo("-c statement_timeout=900000 -c lock_timeout=10000");
  }

  @Test
  void configOverridesMergeWithDefaultsAndTheUrl() {
    StrataConfig config =
        ConfigTesting.config(
            withServer(
                """
                fdw:
                  host: archive1.private
                  fetch_size: 500
                  batch_size: 1000
                  keepalives: false
                  extensions: [postgis, pg_trgm]
                  statement_timeout: 1h
                  idle_in_transaction_session_timeout: 10min
                  use_scram_passthrough: true
                """));

    Map<String, String> options = config.server("archive_1").fdwOptions();
    assertThat(options)
        .containsEntry("host", "archive1.private")
        .containsEntry("port", "5433")
        .containsEntry("dbname", "archive_db")
        .containsEntry("fetch_size", "500")
        .containsEntry("batch_size", "1000")
        .containsEntry("keepalives", "0")
        .containsEntry("extensions", "postgis,pg_trgm")
        .containsEntry("use_scram_passthrough", "true")
        .containsEntry(
            "options",
            "-c statement_timeout=3600000 -c lock_timeout=10000"
                + " -c idle_in_transaction_session_timeout=600000")
        .doesNotContainKeys("statement_timeout", "idle_in_transaction_session_timeout");
    assertThat(config.origins().of("servers.archive_1.fdw.host")).contains("strata.yaml:7");
    assertThat(config.origins().of("servers.archive_1.fdw.port"))
        .contains("from servers.archive_1.url (strata.yaml:5)");
    assertThat(config.origins().of("servers.archive_1.fdw.options"))
        .contains(
            "from fdw.statement_timeout (strata.yaml:12), fdw.lock_timeout (default),"
                + " fdw.idle_in_transaction_session_timeout (strata.yaml:13)");
  }

  @Test
  void designDocumentExampleLoads() {
    StrataConfig config =
        ConfigTesting.config(
            withServer("fdw: { fetch_size: 10000, async_capable: true, connect_timeout: 5 }\n"));

    assertThat(config.server("archive_1").fdwOptions()).containsEntry("connect_timeout", "5");
  }
}
