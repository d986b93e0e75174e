package dev.strata.sql;

/**
 * Dollar-quoting of bodies Strata builds ({@code DO} blocks): one place that picks a tag absent
 * from the body, so no text inside a body (a role name, a password, a comment) can end the quote
 * early.
 */
public final class DollarQuote {
  private DollarQuote() {}

  /** {@code body} between two copies of a tag that does not occur in it, e.g. {@code $strata$}. */
  public static String quote(String body) {
    String tag = tagFor(body);
    return tag + body + tag;
  }

  /**
   * {@code $strata$}, or {@code $strata1$}, {@code $strata2$}, ...: the first that occurs neither
   * in {@code body} nor across its end (a body ending in {@code $strata} would otherwise close
   * early).
   */
  static String tagFor(String body) {
    String tag = "$strata$";
    for (int i = 1; (body + tag).indexOf(tag) != body.length(); i++) {
      tag = "$strata" + i + "$";
    }
    return tag;
  }
}
