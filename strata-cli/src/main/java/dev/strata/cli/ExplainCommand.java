package dev.strata.cli;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.explain.ExplainReport;
import dev.strata.explain.ExplainReport.Finding;
import dev.strata.explain.ExplainReport.ForeignScanReport;
import dev.strata.explain.ExplainReport.PartitionReport;
import dev.strata.explain.ExplainReport.PartitionState;
import dev.strata.explain.ExplainReport.Placement;
import dev.strata.explain.ExplainReport.TableReport;
import dev.strata.explain.ExplainRequest;
import dev.strata.explain.ExplainService;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = {
      "Show where a statement runs: which partitions it scans or prunes, which conditions,"
          + " aggregates, sorts, limits and joins run on the archive servers (in the Remote SQL)"
          + " and which on the coordinator, and for each of the latter why and how to fix it.",
      "Runs EXPLAIN (VERBOSE, FORMAT JSON) on the coordinator; nothing is executed unless"
          + " --analyze is given. With --analyze the statement runs in a read-only transaction"
          + " that is rolled back, and the rows each server sent over the network are counted;"
          + " only statements starting with SELECT, WITH, TABLE or VALUES are accepted."
    },
    footer = {
      "",
      "Examples:",
      "  strata explain \"SELECT * FROM emp WHERE time >= '2024-01-01' AND time < '2025-01-01'\"",
      "  strata explain --analyze \"SELECT department, count(*) FROM emp GROUP BY 1\"",
      "  strata explain --setting enable_partitionwise_aggregate=on \\",
      "      \"SELECT time, count(*) FROM emp GROUP BY time\"",
      "",
      "Exits 0 when the statement was explained, findings or not; 2 for a refused statement."
    })
final class ExplainCommand implements Callable<Integer> {
  private static final int WIDTH = 100;

  @Mixin ConfigOptions configOptions;
  @Mixin JsonOption json;

  @Option(
      names = "--analyze",
      description =
          "Run the statement (EXPLAIN ANALYZE, read-only, rolled back) and count the rows that"
              + " crossed the network.")
  boolean analyze;

  @Option(
      names = "--setting",
      paramLabel = "NAME=VALUE",
      description =
          "A session setting for this plan only, e.g. --setting"
              + " enable_partitionwise_aggregate=on (repeatable).")
  List<String> settings = List.of();

  @Parameters(
      arity = "1..*",
      paramLabel = "SQL",
      description = "One statement, in quotes (several words are joined with spaces).")
  List<String> sql;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    ExplainRequest request =
        new ExplainRequest(String.join(" ", sql), analyze, parseSettings(settings));
    ExplainReport report =
        new ExplainService(new Connections(configOptions.load(spec))).explain(request);
    PrintWriter out = spec.commandLine().getOut();
    if (json.enabled) {
      Json.print(spec, ExplainDocument.of(report));
    } else {
      print(out, report);
    }
    return 0;
  }

  private static Map<String, String> parseSettings(List<String> settings) {
    Map<String, String> parsed = new LinkedHashMap<>();
    for (String setting : settings) {
      int equals = setting.indexOf('=');
      if (equals <= 0) {
        throw new StrataException(
            ErrorCode.USAGE,
            "--setting " + setting + " is not NAME=VALUE",
            "for example --setting enable_partitionwise_aggregate=on");
      }
      parsed.put(setting.substring(0, equals).strip(), setting.substring(equals + 1).strip());
    }
    return parsed;
  }

  static void print(PrintWriter out, ExplainReport report) {
    out.println("Statement: " + report.statement().replace("\n", "\n           "));
    out.println(
        report.analyzed()
            ? "Plan: EXPLAIN (VERBOSE, ANALYZE) on the coordinator, in a read-only transaction"
                + " rolled back"
                + report
                    .planningMillis()
                    .map(ms -> String.format(Locale.ROOT, "; planning %.1f ms", ms))
                    .orElse("")
                + report
                    .executionMillis()
                    .map(ms -> String.format(Locale.ROOT, ", execution %.1f ms", ms))
                    .orElse("")
            : "Plan: EXPLAIN (VERBOSE) on the coordinator; nothing was executed");
    out.println(
        "Settings: "
            + report.settings().entrySet().stream()
                .map(entry -> entry.getKey() + "=" + entry.getValue())
                .collect(Collectors.joining(", ")));
    out.println();
    for (TableReport table : report.tables()) {
      printTable(out, table, report.analyzed());
    }
    if (report.tables().isEmpty()) {
      out.println("No partitioned table is involved.");
      out.println();
    }
    if (!report.foreignScans().isEmpty()) {
      out.println("Foreign scans");
      for (ForeignScanReport scan : report.foreignScans()) {
        printForeignScan(out, scan);
      }
      out.println();
    }
    if (report.rowsOverNetwork().isPresent()) {
      out.println(
          "Rows over the network: "
              + count(report.rowsOverNetwork())
              + (report.rowsOverNetworkByServer().isEmpty()
                  ? ""
                  : report.rowsOverNetworkByServer().entrySet().stream()
                      .map(entry -> entry.getKey() + " " + count(OptionalLong.of(entry.getValue())))
                      .collect(Collectors.joining(", ", " (", ")"))));
      out.println();
    }
    printFindings(out, report.findings());
  }

  private static void printTable(PrintWriter out, TableReport table, boolean analyzed) {
    long scanned = table.count(PartitionState.SCANNED);
    long pruned = table.count(PartitionState.PRUNED);
    long notExecuted = table.count(PartitionState.NOT_EXECUTED);
    out.println(
        "Table "
            + table.table()
            + "  ("
            + table.partitionKey()
            + "): "
            + scanned
            + " of "
            + table.partitions().size()
            + " partitions scanned, "
            + pruned
            + " pruned"
            + (notExecuted > 0 ? ", " + notExecuted + " never executed" : ""));
    List<String> headers =
        new ArrayList<>(
            List.of(
                "partition",
                "tier",
                "state",
                "scan",
                "conditions",
                "aggregate",
                "sort",
                "limit",
                "join"));
    if (analyzed) {
      headers.add("rows");
      headers.add("over network");
    }
    TextTable rows = new TextTable(headers.toArray(String[]::new));
    if (analyzed) {
      rows.alignRight(9, 10);
    }
    for (PartitionReport partition : table.partitions()) {
      List<Object> cells = new ArrayList<>();
      cells.add(partition.name());
      cells.add(partition.tier());
      cells.add(partition.state().label());
      cells.add(String.join(", ", partition.scans()));
      cells.add(conditions(partition));
      cells.add(placement(partition.aggregate()));
      cells.add(placement(partition.sort()));
      cells.add(placement(partition.limit()));
      cells.add(placement(partition.join()));
      if (analyzed) {
        cells.add(count(partition.rows()));
        cells.add(count(partition.rowsOverNetwork()));
      }
      rows.row(cells.toArray());
    }
    rows.print(out);
    out.println();
  }

  private static String conditions(PartitionReport partition) {
    if (partition.state() == PartitionState.PRUNED) {
      return "";
    }
    boolean remote = !partition.remoteConditions().isEmpty();
    boolean local = !partition.localConditions().isEmpty();
    if (remote && local) {
      return "remote + local";
    }
    return remote ? "remote" : local ? "local" : "none";
  }

  private static String placement(Optional<Placement> placement) {
    return placement.map(Placement::label).orElse("");
  }

  private static String count(OptionalLong count) {
    return count.isPresent() ? String.format(Locale.ROOT, "%,d", count.getAsLong()) : "";
  }

  private static void printForeignScan(PrintWriter out, ForeignScanReport scan) {
    out.println(
        "  "
            + String.join(" + ", scan.relations())
            + " on "
            + scan.server()
            + (scan.async() ? " (async)" : ""));
    out.println("    Remote SQL: " + scan.remoteSql());
    if (!scan.remoteConditions().isEmpty()) {
      out.println("    on the server:      " + String.join(" AND ", scan.remoteConditions()));
    }
    if (!scan.localConditions().isEmpty()) {
      out.println("    on the coordinator: " + String.join(" AND ", scan.localConditions()));
    }
    List<String> pushed = new ArrayList<>();
    if (scan.aggregatePushed()) {
      pushed.add("aggregate");
    }
    if (scan.joinPushed()) {
      pushed.add("join");
    }
    if (scan.sortPushed()) {
      pushed.add("ORDER BY");
    }
    if (scan.limitPushed()) {
      pushed.add("LIMIT");
    }
    if (!pushed.isEmpty()) {
      out.println("    pushed: " + String.join(", ", pushed));
    }
    scan.rowsOverNetwork()
        .ifPresent(
            rows ->
                out.println(
                    "    rows over the network: " + String.format(Locale.ROOT, "%,d", rows)));
  }

  private static void printFindings(PrintWriter out, List<Finding> findings) {
    if (findings.isEmpty()) {
      out.println(
          "No findings: every condition, join, aggregate, sort and limit that could run on the"
              + " servers did.");
      return;
    }
    out.println("Findings (" + findings.size() + ")");
    int number = 1;
    for (Finding finding : findings) {
      out.println("  " + number++ + ". " + finding.kind().label() + ": " + finding.subject());
      if (!finding.relations().isEmpty()) {
        out.println(
            wrap(
                "where: "
                    + String.join(", ", finding.relations())
                    + (finding.servers().isEmpty()
                        ? ""
                        : " on " + String.join(", ", finding.servers()))
                    + (finding.rowsOverNetwork().isPresent()
                        ? "; "
                            + String.format(
                                Locale.ROOT, "%,d", finding.rowsOverNetwork().getAsLong())
                            + " rows over the network"
                        : ""),
                "     ",
                "            "));
      }
      out.println(wrap("why:   " + finding.problem(), "     ", "            "));
      out.println(wrap("fix:   " + finding.fix(), "     ", "            "));
    }
  }

  /** Word-wraps {@code text} to {@link #WIDTH} columns; continuation lines get {@code indent}. */
  static String wrap(String text, String firstIndent, String indent) {
    StringBuilder result = new StringBuilder();
    StringBuilder line = new StringBuilder(firstIndent);
    for (String word : text.split(" ")) {
      if (line.length() + word.length() + 1 > WIDTH && line.toString().strip().length() > 0) {
        result.append(line.toString().stripTrailing()).append('\n');
        line = new StringBuilder(indent);
      } else if (line.length() > 0 && !line.toString().isBlank()) {
        line.append(' ');
      }
      line.append(word);
    }
    result.append(line.toString().stripTrailing());
    return result.toString();
  }
}
