package dev.strata.catalog;

/**
 * A function's volatility ({@code pg_proc.provolatile}). postgres_fdw ships an expression to a
 * foreign server only when everything in it is {@link #IMMUTABLE}: a stable or volatile function
 * could give another answer there (other clock, TimeZone, settings or state).
 */
public enum Volatility {
  IMMUTABLE,
  STABLE,
  VOLATILE;

  /** From {@code provolatile}: {@code i}, {@code s} or {@code v}. */
  public static Volatility fromCatalog(String code) {
    return switch (code) {
      case "i" -> IMMUTABLE;
      case "s" -> STABLE;
      case "v" -> VOLATILE;
      default -> throw new IllegalArgumentException("unknown provolatile " + code);
    };
  }

  /** {@code immutable}, {@code stable} or {@code volatile}, as in {@code CREATE FUNCTION}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
