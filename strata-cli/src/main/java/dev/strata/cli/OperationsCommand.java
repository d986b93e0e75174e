package dev.strata.cli;

import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.Journal;
import dev.strata.operation.Operation;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "operations",
    description = {
      "List the journal of moves (strata.operation on the coordinator): id, kind, partition,"
          + " server, state, rows, last error.",
      "Unfinished ones can be finished with `strata resume [ID]` or rolled back with `strata abort ID`."
    })
final class OperationsCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin JsonOption json;

  @Option(
      names = "--all",
      description = "Include finished and aborted operations (default: only the last 20 of them).")
  boolean all;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** {@code operations --json}: docs/json.md#operations. */
  record Document(List<MoveCommands.OperationDocument> operations) {}

  @Override
  public Integer call() {
    List<Operation> operations;
    try (Database coordinator =
        new Database(
            Connections.COORDINATOR, new Connections(configOptions.load(spec)).coordinator())) {
      operations = new Journal(coordinator).all();
    }
    if (!all) {
      List<Operation> finished = operations.stream().filter(op -> op.state().isTerminal()).toList();
      List<Operation> recent = finished.subList(Math.max(0, finished.size() - 20), finished.size());
      operations =
          operations.stream()
              .filter(op -> !op.state().isTerminal() || recent.contains(op))
              .toList();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json.enabled) {
      Json.print(
          spec, new Document(operations.stream().map(MoveCommands.OperationDocument::of).toList()));
      return 0;
    }
    if (operations.isEmpty()) {
      out.println("No operations in the journal.");
      return 0;
    }
    TextTable table =
        new TextTable("id", "kind", "partition", "server", "state", "rows", "updated", "last error")
            .alignRight(0, 5);
    for (Operation operation : operations) {
      table.row(
          operation.id(),
          operation.kind().label(),
          operation.partition().display(),
          operation.server(),
          operation.state().label(),
          operation.sourceRows().isPresent() ? operation.sourceRows().getAsLong() : "",
          operation.updatedAt().withNano(0).toString(),
          operation
              .lastError()
              .map(e -> e.length() > 80 ? e.substring(0, 77) + "..." : e)
              .orElse(""));
    }
    table.print(out);
    return 0;
  }
}
