package dev.strata.config;

import static dev.strata.config.ConfigTesting.MINIMAL;
import static dev.strata.config.ConfigTesting.load;
import static dev.strata.config.ConfigTesting.problems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.secret.Secret;
import dev.strata.sql.QualifiedName;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Flags over environment over file over defaults, and the origin each one leaves. */
class ConfigPrecedenceTest {
  private static final String FILE =
      """
      coordinator:
        url: postgresql://coordinator/appdb
      servers:
        archive_2024:
          url: postgresql://archive1/archive_db
          fdw:
            fetch_size: 5000
      timeouts:
        lock: 3s
        statement: 1min
      tables:
        public.emp:
          partition_by: {column: time, interval: 1 year}
          hot: 1 year
          archive_to: archive_2024
      """;

  @Test
  void eachSourceOverridesTheOneBelowAndRecordsItsOrigin() {
    LoadedConfig loaded =
        load(
            FILE,
            Map.of(
                "STRATA_TIMEOUTS__LOCK", "7s",
                "STRATA_TIMEOUTS__STATEMENT", "2min"),
            Map.of("timeouts.lock", "9s"));
    StrataConfig config = loaded.config();

    assertThat(config.timeouts().lock()).isEqualTo(Duration.ofSeconds(9));
    assertThat(config.origins().of("timeouts.lock")).contains("flag --set");
    assertThat(config.timeouts().statement()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.origins().of("timeouts.statement"))
        .contains("env STRATA_TIMEOUTS__STATEMENT");
    assertThat(config.timeouts().connect()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.origins().of("timeouts.connect")).contains("default");
    assertThat(loaded.warnings()).isEmpty();
  }

  @Test
  void fileOverridesDefaults() {
    StrataConfig config = load(FILE).config();

    assertThat(config.timeouts().lock()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.origins().of("timeouts.lock")).contains("strata.yaml:9");
    assertThat(config.server("archive_2024").fdwOptions()).containsEntry("fetch_size", "5000");
    assertThat(config.origins().of("servers.archive_2024.fdw.fetch_size"))
        .contains("strata.yaml:7");
  }

  @Test
  void environmentKeysMatchWithoutRegardToCase() {
    StrataConfig config =
        load(
                FILE,
                Map.of(
                    "STRATA_COORDINATOR__URL", "postgresql://elsewhere:6432/appdb",
                    "STRATA_SERVERS__ARCHIVE_2024__FDW__FETCH_SIZE", "20000",
                    "STRATA_SERVERS__ARCHIVE_2024__PASSWORD", "from-env"))
            .config();

    assertThat(config.coordinator().hosts()).containsExactly(new HostAndPort("elsewhere", 6432));
    assertThat(config.origins().of("coordinator.url")).contains("env STRATA_COORDINATOR__URL");
    assertThat(config.server("archive_2024").fdwOptions()).containsEntry("fetch_size", "20000");
    Secret password = config.server("archive_2024").connection().password().orElseThrow();
    assertThat(password.reveal()).isEqualTo("from-env");
    assertThat(password.source()).isEqualTo("${env:STRATA_SERVERS__ARCHIVE_2024__PASSWORD}");
  }

  @Test
  void environmentAddressesTablesWithUnderscoreForTheDot() {
    StrataConfig config = load(FILE, Map.of("STRATA_TABLES__PUBLIC_EMP__PREMAKE", "5")).config();

    assertThat(config.findTable(QualifiedName.of("public", "emp")).orElseThrow().premake())
        .isEqualTo(5);
    assertThat(config.origins().of("tables.public.emp.premake"))
        .contains("env STRATA_TABLES__PUBLIC_EMP__PREMAKE");
  }

  @Test
  void environmentCanSetKeysTheFileLeavesOut() {
    StrataConfig config =
        load(
                MINIMAL,
                Map.of("STRATA_COORDINATOR__USER", "strata", "STRATA_TIMEOUTS__CONNECT", "3s"))
            .config();

    assertThat(config.coordinator().user()).isEqualTo("strata");
    assertThat(config.timeouts().connect()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void environmentCanSupplyTheWholeCoordinator() {
    StrataConfig config = load("", Map.of("STRATA_COORDINATOR__URL", "postgresql://h/db")).config();

    assertThat(config.coordinator().database()).isEqualTo("db");
  }

  @Test
  void unknownStrataVariablesAreWarningsNotErrors() {
    LoadedConfig loaded =
        load(
            FILE,
            Map.of(
                "STRATA_TIMEOUTS__LOK", "1s",
                "STRATA_SERVERS__ARCHIVE_2023__URL", "postgresql://x/y",
                "STRATA_CONFIG", "/etc/strata/strata.yaml",
                "PATH", "/usr/bin"));

    assertThat(loaded.warnings())
        .containsExactly(
            "servers.archive_2023.url (env STRATA_SERVERS__ARCHIVE_2023__URL): this variable"
                + " matches no setting and is ignored: the file defines no server \"ARCHIVE_2023\""
                + " (environment variables and --set can change the settings of servers the file"
                + " defines, not add new ones) — did you mean \"archive_2024\"?",
            "timeouts.lok (env STRATA_TIMEOUTS__LOK): this variable matches no setting and is"
                + " ignored: \"lok\" is not a key of timeouts — did you mean \"lock\"?");
    assertThat(loaded.config().timeouts().lock()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void emptyVariableOrFlagUnsetsTheSetting() {
    StrataConfig config =
        load(FILE, Map.of("STRATA_TIMEOUTS__LOCK", ""), Map.of("timeouts.statement", "")).config();

    assertThat(config.timeouts().lock()).isEqualTo(Timeouts.DEFAULTS.lock());
    assertThat(config.timeouts().statement()).isEqualTo(Timeouts.DEFAULTS.statement());
    assertThat(config.origins().of("timeouts.lock")).contains("default");
  }

  @Test
  void valuesFromTheEnvironmentAreValidatedLikeTheFile() {
    assertThat(problems(FILE, Map.of("STRATA_TIMEOUTS__LOCK", "5"), Map.of()))
        .extracting(ConfigProblem::describe)
        .containsExactly(
            "timeouts.lock (env STRATA_TIMEOUTS__LOCK): \"5\" has no unit; write it with one,"
                + " e.g. \"5s\" or \"5min\" (units: ms, s, min, h, d)");
  }

  @Test
  void flagsAddressTablesAsWrittenInSql() {
    StrataConfig config =
        load(
                FILE,
                Map.of(),
                Map.of("tables.emp.premake", "4", "tables.public.emp.retention", "3 years"))
            .config();

    var table = config.findTable(QualifiedName.of("public", "emp")).orElseThrow();
    assertThat(table.premake()).isEqualTo(4);
    assertThat(table.retention()).contains(new Interval(3, Interval.Unit.YEAR));
    assertThat(config.origins().of("tables.public.emp.retention")).contains("flag --set");
  }

  @Test
  void flagsSetPlacementAsACommaSeparatedList() {
    String yaml =
        FILE.replace(
            "      fetch_size: 5000\n",
            "      fetch_size: 5000\n  archive_2023:\n    url: postgresql://archive2/archive_db\n");
    StrataConfig config =
        load(yaml, Map.of(), Map.of("tables.public.emp.archive_to", "archive_2023, archive_2024"))
            .config();

    assertThat(config.findTable(QualifiedName.of("public", "emp")).orElseThrow().archiveTo())
        .contains(new Placement.RoundRobin(java.util.List.of("archive_2023", "archive_2024")));
  }

  @Test
  void unknownFlagKeyIsAnErrorWithSuggestion() {
    assertThat(problems(FILE, Map.of(), Map.of("timeouts.lok", "1s")))
        .extracting(ConfigProblem::describe)
        .containsExactly(
            "timeouts.lok (flag --set): --set names no setting: \"lok\" is not a key of timeouts"
                + " — did you mean \"lock\"?");
  }

  @Test
  void flagNamingAGroupIsAnError() {
    assertThat(problems(FILE, Map.of(), Map.of("timeouts", "1s")))
        .extracting(ConfigProblem::message)
        .containsExactly(
            "--set names no setting: timeouts is a group of settings; name one of its keys");
  }

  @Test
  void flagProblemsAreListedAfterFileProblems() {
    assertThat(problems(FILE + "colour: blue\n", Map.of(), Map.of("timeouts.lok", "1s")))
        .extracting(ConfigProblem::location)
        .containsExactly("strata.yaml:16", "flag --set");
  }
}
