package dev.strata.cli;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.PartitionMover;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/** Prints the statements a move would run, step by step, after the same checks. */
final class DryRuns {
  private DryRuns() {}

  /**
   * {@code --dry-run --json} of the commands whose dry run is a list of statements:
   * docs/json.md#dry-runs. {@code dry_run} is always true, so a script tells it from the command's
   * result document.
   */
  record Document(boolean dryRun, List<Plan> plans) {}

  /**
   * What one request would do.
   *
   * @param nothingToDo why nothing would run (the request is already fulfilled), or null
   * @param steps the steps in order; empty when there is nothing to do
   */
  record Plan(String title, Optional<String> nothingToDo, List<Step> steps) {}

  /** One step: its name and the lines it would run (statements, and comments naming sessions). */
  record Step(String step, List<String> lines) {}

  static Plan plan(String title, List<PartitionMover.PlannedStep> steps) {
    if (steps.size() == 1 && steps.get(0).nothingToDo()) {
      return new Plan(
          title,
          Optional.of(
              steps.get(0).step().substring(PartitionMover.PlannedStep.NOTHING_TO_DO.length())),
          List.of());
    }
    return new Plan(
        title,
        Optional.empty(),
        steps.stream().map(step -> new Step(step.step(), step.lines())).toList());
  }

  /** One request's dry run: as text, or with {@code --json} as a {@link Document}. */
  static void print(
      CommandSpec spec,
      boolean json,
      String title,
      List<PartitionMover.PlannedStep> steps,
      boolean newOperation) {
    if (json) {
      Json.print(spec, new Document(true, List.of(plan(title, steps))));
    } else {
      print(spec.commandLine().getOut(), title, steps, newOperation);
    }
  }

  static void print(
      PrintWriter out, String title, java.util.List<PartitionMover.PlannedStep> steps) {
    print(out, title, steps, true);
  }

  /**
   * @param newOperation whether the command journals a new operation, whose id (the next one) the
   *     statements name
   */
  static void print(
      PrintWriter out,
      String title,
      java.util.List<PartitionMover.PlannedStep> steps,
      boolean newOperation) {
    if (steps.size() == 1 && steps.get(0).nothingToDo()) {
      out.println("-- " + title + ": " + steps.get(0).step());
      return;
    }
    out.println("-- " + title + ": checks passed; dry run, nothing was executed");
    out.println(
        newOperation
            ? "-- these are the statements the command runs, in order; names carry the operation id"
                + " it will get (the next one: should another operation start first, they shift"
                + " with it)"
            : "-- these are the statements the command runs, in order, from the step where the"
                + " operation stopped");
    for (PartitionMover.PlannedStep step : steps) {
      out.println();
      out.println("-- " + step.step());
      step.lines().forEach(out::println);
    }
  }

  static void archive(
      CommandSpec spec,
      boolean json,
      StrataConfig config,
      QualifiedName table,
      QualifiedName partition,
      String server,
      int jobs) {
    print(
        spec,
        json,
        "archive " + partition.display() + " to " + server,
        new PartitionMover(new Connections(config), MoveProgress.NONE)
            .planArchive(table, partition, server, jobs),
        true);
  }
}
