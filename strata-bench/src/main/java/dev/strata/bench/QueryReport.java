package dev.strata.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Renders {@code query.md} from the same JSON tree that is written to {@code query.json}, so the
 * two cannot disagree.
 */
final class QueryReport {
  private static final Map<String, String> QUERIES = new LinkedHashMap<>();

  static {
    QUERIES.put("per_year_aggregate", "per-year aggregate (seed 000 step 5)");
    QUERIES.put("filtered_scan", "filtered scan, all years");
  }

  private QueryReport() {}

  static String markdown(JsonNode report) {
    StringBuilder md = new StringBuilder();
    md.append("# Cross-tier query benchmark\n\n");
    md.append(report.get("layout").asText()).append("\n\n");
    md.append(
        ReportHeader.runParagraph(
            report, ReportHeader.postgresqlReleaseAndPlatform(report), "", "query.json"));

    md.append("## Configurations (same remote tables, same local rows)\n\n");
    md.append("| | foreign server options | foreign table options | foreign tables analyzed |\n");
    md.append("|---|---|---|---|\n");
    JsonNode configurations = report.get("configurations");
    for (String key : new String[] {"seed", "strata_defaults"}) {
      JsonNode table = configurations.get(key).get("foreign_tables").get(0);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | `%s` | `%s` | %s |%n",
              key.equals("seed") ? "seed (steps 2 and 4)" : "Strata's defaults",
              table.get("server_options").asText(),
              table.get("table_options").asText(),
              table.get("analyzed").asBoolean() ? "yes" : "no"));
    }
    md.append('\n');

    md.append(
        String.format(
            Locale.ROOT,
            "## Results (%d runs per configuration after %d warm-up runs, alternating)%n%n",
            report.get("runs").asInt(),
            report.get("warmup_runs").asInt()));
    md.append(
        "| query | rows returned | seed: median (min) ms | Strata defaults: median (min) ms |"
            + " speedup (median) | speedup (min) |\n");
    md.append("|---|---:|---:|---:|---:|---:|\n");
    JsonNode queries = report.get("queries");
    for (Map.Entry<String, String> query : QUERIES.entrySet()) {
      JsonNode node = queries.get(query.getKey());
      JsonNode results = node.get("results");
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %s | %s | **%.2f×** | %.2f× |%n",
              query.getValue(),
              node.get("rows_returned").asLong(),
              timing(results.get("seed")),
              timing(results.get("strata_defaults")),
              node.get("speedup_median").asDouble(),
              node.get("speedup_min").asDouble()));
    }
    md.append('\n');
    JsonNode aggregate = queries.get("per_year_aggregate").get("results");
    md.append(
        String.format(
            Locale.ROOT,
            "Cores busy during the per-year aggregate (median over runs, all processes on the"
                + " machine): seed %.0f%%, Strata defaults %.0f%%. Load average before measuring:"
                + " %s (waited %.0f s for a quieter machine).%n%n",
            aggregate.get("seed").get("cores_busy_percent_median").asDouble(),
            aggregate.get("strata_defaults").get("cores_busy_percent_median").asDouble(),
            report.get("load_average_before_measuring").asText(),
            report.get("waited_for_quiet_machine_s").asDouble()));
    for (JsonNode target : report.get("targets")) {
      md.append(
          String.format(
              Locale.ROOT,
              "Target: %s %s %.2f: measured %.2f, **%s**.%n%n",
              target.get("target").asText(),
              target.get("comparison").asText().equals(">=") ? "≥" : "≤",
              target.get("threshold").asDouble(),
              target.get("measured").asDouble(),
              target.get("met").asBoolean() ? "met" : "not met"));
    }

    JsonNode diagnostics = report.get("diagnostics");
    md.append(
        String.format(
            Locale.ROOT,
            "## Diagnostics: the per-year aggregate, other ways (%d runs each)%n%n",
            report.get("diagnostic_runs").asInt()));
    md.append("| variant | median (min) ms | vs seed | vs Strata defaults |\n");
    md.append("|---|---:|---:|---:|\n");
    JsonNode variants = diagnostics.get("per_year_aggregate_variants");
    for (var variant : variants.properties()) {
      JsonNode node = variant.getValue();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.2f× | %.2f× |%n",
              node.get("description").asText().replaceFirst("^diagnostic: ", ""),
              timing(node),
              node.get("speedup_vs_seed_median").asDouble(),
              node.get("speedup_vs_strata_defaults_median").asDouble()));
    }
    md.append('\n');

    md.append("## `strata explain` on the per-year aggregate\n\n");
    for (var layout : diagnostics.get("strata_explain").properties()) {
      for (JsonNode finding : layout.getValue()) {
        md.append(
            String.format(
                Locale.ROOT,
                "- %s: %s (`%s`)%n",
                layout.getKey(),
                finding.get("kind").asText(),
                finding.get("subject").asText()));
      }
      if (layout.getValue().isEmpty()) {
        md.append("- ").append(layout.getKey()).append(": no findings\n");
      }
    }
    md.append("\nThe plans of every variant are in query.json under `diagnostics.plans`.\n");
    return md.toString();
  }

  private static String timing(JsonNode node) {
    return String.format(
        Locale.ROOT,
        "%,.0f (%,.0f)",
        node.get("median_ms").asDouble(),
        node.get("min_ms").asDouble());
  }
}
