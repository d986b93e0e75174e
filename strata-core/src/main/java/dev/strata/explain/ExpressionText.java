package dev.strata.explain;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the expressions PostgreSQL prints in a plan: {@code Filter} conditions, the {@code Remote
 * SQL} postgres_fdw generated, group keys. {@code ruleutils.c} (and postgres_fdw's {@code
 * deparse.c}) print them in a fixed style (every sub-expression in parentheses, constants
 * single-quoted with a cast, identifiers double-quoted when needed), which is what makes reading
 * them back reliable enough for advice; nothing here decides what runs.
 */
final class ExpressionText {
  /**
   * A function called in an expression.
   *
   * @param schema its schema when printed qualified
   * @param name its name
   * @param keyword whether it is an SQL keyword function such as {@code CURRENT_TIMESTAMP}, printed
   *     without parentheses and not found in {@code pg_proc} by that name
   * @param arguments the text between its parentheses (empty for a keyword function)
   */
  record FunctionCall(Optional<String> schema, String name, boolean keyword, String arguments) {
    /**
     * Whether an argument is a constant string: a quoted literal, or the field name of {@code
     * EXTRACT(field FROM ...)}, which PostgreSQL stores as a text constant.
     */
    boolean hasTextConstant() {
      if (name.equals("extract")) {
        return true;
      }
      return SqlTokens.tokenize(arguments).stream()
          .anyMatch(token -> token.type() == SqlTokens.Type.STRING);
    }

    String display() {
      return keyword ? name.toUpperCase(Locale.ROOT) : schema.map(s -> s + ".").orElse("") + name;
    }
  }

  /** Keyword functions ({@code SQLValueFunction}), all stable: they read the clock or session. */
  static final Set<String> KEYWORD_FUNCTIONS =
      Set.of(
          "current_date",
          "current_time",
          "current_timestamp",
          "localtime",
          "localtimestamp",
          "current_role",
          "current_user",
          "session_user",
          "system_user",
          "current_catalog",
          "current_schema");

  /** Words followed by a parenthesis that are syntax, not function calls. */
  private static final Set<String> NOT_FUNCTIONS =
      Set.of(
          "and",
          "or",
          "not",
          "any",
          "all",
          "some",
          "in",
          "array",
          "row",
          "exists",
          "case",
          "when",
          "then",
          "else",
          "end",
          "is",
          "distinct",
          "from",
          "nullif",
          "coalesce",
          "greatest",
          "least",
          "values",
          "cast",
          "filter",
          "over",
          "within",
          "operator",
          "like",
          "ilike",
          "similar",
          "between",
          "subplan",
          "initplan",
          "hashed",
          "select",
          "where",
          "on",
          "using",
          "join",
          "collate",
          "as",
          "by",
          "group",
          "order",
          "having",
          "limit",
          "offset",
          "for",
          "with");

  /** Words that continue a multi-word type name after {@code ::}. */
  private static final Set<String> TYPE_WORDS =
      Set.of("varying", "precision", "without", "with", "time", "zone", "timestamp");

  /** Top-level clauses of a postgres_fdw remote query, in the order they appear. */
  private static final Set<String> REMOTE_CLAUSES =
      Set.of("where", "group", "having", "order", "limit", "offset", "for", "window");

  private ExpressionText() {}

  /**
   * The conditions of an {@code AND} list, each without its enclosing parentheses: {@code ((a > 1)
   * AND (b = 2))} gives {@code a > 1} and {@code b = 2}.
   */
  static List<String> conjuncts(String expression) {
    String text = unwrap(expression);
    List<SqlTokens.Token> tokens = SqlTokens.tokenize(text);
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (SqlTokens.Token token : tokens) {
      if (token.is("(") || token.is("[")) {
        depth++;
      } else if (token.is(")") || token.is("]")) {
        depth--;
      } else if (depth == 0 && token.isWord("and") && !betweenPending(text, start, token)) {
        parts.add(unwrap(text.substring(start, token.start())));
        start = token.end();
      }
    }
    String last = unwrap(text.substring(start));
    if (!last.isEmpty()) {
      parts.add(last);
    }
    return parts;
  }

  /** {@code x BETWEEN a AND b} is printed as two comparisons, but a user's text may have it. */
  private static boolean betweenPending(String text, int start, SqlTokens.Token and) {
    List<SqlTokens.Token> before = SqlTokens.tokenize(text.substring(start, and.start()));
    int depth = 0;
    boolean pending = false;
    for (SqlTokens.Token token : before) {
      if (token.is("(")) {
        depth++;
      } else if (token.is(")")) {
        depth--;
      } else if (depth == 0 && token.isWord("between")) {
        pending = true;
      }
    }
    return pending;
  }

  /** Removes parentheses that enclose the whole expression, as often as they do. */
  static String unwrap(String expression) {
    String text = expression.strip();
    while (text.startsWith("(") && closingParenthesis(text, 0) == text.length() - 1) {
      text = text.substring(1, text.length() - 1).strip();
    }
    return text;
  }

  /** The offset of the parenthesis closing the one at {@code open}, or -1. */
  private static int closingParenthesis(String text, int open) {
    int depth = 0;
    for (SqlTokens.Token token : SqlTokens.tokenize(text.substring(open))) {
      if (token.is("(")) {
        depth++;
      } else if (token.is(")")) {
        depth--;
        if (depth == 0) {
          return open + token.start();
        }
      }
    }
    return -1;
  }

  /**
   * The text of a top-level clause of a remote query: {@code clause(sql, "where")} is everything
   * between {@code WHERE} and the next top-level clause. Sub-queries and join conditions, which are
   * parenthesized, are never mistaken for the outer query's clauses.
   */
  static Optional<String> remoteClause(String remoteSql, String clause) {
    List<SqlTokens.Token> tokens = SqlTokens.tokenize(remoteSql);
    int depth = 0;
    int start = -1;
    for (SqlTokens.Token token : tokens) {
      if (token.is("(")) {
        depth++;
      } else if (token.is(")")) {
        depth--;
      } else if (depth == 0 && token.type() == SqlTokens.Type.WORD) {
        String word = token.text().toLowerCase(Locale.ROOT);
        if (start >= 0 && REMOTE_CLAUSES.contains(word)) {
          return Optional.of(remoteSql.substring(start, token.start()).strip());
        }
        if (start < 0 && word.equals(clause)) {
          start = token.end();
          int next = tokens.indexOf(token) + 1;
          if (next < tokens.size() && tokens.get(next).isWord("by")) {
            start = tokens.get(next).end();
          }
        }
      }
    }
    return start >= 0 ? Optional.of(remoteSql.substring(start).strip()) : Optional.empty();
  }

  /** Conditions the server evaluates: the remote query's top-level WHERE, split at AND. */
  static List<String> remoteConditions(String remoteSql) {
    return remoteClause(remoteSql, "where").map(ExpressionText::conjuncts).orElse(List.of());
  }

  /** Functions called in an expression, in order of appearance, without repeats. */
  static List<FunctionCall> functionCalls(String expression) {
    List<SqlTokens.Token> tokens = SqlTokens.tokenize(expression);
    Set<FunctionCall> calls = new LinkedHashSet<>();
    int i = 0;
    while (i < tokens.size()) {
      SqlTokens.Token token = tokens.get(i);
      if (token.is("::")) {
        i = skipTypeName(tokens, i + 1);
        continue;
      }
      if (token.isIdentifier()) {
        boolean qualified =
            i + 2 < tokens.size() && tokens.get(i + 1).is(".") && tokens.get(i + 2).isIdentifier();
        int nameIndex = qualified ? i + 2 : i;
        boolean afterDot = i > 0 && tokens.get(i - 1).is(".");
        boolean call = nameIndex + 1 < tokens.size() && tokens.get(nameIndex + 1).is("(");
        String name = tokens.get(nameIndex).identifier();
        if (call && !afterDot) {
          boolean syntax =
              !qualified
                  && tokens.get(nameIndex).type() == SqlTokens.Type.WORD
                  && NOT_FUNCTIONS.contains(name);
          if (!syntax) {
            int open = nameIndex + 1;
            int close = matching(tokens, open);
            String arguments =
                close < 0
                    ? ""
                    : expression.substring(tokens.get(open).end(), tokens.get(close).start());
            calls.add(
                new FunctionCall(
                    qualified ? Optional.of(token.identifier()) : Optional.empty(),
                    name,
                    false,
                    arguments.strip()));
          }
        } else if (!afterDot
            && !qualified
            && token.type() == SqlTokens.Type.WORD
            && KEYWORD_FUNCTIONS.contains(name)) {
          calls.add(new FunctionCall(Optional.empty(), name, true, ""));
        }
        i = nameIndex + 1;
        continue;
      }
      i++;
    }
    return List.copyOf(calls);
  }

  /** The index of the token closing the parenthesis at {@code open}, or -1. */
  private static int matching(List<SqlTokens.Token> tokens, int open) {
    int depth = 0;
    for (int i = open; i < tokens.size(); i++) {
      if (tokens.get(i).is("(")) {
        depth++;
      } else if (tokens.get(i).is(")")) {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }

  /**
   * Skips the type after {@code ::}: one name (maybe qualified or multi-word, like {@code double
   * precision} or {@code timestamp(3) without time zone}), a type modifier, array brackets.
   */
  private static int skipTypeName(List<SqlTokens.Token> tokens, int start) {
    int i = start;
    if (i < tokens.size() && tokens.get(i).isIdentifier()) {
      i++;
      while (i + 1 < tokens.size() && tokens.get(i).is(".") && tokens.get(i + 1).isIdentifier()) {
        i += 2;
      }
    }
    while (i < tokens.size()) {
      SqlTokens.Token token = tokens.get(i);
      if (token.type() == SqlTokens.Type.WORD
          && TYPE_WORDS.contains(token.text().toLowerCase(Locale.ROOT))) {
        i++;
      } else if (token.is("(")) {
        int depth = 0;
        while (i < tokens.size()) {
          if (tokens.get(i).is("(")) {
            depth++;
          } else if (tokens.get(i).is(")")) {
            depth--;
            if (depth == 0) {
              i++;
              break;
            }
          }
          i++;
        }
      } else if (token.is("[") && i + 1 < tokens.size() && tokens.get(i + 1).is("]")) {
        i += 2;
      } else {
        break;
      }
    }
    return i;
  }

  /**
   * Operators used in an expression: plain ones ({@code >}, {@code %}) and those printed as {@code
   * OPERATOR(schema.name)} because they are not on the search path (returned as their name).
   */
  static Set<String> operators(String expression) {
    List<SqlTokens.Token> tokens = SqlTokens.tokenize(expression);
    Set<String> operators = new LinkedHashSet<>();
    for (int i = 0; i < tokens.size(); i++) {
      SqlTokens.Token token = tokens.get(i);
      if (token.type() == SqlTokens.Type.OPERATOR) {
        operators.add(token.text());
      } else if (token.isWord("operator") && i + 1 < tokens.size() && tokens.get(i + 1).is("(")) {
        for (int j = i + 2; j < tokens.size() && !tokens.get(j).is(")"); j++) {
          if (tokens.get(j).type() == SqlTokens.Type.OPERATOR) {
            operators.add(tokens.get(j).text());
          }
        }
      }
    }
    return operators;
  }

  /** Every name an expression mentions (words lower-cased), to find the columns it reads. */
  static Set<String> names(String expression) {
    Set<String> names = new LinkedHashSet<>();
    for (SqlTokens.Token token : SqlTokens.tokenize(expression)) {
      if (token.isIdentifier()) {
        names.add(token.identifier());
      }
    }
    return names;
  }

  /**
   * Whether a group key is exactly the column {@code column}, bare or qualified by any alias:
   * {@code emp."time"}, {@code "time"}, {@code (emp_1."time")} are; {@code EXTRACT(year FROM
   * emp."time")} is not.
   */
  static boolean isColumn(String expression, String column) {
    List<SqlTokens.Token> tokens = SqlTokens.tokenize(unwrap(expression));
    if (tokens.size() == 1) {
      return tokens.get(0).isIdentifier() && tokens.get(0).identifier().equals(column);
    }
    return tokens.size() == 3
        && tokens.get(0).isIdentifier()
        && tokens.get(1).is(".")
        && tokens.get(2).isIdentifier()
        && tokens.get(2).identifier().equals(column);
  }

  /** Whether an expression contains a {@code CASE} expression (outside quotes). */
  static boolean hasCase(String expression) {
    for (SqlTokens.Token token : SqlTokens.tokenize(expression)) {
      if (token.isWord("case")) {
        return true;
      }
    }
    return false;
  }

  /** Whether an expression contains a sub-select evaluated per row ({@code SubPlan}). */
  static boolean hasSubPlan(String expression) {
    for (SqlTokens.Token token : SqlTokens.tokenize(expression)) {
      if (token.isWord("subplan")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A type as {@code format_type} prints it, without its modifier: {@code numeric(10,2)} → {@code
   * numeric}, {@code timestamp(3) without time zone} → {@code timestamp without time zone}.
   */
  static String withoutTypeModifier(String type) {
    return type.replaceAll("\\(\\s*\\d+\\s*(,\\s*\\d+\\s*)?\\)", "")
        .replaceAll("\\s+", " ")
        .strip();
  }
}
