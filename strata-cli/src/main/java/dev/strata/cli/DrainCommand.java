package dev.strata.cli;

import dev.strata.operation.MoveResult;
import dev.strata.operation.PartitionMover;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "drain",
    description = {
      "Move every archived partition off a server, one verified move after another, so that it"
          + " can be decommissioned.",
      "Each partition goes to --to, or else to the first server of its table's archive_to that is"
          + " not the drained one; a shard of a sharded table goes to the server of its shards_on"
          + " with the fewest shards (and moves online, as `strata move` does); a partition with"
          + " nowhere to go stops the command before anything moves. A failure stops the drain; what moved stays moved, and running the"
          + " command again continues (the interrupted move resumes).",
      "",
      "Example: strata drain archive_2019 --to archive_2025"
    })
final class DrainCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(index = "0", paramLabel = "SERVER", description = "The server to empty.")
  String server;

  @Option(
      names = "--to",
      paramLabel = "SERVER",
      description = "Where every partition goes (default: each table's archive_to).")
  String to;

  @Option(
      names = "--jobs",
      defaultValue = "1",
      paramLabel = "N",
      description = "Parallel copy streams per move. Default: ${DEFAULT-VALUE}.")
  int jobs;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress output.")
  boolean quiet;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** {@code drain --json}: docs/json.md#drain. */
  record Document(String server, List<Drained> moves) {}

  /** One partition or shard moved off the server, and how its move went. */
  record Drained(String partition, String from, String to, MoveCommands.MoveDocument result) {}

  private static String title(PartitionMover.DrainMove move) {
    return "move " + move.partition().display() + " from " + move.from() + " to " + move.to();
  }

  @Override
  public Integer call() {
    MoveCommands.requireJobs(spec, jobs);
    PartitionMover mover = MoveCommands.mover(configOptions, spec, quiet || json.enabled);
    List<PartitionMover.DrainMove> moves = mover.drainPlan(server, Optional.ofNullable(to));
    PrintWriter out = spec.commandLine().getOut();
    if (dryRun.enabled && json.enabled) {
      Json.print(
          spec,
          new DryRuns.Document(
              true,
              moves.stream()
                  .map(
                      move ->
                          DryRuns.plan(
                              title(move),
                              mover.planMove(move.table(), move.partition(), move.to(), jobs)))
                  .toList()));
      return 0;
    }
    if (moves.isEmpty() && json.enabled) {
      Json.print(spec, new Document(server, List.of()));
      return 0;
    }
    if (moves.isEmpty()) {
      out.println("No archived partition is on server " + server + "; nothing to do.");
      return 0;
    }
    if (dryRun.enabled) {
      for (PartitionMover.DrainMove move : moves) {
        DryRuns.print(
            out, title(move), mover.planMove(move.table(), move.partition(), move.to(), jobs));
        out.println();
      }
      return 0;
    }
    List<Drained> documents = new ArrayList<>();
    for (PartitionMover.DrainMove move : moves) {
      MoveResult result = mover.move(move.table(), move.partition(), move.to(), jobs);
      if (json.enabled) {
        documents.add(
            new Drained(
                move.partition().display(),
                move.from(),
                move.to(),
                MoveCommands.MoveDocument.of(result)));
      } else {
        MoveCommands.print(out, result);
      }
    }
    if (json.enabled) {
      Json.print(spec, new Document(server, documents));
    } else {
      out.println("Server " + server + " holds no archived partition any more.");
    }
    return 0;
  }
}
