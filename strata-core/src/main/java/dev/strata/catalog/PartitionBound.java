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

  /** A range bound; {@code from} inclusive, {@code to} exclusive, one value per key column. */
  record Range(List<BoundValue> from, List<BoundValue> to, String expression)
      implements PartitionBound {
    public Range {
      from = List.copyOf(from);
      to = List.copyOf(to);
    }
  }

  record ListBound(List<BoundValue> values, String expression) implements PartitionBound {
    public ListBound {
      values = List.copyOf(values);
    }
  }

  record Hash(int modulus, int remainder, String expression) implements PartitionBound {}

  record Default() implements PartitionBound {
    @Override
    public String expression() {
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

  static PartitionBound parse(String expression) {
    String text = expression.strip();
    if (text.equals("DEFAULT")) {
      return new Default();
    }
    Parser parser = new Parser(text);
    parser.expect("FOR VALUES");
    if (parser.tryConsume("FROM")) {
      List<BoundValue> from = parser.valueList();
      parser.expect("TO");
      List<BoundValue> to = parser.valueList();
      return new Range(from, to, text);
    }
    if (parser.tryConsume("IN")) {
      return new ListBound(parser.valueList(), text);
    }
    if (parser.tryConsume("WITH")) {
      List<BoundValue> parts = parser.valueList();
      int modulus = Integer.parseInt(parts.get(0).text().replace("modulus", "").strip());
      int remainder = Integer.parseInt(parts.get(1).text().replace("remainder", "").strip());
      return new Hash(modulus, remainder, text);
    }
    throw new IllegalArgumentException("unrecognised partition bound: " + expression);
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

    private BoundValue value() {
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
      return new BoundValue(text.substring(start, position).strip(), false);
    }

    private void skipSpaces() {
      while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
        position++;
      }
    }
  }
}
