package dev.strata.cli;

import dev.strata.connect.Connections;
import dev.strata.operation.MoveResult;
import dev.strata.operation.ShardMover;
import dev.strata.sql.QualifiedName;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "shard",
    description = {"Change the shards of a sharded table. See `strata shard split --help`."},
    subcommands = {ShardCommand.Split.class})
final class ShardCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  @Command(
      name = "split",
      description = {
        "Split a hash shard in two: (modulus m, remainder r) becomes (2m, r) and (2m, r + m),"
            + " verified (count and checksum of the halves against the shard).",
        "With --to another server, the halves are made there by logical replication while"
            + " applications keep writing (as `strata move` does): writes to the shard wait only"
            + " during the cut-over. Without --to (or --to its own server) the shard splits in place:"
            + " its rows are copied into the halves on the same server under the cut-over's lock,"
            + " so writes to that shard wait for a local copy. PostgreSQL accepts the mixed moduli"
            + " because each divides the next.",
        "Interrupted, the same command (or `strata resume`) continues; `strata abort` undoes it"
            + " until the coordinator is repointed.",
        "",
        "Example: strata shard split temperatures temperatures_shard_3_of_8 --to shard_d"
      })
  static final class Split implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;
    @Mixin DryRunOption dryRun;
    @Mixin JsonOption json;

    @Parameters(index = "0", paramLabel = "TABLE", description = "The sharded table.")
    String table;

    @Parameters(index = "1", paramLabel = "SHARD", description = "The hash shard to split.")
    String shard;

    @Option(
        names = "--to",
        paramLabel = "SERVER",
        description = "Configured server for both halves (default: the shard's own server).")
    String server;

    @Option(
        names = {"-q", "--quiet"},
        description = "No progress output.")
    boolean quiet;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      QualifiedName parent = ConfigOptions.tableName(table);
      QualifiedName name = MoveCommands.partitionName(parent, shard);
      ShardMover mover =
          new ShardMover(
              new Connections(configOptions.load(spec)),
              new ProgressPrinter(
                  spec.commandLine().getErr(), !(quiet || json.enabled || dryRun.enabled)));
      if (dryRun.enabled) {
        DryRuns.print(
            spec,
            json.enabled,
            "split " + name.display() + (server == null ? " in place" : " onto " + server),
            mover.planSplit(parent, name, Optional.ofNullable(server)),
            true);
        return 0;
      }
      MoveResult result = mover.split(parent, name, Optional.ofNullable(server));
      MoveCommands.print(spec, result, json.enabled);
      return 0;
    }
  }
}
