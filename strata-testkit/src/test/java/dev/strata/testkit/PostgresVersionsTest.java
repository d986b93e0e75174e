package dev.strata.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PostgresVersionsTest {
  @TempDir Path directory;

  @Test
  void theKitStartsFourteenToEighteenAndEighteenByDefault() {
    assertThat(PostgresVersions.supported()).containsExactly(14, 15, 16, 17, 18);
    assertThat(PostgresVersions.DEFAULT).isEqualTo(18);
    assertThat(PostgresVersions.binariesVersion(14)).startsWith("14.");
    assertThat(ServerSpec.of("main", "appdb").postgresVersion()).isEqualTo(18);
  }

  @Test
  void aSelectionListsMajorVersionsAndDefaultsToEighteen() {
    assertThat(PostgresVersions.parse("")).containsExactly(18);
    assertThat(PostgresVersions.parse(" 14, 16 ,14,18")).containsExactly(14, 16, 18);
    assertThatThrownBy(() -> PostgresVersions.parse("14,13"))
        .hasMessage(
            "strata.pg=14,13: the test kit has no PostgreSQL 13 binaries; it can start"
                + " [14, 15, 16, 17, 18]");
    assertThatThrownBy(() -> PostgresVersions.parse("16.2"))
        .hasMessageContaining("\"16.2\" is not a major version");
    assertThatThrownBy(() -> ServerSpec.of("main", "appdb").withPostgresVersion(12))
        .hasMessageContaining("no PostgreSQL 12 binaries");
  }

  static List<Integer> selectedVersions() {
    return PostgresVersions.selected();
  }

  /** Every selected version starts, as root too (user namespace), with postgres_fdw. */
  @Tag("matrix")
  @ParameterizedTest(name = "PostgreSQL {0}")
  @MethodSource("selectedVersions")
  void startsTheSelectedVersionWithPostgresFdw(int major) {
    try (LocalServers servers =
        LocalServers.start(
            directory.resolve("pg" + major),
            false,
            List.of(ServerSpec.of("solo", "db").withPostgresVersion(major)))) {
      LocalServer solo = servers.server("solo");
      assertThat(solo.postgresVersion()).isEqualTo(major);
      assertThat(solo.serverVersion())
          .startsWith(
              PostgresVersions.binariesVersion(major)
                  .substring(0, PostgresVersions.binariesVersion(major).lastIndexOf('.')));
      solo.execute("CREATE EXTENSION postgres_fdw");
      solo.restart();
      assertThat(
              solo.queryText(
                  "db", "SELECT extversion FROM pg_extension WHERE extname =" + " 'postgres_fdw'"))
          .isNotNull();
    }
  }
}
