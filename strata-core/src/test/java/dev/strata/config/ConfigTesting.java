package dev.strata.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Loads configuration text for tests, with a controlled environment and no real files. */
final class ConfigTesting {
  static final String SOURCE = "strata.yaml";
  static final Path BASE = Path.of("/etc/strata");

  /** The smallest valid configuration. */
  static final String MINIMAL =
      """
      coordinator:
        url: postgresql://coordinator.internal/appdb
      """;

  private ConfigTesting() {}

  static LoadedConfig load(String yaml) {
    return load(yaml, Map.of(), Map.of());
  }

  static LoadedConfig load(String yaml, Map<String, String> environment) {
    return load(yaml, environment, Map.of());
  }

  static LoadedConfig load(
      String yaml, Map<String, String> environment, Map<String, String> overrides) {
    return ConfigLoader.builder()
        .environment(environment)
        .overrides(overrides)
        .build()
        .loadText(yaml, SOURCE, BASE);
  }

  static StrataConfig config(String yaml) {
    return load(yaml).config();
  }

  /** The problems loading reports; fails if loading succeeds. */
  static List<ConfigProblem> problems(String yaml) {
    return problems(yaml, Map.of(), Map.of());
  }

  static List<ConfigProblem> problems(
      String yaml, Map<String, String> environment, Map<String, String> overrides) {
    try {
      load(yaml, environment, overrides);
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("expected a ConfigException for:\n" + yaml);
  }

  /** The one problem loading reports; fails if there are none or several. */
  static ConfigProblem problem(String yaml) {
    List<ConfigProblem> problems = problems(yaml);
    if (problems.size() != 1) {
      throw new AssertionError("expected one problem, got " + problems);
    }
    return problems.get(0);
  }

  /** MINIMAL plus one server {@code archive_1} and the given extra text for it. */
  static String withServer(String serverSettings) {
    return MINIMAL
        + """
        servers:
          archive_1:
            url: postgresql://archive1.internal:5433/archive_db
        """
        + serverSettings.indent(4);
  }
}
