package dev.strata.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits SQL text into tokens the way PostgreSQL's scanner does, as far as plan analysis needs:
 * string constants ({@code '...'}, {@code E'...'}, dollar quotes), quoted identifiers, comments
 * (nested block comments included), words, numbers, parameters ({@code $1}), operators and
 * punctuation. It never fails: text it cannot make sense of becomes punctuation, and PostgreSQL
 * itself reports real syntax errors when the statement is explained.
 *
 * <p>Used for two kinds of text: the statement a user gives {@code strata explain} (to find its
 * first keyword, a second statement, and the names it mentions), and expressions PostgreSQL prints
 * in a plan ({@code Filter}, {@code Remote SQL}, {@code Group Key}), which {@code ruleutils.c}
 * writes with single-quoted constants and double-quoted identifiers only.
 */
final class SqlTokens {
  enum Type {
    WORD,
    QUOTED_IDENTIFIER,
    STRING,
    NUMBER,
    PARAMETER,
    OPERATOR,
    PUNCTUATION
  }

  /**
   * One token.
   *
   * @param type what it is
   * @param text its text as written (quotes included)
   * @param start offset of its first character
   * @param end offset after its last character
   */
  record Token(Type type, String text, int start, int end) {
    boolean isWord(String word) {
      return type == Type.WORD && text.equalsIgnoreCase(word);
    }

    boolean is(String symbol) {
      return (type == Type.PUNCTUATION || type == Type.OPERATOR) && text.equals(symbol);
    }

    boolean isIdentifier() {
      return type == Type.WORD || type == Type.QUOTED_IDENTIFIER;
    }

    /** The name a word or quoted identifier stands for: words folded to lower case. */
    String identifier() {
      if (type == Type.QUOTED_IDENTIFIER) {
        return text.substring(1, text.length() - 1).replace("\"\"", "\"");
      }
      return text.toLowerCase(Locale.ROOT);
    }
  }

  private static final String OPERATOR_CHARACTERS = "+-*/<>=~!@#%^&|`?";

  private SqlTokens() {}

  static List<Token> tokenize(String sql) {
    List<Token> tokens = new ArrayList<>();
    int length = sql.length();
    int i = 0;
    while (i < length) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '-' && next(sql, i) == '-') {
        while (i < length && sql.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '/' && next(sql, i) == '*') {
        i = skipBlockComment(sql, i);
      } else if (c == '\'') {
        int end = skipString(sql, i, false);
        tokens.add(new Token(Type.STRING, sql.substring(i, end), i, end));
        i = end;
      } else if (c == '"') {
        int end = skipQuotedIdentifier(sql, i);
        tokens.add(new Token(Type.QUOTED_IDENTIFIER, sql.substring(i, end), i, end));
        i = end;
      } else if (c == '$' && Character.isDigit(next(sql, i))) {
        int end = i + 1;
        while (end < length && Character.isDigit(sql.charAt(end))) {
          end++;
        }
        tokens.add(new Token(Type.PARAMETER, sql.substring(i, end), i, end));
        i = end;
      } else if (c == '$' && dollarTagEnd(sql, i) > 0) {
        int tagEnd = dollarTagEnd(sql, i);
        String tag = sql.substring(i, tagEnd);
        int close = sql.indexOf(tag, tagEnd);
        int end = close < 0 ? length : close + tag.length();
        tokens.add(new Token(Type.STRING, sql.substring(i, end), i, end));
        i = end;
      } else if (Character.isLetter(c) || c == '_' || c > 127) {
        int end = i + 1;
        while (end < length && isWordPart(sql.charAt(end))) {
          end++;
        }
        String word = sql.substring(i, end);
        if (end < length
            && sql.charAt(end) == '\''
            && (word.equalsIgnoreCase("e")
                || word.equalsIgnoreCase("b")
                || word.equalsIgnoreCase("x")
                || word.equalsIgnoreCase("n"))) {
          int stringEnd = skipString(sql, end, word.equalsIgnoreCase("e"));
          tokens.add(new Token(Type.STRING, sql.substring(i, stringEnd), i, stringEnd));
          i = stringEnd;
        } else {
          tokens.add(new Token(Type.WORD, word, i, end));
          i = end;
        }
      } else if (Character.isDigit(c) || (c == '.' && Character.isDigit(next(sql, i)))) {
        int end = i + 1;
        while (end < length
            && (Character.isLetterOrDigit(sql.charAt(end))
                || sql.charAt(end) == '.'
                || sql.charAt(end) == '_'
                || ((sql.charAt(end) == '+' || sql.charAt(end) == '-')
                    && Character.toLowerCase(sql.charAt(end - 1)) == 'e'))) {
          if (sql.charAt(end) == '.' && next(sql, end) == '.') {
            break;
          }
          end++;
        }
        tokens.add(new Token(Type.NUMBER, sql.substring(i, end), i, end));
        i = end;
      } else if (c == ':' && next(sql, i) == ':') {
        tokens.add(new Token(Type.PUNCTUATION, "::", i, i + 2));
        i += 2;
      } else if (OPERATOR_CHARACTERS.indexOf(c) >= 0) {
        int end = i + 1;
        while (end < length
            && OPERATOR_CHARACTERS.indexOf(sql.charAt(end)) >= 0
            && !(sql.charAt(end) == '-' && next(sql, end) == '-')
            && !(sql.charAt(end) == '/' && next(sql, end) == '*')) {
          end++;
        }
        tokens.add(new Token(Type.OPERATOR, sql.substring(i, end), i, end));
        i = end;
      } else {
        tokens.add(new Token(Type.PUNCTUATION, String.valueOf(c), i, i + 1));
        i++;
      }
    }
    return tokens;
  }

  private static char next(String sql, int i) {
    return i + 1 < sql.length() ? sql.charAt(i + 1) : '\0';
  }

  private static boolean isWordPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c > 127;
  }

  /** PostgreSQL block comments nest. */
  private static int skipBlockComment(String sql, int start) {
    int depth = 0;
    int i = start;
    while (i < sql.length()) {
      if (sql.startsWith("/*", i)) {
        depth++;
        i += 2;
      } else if (sql.startsWith("*/", i)) {
        depth--;
        i += 2;
        if (depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    return sql.length();
  }

  /** From the opening quote to after the closing one; {@code ''} is a quote inside. */
  private static int skipString(String sql, int quote, boolean backslashEscapes) {
    int i = quote + 1;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == '\'') {
        if (next(sql, i) == '\'') {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return sql.length();
  }

  private static int skipQuotedIdentifier(String sql, int quote) {
    int i = quote + 1;
    while (i < sql.length()) {
      if (sql.charAt(i) == '"') {
        if (next(sql, i) == '"') {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    return sql.length();
  }

  /** The end of a dollar-quote tag ({@code $$} or {@code $tag$}) starting at {@code i}, or 0. */
  private static int dollarTagEnd(String sql, int i) {
    int j = i + 1;
    while (j < sql.length() && sql.charAt(j) != '$') {
      char c = sql.charAt(j);
      boolean allowed =
          Character.isLetter(c) || c == '_' || c > 127 || (j > i + 1 && Character.isDigit(c));
      if (!allowed) {
        return 0;
      }
      j++;
    }
    return j < sql.length() ? j + 1 : 0;
  }
}
