package dev.strata.cli;

import dev.strata.connect.Connections;
import dev.strata.operation.MoveResult;
import dev.strata.operation.Operation;
import dev.strata.operation.PartitionMover;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Rendering shared by the commands that run moves. */
public final class MoveCommands {
  private MoveCommands() {}

  static PartitionMover mover(
      ConfigOptions configOptions, picocli.CommandLine.Model.CommandSpec spec, boolean quiet) {
    return new PartitionMover(
        new Connections(configOptions.load(spec)),
        new ProgressPrinter(spec.commandLine().getErr(), !quiet));
  }

  /** A partition name, qualified with the table's schema when the user gave a bare name. */
  static QualifiedName partitionName(QualifiedName table, String text) {
    return ConfigOptions.tableName(text, table.schema());
  }

  public static void print(PrintWriter out, MoveResult result, boolean json) {
    if (json) {
      Json.print(out, document(result));
      return;
    }
    if (result.nothingToDo().isPresent()) {
      out.println(result.nothingToDo().get());
      return;
    }
    Operation operation = result.operation();
    String verb = operation.kind().label() + " of " + operation.partition().display();
    switch (operation.state()) {
      case DONE ->
          out.println(
              verb + " to " + target(operation) + ": done (operation " + operation.id() + ")");
      case SWAPPED ->
          out.println(
              verb
                  + ": swapped (operation "
                  + operation.id()
                  + "); the old copy is kept until "
                  + operation.dropAfter().map(Object::toString).orElse("the next run"));
      default ->
          out.println(
              verb + ": " + operation.state().label() + " (operation " + operation.id() + ")");
    }
    boolean shard =
        operation.kind() == dev.strata.operation.OperationKind.SHARD_MOVE
            || operation.kind() == dev.strata.operation.OperationKind.SHARD_SPLIT;
    if (shard && !result.total().isZero()) {
      out.printf(
          Locale.ROOT,
          "  copy %s; cut-over %s (writes to the shard waited at most this long); swap %s; total"
              + " %s%n",
          seconds(result.copy()),
          seconds(result.verify()),
          seconds(result.swap()),
          seconds(result.total()));
    } else if (result.rowsCopied() > 0) {
      out.printf(
          Locale.ROOT,
          "  %,d rows, %.1f MB copied in %s (%,.0f rows/s); indexes %s; verify %s; swap %s (%d attempt%s); total %s%n",
          result.rowsCopied(),
          result.bytesCopied() / 1048576.0,
          seconds(result.copy()),
          result.rowsCopied() / Math.max(1e-3, result.copy().toNanos() / 1e9),
          seconds(result.indexes()),
          seconds(result.verify()),
          seconds(result.swap()),
          result.swapAttempts(),
          result.swapAttempts() == 1 ? "" : "s",
          seconds(result.total()));
    }
    operation
        .sourceRows()
        .ifPresent(
            rows ->
                out.println(
                    "  verified: "
                        + rows
                        + " rows, checksum "
                        + operation.sourceChecksum().orElse("?")));
  }

  private static String target(Operation operation) {
    return switch (operation.kind()) {
      case ARCHIVE -> "server " + operation.server();
      case RESTORE -> "the coordinator";
      case RETIRE -> "retirement";
      case MOVE, SHARD_MOVE, SHARD_SPLIT -> "server " + operation.server();
    };
  }

  static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.2f s", duration.toNanos() / 1e9);
  }

  static Map<String, Object> document(MoveResult result) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("nothing_to_do", result.nothingToDo().orElse(null));
    document.put(
        "operation", result.lastOperation().map(MoveCommands::operationDocument).orElse(null));
    document.put("rows_copied", result.rowsCopied());
    document.put("bytes_copied", result.bytesCopied());
    document.put("copy_seconds", result.copy().toNanos() / 1e9);
    document.put("index_seconds", result.indexes().toNanos() / 1e9);
    document.put("verify_seconds", result.verify().toNanos() / 1e9);
    document.put("swap_seconds", result.swap().toNanos() / 1e9);
    document.put("swap_attempts", result.swapAttempts());
    document.put("total_seconds", result.total().toNanos() / 1e9);
    return document;
  }

  static Map<String, Object> operationDocument(Operation operation) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("id", operation.id());
    document.put("kind", operation.kind().label());
    document.put("table", operation.parent().display());
    document.put("partition", operation.partition().display());
    document.put("bound", operation.bound());
    document.put("server", operation.server());
    document.put("remote_table", operation.remoteTable().display());
    document.put("state", operation.state().label());
    document.put(
        "rows", operation.sourceRows().isPresent() ? operation.sourceRows().getAsLong() : null);
    document.put("checksum", operation.sourceChecksum().orElse(null));
    document.put("drop_after", operation.dropAfter().map(Object::toString).orElse(null));
    document.put("last_error", operation.lastError().orElse(null));
    document.put("created_at", operation.createdAt().toString());
    document.put("updated_at", operation.updatedAt().toString());
    return document;
  }

  /** {@code --jobs}: 1 to 64 parallel copy streams, else a usage error (exit 2). */
  static void requireJobs(picocli.CommandLine.Model.CommandSpec spec, int jobs) {
    if (jobs < 1 || jobs > 64) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--jobs must be between 1 and 64");
    }
  }
}
