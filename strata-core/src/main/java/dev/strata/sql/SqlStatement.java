package dev.strata.sql;

import dev.strata.config.Secret;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One SQL statement exactly as Strata executes it, with its bound parameters. Dry runs print {@link
 * #render()}, which is the executed text followed by the parameter values; a {@link Secret}
 * parameter is printed masked, so a dry run shows what will run without showing a password.
 */
public record SqlStatement(String sql, List<Object> parameters) {
  public SqlStatement {
    Objects.requireNonNull(sql, "sql");
    parameters = List.copyOf(parameters);
  }

  public static SqlStatement of(String sql, Object... parameters) {
    return new SqlStatement(sql, List.of(parameters));
  }

  /** Parameters as the driver receives them: secrets revealed, at the moment of use only. */
  public Object[] boundValues() {
    return parameters.stream()
        .map(value -> value instanceof Secret secret ? secret.reveal() : value)
        .toArray();
  }

  /** The statement with a terminating semicolon and, if any, its parameters as a comment. */
  public String render() {
    String text = sql.strip() + ";";
    if (parameters.isEmpty()) {
      return text;
    }
    StringBuilder comment = new StringBuilder();
    for (int i = 0; i < parameters.size(); i++) {
      Object value = parameters.get(i);
      comment
          .append(i == 0 ? "  -- " : ", ")
          .append('$')
          .append(i + 1)
          .append(" = ")
          .append(
              value instanceof Secret secret
                  ? secret.masked()
                  : Identifiers.literal(String.valueOf(value)));
    }
    return text + comment;
  }

  public static String renderAll(List<SqlStatement> statements) {
    return statements.stream().map(SqlStatement::render).collect(Collectors.joining("\n"));
  }
}
