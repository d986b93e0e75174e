package dev.strata.cli;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveResult;
import dev.strata.operation.Operation;
import dev.strata.operation.PartitionMover;
import dev.strata.shard.Rebalancer;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "rebalance",
    description = {
      "Even out a sharded table over the servers of its shards_on: by bytes (each shard's size"
          + " on its server, the default) or by shard count.",
      "Shards on a server that is no longer in shards_on always move. The plan moves whole"
          + " shards, greedily: from the fullest server to the emptiest, the shard nearest half"
          + " their gap, until no move narrows it; it prints the bytes it moves next to the least"
          + " any plan could move. Each move is a journaled `strata move` of the shard (logical"
          + " replication where the source allows it), run one after another with progress; a"
          + " failure stops the run, what moved stays moved, and running the command again"
          + " resumes the interrupted move and plans the rest.",
      "Adding a server to shards_on and running rebalance fills it; to empty one, take it out of"
          + " shards_on and rebalance, or run `strata drain SERVER`.",
      "",
      "Example: strata rebalance temperatures --dry-run"
    })
final class RebalanceCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(index = "0", paramLabel = "TABLE", description = "The sharded table.")
  String table;

  @Option(
      names = "--by",
      defaultValue = "size",
      paramLabel = "size|count",
      description = "What to even out. Default: ${DEFAULT-VALUE}.")
  String by;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress output.")
  boolean quiet;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Rebalancer.By measure =
        switch (by.toLowerCase(Locale.ROOT)) {
          case "size" -> Rebalancer.By.SIZE;
          case "count" -> Rebalancer.By.COUNT;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  spec.commandLine(), "--by must be size or count, not '" + by + "'");
        };
    QualifiedName name = ConfigOptions.tableName(table);
    StrataConfig config = configOptions.load(spec);
    Connections connections = new Connections(config);
    PartitionMover mover =
        new PartitionMover(
            connections,
            new ProgressPrinter(
                spec.commandLine().getErr(), !(quiet || json.enabled || dryRun.enabled)));
    PrintWriter out = spec.commandLine().getOut();
    List<MoveCommands.MoveDocument> documents = new ArrayList<>();
    if (!dryRun.enabled) {
      // An interrupted move of this table's shards finishes first; the plan starts from there.
      for (Operation unfinished : mover.resumable()) {
        if (unfinished.parent().equals(name)) {
          MoveResult result = mover.resume(unfinished.id());
          if (!json.enabled) {
            MoveCommands.print(out, result);
          } else {
            documents.add(MoveCommands.MoveDocument.of(result));
          }
        }
      }
    }
    Rebalancer.Plan plan = new Rebalancer(connections).plan(name, measure);
    if (json.enabled && dryRun.enabled) {
      Json.print(spec, Document.of(plan, true, documents));
      return 0;
    }
    if (!json.enabled) {
      printPlan(out, plan);
    }
    if (dryRun.enabled) {
      for (Rebalancer.Move move : plan.moves()) {
        out.println();
        DryRuns.print(
            out,
            "move " + move.shard().display() + " from " + move.from() + " to " + move.to(),
            mover.planMove(name, move.shard(), move.to(), 1));
      }
      return 0;
    }
    int done = 0;
    for (Rebalancer.Move move : plan.moves()) {
      done++;
      if (!json.enabled && !quiet) {
        spec.commandLine()
            .getErr()
            .printf(
                Locale.ROOT,
                "move %d of %d: %s from %s to %s (%s)%n",
                done,
                plan.moves().size(),
                move.shard().display(),
                move.from(),
                move.to(),
                Sizes.bytes(java.util.OptionalLong.of(move.bytes())));
        spec.commandLine().getErr().flush();
      }
      MoveResult result = mover.move(name, move.shard(), move.to(), 1);
      if (json.enabled) {
        documents.add(MoveCommands.MoveDocument.of(result));
      } else {
        MoveCommands.print(out, result);
      }
    }
    if (json.enabled) {
      Json.print(spec, Document.of(plan, false, documents));
    } else if (!plan.moves().isEmpty()) {
      out.println(
          name.display() + " is balanced over " + String.join(", ", plan.after().keySet()) + ".");
    }
    return 0;
  }

  private static void printPlan(PrintWriter out, Rebalancer.Plan plan) {
    boolean bytes = plan.by() == Rebalancer.By.SIZE;
    if (plan.moves().isEmpty()) {
      out.println(
          plan.table().display()
              + " is as even as whole shards allow over "
              + String.join(", ", plan.after().keySet())
              + "; nothing to move.");
      return;
    }
    out.println(
        "Rebalance of "
            + plan.table().display()
            + " by "
            + plan.by().label()
            + ": "
            + plan.moves().size()
            + " move"
            + (plan.moves().size() == 1 ? "" : "s")
            + ", "
            + Sizes.bytes(java.util.OptionalLong.of(plan.bytesMoved()))
            + " to copy (no plan can move less than "
            + (bytes
                ? Sizes.bytes(java.util.OptionalLong.of(plan.lowerBound()))
                : plan.lowerBound() + " shards")
            + ")");
    TextTable table = new TextTable("SERVER", "BEFORE", "AFTER");
    for (String server : plan.before().keySet()) {
      long before = plan.before().getOrDefault(server, 0L);
      long after = plan.after().getOrDefault(server, 0L);
      table.row(
          server,
          bytes ? Sizes.bytes(java.util.OptionalLong.of(before)) : Long.toString(before),
          bytes ? Sizes.bytes(java.util.OptionalLong.of(after)) : Long.toString(after));
    }
    table.print(out);
    TextTable moves = new TextTable("SHARD", "FROM", "TO", "SIZE");
    for (Rebalancer.Move move : plan.moves()) {
      moves.row(
          move.shard().display(),
          move.from(),
          move.to(),
          Sizes.bytes(java.util.OptionalLong.of(move.bytes())));
    }
    moves.print(out);
  }

  /**
   * {@code rebalance --json}: docs/json.md#rebalance.
   *
   * @param before bytes (or shards, by count) per server before the moves
   * @param after the same after them
   * @param results the moves run, resumed ones first; empty for a dry run
   */
  record Document(
      String table,
      String by,
      boolean dryRun,
      Map<String, Long> before,
      Map<String, Long> after,
      long bytesMoved,
      long lowerBound,
      List<PlannedMove> moves,
      List<MoveCommands.MoveDocument> results) {
    static Document of(
        Rebalancer.Plan plan, boolean dryRun, List<MoveCommands.MoveDocument> results) {
      return new Document(
          plan.table().display(),
          plan.by().label(),
          dryRun,
          plan.before(),
          plan.after(),
          plan.bytesMoved(),
          plan.lowerBound(),
          plan.moves().stream()
              .map(m -> new PlannedMove(m.shard().display(), m.from(), m.to(), m.bytes()))
              .toList(),
          results);
    }
  }

  record PlannedMove(String shard, String from, String to, long bytes) {}
}
