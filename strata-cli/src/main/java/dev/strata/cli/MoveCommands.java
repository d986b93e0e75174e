package dev.strata.cli;

import dev.strata.connect.Connections;
import dev.strata.operation.MoveResult;
import dev.strata.operation.Operation;
import dev.strata.operation.PartitionMover;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

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

  /** The result as text, or with {@code --json} as a {@link MoveDocument}. */
  static void print(picocli.CommandLine.Model.CommandSpec spec, MoveResult result, boolean json) {
    if (json) {
      Json.print(spec, MoveDocument.of(result));
    } else {
      print(spec.commandLine().getOut(), result);
    }
  }

  /** The result as text (the demo's tours print it too). */
  public static void print(PrintWriter out, MoveResult result) {
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

  /**
   * What {@code archive}, {@code restore}, {@code move}, {@code shard split} print with {@code
   * --json} (docs/json.md#archive), and one item of {@code drain} and {@code resume}.
   *
   * @param nothingToDo why nothing was done (already done before), or null
   * @param operation the journaled operation as it stands at the end, or null
   */
  record MoveDocument(
      Optional<String> nothingToDo,
      Optional<OperationDocument> operation,
      long rowsCopied,
      long bytesCopied,
      long copyMs,
      long indexMs,
      long verifyMs,
      long swapMs,
      int swapAttempts,
      long totalMs) {
    static MoveDocument of(MoveResult result) {
      return new MoveDocument(
          result.nothingToDo(),
          result.lastOperation().map(OperationDocument::of),
          result.rowsCopied(),
          result.bytesCopied(),
          result.copy().toMillis(),
          result.indexes().toMillis(),
          result.verify().toMillis(),
          result.swap().toMillis(),
          result.swapAttempts(),
          result.total().toMillis());
    }
  }

  /**
   * One journaled operation (docs/json.md#operations).
   *
   * @param rows rows verified at the source, once counted
   * @param dropAfter when the old copy may be dropped, once swapped
   */
  record OperationDocument(
      long id,
      String kind,
      String table,
      String partition,
      String bound,
      String server,
      String remoteTable,
      String state,
      OptionalLong rows,
      Optional<String> checksum,
      Optional<Instant> dropAfter,
      Optional<String> lastError,
      Instant createdAt,
      Instant updatedAt) {
    static OperationDocument of(Operation operation) {
      return new OperationDocument(
          operation.id(),
          operation.kind().label(),
          operation.parent().display(),
          operation.partition().display(),
          operation.bound(),
          operation.server(),
          operation.remoteTable().display(),
          operation.state().label(),
          operation.sourceRows(),
          operation.sourceChecksum(),
          operation.dropAfter().map(OffsetDateTime::toInstant),
          operation.lastError(),
          operation.createdAt().toInstant(),
          operation.updatedAt().toInstant());
    }
  }

  /** {@code --jobs}: 1 to 64 parallel copy streams, else a usage error (exit 2). */
  static void requireJobs(picocli.CommandLine.Model.CommandSpec spec, int jobs) {
    if (jobs < 1 || jobs > 64) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--jobs must be between 1 and 64");
    }
  }
}
