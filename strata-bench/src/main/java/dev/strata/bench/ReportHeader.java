package dev.strata.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * The paragraph under the title of every benchmark's Markdown report, saying when, on what and on
 * which revision the figures were measured, and how to reproduce them. Rendered from the fields
 * {@link BenchmarkSupport} puts into every report ({@code date}, {@code strata_revision}, {@code
 * machine}, {@code load_average_at_start}, {@code load_average_at_end}, {@code command}), so the
 * reports describe their runs in the same words.
 */
final class ReportHeader {
  private ReportHeader() {}

  /**
   * "Run DATE against Strata REVISION on N cores (CPU), POSTGRESQL, JVM; load average ... at the
   * start..., ... at the end. Produced by `COMMAND`; every figure is in [FILE](FILE).", followed by
   * a blank line.
   *
   * @param postgresql the server's version, as short as the report wants it (see {@link
   *     #postgresqlRelease} and {@link #postgresqlReleaseAndPlatform})
   * @param afterStartLoad said right after the load average at the start, e.g. how long the run
   *     waited for a quieter machine; empty for nothing
   * @param jsonFile the name of the JSON file that holds every figure
   */
  static String runParagraph(
      JsonNode report, String postgresql, String afterStartLoad, String jsonFile) {
    JsonNode machine = report.get("machine");
    return String.format(
        Locale.ROOT,
        "Run %s against Strata %s on %d cores (%s), %s, %s; load average %s at the start%s, %s at"
            + " the end. Produced by `%s`; every figure is in [%s](%s).%n%n",
        report.get("date").asText(),
        report.get("strata_revision").asText(),
        machine.get("cores").asInt(),
        machine.get("cpu").asText(),
        postgresql,
        machine.get("jvm").asText(),
        report.get("load_average_at_start").asText(),
        afterStartLoad,
        report.get("load_average_at_end").asText(),
        report.get("command").asText(),
        jsonFile,
        jsonFile);
  }

  /** {@code PostgreSQL 18.1 on x86_64-pc-linux-gnu, compiled by ...} to {@code PostgreSQL 18.1}. */
  static String postgresqlRelease(JsonNode report) {
    String version = postgresqlVersion(report);
    String[] words = version.split(" ");
    return words.length >= 2 ? words[0] + " " + words[1] : version;
  }

  /**
   * {@code PostgreSQL 18.1 on x86_64-pc-linux-gnu, compiled by ...} to {@code PostgreSQL 18.1 on
   * x86_64-pc-linux-gnu}.
   */
  static String postgresqlReleaseAndPlatform(JsonNode report) {
    String version = postgresqlVersion(report);
    int comma = version.indexOf(',');
    return comma > 0 ? version.substring(0, comma) : version;
  }

  private static String postgresqlVersion(JsonNode report) {
    return report.get("machine").get("postgresql").asText();
  }
}
