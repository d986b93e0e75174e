package dev.strata.cli;

import dev.strata.operation.MoveResult;
import dev.strata.operation.Operation;
import dev.strata.operation.PartitionMover;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "resume",
    description = {
      "Finish interrupted operations from the step where they stopped.",
      "Without OP: every unfinished operation, oldest first, and the cleanup of swapped ones whose"
          + " grace period has ended."
    })
final class ResumeCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(
      arity = "0..1",
      paramLabel = "OP",
      description = "Operation id (see `strata operations`).")
  Long operationId;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress output.")
  boolean quiet;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** {@code resume --json}: docs/json.md#resume. */
  record Document(List<MoveCommands.MoveDocument> resumed) {}

  @Override
  public Integer call() {
    PartitionMover mover = MoveCommands.mover(configOptions, spec, quiet || json.enabled);
    List<Long> ids = new ArrayList<>();
    if (operationId != null) {
      ids.add(operationId);
    } else {
      mover.resumable().stream().map(Operation::id).forEach(ids::add);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (dryRun.enabled && json.enabled) {
      List<DryRuns.Plan> plans = new ArrayList<>();
      for (long id : ids) {
        plans.add(DryRuns.plan("resume operation " + id, mover.planResume(id)));
      }
      Json.print(spec, new DryRuns.Document(true, plans));
      return 0;
    }
    if (dryRun.enabled) {
      if (ids.isEmpty()) {
        out.println("-- resume: nothing to resume; dry run, nothing was executed");
      }
      for (long id : ids) {
        DryRuns.print(out, "resume operation " + id, mover.planResume(id), false);
      }
      return 0;
    }
    List<MoveCommands.MoveDocument> documents = new ArrayList<>();
    for (long id : ids) {
      MoveResult result = mover.resume(id);
      if (json.enabled) {
        documents.add(MoveCommands.MoveDocument.of(result));
      } else {
        MoveCommands.print(out, result);
      }
    }
    if (json.enabled) {
      Json.print(spec, new Document(documents));
    } else if (ids.isEmpty()) {
      out.println("Nothing to resume.");
    }
    return 0;
  }
}
