package dev.strata.sql;

import dev.strata.secret.Secret;
import java.util.List;

/**
 * How a secret reaches a server without being logged there: as COPY data into a temporary table of
 * the session. PostgreSQL logs statement text ({@code log_statement}, {@code
 * log_min_duration_statement}, {@code log_min_error_statement}) and the values of bound parameters
 * ({@code DETAIL: Parameters: $1 = '...'}), but never the rows of {@code COPY ... FROM STDIN}. SQL
 * that needs the secret reads it with {@link #VALUE}; the table is dropped at the end of the
 * transaction at the latest ({@code ON COMMIT DROP}), so callers run all of it in one transaction.
 */
public final class SecretChannel {
  /** A scalar subquery that yields the secret loaded by {@link #load}. */
  public static final String VALUE = "(SELECT value FROM pg_temp.strata_secret)";

  private SecretChannel() {}

  /** Creates the session's secret table and copies {@code secret} into it. */
  public static List<SqlStatement> load(Secret secret) {
    return List.of(
        SqlStatement.of(
            "CREATE TEMPORARY TABLE strata_secret (value text NOT NULL) ON COMMIT DROP"),
        SqlStatement.copyIn("COPY pg_temp.strata_secret (value) FROM STDIN", secret));
  }

  /** Drops the table again before the transaction goes on with other work. */
  public static SqlStatement unload() {
    return SqlStatement.of("DROP TABLE pg_temp.strata_secret");
  }

  /** {@code value} as one line of COPY's text format. */
  static String copyLine(String value) {
    StringBuilder line = new StringBuilder(value.length() + 1);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> line.append("\\\\");
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\t' -> line.append("\\t");
        default -> line.append(c);
      }
    }
    return line.append('\n').toString();
  }
}
