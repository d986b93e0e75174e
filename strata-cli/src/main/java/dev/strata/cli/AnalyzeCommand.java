package dev.strata.cli;

import dev.strata.connect.Connections;
import dev.strata.health.ForeignStatistics;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
    name = "analyze",
    description = {
      "Gather planner statistics for foreign partitions (ANALYZE on the coordinator).",
      "PostgreSQL never analyzes foreign tables by itself, so without statistics the coordinator"
          + " guesses the size of every archived partition. Samples each partition's rows through"
          + " postgres_fdw. Exit 1 when any partition could not be analyzed."
    })
final class AnalyzeCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(
      arity = "0..1",
      paramLabel = "TABLE",
      description = "Only this table's foreign partitions (default: every partitioned table).")
  String table;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /**
   * {@code analyze --json}: docs/json.md#analyze.
   *
   * @param rows the partition's row estimate after ANALYZE, or null when it failed
   * @param error why it failed, or null
   */
  record Document(List<Outcome> partitions) {}

  record Outcome(
      String partition, String server, OptionalLong rows, Optional<String> error, boolean ok) {}

  @Override
  public Integer call() {
    Optional<QualifiedName> only = Optional.ofNullable(table).map(ConfigOptions::tableName);
    ForeignStatistics statistics = new ForeignStatistics(new Connections(configOptions.load(spec)));
    PrintWriter out = spec.commandLine().getOut();
    if (dryRun.enabled && json.enabled) {
      List<ForeignStatistics.Target> targets = statistics.plan(only);
      Json.print(
          spec,
          new DryRuns.Document(
              true,
              List.of(
                  new DryRuns.Plan(
                      "analyze",
                      targets.isEmpty() ? Optional.of("no foreign partitions") : Optional.empty(),
                      targets.stream()
                          .map(
                              target ->
                                  new DryRuns.Step(
                                      "on coordinator, through foreign server " + target.server(),
                                      List.of(target.statement().render())))
                          .toList()))));
      return 0;
    }
    if (dryRun.enabled) {
      printPlan(out, statistics.plan(only));
      return 0;
    }
    List<ForeignStatistics.Analyzed> outcomes = statistics.analyze(only);
    if (json.enabled) {
      Json.print(
          spec,
          new Document(
              outcomes.stream()
                  .map(o -> new Outcome(o.partition(), o.server(), o.rows(), o.error(), o.ok()))
                  .toList()));
    } else if (outcomes.isEmpty()) {
      out.println("No foreign partitions to analyze.");
    } else {
      TextTable rows = new TextTable("partition", "server", "rows", "result").alignRight(2);
      for (ForeignStatistics.Analyzed outcome : outcomes) {
        rows.row(
            outcome.partition(),
            outcome.server(),
            outcome.rows().isPresent() ? Long.toString(outcome.rows().getAsLong()) : "",
            outcome.error().map(e -> "FAILED: " + e).orElse("analyzed"));
      }
      rows.print(out);
    }
    return outcomes.stream().allMatch(ForeignStatistics.Analyzed::ok) ? 0 : 1;
  }

  private static void printPlan(PrintWriter out, List<ForeignStatistics.Target> targets) {
    if (targets.isEmpty()) {
      out.println("-- analyze: no foreign partitions; dry run, nothing was executed");
      return;
    }
    out.println("-- analyze: dry run, nothing was executed");
    out.println(
        "-- on coordinator; each server is first probed with a bounded read of one row through"
            + " its foreign server (timeouts.connect), and a server that does not answer is"
            + " skipped");
    String server = null;
    for (ForeignStatistics.Target target : targets) {
      if (!target.server().equals(server)) {
        server = target.server();
        out.println("-- through foreign server " + server);
      }
      out.println(target.statement().render());
    }
  }
}
