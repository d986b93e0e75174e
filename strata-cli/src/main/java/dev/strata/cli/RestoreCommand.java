package dev.strata.cli;

import dev.strata.sql.QualifiedName;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "restore",
    description = {
      "Bring an archived partition's rows back to a local partition.",
      "The archive protocol in reverse: a local table with the bounds as a CHECK (so the attach"
          + " needs no scan), the foreign partition made read-only, binary COPY from the server,"
          + " indexes, verification, one short swap. The remote table is dropped afterwards if"
          + " Strata created it, unless --keep-remote.",
      "",
      "Example: strata restore public.emp emp_2025"
    })
final class RestoreCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(index = "0", paramLabel = "TABLE", description = "The partitioned table.")
  String table;

  @Parameters(
      index = "1",
      paramLabel = "PARTITION",
      description = "The archived (foreign) partition.")
  String partition;

  @Option(
      names = "--keep-remote",
      description = "Keep the remote table on the server after the swap.")
  boolean keepRemote;

  @Option(
      names = "--jobs",
      defaultValue = "1",
      paramLabel = "N",
      description = "Parallel copy streams. Default: ${DEFAULT-VALUE}.")
  int jobs;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress output.")
  boolean quiet;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    MoveCommands.requireJobs(spec, jobs);
    QualifiedName parent = ConfigOptions.tableName(table);
    if (dryRun.enabled) {
      QualifiedName name = MoveCommands.partitionName(parent, partition);
      DryRuns.print(
          spec,
          json.enabled,
          "restore " + name.display(),
          MoveCommands.mover(configOptions, spec, true).planRestore(parent, name, keepRemote, jobs),
          true);
      return 0;
    }
    var result =
        MoveCommands.mover(configOptions, spec, quiet || json.enabled)
            .restore(parent, MoveCommands.partitionName(parent, partition), keepRemote, jobs);
    MoveCommands.print(spec, result, json.enabled);
    return 0;
  }
}
