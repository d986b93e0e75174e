package dev.strata.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders {@code archive.md} from the same JSON tree that is written to {@code archive.json}, so
 * the two cannot disagree.
 */
final class ArchiveReport {
  /** Methods in table order, with their row labels. */
  private static final Map<String, String> METHODS = new LinkedHashMap<>();

  static {
    METHODS.put(
        "seed_fdw_insert", "(a) seed's method: INSERT…SELECT via postgres_fdw, batch_size 1");
    METHODS.put("fdw_batch_1000", "(b) INSERT…SELECT via postgres_fdw, batch_size 1000");
    METHODS.put("raw_copy_relay", "(c) raw binary COPY relay, unverified (ceiling)");
    METHODS.put("raw_copy_relay_row_messages", "(c′) raw relay, one message per row (diagnostic)");
    METHODS.put("strata_archive", "(d) strata archive, verified, no indexes");
    METHODS.put("strata_archive_with_indexes", "(d) strata archive, verified, 2 indexes");
  }

  private static final List<String> PHASES =
      List.of("preflight", "target", "freeze", "copy", "indexes", "verify", "swap", "cleanup");

  private ArchiveReport() {}

  static String markdown(JsonNode report) {
    StringBuilder md = new StringBuilder();
    long rows = report.get("rows").asLong();
    md.append("# Archive benchmark\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%,d rows of the seed's `emp` shape (id int, name text, time timestamp, department"
                + " text, salary numeric(10,2)) moved from `main` to `archive`, two embedded"
                + " PostgreSQL servers on one machine, in one run.%n%n",
            rows));
    md.append(
        ReportHeader.runParagraph(
            report,
            ReportHeader.postgresqlRelease(report),
            String.format(
                Locale.ROOT,
                " (after waiting %.0f s for a quieter machine)",
                report.path("waited_for_quiet_machine_s").asDouble()),
            "archive.json"));

    md.append("## Throughput\n\n");
    md.append("| method | rows | seconds | rows/s | vs raw relay | every run, rows/s |\n");
    md.append("|---|---:|---:|---:|---:|---|\n");
    JsonNode methods = report.get("methods");
    double ceiling = methods.get("raw_copy_relay").get("rows_per_s").asDouble();
    for (Map.Entry<String, String> method : METHODS.entrySet()) {
      JsonNode node = methods.get(method.getKey());
      if (node == null) {
        continue;
      }
      double rate = node.get("rows_per_s").asDouble();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %.2f | %,d | %.2f | %s |%n",
              method.getValue(),
              node.get("rows").asLong(),
              node.get("seconds").asDouble(),
              node.get("rows_per_s").asLong(),
              ceiling > 0 ? rate / ceiling : 0,
              runs(node)));
    }
    md.append('\n');
    long seedRows = methods.get("seed_fdw_insert").get("rows").asLong();
    if (seedRows < rows) {
      md.append(
          String.format(
              Locale.ROOT,
              "(a) is slow, so it moves only the first %,d rows; compare its rows/s. ",
              seedRows));
    }
    md.append(
        "(a) to (c) report the median of "
            + methods.get("raw_copy_relay").get("runs").size()
            + " interleaved runs; (d) is one run of each, timed end to end around"
            + " `PartitionMover.archive`, the call `strata archive` makes.\n\n");

    md.append("## Where `strata archive` spends its time (seconds)\n\n");
    md.append("| move | ");
    md.append(String.join(" | ", PHASES));
    md.append(" | total | copy rows/s |\n|---|");
    md.append("---:|".repeat(PHASES.size() + 2));
    md.append('\n');
    for (String key : List.of("strata_archive", "strata_archive_with_indexes")) {
      JsonNode node = methods.get(key);
      JsonNode phases = node.get("phases_s");
      List<String> cells = new ArrayList<>();
      for (String phase : PHASES) {
        JsonNode value = phases.get(phase);
        cells.add(value == null ? "–" : String.format(Locale.ROOT, "%.2f", value.asDouble()));
      }
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.2f | %,d |%n",
              node.get("indexes").asInt() == 0 ? "no indexes" : "2 indexes",
              String.join(" | ", cells),
              node.get("seconds").asDouble(),
              node.get("copy_rows_per_s").asLong()));
    }
    md.append('\n');

    JsonNode swaps = report.get("swap_reader");
    md.append("## The parent's lock window during the swap\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "A reader loops `%s` (another partition, through the parent) on its own connection"
                + " while %d partitions of %,d rows are archived one after another.%n%n",
            swaps.get("reader_query").asText(),
            swaps.get("moves").asInt(),
            swaps.get("rows_per_moved_partition").asLong()));
    md.append("| reader latency | samples | p50 ms | p99 ms | max ms |\n");
    md.append("|---|---:|---:|---:|---:|\n");
    latencyRow(md, "before the moves (baseline)", swaps.get("baseline"));
    latencyRow(md, "during the moves", swaps.get("during_moves"));
    md.append('\n');
    List<String> swapTimes = new ArrayList<>();
    for (JsonNode swap : swaps.get("swaps")) {
      swapTimes.add(
          String.format(
              Locale.ROOT,
              "%.1f (reader max %.1f)",
              swap.get("swap_ms").asDouble(),
              swap.path("reader_max_ms_during_swap").asDouble()));
    }
    md.append("Swap transactions, ms: ").append(String.join("; ", swapTimes)).append(".\n");
    JsonNode worst = swaps.path("worst_samples").path(0);
    if (!worst.isMissingNode()) {
      List<String> overlapped = new ArrayList<>();
      worst.get("overlapped").forEach(phase -> overlapped.add(phase.asText()));
      md.append(
          String.format(
              Locale.ROOT,
              "The slowest reader query (%.1f ms) overlapped: %s.%n",
              worst.get("latency_ms").asDouble(),
              String.join(", ", overlapped)));
    }
    md.append('\n');

    md.append("## Targets\n\n");
    md.append("| target | threshold | measured | met |\n|---|---:|---:|---|\n");
    for (Iterator<JsonNode> it = report.get("targets").elements(); it.hasNext(); ) {
      JsonNode target = it.next();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s %s | %s | %s |%n",
              target.get("target").asText(),
              target.get("comparison").asText().replace(">=", "≥").replace("<=", "≤"),
              number(target.get("threshold").asDouble()),
              number(target.get("measured").asDouble()),
              target.get("met").asBoolean() ? "yes" : "**no**"));
    }
    return md.toString();
  }

  /** Every run's rows/s, or "1 run" for a method measured once. */
  private static String runs(JsonNode method) {
    JsonNode runs = method.path("runs");
    if (!runs.isArray()) {
      return "1 run";
    }
    List<String> rates = new ArrayList<>();
    runs.forEach(
        run -> rates.add(String.format(Locale.ROOT, "%,d", run.get("rows_per_s").asLong())));
    return String.join(" · ", rates);
  }

  private static void latencyRow(StringBuilder md, String label, JsonNode statistics) {
    md.append(
        String.format(
            Locale.ROOT,
            "| %s | %,d | %.2f | %.2f | %.1f |%n",
            label,
            statistics.get("samples").asLong(),
            statistics.get("p50_ms").asDouble(),
            statistics.get("p99_ms").asDouble(),
            statistics.get("max_ms").asDouble()));
  }

  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%.2f", value);
  }
}
