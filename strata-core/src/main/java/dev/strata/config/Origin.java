package dev.strata.config;

import java.util.Objects;
import java.util.Optional;

/**
 * Where one value of the configuration came from, in the words {@code config show --origins}
 * prints: {@code strata.yaml:12}, {@code env STRATA_TIMEOUTS__LOCK}, {@code flag --set}, {@code
 * default}, or for a value taken from another setting, {@code from servers.a.url (strata.yaml:5)}.
 */
record Origin(Kind kind, String description) {
  enum Kind {
    FILE,
    ENVIRONMENT,
    FLAG,
    DEFAULT,
    DERIVED
  }

  static final Origin DEFAULT = new Origin(Kind.DEFAULT, "default");
  static final Origin FLAG = new Origin(Kind.FLAG, "flag --set");

  private static final String ENVIRONMENT_PREFIX = "env ";

  Origin {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(description, "description");
  }

  /** The file as a whole, for problems that have no line (an empty file). */
  static Origin file(String sourceName) {
    return new Origin(Kind.FILE, sourceName);
  }

  static Origin file(String sourceName, int line) {
    return new Origin(Kind.FILE, sourceName + ":" + line);
  }

  static Origin environment(String variable) {
    return new Origin(Kind.ENVIRONMENT, ENVIRONMENT_PREFIX + variable);
  }

  /** A value Strata computed from another setting, e.g. a foreign server's host from its URL. */
  static Origin derivedFrom(String keyPath, Origin source) {
    return new Origin(Kind.DERIVED, "from " + keyPath + " (" + source.description + ")");
  }

  /** The {@code STRATA_...} variable that set the value, when it came from the environment. */
  Optional<String> environmentVariable() {
    return kind == Kind.ENVIRONMENT
        ? Optional.of(description.substring(ENVIRONMENT_PREFIX.length()))
        : Optional.empty();
  }

  @Override
  public String toString() {
    return description;
  }
}
