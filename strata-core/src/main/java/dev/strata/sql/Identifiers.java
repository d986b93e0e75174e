package dev.strata.sql;

/**
 * The single place where SQL identifiers and literals are quoted. Every identifier Strata renders
 * goes through {@link #quote}, whatever it looks like, so names with capitals, quotes, semicolons
 * or non-ASCII letters are always taken literally by PostgreSQL.
 *
 * <p>Values are bound as parameters wherever PostgreSQL allows it. DDL (option lists, partition
 * bounds) takes no parameters, so there {@link #literal} renders a standard-conforming string
 * literal; every connection Strata opens sets {@code standard_conforming_strings = on}, which makes
 * doubling the single quote sufficient.
 */
public final class Identifiers {
  /** PostgreSQL truncates identifiers longer than NAMEDATALEN - 1 bytes. */
  public static final int MAX_IDENTIFIER_BYTES = 63;

  private Identifiers() {}

  /** {@code "name"}, with embedded double quotes doubled. */
  public static String quote(String identifier) {
    validate(identifier);
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  /**
   * {@code 'value'}, with embedded single quotes doubled; rejects NUL, which PostgreSQL cannot
   * store.
   */
  public static String literal(String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a SQL literal cannot contain a NUL character");
    }
    return '\'' + value.replace("'", "''") + '\'';
  }

  /** Rejects what PostgreSQL would reject or silently change: empty, NUL, longer than 63 bytes. */
  public static void validate(String identifier) {
    if (identifier == null || identifier.isEmpty()) {
      throw new IllegalArgumentException("an identifier cannot be empty");
    }
    if (identifier.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("an identifier cannot contain a NUL character");
    }
    int bytes = identifier.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > MAX_IDENTIFIER_BYTES) {
      throw new IllegalArgumentException(
          "identifier \""
              + identifier
              + "\" is "
              + bytes
              + " bytes long; PostgreSQL truncates names to "
              + MAX_IDENTIFIER_BYTES
              + " bytes");
    }
  }
}
