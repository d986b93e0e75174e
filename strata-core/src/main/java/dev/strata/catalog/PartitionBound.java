package dev.strata.catalog;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A partition's bound, parsed from {@code pg_get_expr(relpartbound, oid)}. Values are kept as
 * PostgreSQL prints them: a constant's text without its quotes ({@code 2024-01-01 00:00:00}, {@code
 * 42}), or the keywords {@code MINVALUE}, {@code MAXVALUE}, {@code NULL}.
 *
 * <p>PostgreSQL prints bound constants without type casts ({@code get_range_partbound_string} calls
 * {@code get_const_expr} with {@code showtype = -1}), so the quoted-or-bare grammar below covers
 * every bound it can produce.
 */
public sealed interface PartitionBound {
  /**
   * The bound as PostgreSQL prints it, e.g. {@code FOR VALUES FROM ('2024-01-01') TO
   * ('2025-01-01')}.
   */
  String expression();

  /**
   * The bound as SQL, rendered from the parsed values (every constant quoted by {@link
   * dev.strata.sql.Identifiers#literal}), never from the text it was parsed from: what DDL uses.
   */
  String sql();

  /** A range bound; {@code from} inclusive, {@code to} exclusive, one value per key column. */
  record Range(List<BoundValue> from, List<BoundValue> to, String expression)
      implements PartitionBound {
    public Range {
      from = List.copyOf(from);
      to = List.copyOf(to);
    }

    @Override
    public String sql() {
      return "FOR VALUES FROM " + render(from) + " TO " + render(to);
    }
  }

  record ListBound(List<BoundValue> values, String expression) implements PartitionBound {
    public ListBound {
      values = List.copyOf(values);
    }

    @Override
    public String sql() {
      return "FOR VALUES IN " + render(values);
    }
  }

  record Hash(int modulus, int remainder, String expression) implements PartitionBound {
    @Override
    public String sql() {
      return "FOR VALUES WITH (modulus " + modulus + ", remainder " + remainder + ")";
    }
  }

  record Default() implements PartitionBound {
    @Override
    public String expression() {
      return "DEFAULT";
    }

    @Override
    public String sql() {
      return "DEFAULT";
    }
  }

  /** One value of a bound: a constant's text, or a keyword. */
  record BoundValue(String text, boolean quoted) {
    public static final BoundValue MINVALUE = new BoundValue("MINVALUE", false);
    public static final BoundValue MAXVALUE = new BoundValue("MAXVALUE", false);

    public boolean isMinValue() {
      return !quoted && text.equalsIgnoreCase("MINVALUE");
    }

    public boolean isMaxValue() {
      return !quoted && text.equalsIgnoreCase("MAXVALUE");
    }

    /** As SQL: a literal in single quotes, or the bare keyword or number. */
    public String toSql() {
      return quoted ? dev.strata.sql.Identifiers.literal(text) : text;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /**
   * Parses a bound in the form PostgreSQL prints. Strict, since the text may come from a file (an
   * export manifest): a constant is a quoted literal, a number, {@code true}/{@code false}, or one
   * of the keywords {@code MINVALUE}, {@code MAXVALUE}, {@code NULL}, and nothing may follow the
   * bound.
   *
   * @throws IllegalArgumentException saying where the text stops being a bound
   */
  public static PartitionBound parse(String expression) {
    String text = expression.strip();
    if (text.equals("DEFAULT")) {
      return new Default();
    }
    Parser parser = new Parser(text);
    parser.expect("FOR VALUES");
    PartitionBound bound;
    if (parser.tryConsume("FROM")) {
      List<BoundValue> from = parser.valueList();
      parser.expect("TO");
      List<BoundValue> to = parser.valueList();
      if (from.size() != to.size()) {
        throw new IllegalArgumentException(
            "FROM and TO have different numbers of values in partition bound: " + text);
      }
      bound = new Range(from, to, text);
    } else if (parser.tryConsume("IN")) {
      bound = new ListBound(parser.valueList(), text);
    } else if (parser.tryConsume("WITH")) {
      parser.expect("(");
      parser.expect("modulus");
      int modulus = parser.integer();
      parser.expect(",");
      parser.expect("remainder");
      int remainder = parser.integer();
      parser.expect(")");
      bound = new Hash(modulus, remainder, text);
    } else {
      throw new IllegalArgumentException("unrecognised partition bound: " + expression);
    }
    parser.expectEnd();
    return bound;
  }

  /** Sorts bounds in key order; see {@link #compareValues}. Default partitions come last. */
  Comparator<PartitionBound> KEY_ORDER = PartitionBound::compareBounds;

  private static int compareBounds(PartitionBound a, PartitionBound b) {
    int byKind = Integer.compare(rank(a), rank(b));
    if (byKind != 0) {
      return byKind;
    }
    if (a instanceof Range range) {
      return compareLists(range.from(), ((Range) b).from());
    }
    if (a instanceof ListBound list) {
      return compareLists(list.values(), ((ListBound) b).values());
    }
    if (a instanceof Hash hash) {
      return Integer.compare(hash.remainder(), ((Hash) b).remainder());
    }
    return 0;
  }

  private static int rank(PartitionBound bound) {
    if (bound instanceof Range) {
      return 0;
    }
    if (bound instanceof ListBound) {
      return 1;
    }
    return bound instanceof Hash ? 2 : 3;
  }

  private static int compareLists(List<BoundValue> a, List<BoundValue> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int byValue = compareValues(a.get(i), b.get(i));
      if (byValue != 0) {
        return byValue;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /**
   * MINVALUE first, MAXVALUE last; numbers numerically; other constants as text, which orders ISO
   * dates and timestamps (the form PostgreSQL prints with its default DateStyle) correctly.
   */
  static int compareValues(BoundValue a, BoundValue b) {
    if (a.isMinValue() || b.isMaxValue()) {
      return a.equals(b) ? 0 : -1;
    }
    if (a.isMaxValue() || b.isMinValue()) {
      return 1;
    }
    try {
      return new BigDecimal(a.text()).compareTo(new BigDecimal(b.text()));
    } catch (NumberFormatException notNumbers) {
      return a.text().compareTo(b.text());
    }
  }

  /** Renders values the way PostgreSQL does: {@code ('a', 'b')}. */
  static String render(List<BoundValue> values) {
    return values.stream().map(BoundValue::toSql).collect(Collectors.joining(", ", "(", ")"));
  }

  /** A tiny reader for the grammar of partition bound expressions. */
  final class Parser {
    /** What PostgreSQL prints unquoted in a bound: numbers, booleans and the keywords. */
    private static final java.util.regex.Pattern BARE_VALUE =
        java.util.regex.Pattern.compile(
            "-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|MINVALUE|MAXVALUE|NULL|true|false");

    private final String text;
    private int position;

    Parser(String text) {
      this.text = text;
    }

    void expect(String keyword) {
      if (!tryConsume(keyword)) {
        throw new IllegalArgumentException(
            "expected " + keyword + " at position " + position + " of partition bound: " + text);
      }
    }

    boolean tryConsume(String keyword) {
      skipSpaces();
      if (text.startsWith(keyword, position)) {
        position += keyword.length();
        return true;
      }
      return false;
    }

    List<BoundValue> valueList() {
      expect("(");
      List<BoundValue> values = new ArrayList<>();
      while (true) {
        skipSpaces();
        values.add(value());
        skipSpaces();
        if (tryConsume(")")) {
          return values;
        }
        expect(",");
      }
    }

    void expectEnd() {
      skipSpaces();
      if (position < text.length()) {
        throw new IllegalArgumentException(
            "unexpected text after the bound at position " + position + ": " + text);
      }
    }

    int integer() {
      skipSpaces();
      int start = position;
      while (position < text.length() && Character.isDigit(text.charAt(position))) {
        position++;
      }
      if (start == position || position - start > 9) {
        throw new IllegalArgumentException(
            "expected a number at position " + start + " of partition bound: " + text);
      }
      return Integer.parseInt(text.substring(start, position));
    }

    private BoundValue value() {
      if (position >= text.length()) {
        throw new IllegalArgumentException("unterminated partition bound: " + text);
      }
      if (text.charAt(position) == '\'') {
        StringBuilder literal = new StringBuilder();
        position++;
        while (position < text.length()) {
          char c = text.charAt(position++);
          if (c == '\'') {
            if (position < text.length() && text.charAt(position) == '\'') {
              literal.append('\'');
              position++;
            } else {
              return new BoundValue(literal.toString(), true);
            }
          } else {
            literal.append(c);
          }
        }
        throw new IllegalArgumentException("unterminated literal in partition bound: " + text);
      }
      int start = position;
      while (position < text.length()
          && text.charAt(position) != ','
          && text.charAt(position) != ')') {
        position++;
      }
      String bare = text.substring(start, position).strip();
      if (!BARE_VALUE.matcher(bare).matches()) {
        throw new IllegalArgumentException(
            "\""
                + bare
                + "\" at position "
                + start
                + " is neither a quoted literal, a number nor MINVALUE, MAXVALUE or NULL, in"
                + " partition bound: "
                + text);
      }
      return new BoundValue(bare, false);
    }

    private void skipSpaces() {
      while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
        position++;
      }
    }
  }
}
