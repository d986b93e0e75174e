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
    METHODS.put("strata_move", "(f) strata move, archive → archive2, verified, no indexes");
  }

  private static final List<String> PHASES =
      List.of("preflight", "target", "freeze", "copy", "indexes", "verify", "swap", "cleanup");

  private ArchiveReport() {}

  /** The results' file name for a run of {@code rows}: {@code archive-1m}, {@code archive-20k}. */
  static String name(long rows) {
    if (rows % 1_000_000 == 0) {
      return "archive-" + rows / 1_000_000 + "m";
    }
    if (rows % 1_000 == 0) {
      return "archive-" + rows / 1_000 + "k";
    }
    return "archive-" + rows;
  }

  static String markdown(JsonNode report) {
    StringBuilder md = new StringBuilder();
    long rows = report.get("rows").asLong();
    md.append("# Archive benchmark\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%,d rows of the seed's `emp` shape (id int, name text, time timestamp, department"
                + " text, salary numeric(10,2)) moved from `main` to `archive` (and on to"
                + " `archive2`), embedded PostgreSQL servers on one machine, in one run.%n%n",
            rows));
    md.append(
        ReportHeader.runParagraph(
            report,
            ReportHeader.postgresqlRelease(report),
            String.format(
                Locale.ROOT,
                " (after waiting %.0f s for a quieter machine)",
                report.path("waited_for_quiet_machine_s").asDouble()),
            name(rows) + ".json"));

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
            + " interleaved runs; (d) and (f) are one run each, timed end to end around"
            + " `PartitionMover.archive` and `PartitionMover.move`, the calls `strata archive` and"
            + " `strata move` make.\n\n");

    md.append("## Where the verified moves spend their time (seconds)\n\n");
    md.append("| move | ");
    md.append(String.join(" | ", PHASES));
    md.append(" | total | copy rows/s |\n|---|");
    md.append("---:|".repeat(PHASES.size() + 2));
    md.append('\n');
    for (String key : List.of("strata_archive", "strata_archive_with_indexes", "strata_move")) {
      JsonNode node = methods.get(key);
      if (node == null) {
        continue;
      }
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
              key.equals("strata_move")
                  ? "move, archive → archive2"
                  : node.get("indexes").asInt() == 0 ? "archive, no indexes" : "archive, 2 indexes",
              String.join(" | ", cells),
              node.get("seconds").asDouble(),
              node.get("copy_rows_per_s").asLong()));
    }
    md.append('\n');

    JsonNode load = report.get("swap_under_load");
    md.append("## The swap under load\n\n");
    List<String> statements = new ArrayList<>();
    load.get("transaction").forEach(sql -> statements.add("`" + sql.asText() + "`"));
    md.append(
        String.format(
            Locale.ROOT,
            "%d clients (the benchmark's own load generator, each on its own connection) run one"
                + " transaction in a loop: %s, then COMMIT. The insert goes to a hot partition and"
                + " the read (an index scan of one day) to another, both through the parent. Meanwhile partitions are"
                + " archived one after another; a transaction's latency is from its first"
                + " statement to its COMMIT's reply.%n%n",
            load.get("clients").asInt(),
            String.join("; ", statements)));
    md.append(
        "| partitions archived | transactions | baseline p50 ms | baseline max ms | during the moves"
            + " p99 ms | during the moves max ms | during the swap steps max ms | errors |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (String key : List.of("small_partitions", "large_partition")) {
      JsonNode part = load.get(key);
      md.append(
          String.format(
              Locale.ROOT,
              "| %d × %,d rows | %,d | %.2f | %.1f | %.2f | %.1f | %.1f | %d |%n",
              part.get("moves").asInt(),
              part.get("rows_per_moved_partition").asLong(),
              part.get("during_moves").get("samples").asLong(),
              part.get("baseline").get("p50_ms").asDouble(),
              part.get("baseline").get("max_ms").asDouble(),
              part.get("during_moves").get("p99_ms").asDouble(),
              part.get("during_moves").get("max_ms").asDouble(),
              part.get("max_ms_during_swap_steps").asDouble(),
              part.get("errors").asInt()));
    }
    md.append('\n');
    for (String key : List.of("small_partitions", "large_partition")) {
      JsonNode part = load.get(key);
      List<String> swapTimes = new ArrayList<>();
      for (JsonNode swap : part.get("swaps")) {
        swapTimes.add(
            String.format(
                Locale.ROOT,
                "%.1f (slowest transaction %.1f)",
                swap.get("swap_ms").asDouble(),
                swap.path("max_ms_during_swap").asDouble()));
      }
      md.append(
          String.format(
              Locale.ROOT,
              "Swap steps of the %,d-row partitions, ms: %s.",
              part.get("rows_per_moved_partition").asLong(),
              String.join("; ", swapTimes)));
      JsonNode worst = part.path("worst_samples").path(0);
      if (!worst.isMissingNode()) {
        List<String> overlapped = new ArrayList<>();
        worst.get("overlapped").forEach(phase -> overlapped.add(phase.asText()));
        md.append(
            String.format(
                Locale.ROOT,
                " The slowest transaction during the moves (%.1f ms) overlapped: %s.",
                worst.get("latency_ms").asDouble(),
                String.join(", ", overlapped)));
      }
      md.append("\n\n");
    }

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

  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%.2f", value);
  }
}
