package dev.strata.cli;

import dev.strata.sql.QualifiedName;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "move",
    description = {
      "Move an archived (foreign) partition from the server that holds it to another server.",
      "The same journaled protocol as archive: record the intent; create the table on the new"
          + " server; freeze the partition (read-only on the coordinator, and writes on the old"
          + " server refused by triggers); stream it with binary COPY from server to server (the"
          + " coordinator's data never passes through); rebuild its indexes; verify; repoint the"
          + " partition in one short swap; re-check and drop the old table if Strata created it"
          + " (else keep it and say so).",
      "A shard (a partition of a hash- or list-sharded table) moves while applications keep"
          + " writing: with wal_level = logical on its server, PostgreSQL logical replication copies"
          + " it and follows every change; writes to that shard wait only during the cut-over (catch"
          + " up, verify, retire the old copy), and a writer caught in it gets SQLSTATE 40001 and"
          + " retries; writes to other shards never wait for it. Without logical WAL the shard is"
          + " copied under the cut-over's lock (freeze mode), and the command says so.",
      "Interrupted at any point, the same command (or `strata resume`) continues where it stopped;"
          + " `strata abort` rolls an unfinished one back.",
      "",
      "Examples: strata move public.emp emp_2023 --to archive_2025",
      "          strata move temperatures temperatures_shard_3_of_8 --to shard_d"
    })
final class MoveCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(index = "0", paramLabel = "TABLE", description = "The partitioned table.")
  String table;

  @Parameters(
      index = "1",
      paramLabel = "PARTITION",
      description = "The archived partition to move.")
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
          "Parallel copy streams (block ranges of the remote table). Default: ${DEFAULT-VALUE}.")
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
      DryRuns.print(
          spec,
          json.enabled,
          "move " + name.display() + " to " + server,
          MoveCommands.mover(configOptions, spec, true).planMove(parent, name, server, jobs),
          true);
      return 0;
    }
    var result =
        MoveCommands.mover(configOptions, spec, quiet || json.enabled)
            .move(parent, name, server, jobs);
    MoveCommands.print(spec, result, json.enabled);
    return 0;
  }
}
