package dev.strata.cli;

import dev.strata.sql.QualifiedName;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "archive",
    description = {
      "Move a local partition to a server and attach it there as a foreign partition.",
      "The journaled protocol: record the intent; create the remote table (the parent's columns,"
          + " the bounds as a CHECK); freeze the partition (writes fail loudly, reads continue);"
          + " stream it with binary COPY; rebuild its indexes there; verify row count, checksum and"
          + " out-of-range rows on both sides; swap in one short transaction; drop the old copy.",
      "Interrupted at any point, the same command (or `strata resume`) continues where it stopped;"
          + " `strata abort` rolls an unfinished one back.",
      "",
      "Example: strata archive public.emp emp_2025 --to archive_2025"
    })
final class ArchiveCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(index = "0", paramLabel = "TABLE", description = "The partitioned table.")
  String table;

  @Parameters(index = "1", paramLabel = "PARTITION", description = "The local partition to move.")
  String partition;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "SERVER",
      description = "Configured server to move it to.")
  String server;

  @Option(
      names = "--jobs",
      defaultValue = "1",
      paramLabel = "N",
      description =
          "Parallel copy streams (block ranges of the partition). Default: ${DEFAULT-VALUE}.")
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
    QualifiedName name = MoveCommands.partitionName(parent, partition);
    if (dryRun.enabled) {
      DryRuns.archive(spec, json.enabled, configOptions.load(spec), parent, name, server, jobs);
      return 0;
    }
    var result =
        MoveCommands.mover(configOptions, spec, quiet || json.enabled)
            .archive(parent, name, server, jobs);
    MoveCommands.print(spec, result, json.enabled);
    return 0;
  }
}
