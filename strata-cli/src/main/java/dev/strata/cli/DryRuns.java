package dev.strata.cli;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.PartitionMover;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;

/** Prints the statements a move would run, step by step, after the same checks. */
final class DryRuns {
  private DryRuns() {}

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
      PrintWriter out,
      StrataConfig config,
      QualifiedName table,
      QualifiedName partition,
      String server,
      int jobs) {
    print(
        out,
        "archive " + partition.display() + " to " + server,
        new PartitionMover(new Connections(config), MoveProgress.NONE)
            .planArchive(table, partition, server, jobs));
  }
}
