package dev.strata.config;

import dev.strata.config.ConfigNode.Mapping;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Loads {@code strata.yaml} into a validated, immutable {@link StrataConfig}.
 *
 * <pre>{@code
 * LoadedConfig loaded =
 *     ConfigLoader.builder()
 *         .environment(System.getenv())
 *         .overrides(setFlags)            // from --set key.path=value
 *         .build()
 *         .load(Path.of("strata.yaml"));
 * loaded.warnings().forEach(err::println);
 * StrataConfig config = loaded.config();
 * }</pre>
 *
 * <p><b>Precedence</b>, highest first: {@code --set} flags (origin {@code flag --set}), {@code
 * STRATA_*} environment variables ({@code env STRATA_...}), the file ({@code FILE:LINE}), built-in
 * defaults ({@code default}). The sources are merged as trees before anything is validated (see
 * {@link SettingOverlays}), so a value is checked the same way whichever source gave it, and the
 * origin of every effective value ends up in {@link StrataConfig#origins()}.
 *
 * <p><b>Stages</b>: {@link YamlTreeReader} reads the YAML keeping line numbers; {@link
 * SettingOverlays} lays the environment and flags over it; {@link ConfigBinder} substitutes {@code
 * ${env:...}} and {@code ${file:...}}, parses, fills defaults and cross-checks. Every stage adds to
 * the same {@link Findings}; if any problem was found, one {@link ConfigException} lists them all.
 * A YAML syntax error or a missing file stops at once, since nothing after it can be read.
 *
 * <p><b>Result</b>: {@link LoadedConfig} holds the configuration and the warnings (settings that
 * are legal but suspicious, such as a literal password in the file or a {@code STRATA_} variable
 * that matches no setting). Returning them with the result, rather than logging them, lets the
 * command line print them where it prints everything else and lets tests assert them; the loader
 * keeps no state between calls and may be reused.
 *
 * <p>{@code STRATA_CONFIG} names the file and is left to the command line; the loader ignores it.
 */
public final class ConfigLoader {
  /** The environment variable that names the config file (read by the command line). */
  public static final String CONFIG_FILE_VARIABLE = SettingOverlays.CONFIG_FILE_VARIABLE;

  /** The prefix of environment variables that override settings. */
  public static final String ENVIRONMENT_PREFIX = SettingOverlays.ENVIRONMENT_PREFIX;

  /** The file the command line looks for when none is named. */
  public static final String DEFAULT_FILE_NAME = "strata.yaml";

  /** What to do when the config file does not exist. */
  static final String MISSING_FILE_HINT =
      "create it (docs/configuration.md has a complete example), or name the file to use with"
          + " --config FILE or "
          + SettingOverlays.CONFIG_FILE_VARIABLE;

  private final Map<String, String> environment;
  private final Map<String, String> overrides;

  private ConfigLoader(Map<String, String> environment, Map<String, String> overrides) {
    this.environment = Map.copyOf(environment);
    this.overrides = Map.copyOf(overrides);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Configures a loader; every setting is optional. */
  public static final class Builder {
    private Map<String, String> environment = System.getenv();
    private Map<String, String> overrides = Map.of();

    private Builder() {}

    /**
     * The environment for {@code STRATA_*} overrides and {@code ${env:NAME}} references. Default:
     * {@link System#getenv()}; tests pass their own map.
     */
    public Builder environment(Map<String, String> environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /** {@code --set} flags: key path ({@code timeouts.lock}) to value, highest precedence. */
    public Builder overrides(Map<String, String> overrides) {
      this.overrides = Objects.requireNonNull(overrides, "overrides");
      return this;
    }

    public ConfigLoader build() {
      return new ConfigLoader(environment, overrides);
    }
  }

  /**
   * Loads a config file. Relative paths inside it ({@code ${file:...}}, {@code
   * export_before_retire}) are resolved against the file's directory; origins name the file as
   * {@code file} is written.
   *
   * @throws ConfigException if the file is missing or unreadable, or the configuration is invalid
   */
  public LoadedConfig load(Path file) {
    Objects.requireNonNull(file, "file");
    String sourceName = file.toString();
    String text;
    try {
      if (Files.isDirectory(file)) {
        throw fileProblem(
            sourceName,
            "is a directory; name the config file itself, e.g. " + file.resolve(DEFAULT_FILE_NAME),
            null,
            null);
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw fileProblem(sourceName, "configuration file not found", MISSING_FILE_HINT, e);
    } catch (AccessDeniedException e) {
      throw fileProblem(
          sourceName,
          "cannot be read: permission denied",
          "make it readable by the user running strata",
          e);
    } catch (CharacterCodingException e) {
      throw fileProblem(sourceName, "is not UTF-8 text; save it as UTF-8", null, e);
    } catch (IOException e) {
      throw fileProblem(sourceName, "cannot be read: " + e.getMessage(), null, e);
    }
    Path directory = file.toAbsolutePath().getParent();
    return loadText(text, sourceName, directory);
  }

  /**
   * Loads configuration text; relative paths are resolved against the working directory.
   *
   * @param sourceName how origins and messages name the text, e.g. {@code strata.yaml}
   * @throws ConfigException if the configuration is invalid
   */
  public LoadedConfig loadText(String yaml, String sourceName) {
    return loadText(yaml, sourceName, Path.of("").toAbsolutePath());
  }

  /**
   * Loads configuration text, resolving relative paths against {@code baseDirectory}.
   *
   * @throws ConfigException if the configuration is invalid
   */
  public LoadedConfig loadText(String yaml, String sourceName, Path baseDirectory) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(sourceName, "sourceName");
    Objects.requireNonNull(baseDirectory, "baseDirectory");
    Findings findings = new Findings();
    // Problems with the environment and flags are listed after those in the file.
    Findings overlayFindings = new Findings();
    Mapping tree = YamlTreeReader.read(yaml, sourceName, findings);
    tree = SettingOverlays.applyEnvironment(tree, environment, overlayFindings);
    tree = SettingOverlays.applyFlags(tree, overrides, overlayFindings);
    ConfigBinder binder =
        new ConfigBinder(
            findings, new ValueSubstitution(environment, baseDirectory), baseDirectory);
    Optional<StrataConfig> config = binder.bind(tree);
    findings.append(overlayFindings);
    if (findings.hasProblems() || config.isEmpty()) {
      throw new ConfigException(findings.problems());
    }
    return new LoadedConfig(config.get(), findings.warnings());
  }

  private static ConfigException fileProblem(
      String sourceName, String message, String hint, Throwable cause) {
    return new ConfigException(List.of(ConfigProblem.of("", sourceName, message)), hint, cause);
  }
}
