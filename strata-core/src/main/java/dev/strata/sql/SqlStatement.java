package dev.strata.sql;

import dev.strata.secret.Secret;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One SQL statement exactly as Strata executes it, with its bound parameters, or a {@code COPY ...
 * FROM STDIN} with the data it sends. Dry runs print {@link #render()}, which is the executed text
 * followed by the parameter values; a {@link Secret} parameter or COPY input is printed masked, so
 * a dry run shows what will run without showing a password.
 *
 * @param copyInput for {@code COPY ... FROM STDIN}: the one value it sends (see {@link
 *     SecretChannel})
 */
public record SqlStatement(String sql, List<Object> parameters, Optional<Secret> copyInput) {
  public SqlStatement {
    Objects.requireNonNull(sql, "sql");
    // Parameters may be NULL (a column left empty), so not List.copyOf.
    parameters = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(parameters));
    Objects.requireNonNull(copyInput, "copyInput");
  }

  public SqlStatement(String sql, List<Object> parameters) {
    this(sql, parameters, Optional.empty());
  }

  public static SqlStatement of(String sql, Object... parameters) {
    return new SqlStatement(sql, java.util.Arrays.asList(parameters), Optional.empty());
  }

  /** A {@code COPY ... FROM STDIN} whose single row is {@code data}. */
  public static SqlStatement copyIn(String sql, Secret data) {
    return new SqlStatement(sql, List.of(), Optional.of(data));
  }

  /**
   * A parameter whose value is known only when the statement runs (e.g. a row count measured by an
   * earlier statement of the same run); a dry run shows {@link #describe()} in its place.
   */
  public interface Deferred {
    String describe();
  }

  /** The statement with every {@link Deferred} parameter replaced by its value. */
  public SqlStatement resolved(java.util.function.Function<Deferred, Object> values) {
    return new SqlStatement(
        sql,
        parameters.stream()
            .map(value -> value instanceof Deferred deferred ? values.apply(deferred) : value)
            .toList(),
        copyInput);
  }

  /** Whether some parameter is known only when the statement runs. */
  public boolean hasDeferred() {
    return parameters.stream().anyMatch(Deferred.class::isInstance);
  }

  /** Parameters as the driver receives them: secrets revealed, at the moment of use only. */
  public Object[] boundValues() {
    return parameters.stream()
        .map(value -> value instanceof Secret secret ? secret.reveal() : value)
        .toArray();
  }

  /** The COPY data to send, in COPY's text format: revealed at the moment of use only. */
  public Optional<String> copyData() {
    return copyInput.map(secret -> SecretChannel.copyLine(secret.reveal()));
  }

  /** The statement with a terminating semicolon and, if any, its parameters as a comment. */
  public String render() {
    String text = sql.strip() + ";";
    if (copyInput.isPresent()) {
      return text + "  -- data: " + copyInput.get().masked();
    }
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
              value == null
                  ? "NULL"
                  : value instanceof Secret secret
                      ? secret.masked()
                      : value instanceof Deferred deferred
                          ? "<" + deferred.describe() + ">"
                          : value instanceof Object[] array
                              ? java.util.Arrays.stream(array)
                                  .map(element -> Identifiers.literal(String.valueOf(element)))
                                  .collect(Collectors.joining(", ", "ARRAY[", "]"))
                              : Identifiers.literal(String.valueOf(value)));
    }
    return text + comment;
  }

  public static String renderAll(List<SqlStatement> statements) {
    return statements.stream().map(SqlStatement::render).collect(Collectors.joining("\n"));
  }
}
