package dev.strata.config;

import static dev.strata.config.ConfigTesting.MINIMAL;
import static dev.strata.config.ConfigTesting.problem;
import static dev.strata.config.ConfigTesting.problems;
import static dev.strata.config.ConfigTesting.withServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ErrorCode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every validation error: key path, location, message, suggestion. */
class ConfigProblemsTest {
  private static final String TABLE_HEAD =
      withServer("")
          + """
          tables:
            public.emp:
              partition_by: {column: time, interval: 1 year}
          """;

  private static String table(String settings) {
    return TABLE_HEAD + settings.indent(4);
  }

  @Test
  void emptyFileNeedsACoordinator() {
    ConfigProblem problem = problem("");

    assertThat(problem.keyPath()).isEqualTo("coordinator");
    assertThat(problem.location()).isEqualTo("strata.yaml");
    assertThat(problem.describe())
        .startsWith("coordinator (strata.yaml): is required: Strata needs the address of the");
  }

  @Test
  void commentOnlyFileNeedsACoordinator() {
    assertThat(problem("# nothing yet\n").keyPath()).isEqualTo("coordinator");
  }

  @Test
  void unknownTopLevelKeySuggestsTheKeyMeant() {
    ConfigProblem problem = problem(MINIMAL + "timeout:\n  lock: 5s\n");

    assertThat(problem.describe())
        .isEqualTo(
            "timeout (strata.yaml:3): is not a setting; allowed: coordinator, servers, timeouts,"
                + " tables, mirrors, security, serve — did you mean \"timeouts\"?");
  }

  @Test
  void unknownKeyAtEveryLevelSuggestsTheKeyMeant() {
    String yaml =
        """
        coordinator:
          url: postgresql://coordinator/appdb
          usr: strata
        servers:
          archive_1:
            url: postgresql://archive1/archive_db
            pasword: ${env:X}
            mapping: {users: fdw}
            fdw: {fetchsize: 100}
        timeouts:
          statment: 1min
        tables:
          emp:
            partition_by: {column: time, intervall: 1 year}
            retension: 5 years
        """;

    assertThat(problems(yaml, Map.of("X", "x"), Map.of()))
        .extracting(ConfigProblem::keyPath, ConfigProblem::location, ConfigProblem::suggestion)
        .contains(
            tuple("coordinator.usr", "strata.yaml:3", "user"),
            tuple("servers.archive_1.pasword", "strata.yaml:7", "password"),
            tuple("servers.archive_1.mapping.users", "strata.yaml:8", "user"),
            tuple("servers.archive_1.fdw.fetchsize", "strata.yaml:9", "fetch_size"),
            tuple("timeouts.statment", "strata.yaml:11", "statement"),
            tuple("tables.public.emp.partition_by.intervall", "strata.yaml:14", "interval"),
            tuple("tables.public.emp.retension", "strata.yaml:15", "retention"));
  }

  private static org.assertj.core.groups.Tuple tuple(
      String keyPath, String location, String suggestion) {
    return org.assertj.core.groups.Tuple.tuple(
        keyPath, location, java.util.Optional.of(suggestion));
  }

  @Test
  void prefixOfAKeyIsSuggested() {
    assertThat(problem(MINIMAL + "timeouts: {idle: 1min}\n").suggestion())
        .contains("idle_in_transaction");
  }

  @Test
  void unrelatedKeyHasNoSuggestion() {
    ConfigProblem problem = problem(MINIMAL + "colour: blue\n");

    assertThat(problem.suggestion()).isEmpty();
    assertThat(problem.describe()).doesNotContain("did you mean");
  }

  @Test
  void missingUnitIsAnError() {
    ConfigProblem problem = problem(table("hot: 1 year\narchive_to: archive_1\nretention: 90\n"));

    assertThat(problem.describe())
        .isEqualTo(
            "tables.public.emp.retention (strata.yaml:11): \"90\" has no unit; write it with one,"
                + " e.g. \"90 days\"");
  }

  @Test
  void durationsNeedAUnit() {
    ConfigProblem problem = problem(MINIMAL + "timeouts:\n  lock: 5\n");

    assertThat(problem.keyPath()).isEqualTo("timeouts.lock");
    assertThat(problem.message()).startsWith("\"5\" has no unit");
  }

  @Test
  void zeroTimeoutIsRefused() {
    assertThat(problem(MINIMAL + "timeouts:\n  statement: 0s\n").message())
        .startsWith("is zero; Strata bounds every wait");
  }

  @Test
  void unsetEnvironmentVariableNamesKeyAndVariable() {
    ConfigProblem problem = problem(MINIMAL + "  password: \"${env:COORDINATOR_PASSWORD}\"\n");

    assertThat(problem.keyPath()).isEqualTo("coordinator.password");
    assertThat(problem.location()).isEqualTo("strata.yaml:3");
    assertThat(problem.message())
        .startsWith("environment variable COORDINATOR_PASSWORD is not set");
  }

  @Test
  void missingFileReferenceIsAnError() {
    ConfigProblem problem = problem(MINIMAL + "  password: \"${file:secrets/coordinator}\"\n");

    assertThat(problem.keyPath()).isEqualTo("coordinator.password");
    assertThat(problem.message())
        .isEqualTo(
            "file /etc/strata/secrets/coordinator does not exist (referenced as"
                + " ${file:secrets/coordinator})");
  }

  @Test
  void unknownReferenceKindIsAnError() {
    assertThat(problem(MINIMAL + "  password: \"${vault:db}\"\n").message())
        .isEqualTo("${vault:db} is not a known reference; use ${env:NAME} or ${file:PATH}");
  }

  @Test
  void badUrlsAreErrors() {
    assertThat(problem("coordinator: {url: \"mysql://h/db\"}\n").message())
        .startsWith("the URL is not a PostgreSQL URL");
    assertThat(problem("coordinator: {url: \"postgresql:///db\"}\n").message())
        .startsWith("the URL has no host");
    assertThat(problem("coordinator: {url: \"postgresql://h\"}\n").message())
        .startsWith("the URL has no database");
    assertThat(problem("coordinator: {url: \"postgresql://h:99999/db\"}\n").message())
        .startsWith("the URL has port \"99999\"");
    assertThat(problem("coordinator: {url: \"postgresql://h1,h2/db\"}\n").message())
        .startsWith("the URL names several hosts");
  }

  @Test
  void missingUrlIsRequired() {
    ConfigProblem problem = problem("coordinator:\n  user: strata\n");

    assertThat(problem.describe())
        .startsWith("coordinator.url (strata.yaml:1): is required; write the server's address");
  }

  @Test
  void passwordInUrlIsRefusedWithoutRepeatingIt() {
    ConfigProblem problem = problem("coordinator: {url: \"postgresql://strata:hunter2@h/db\"}\n");

    assertThat(problem.message())
        .startsWith("the URL contains a password; remove it from the URL and write it next to")
        .contains("password: \"${env:NAME}\"");
    assertThat(problem.describe()).doesNotContain("hunter2");
  }

  @Test
  void passwordAsUrlParameterIsRefused() {
    assertThat(problem("coordinator: {url: \"postgresql://h/db?password=hunter2\"}\n").describe())
        .contains("the URL contains a password")
        .doesNotContain("hunter2");
  }

  @Test
  void badSslModeIsAnErrorWithSuggestion() {
    ConfigProblem problem = problem("coordinator: {url: \"postgresql://h/db?sslmode=requir\"}\n");

    assertThat(problem.message())
        .isEqualTo(
            "the URL has sslmode=\"requir\"; sslmode is one of disable, allow, prefer, require,"
                + " verify-ca, verify-full");
    assertThat(problem.suggestion()).contains("require");
  }

  @Test
  void badSslModeInFdwIsAnError() {
    ConfigProblem problem = problem(withServer("fdw: {sslmode: on}\n"));

    assertThat(problem.keyPath()).isEqualTo("servers.archive_1.fdw.sslmode");
    assertThat(problem.message())
        .isEqualTo(
            "expected one of disable, allow, prefer, require, verify-ca, verify-full, e.g."
                + " verify-full; got \"on\"");
  }

  @Test
  void unsupportedUrlParameterIsAnError() {
    ConfigProblem problem =
        problem("coordinator: {url: \"jdbc:postgresql://h/db?ApplicationName=x\"}\n");

    assertThat(problem.message()).startsWith("the URL has parameter \"ApplicationName\"");
    assertThat(problem.suggestion()).contains("application_name");
  }

  @Test
  void nonNumericFdwPortIsAnError() {
    ConfigProblem problem = problem(withServer("fdw: {port: abc}\n"));

    assertThat(problem.describe())
        .isEqualTo(
            "servers.archive_1.fdw.port (strata.yaml:6): expected a whole number from 1 to 65535,"
                + " e.g. 5432; got \"abc\"");
  }

  @Test
  void fdwOptionsKeyIsRefusedWithAHint() {
    ConfigProblem problem = problem(withServer("fdw:\n  options: \"-c statement_timeout=0\"\n"));

    assertThat(problem.keyPath()).isEqualTo("servers.archive_1.fdw.options");
    assertThat(problem.location()).isEqualTo("strata.yaml:7");
    assertThat(problem.message())
        .startsWith("is set by Strata")
        .contains("statement_timeout: 15min");
  }

  @Test
  void fdwUserAndPasswordBelongToTheMapping() {
    assertThat(problem(withServer("fdw: {user: reader}\n")).message())
        .endsWith("write it as servers.archive_1.mapping.user");
  }

  @Test
  void fdwValueOfTheWrongTypeNamesTheTypeAndAnExample() {
    assertThat(problem(withServer("fdw: {fetch_size: 0}\n")).message())
        .isEqualTo("expected a whole number ≥ 1, e.g. 10000; got \"0\"");
    assertThat(problem(withServer("fdw: {async_capable: yes}\n")).message())
        .isEqualTo("expected true or false, e.g. true; got \"yes\"");
    assertThat(problem(withServer("fdw: {fdw_tuple_cost: -1}\n")).message())
        .isEqualTo("expected a non-negative number, e.g. 0.01; got \"-1\"");
    assertThat(problem(withServer("fdw: {statement_timeout: 900}\n")).message())
        .startsWith("\"900\" has no unit");
    assertThat(problem(withServer("fdw: {connect_timeout: 1500ms}\n")).message())
        .startsWith("\"1500ms\" is not a whole number of seconds");
  }

  @Test
  void serverNamesMustBePlainIdentifiers() {
    ConfigProblem problem =
        problem(MINIMAL + "servers:\n  Archive-2024:\n    url: postgresql://a/b\n");

    assertThat(problem.keyPath()).isEqualTo("servers.Archive-2024");
    assertThat(problem.location()).isEqualTo("strata.yaml:4");
    assertThat(problem.message())
        .startsWith("the server name \"Archive-2024\" is not a plain lower-case name")
        .contains("foreign server");
    assertThat(problem.suggestion()).contains("archive_2024");
  }

  @Test
  void serverNamesLongerThan63BytesAreRefused() {
    String name = "a".repeat(64);
    ConfigProblem problem =
        problem(MINIMAL + "servers:\n  " + name + ":\n    url: postgresql://a/b\n");

    assertThat(problem.message()).contains("is 64 bytes long");
  }

  @Test
  void retentionMustBeLongerThanHot() {
    ConfigProblem problem =
        problem(table("hot: 1 year\narchive_to: archive_1\nretention: 12 months\n"));

    assertThat(problem.describe())
        .isEqualTo(
            "tables.public.emp.retention (strata.yaml:11): is 12 months, not longer than hot (1"
                + " year): partitions would be retired before they are archived; make retention"
                + " longer than hot");
  }

  @Test
  void retentionNeedsHot() {
    assertThat(problem(table("retention: 5 years\n")).message()).startsWith("needs hot");
  }

  @Test
  void hotNeedsArchiveTo() {
    ConfigProblem problem = problem(table("hot: 1 year\n"));

    assertThat(problem.keyPath()).isEqualTo("tables.public.emp.hot");
    assertThat(problem.message()).startsWith("is set but archive_to is not");
  }

  @Test
  void archiveToWithoutHotIsOnlyAWarning() {
    LoadedConfig loaded = ConfigTesting.load(table("archive_to: archive_1\n"));

    assertThat(loaded.warnings())
        .containsExactly(
            "tables.public.emp.archive_to (strata.yaml:9): has no effect without hot, which says"
                + " when a partition is archived; add e.g. hot: 1 year");
  }

  @Test
  void archiveToNamingAnUnknownServerSuggestsTheNearestName() {
    ConfigProblem problem = problem(table("hot: 1 year\narchive_to: [archive_1, archve_1]\n"));

    assertThat(problem.describe())
        .isEqualTo(
            "tables.public.emp.archive_to (strata.yaml:10): names server \"archve_1\", which is"
                + " not defined under servers (defined: archive_1) — did you mean \"archive_1\"?");
  }

  @Test
  void premakeAbove1000IsAnError() {
    assertThat(problem(table("premake: 1001\n")).message()).startsWith("is 1001; at most 1000");
    assertThat(problem(table("premake: -1\n")).message()).startsWith("is negative");
    assertThat(problem(table("premake: two\n")).message())
        .isEqualTo("expected a whole number ≥ 0, e.g. 2; got \"two\"");
  }

  @Test
  void partitionIntervalMustBeAWholeCalendarUnit() {
    ConfigProblem problem =
        problem(
            withServer("")
                + "tables:\n  emp:\n    partition_by: {column: time, interval: 1 fortnight}\n");

    assertThat(problem.keyPath()).isEqualTo("tables.public.emp.partition_by.interval");
    assertThat(problem.message()).startsWith("\"fortnight\" is not a unit");
  }

  @Test
  void partitionByIsRequired() {
    ConfigProblem problem = problem(withServer("") + "tables:\n  emp:\n    premake: 3\n");

    assertThat(problem.describe())
        .startsWith("tables.public.emp.partition_by (strata.yaml:7): is required");
  }

  @Test
  void badTableNameIsAnError() {
    ConfigProblem problem =
        problem(
            withServer("") + "tables:\n  a.b.c:\n    partition_by: {column: t, interval: 1 day}\n");

    assertThat(problem.keyPath()).isEqualTo("tables.a.b.c");
    assertThat(problem.message()).endsWith("write SCHEMA.NAME, e.g. public.emp");
  }

  @Test
  void theSameTableTwiceIsAnError() {
    ConfigProblem problem =
        problem(
            withServer("")
                + """
                tables:
                  emp:
                    partition_by: {column: t, interval: 1 day}
                  public.emp:
                    partition_by: {column: t, interval: 1 day}
                """);

    assertThat(problem.message()).startsWith("names the same table as \"emp\" (strata.yaml:7");
  }

  @Test
  void booleansAreTrueOrFalse() {
    assertThat(problem(table("decommission: yes\n")).message())
        .isEqualTo("expected true or false; got \"yes\"");
  }

  @Test
  void detachedGraceNeedsAUnitExceptForZero() {
    assertThat(problem(table("detached_grace: 10\n")).message()).startsWith("\"10\" has no unit");
    assertThat(ConfigTesting.config(table("detached_grace: 0\n")).tables().values())
        .allSatisfy(t -> assertThat(t.detachedGrace()).isZero());
  }

  @Test
  void wrongShapesAreErrors() {
    assertThat(problem("coordinator: postgresql://h/db\n").message())
        .isEqualTo("must be a mapping (url, user, password), not a single value");
    assertThat(problem(MINIMAL + "  user: [a, b]\n").message())
        .isEqualTo("must be a single value, not a list");
  }

  @Test
  void keyWrittenTwiceIsAnError() {
    ConfigProblem problem = problem(MINIMAL + "  user: a\n  user: b\n");

    assertThat(problem.describe())
        .isEqualTo(
            "coordinator.user (strata.yaml:4): is written twice in the same mapping (first at"
                + " strata.yaml:3); remove one of them");
  }

  @Test
  void yamlAliasesAreRefused() {
    assertThat(problem(MINIMAL + "  user: *someone\n").message())
        .startsWith("YAML aliases (*someone) are not supported");
  }

  @Test
  void yamlSyntaxErrorReportsLineAndColumn() {
    assertThatThrownBy(() -> ConfigTesting.load("coordinator:\n  url: [a, b\ntables: {}\n"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.CONFIG);
              assertThat(e.problems()).hasSize(1);
              assertThat(e.problems().get(0).location()).isEqualTo("strata.yaml:3:7");
              assertThat(e.getMessage())
                  .startsWith("strata.yaml:3:7: YAML syntax error: expected ',' or ']'")
                  .contains("line 2, column 8");
              assertThat(e.hint()).contains("spaces, never tabs");
            });
  }

  @Test
  void tabIndentationReportsItsLine() {
    assertThatThrownBy(() -> ConfigTesting.load("coordinator:\n\turl: x\n"))
        .hasMessageStartingWith("strata.yaml:2:1: YAML syntax error: found character '\\t(TAB)'");
  }

  @Test
  void aListAtTheTopIsAnError() {
    assertThatThrownBy(() -> ConfigTesting.load("- a\n- b\n"))
        .hasMessage(
            "strata.yaml:1: the file must be a mapping of settings (coordinator:, servers:,"
                + " timeouts:, tables:), not a list");
  }

  @Test
  void severalProblemsAreReportedTogetherOnePerLine() {
    String yaml =
        """
        coordinator:
          url: postgresql://coordinator/appdb?sslmode=bogus
          password: ${env:NOT_SET}
        servers:
          archive_1:
            url: postgresql://archive1/archive_db
            fdw: {port: abc, fetchsize: 10}
        timeouts: {lock: 5}
        tables:
          emp:
            partition_by: {column: time, interval: 1 year}
            hot: 1 year
            archive_to: archive_9
            retention: 90
        """;

    assertThatThrownBy(() -> ConfigTesting.load(yaml))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.problems())
                  .extracting(ConfigProblem::keyPath)
                  .containsExactly(
                      "coordinator.url",
                      "coordinator.password",
                      "servers.archive_1.fdw.fetchsize",
                      "servers.archive_1.fdw.port",
                      "timeouts.lock",
                      "tables.public.emp.retention",
                      "tables.public.emp.archive_to");
              List<String> lines = e.getMessage().lines().toList();
              assertThat(lines).hasSize(7);
              assertThat(lines)
                  .allSatisfy(
                      line -> assertThat(line).matches("[a-z0-9_.]+ \\(strata\\.yaml:\\d+\\): .+"));
              assertThat(lines.get(6)).endsWith("— did you mean \"archive_1\"?");
            });
  }

  @Test
  void missingFileNamesThePathAndSuggestsInit() {
    java.nio.file.Path file = java.nio.file.Path.of("/nonexistent/strata.yaml");

    assertThatThrownBy(() -> ConfigLoader.builder().environment(Map.of()).build().load(file))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.getMessage())
                  .isEqualTo("/nonexistent/strata.yaml: configuration file not found");
              assertThat(e.hint()).startsWith("create it").contains("STRATA_CONFIG");
              assertThat(e.code().exitCode()).isEqualTo(2);
            });
  }
}
