package dev.strata.explain;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The statement given to {@code strata explain}, read just enough to refuse what must not run.
 *
 * @param body the statement without a trailing semicolon, comments and surrounding whitespace kept
 *     inside
 * @param firstKeyword its first word in upper case ({@code SELECT}, {@code WITH}, ...), skipping
 *     opening parentheses; empty when it starts with something else
 * @param moreStatements whether another statement follows the first semicolon: the JDBC driver
 *     would run it as a separate statement, outside {@code EXPLAIN}, so it is always refused
 * @param identifiers every name the statement mentions (words lower-cased, quoted names as
 *     written), to find partitioned tables that were pruned away entirely
 */
record StatementText(
    String body, Optional<String> firstKeyword, boolean moreStatements, Set<String> identifiers) {
  StatementText {
    identifiers = Set.copyOf(identifiers);
  }

  /** Statements {@code --analyze} runs: they read, and cannot change data at the top level. */
  static final List<String> READING_KEYWORDS = List.of("SELECT", "WITH", "TABLE", "VALUES");

  static StatementText of(String sql) {
    List<SqlTokens.Token> tokens = SqlTokens.tokenize(sql);
    int end = sql.length();
    boolean more = false;
    for (int i = 0; i < tokens.size(); i++) {
      if (tokens.get(i).is(";")) {
        end = Math.min(end, tokens.get(i).start());
        for (int j = i + 1; j < tokens.size(); j++) {
          if (!tokens.get(j).is(";")) {
            more = true;
            break;
          }
        }
        break;
      }
    }
    Optional<String> first = Optional.empty();
    for (SqlTokens.Token token : tokens) {
      if (token.is("(")) {
        continue;
      }
      if (token.type() == SqlTokens.Type.WORD) {
        first = Optional.of(token.text().toUpperCase(Locale.ROOT));
      }
      break;
    }
    Set<String> identifiers = new LinkedHashSet<>();
    for (SqlTokens.Token token : tokens) {
      if (token.start() >= end) {
        break;
      }
      if (token.isIdentifier()) {
        identifiers.add(token.identifier());
      }
    }
    int statementEnd = end;
    boolean empty = tokens.stream().noneMatch(token -> token.start() < statementEnd);
    return new StatementText(empty ? "" : sql.substring(0, end).strip(), first, more, identifiers);
  }

  boolean isEmpty() {
    return body.isEmpty();
  }

  boolean isReading() {
    return firstKeyword.map(READING_KEYWORDS::contains).orElse(false);
  }
}
