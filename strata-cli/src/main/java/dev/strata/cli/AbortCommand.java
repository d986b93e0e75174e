package dev.strata.cli;

import dev.strata.operation.Operation;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
    name = "abort",
    description = {
      "Roll back an unfinished operation that has not swapped yet.",
      "Removes the freeze and the tables the operation created (on the server and the"
          + " coordinator), never anything it does not own; the partition is left as it was."
    })
final class AbortCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(paramLabel = "OP", description = "Operation id (see `strata operations`).")
  long operationId;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** {@code abort --json}: docs/json.md#abort. */
  record Document(MoveCommands.OperationDocument operation) {}

  @Override
  public Integer call() {
    if (dryRun.enabled) {
      DryRuns.print(
          spec,
          json.enabled,
          "abort operation " + operationId,
          MoveCommands.mover(configOptions, spec, true).planAbort(operationId),
          false);
      return 0;
    }
    Operation operation = MoveCommands.mover(configOptions, spec, true).abort(operationId);
    if (json.enabled) {
      Json.print(spec, new Document(MoveCommands.OperationDocument.of(operation)));
    } else {
      spec.commandLine()
          .getOut()
          .println(
              "operation "
                  + operation.id()
                  + " ("
                  + operation.kind().label()
                  + " of "
                  + operation.partition().display()
                  + "): "
                  + operation.state().label());
    }
    return 0;
  }
}
