package dev.strata.secret;

import java.util.Objects;

/**
 * A password or other secret. Its value is reachable only through {@link #reveal()}, which the code
 * calls at the moment of use (a JDBC property, a bound parameter); {@link #toString()} and JSON
 * rendering show only where the value came from, for example {@code ${env:PGPASSWORD}}.
 */
public final class Secret {
  /** The source of a password written in the configuration file itself. */
  public static final String LITERAL_SOURCE = "literal";

  /** The source of a password given on the command line with {@code --set}. */
  public static final String FLAG_SOURCE = "--set";

  private final String value;
  private final String source;

  private Secret(String value, String source) {
    this.value = Objects.requireNonNull(value, "value");
    this.source = Objects.requireNonNull(source, "source");
  }

  /**
   * @param value the secret itself
   * @param source where it came from, safe to print: {@code ${env:NAME}}, {@code ${file:PATH}},
   *     {@link #FLAG_SOURCE} or {@link #LITERAL_SOURCE}
   */
  public static Secret of(String value, String source) {
    return new Secret(value, source);
  }

  public String reveal() {
    return value;
  }

  public String source() {
    return source;
  }

  /** Masked form for output: the source, never the value. */
  public String masked() {
    return "******** (" + source + ")";
  }

  @Override
  public String toString() {
    return masked();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Secret secret
        && secret.value.equals(value)
        && secret.source.equals(source);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, source);
  }
}
