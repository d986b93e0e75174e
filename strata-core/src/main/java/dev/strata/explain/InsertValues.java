package dev.strata.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rows of an {@code INSERT INTO table [(columns)] VALUES (...), (...)} statement, as far as
 * they are constants: what {@link WriteSpread} needs to tell which partitions the rows go to.
 * PostgreSQL routes the rows of an INSERT through a partitioned parent when it runs, so its plan
 * does not say; the key values written in the statement do.
 *
 * <p>A value is known when it is a constant alone: a string ({@code '2024-03-01'}, with {@code ''}
 * for a quote), a number with an optional sign, either with a cast ({@code '...'::date}) or a type
 * name before it ({@code date '...'}). Anything else (an expression, a function call, {@code NULL},
 * {@code DEFAULT}, a parameter, an {@code E'...'} string) is unknown, and so is the whole statement
 * when it is not this simple shape (a {@code WITH}, {@code INSERT ... SELECT}).
 *
 * @param table the table name as written, one or two identifiers
 * @param columns the column list, empty when the statement has none (the table's column order)
 * @param rows each row's values, {@code Optional.empty()} where unknown
 */
record InsertValues(List<String> table, List<String> columns, List<List<Optional<String>>> rows) {
  InsertValues {
    table = List.copyOf(table);
    columns = List.copyOf(columns);
    rows = rows.stream().map(List::copyOf).toList();
  }

  static Optional<InsertValues> of(StatementText statement) {
    List<SqlTokens.Token> tokens = SqlTokens.tokenize(statement.body());
    int i = 0;
    if (!word(tokens, i++, "INSERT") || !word(tokens, i++, "INTO")) {
      return Optional.empty();
    }
    List<String> table = new ArrayList<>();
    if (i >= tokens.size() || !tokens.get(i).isIdentifier()) {
      return Optional.empty();
    }
    table.add(tokens.get(i++).identifier());
    if (i + 1 < tokens.size() && tokens.get(i).is(".") && tokens.get(i + 1).isIdentifier()) {
      table.add(tokens.get(i + 1).identifier());
      i += 2;
    }
    if (word(tokens, i, "AS")) {
      i += 2;
    }
    List<String> columns = new ArrayList<>();
    if (i < tokens.size() && tokens.get(i).is("(")) {
      i++;
      while (i < tokens.size() && tokens.get(i).isIdentifier()) {
        columns.add(tokens.get(i++).identifier());
        if (i < tokens.size() && tokens.get(i).is(",")) {
          i++;
        }
      }
      if (i >= tokens.size() || !tokens.get(i).is(")")) {
        return Optional.empty();
      }
      i++;
    }
    if (word(tokens, i, "OVERRIDING")) {
      i += 3;
    }
    if (!word(tokens, i++, "VALUES")) {
      return Optional.empty();
    }
    List<List<Optional<String>>> rows = new ArrayList<>();
    while (i < tokens.size() && tokens.get(i).is("(")) {
      List<Optional<String>> row = new ArrayList<>();
      int depth = 0;
      int cellStart = i + 1;
      int j = i + 1;
      for (; j < tokens.size(); j++) {
        SqlTokens.Token token = tokens.get(j);
        if (token.is("(")) {
          depth++;
        } else if (token.is(")") && depth > 0) {
          depth--;
        } else if (depth == 0 && (token.is(",") || token.is(")"))) {
          row.add(constant(tokens.subList(cellStart, j)));
          cellStart = j + 1;
          if (token.is(")")) {
            break;
          }
        }
      }
      if (j >= tokens.size()) {
        return Optional.empty();
      }
      rows.add(row);
      i = j + 1;
      if (i < tokens.size() && tokens.get(i).is(",")) {
        i++;
      } else {
        break;
      }
    }
    // Whatever follows may only be ON CONFLICT or RETURNING; anything else is another shape.
    if (i < tokens.size() && !word(tokens, i, "ON") && !word(tokens, i, "RETURNING")) {
      return Optional.empty();
    }
    return rows.isEmpty() ? Optional.empty() : Optional.of(new InsertValues(table, columns, rows));
  }

  /** The value of a cell that is one constant, else empty. */
  private static Optional<String> constant(List<SqlTokens.Token> cell) {
    int end = cell.size();
    for (int k = 0; k < cell.size(); k++) {
      if (cell.get(k).is("::")) {
        end = k;
        break;
      }
    }
    List<SqlTokens.Token> value = cell.subList(0, end);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    SqlTokens.Token last = value.get(value.size() - 1);
    List<SqlTokens.Token> before = value.subList(0, value.size() - 1);
    if (last.type() == SqlTokens.Type.NUMBER) {
      if (before.isEmpty()) {
        return Optional.of(last.text());
      }
      if (before.size() == 1 && (before.get(0).is("-") || before.get(0).is("+"))) {
        return Optional.of(before.get(0).text() + last.text());
      }
      return Optional.empty();
    }
    if (last.type() == SqlTokens.Type.STRING
        && last.text().startsWith("'")
        && before.stream().allMatch(token -> token.type() == SqlTokens.Type.WORD)) {
      String text = last.text();
      return Optional.of(text.substring(1, text.length() - 1).replace("''", "'"));
    }
    return Optional.empty();
  }

  private static boolean word(List<SqlTokens.Token> tokens, int index, String word) {
    return index < tokens.size() && tokens.get(index).isWord(word);
  }
}
