package dev.strata.config;

import static dev.strata.config.ConfigTesting.MINIMAL;
import static dev.strata.config.ConfigTesting.problem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.secret.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Passwords and {@code ${env:...}} / {@code ${file:...}} substitution. */
class SecretsTest {
  @TempDir Path directory;

  private LoadedConfig loadFile(String yaml, Map<String, String> environment) throws IOException {
    Path file = directory.resolve("strata.yaml");
    Files.writeString(file, yaml);
    return ConfigLoader.builder().environment(environment).build().load(file);
  }

  @Test
  void environmentReferenceBecomesASecretNamedByItsSource() {
    LoadedConfig loaded =
        ConfigTesting.load(
            MINIMAL + "  password: ${env:PGPASSWORD}\n", Map.of("PGPASSWORD", "s3cret"));

    Secret password = loaded.config().coordinator().password().orElseThrow();
    assertThat(password.reveal()).isEqualTo("s3cret");
    assertThat(password.source()).isEqualTo("${env:PGPASSWORD}");
    assertThat(password.toString()).doesNotContain("s3cret");
    assertThat(loaded.warnings()).isEmpty();
  }

  @Test
  void fileReferenceReadsTheFileRelativeToTheConfigWithoutTrailingNewline() throws IOException {
    Files.createDirectories(directory.resolve("secrets"));
    Files.writeString(directory.resolve("secrets/archive"), "p@ss word\n");

    LoadedConfig loaded =
        loadFile(
            MINIMAL
                + """
                servers:
                  archive_1:
                    url: postgresql://archive1/archive_db
                    password: ${file:secrets/archive}
                """,
            Map.of());

    Secret password = loaded.config().server("archive_1").connection().password().orElseThrow();
    assertThat(password.reveal()).isEqualTo("p@ss word");
    assertThat(password.source()).isEqualTo("${file:secrets/archive}");
  }

  @Test
  void referencesWorkInsideAnyValue() {
    StrataConfig config =
        ConfigTesting.load(
                "coordinator:\n  url: postgresql://${env:DB_HOST}:${env:DB_PORT}/appdb\n",
                Map.of("DB_HOST", "db.internal", "DB_PORT", "6543"))
            .config();

    assertThat(config.coordinator().hosts()).containsExactly(new HostAndPort("db.internal", 6543));
  }

  @Test
  void doubledDollarWritesALiteralReference() {
    StrataConfig config =
        ConfigTesting.load(MINIMAL + "  user: \"$${env:X}\"\n", Map.of()).config();

    assertThat(config.coordinator().user()).isEqualTo("${env:X}");
  }

  @Test
  void unterminatedReferenceIsAnError() {
    assertThat(problem(MINIMAL + "  password: \"${env:X\"\n").message())
        .startsWith("a reference starting with \"${\" has no closing \"}\"");
  }

  @Test
  void literalPasswordInTheFileIsAllowedWithAWarning() {
    LoadedConfig loaded = ConfigTesting.load(MINIMAL + "  password: hunter2\n");

    Secret password = loaded.config().coordinator().password().orElseThrow();
    assertThat(password.reveal()).isEqualTo("hunter2");
    assertThat(password.source()).isEqualTo("literal");
    assertThat(loaded.warnings())
        .containsExactly(
            "coordinator.password (strata.yaml:3): the password is written in the file; keep it"
                + " out of the file with password: \"${env:NAME}\" or \"${file:PATH}\", or leave"
                + " the key out and use ~/.pgpass");
    assertThat(String.join("\n", loaded.warnings())).doesNotContain("hunter2");
  }

  @Test
  void passwordFromAFlagWarnsAboutTheProcessList() {
    LoadedConfig loaded =
        ConfigTesting.load(MINIMAL, Map.of(), Map.of("coordinator.password", "hunter2"));

    assertThat(loaded.config().coordinator().password().orElseThrow().source()).isEqualTo("--set");
    assertThat(loaded.warnings())
        .singleElement()
        .asString()
        .contains("process list")
        .contains("STRATA_COORDINATOR__PASSWORD")
        .doesNotContain("hunter2");
  }

  @Test
  void omittedPasswordLeavesItToPgpass() {
    assertThat(ConfigTesting.config(MINIMAL).coordinator().password()).isEmpty();
  }

  @Test
  void emptyPasswordIsAnError() {
    assertThat(problem(MINIMAL + "  password: \"\"\n").message())
        .startsWith("is empty; remove the key to let the driver read ~/.pgpass");
  }

  @Test
  void mappingPasswordHasItsOwnSource() {
    StrataConfig config =
        ConfigTesting.load(
                ConfigTesting.withServer(
                    """
                    user: strata
                    password: ${env:STRATA_PW}
                    mapping: {user: fdw_reader, password: "${env:READER_PW}"}
                    """),
                Map.of("STRATA_PW", "one", "READER_PW", "two"))
            .config();

    MappingConfig mapping = config.server("archive_1").mapping();
    assertThat(mapping.user()).isEqualTo("fdw_reader");
    assertThat(mapping.password().orElseThrow().reveal()).isEqualTo("two");
    assertThat(mapping.password().orElseThrow().source()).isEqualTo("${env:READER_PW}");
    assertThat(config.origins().of("servers.archive_1.mapping.password")).contains("strata.yaml:8");
  }

  @Test
  void exportDirectoryIsRelativeToTheConfigFile() throws IOException {
    LoadedConfig loaded =
        loadFile(
            MINIMAL
                + """
                servers:
                  archive_1: {url: "postgresql://archive1/archive_db"}
                tables:
                  emp:
                    partition_by: {column: time, interval: 1 year}
                    hot: 1 year
                    archive_to: archive_1
                    retention: 5 years
                    export_before_retire: ./exports
                """,
            Map.of());

    assertThat(loaded.config().tables().values())
        .singleElement()
        .satisfies(
            table ->
                assertThat(table.exportBeforeRetire())
                    .contains(directory.toAbsolutePath().resolve("exports")));
  }
}
