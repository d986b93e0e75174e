package dev.strata.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus' text exposition format, for tests: every line is a comment ({@code
 * # HELP}, {@code # TYPE}) or a sample {@code name{labels} value}; anything else fails.
 */
final class PrometheusText {
  private static final Pattern SAMPLE =
      Pattern.compile(
          "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})?"
              + " ([-+]?(?:[0-9.eE+-]+|NaN|Inf))");

  private PrometheusText() {}

  static Map<String, Double> parse(String text) {
    Map<String, Double> samples = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        continue;
      }
      Matcher matcher = SAMPLE.matcher(line);
      if (!matcher.matches()) {
        throw new IllegalArgumentException("not a Prometheus sample line: " + line);
      }
      String labels = matcher.group(2) == null ? "" : matcher.group(2).replace(",}", "}");
      samples.put(matcher.group(1) + labels, Double.parseDouble(matcher.group(3)));
    }
    return samples;
  }
}
