package dev.strata.config;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The configuration is invalid. Carries every problem found, not just the first: the loader
 * validates the whole file, the environment and the flags before throwing, so the message lists
 * each problem on its own line as {@code KEY.PATH (LOCATION): message}. Maps to exit code 2 through
 * {@link ErrorCode#CONFIG}.
 */
public final class ConfigException extends StrataException {
  private static final long serialVersionUID = 1L;

  private final List<ConfigProblem> problems;

  static final String DEFAULT_HINT =
      "fix each key named above where its location says (file and line, variable or flag);"
          + " `strata validate` checks the configuration again without touching any server";

  public ConfigException(List<ConfigProblem> problems) {
    this(problems, null, null);
  }

  /**
   * @param problems at least one
   * @param hint what to do next when it is the same for all problems (a missing file), or null
   * @param cause the underlying exception (a YAML parser error, an I/O error), or null
   */
  public ConfigException(List<ConfigProblem> problems, String hint, Throwable cause) {
    super(ErrorCode.CONFIG, describe(problems), hint != null ? hint : DEFAULT_HINT, cause);
    this.problems = List.copyOf(problems);
  }

  private static String describe(List<ConfigProblem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    return problems.stream().map(ConfigProblem::describe).collect(Collectors.joining("\n"));
  }

  /** Every problem found, in the order the loader met them (file order, then cross-checks). */
  public List<ConfigProblem> problems() {
    return problems;
  }
}
