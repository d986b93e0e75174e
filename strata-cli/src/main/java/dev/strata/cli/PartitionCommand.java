package dev.strata.cli;

import dev.strata.connect.Connections;
import dev.strata.operation.PartitionManager;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "partition",
    description = "Manage local partitions.",
    subcommands = {PartitionCommand.Create.class})
final class PartitionCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "choose a subcommand: create");
  }

  @Command(
      name = "create",
      description = {
        "Create a local range partition on the coordinator.",
        "Bounds are checked by the coordinator against the key column's type; the name defaults"
            + " to PARENT_2025 for a year, PARENT_2025_03 for a month, PARENT_2025_03_14 for a day.",
        "",
        "Example: strata partition create public.emp --from 2025-01-01 --to 2026-01-01"
      })
  static final class Create implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;
    @Mixin DryRunOption dryRun;
    @Mixin JsonOption json;

    @Parameters(index = "0", paramLabel = "TABLE", description = "The partitioned table.")
    String table;

    @Option(
        names = "--from",
        required = true,
        paramLabel = "VALUE",
        description = "Lower bound, inclusive (or MINVALUE).")
    String from;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "VALUE",
        description = "Upper bound, exclusive (or MAXVALUE).")
    String to;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        description = "Partition name (default from the bounds).")
    String name;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    /**
     * {@code partition create --json}: docs/json.md#partition-create. {@code created} is false for
     * a dry run.
     */
    record Document(boolean created, String partition, String bounds, List<String> sql) {}

    @Override
    public Integer call() {
      PartitionManager manager = new PartitionManager(new Connections(configOptions.load(spec)));
      QualifiedName parent = ConfigOptions.tableName(table);
      PartitionManager.CreatePlan plan =
          manager.planCreate(
              parent,
              from,
              to,
              Optional.ofNullable(name).map(n -> MoveCommands.partitionName(parent, n)));
      if (!dryRun.enabled) {
        manager.create(plan);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json.enabled) {
        Json.print(
            spec,
            new Document(
                !dryRun.enabled,
                plan.name().display(),
                plan.bounds().toString(),
                plan.statements().stream().map(SqlStatement::render).toList()));
      } else if (dryRun.enabled) {
        out.println("-- dry run: nothing was executed");
        out.println(SqlStatement.renderAll(plan.statements()));
      } else {
        out.println("created " + plan.name().display() + " " + plan.bounds() + " (local)");
      }
      return 0;
    }
  }
}
