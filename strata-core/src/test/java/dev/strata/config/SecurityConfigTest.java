package dev.strata.config;

import static dev.strata.config.ConfigTesting.MINIMAL;
import static dev.strata.config.ConfigTesting.config;
import static dev.strata.config.ConfigTesting.problem;
import static dev.strata.config.ConfigTesting.withServer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.secret.Secret;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code security}: defaults, values, errors, and the SCRAM pass-through mapping password. */
class SecurityConfigTest {
  @Test
  void defaultsToNoMinimumAndNoSuperuserMappings() {
    StrataConfig config = config(MINIMAL);

    assertThat(config.security()).isEqualTo(SecurityConfig.DEFAULTS);
    assertThat(config.security().minSslmode()).isEmpty();
    assertThat(config.security().allowSuperuserMapping()).isFalse();
    assertThat(config.origins().of("security.min_sslmode")).contains("default");
    assertThat(config.origins().of("security.allow_superuser_mapping")).contains("default");
  }

  @Test
  void readsBothKeysWithTheirOrigins() {
    StrataConfig config =
        config(MINIMAL + "security: { min_sslmode: Verify-Full, allow_superuser_mapping: true }\n");

    assertThat(config.security().minSslmode()).contains("verify-full");
    assertThat(config.security().allowSuperuserMapping()).isTrue();
    assertThat(config.origins().of("security.min_sslmode")).contains("strata.yaml:3");
  }

  @Test
  void environmentSetsThem() {
    StrataConfig config =
        ConfigTesting.load(MINIMAL, Map.of("STRATA_SECURITY__MIN_SSLMODE", "require")).config();

    assertThat(config.security().minSslmode()).contains("require");
    assertThat(config.origins().of("security.min_sslmode"))
        .contains("env STRATA_SECURITY__MIN_SSLMODE");
  }

  @Test
  void rejectsAnUnknownSslmodeAndANonBoolean() {
    assertThat(problem(MINIMAL + "security: { min_sslmode: strict }\n").describe())
        .isEqualTo(
            "security.min_sslmode (strata.yaml:3): expected one of disable, allow, prefer,"
                + " require, verify-ca, verify-full (verify-full is recommended); got \"strict\"");
    assertThat(problem(MINIMAL + "security: { allow_superuser_mapping: yes }\n").describe())
        .isEqualTo(
            "security.allow_superuser_mapping (strata.yaml:3): expected true or false; got"
                + " \"yes\"");
    assertThat(problem(MINIMAL + "security: { min_ssl: require }\n").describe())
        .contains("security.min_ssl", "did you mean \"min_sslmode\"");
  }

  @Test
  void ranksSslmodesWithUnsetAsPrefer() {
    SecurityConfig require = new SecurityConfig(Optional.of("require"), false);

    assertThat(require.meetsMinimum(Optional.of("verify-full"))).isTrue();
    assertThat(require.meetsMinimum(Optional.of("require"))).isTrue();
    assertThat(require.meetsMinimum(Optional.empty())).isFalse();
    assertThat(require.meetsMinimum(Optional.of("bogus"))).isFalse();
    assertThat(SecurityConfig.DEFAULTS.meetsMinimum(Optional.of("disable"))).isTrue();
  }

  @Test
  void scramPassthroughDropsOnlyAnInheritedMappingPassword() {
    Map<String, String> environment = Map.of("ARCHIVE_PASSWORD", "pw-1", "READER_PASSWORD", "pw-2");
    StrataConfig inherited =
        ConfigTesting.load(
                withServer(
                    "password: \"${env:ARCHIVE_PASSWORD}\"\nfdw: { use_scram_passthrough: true }\n"),
                environment)
            .config();
    assertThat(inherited.server("archive_1").connection().password()).isPresent();
    assertThat(inherited.server("archive_1").mapping().password()).isEmpty();
    assertThat(inherited.origins().of("servers.archive_1.mapping.password"))
        .contains("none: fdw.use_scram_passthrough is true");

    StrataConfig written =
        ConfigTesting.load(
                withServer(
                    "password: \"${env:ARCHIVE_PASSWORD}\"\n"
                        + "mapping: { password: \"${env:READER_PASSWORD}\" }\n"
                        + "fdw: { use_scram_passthrough: true }\n"),
                environment)
            .config();
    assertThat(written.server("archive_1").mapping().password().map(Secret::source))
        .contains("${env:READER_PASSWORD}");
  }
}
