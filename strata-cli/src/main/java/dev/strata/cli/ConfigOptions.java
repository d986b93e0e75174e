package dev.strata.cli;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.config.ConfigLoader;
import dev.strata.config.LoadedConfig;
import dev.strata.config.StrataConfig;
import dev.strata.sql.QualifiedName;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code -c/--config FILE} and {@code --set KEY=VALUE}, shared by every command that reads the
 * configuration. The file is {@code --config}, else {@code $STRATA_CONFIG}, else {@code
 * ./strata.yaml}. Precedence of values: {@code --set} > {@code STRATA_*} variables > file >
 * defaults.
 */
final class ConfigOptions {
  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description = "Configuration file (default: $STRATA_CONFIG, else ./strata.yaml).")
  Path file;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Override one setting, e.g. --set servers.archive_2024.fdw.fetch_size=50000 (repeatable).")
  List<String> overrides = List.of();

  Path resolveFile(Map<String, String> environment) {
    if (file != null) {
      return file;
    }
    String fromEnvironment = environment.get("STRATA_CONFIG");
    return Path.of(
        fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment : "strata.yaml");
  }

  /** Loads and validates the configuration; warnings go to standard error. */
  StrataConfig load(CommandSpec spec) {
    LoadedConfig loaded = loadWithWarnings(spec);
    loaded
        .warnings()
        .forEach(warning -> spec.commandLine().getErr().println("warning: " + warning));
    spec.commandLine().getErr().flush();
    return loaded.config();
  }

  LoadedConfig loadWithWarnings(CommandSpec spec) {
    Map<String, String> environment = environment(spec);
    return ConfigLoader.builder()
        .environment(environment)
        .overrides(parseOverrides())
        .build()
        .load(resolveFile(environment));
  }

  static Map<String, String> environment(CommandSpec spec) {
    return ((StrataCli) spec.root().userObject()).environment();
  }

  private Map<String, String> parseOverrides() {
    Map<String, String> parsed = new LinkedHashMap<>();
    for (String override : overrides) {
      int equals = override.indexOf('=');
      if (equals <= 0) {
        throw new StrataException(
            ErrorCode.USAGE,
            "--set " + override + " is not KEY=VALUE",
            "for example --set timeouts.lock=2s");
      }
      parsed.put(override.substring(0, equals).strip(), override.substring(equals + 1));
    }
    return parsed;
  }

  /** Parses a table name given on the command line, as a usage error when malformed. */
  static QualifiedName tableName(String text) {
    return tableName(text, "public");
  }

  /**
   * A partition's (or other relation's) name given on the command line: one without a schema is in
   * {@code defaultSchema}, the schema of the table it belongs to, for every command alike.
   */
  static QualifiedName tableName(String text, String defaultSchema) {
    try {
      return QualifiedName.parse(text, defaultSchema);
    } catch (IllegalArgumentException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          e.getMessage(),
          "write NAME or SCHEMA.NAME; use double quotes for names with capitals or special characters");
    }
  }
}
