package dev.strata.cli;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.adopt.AdoptProgress;
import dev.strata.adopt.AdoptRequest;
import dev.strata.adopt.AdoptResult;
import dev.strata.adopt.KeyMode;
import dev.strata.adopt.TableAdopter;
import dev.strata.connect.Connections;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "adopt",
    description = {
      "Turn a plain table into a range-partitioned table of the same name, online.",
      "Applications keep writing while it runs: a new partitioned table is created beside it,"
          + " rows are copied in key-ordered batches (journaled, resumable), changes made"
          + " meanwhile are captured by triggers (also in sessions with"
          + " session_replication_role = replica) and replayed, both tables are verified (count"
          + " and checksum in one snapshot), and the name changes hands in one short transaction"
          + " (lock_timeout, retried). Columns, defaults, identity/serial sequences, CHECKs,"
          + " comments, grants, indexes, views and foreign keys are carried over. The original is"
          + " kept as TABLE_strata_old until --drop-old.",
      "",
      "--keys is required when the table has a primary key or unique constraint:",
      "  include-partition-key: each key gets the partition column (PRIMARY KEY (id) becomes"
          + " (id, COLUMN)), as PostgreSQL requires. Gives up: uniqueness of id alone across"
          + " partitions (unless COLUMN is the key itself), and archiving (a table with a key"
          + " cannot have foreign partitions).",
      "  per-partition: a unique index in each partition, no key on the table. Gives up:"
          + " uniqueness across partitions (the same id may be in two), foreign keys that"
          + " reference the table, ON CONFLICT on the table. What archiving requires.",
      "Foreign keys of other tables that reference it are kept when the new table has the same"
          + " unique key (partition by the key column with include-partition-key); otherwise the"
          + " command refuses, or drops them with --drop-referencing-foreign-keys.",
      "",
      "Interrupted, the same command resumes; `strata adopt TABLE --abort` undoes it before the"
          + " swap.",
      "",
      "Examples:",
      "  strata adopt public.orders --by id --interval 1000000 --keys include-partition-key",
      "  strata adopt public.events --by created_at --interval '1 month' --keys per-partition"
    })
final class AdoptCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(index = "0", paramLabel = "TABLE", description = "The plain table to partition.")
  String table;

  @Option(
      names = "--by",
      paramLabel = "COLUMN",
      description = "Partition column: date, timestamp, timestamptz, smallint, integer or bigint.")
  String column;

  @Option(
      names = "--interval",
      paramLabel = "I",
      description =
          "Width of each partition: a calendar interval ('1 month') for a time column, a number"
              + " of key values (1000000) for an integer column.")
  String interval;

  @Option(
      names = "--keys",
      paramLabel = "MODE",
      description = "include-partition-key or per-partition (see above).")
  String keys;

  @Option(
      names = "--batch-rows",
      paramLabel = "N",
      defaultValue = "50000",
      description = "Rows per copy batch (one transaction each). Default: ${DEFAULT-VALUE}.")
  int batchRows;

  @Option(
      names = "--drop-referencing-foreign-keys",
      description =
          "Drop, in the swap, foreign keys of other tables that point at this one and cannot be"
              + " kept; their definitions are printed and journaled.")
  boolean dropReferencingForeignKeys;

  @Option(
      names = "--drop-old",
      description =
          "Drop the original table (TABLE_strata_old) once adopted; alone, after an adoption"
              + " finished, drops it then.")
  boolean dropOld;

  @Option(
      names = "--abort",
      description = "Undo an unfinished adoption before its swap: the original is left as it was.")
  boolean abort;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress output.")
  boolean quiet;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    QualifiedName name = ConfigOptions.tableName(table);
    PrintWriter out = spec.commandLine().getOut();
    if (abort) {
      TableAdopter adopter = adopter(true);
      if (dryRun.enabled) {
        List<String> lines = adopter.planAbort(name);
        if (json.enabled) {
          String title = "abort the adoption of " + name.display();
          Json.print(
              spec,
              new DryRuns.Document(
                  true,
                  List.of(
                      new DryRuns.Plan(
                          title, Optional.empty(), List.of(new DryRuns.Step(title, lines))))));
          return 0;
        }
        out.println(
            "-- abort the adoption of " + name.display() + ": dry run, nothing was executed");
        lines.forEach(out::println);
        return 0;
      }
      AdoptResult result = adopter.abort(name);
      if (json.enabled) {
        Json.print(spec, Document.of(result));
      } else {
        out.println(
            "adoption "
                + result.adoptionId()
                + " of "
                + name.display()
                + ": aborted; the table is as it was");
      }
      return 0;
    }
    if (dropOld && column == null && interval == null) {
      if (json.enabled) {
        throw new StrataException(
            ErrorCode.USAGE,
            "--json is not available with --drop-old alone: it drops one table and prints one line",
            "run it without --json; `strata adopt "
                + name.display()
                + " --drop-old --dry-run` prints the statement");
      }
      Optional<QualifiedName> old = adopter(true).dropOld(name, dryRun.enabled);
      if (old.isEmpty()) {
        out.println("the original of " + name.display() + " is already dropped; nothing to do");
      } else if (dryRun.enabled) {
        out.println(
            "-- drop the original of " + name.display() + ": dry run, nothing was executed");
        out.println(TableAdopter.dropOldStatement(name).render());
      } else {
        out.println("dropped " + old.get().display() + ", the original of " + name.display());
      }
      return 0;
    }
    if (column == null || interval == null) {
      throw new StrataException(
          ErrorCode.USAGE,
          "strata adopt needs --by COLUMN and --interval I",
          "e.g. strata adopt "
              + name.display()
              + " --by created_at --interval '1 month' --keys"
              + " per-partition");
    }
    if (batchRows < 1) {
      throw new StrataException(ErrorCode.USAGE, "--batch-rows must be at least 1", null);
    }
    Optional<KeyMode> mode = Optional.empty();
    if (keys != null) {
      mode = KeyMode.ofLabel(keys);
      if (mode.isEmpty()) {
        throw new StrataException(
            ErrorCode.USAGE,
            "--keys " + keys + " is not a key mode",
            "use --keys include-partition-key or --keys per-partition (see strata adopt --help)");
      }
    }
    AdoptRequest request =
        new AdoptRequest(
            name, column, interval, mode, batchRows, dropReferencingForeignKeys, dropOld);
    if (dryRun.enabled) {
      List<TableAdopter.PlannedStep> steps = adopter(true).plan(request);
      if (json.enabled) {
        Json.print(
            spec,
            new DryRuns.Document(
                true,
                List.of(
                    new DryRuns.Plan(
                        "adopt " + name.display(),
                        Optional.empty(),
                        steps.stream()
                            .map(step -> new DryRuns.Step(step.title(), step.lines()))
                            .toList()))));
        return 0;
      }
      out.println("-- adopt " + name.display() + ": checks passed; dry run, nothing was executed");
      out.println("-- these are the statements the command runs, in order");
      for (TableAdopter.PlannedStep step : steps) {
        out.println();
        out.println("-- " + step.title());
        step.lines().forEach(out::println);
      }
      return 0;
    }
    AdoptResult result = adopter(quiet || json.enabled).adopt(request);
    if (json.enabled) {
      Json.print(spec, Document.of(result));
      return 0;
    }
    print(out, result);
    return 0;
  }

  private TableAdopter adopter(boolean silent) {
    ProgressPrinter printer = new ProgressPrinter(spec.commandLine().getErr(), !silent);
    AdoptProgress progress =
        new AdoptProgress() {
          @Override
          public void step(long adoptionId, String description) {
            printer.step("adoption " + adoptionId + ": " + description);
          }

          @Override
          public void copied(long rowsSoFar, long expectedRows) {
            // Rows are copied inside the server: no bytes pass through Strata to count.
            printer.copied(rowsSoFar, -1, expectedRows);
          }
        };
    return new TableAdopter(new Connections(configOptions.load(spec)), progress);
  }

  private static void print(PrintWriter out, AdoptResult result) {
    if (result.nothingToDo().isPresent()) {
      out.println(result.nothingToDo().get());
      printTablesEntry(out, result);
      return;
    }
    out.println(
        "adoption "
            + result.adoptionId()
            + " of "
            + result.table().display()
            + ": "
            + result.state().label());
    if (!result.partitions().isEmpty()) {
      out.println("  partitions: " + String.join("; ", result.partitions()));
    }
    out.printf(
        Locale.ROOT,
        "  %,d rows copied in %s (%,.0f rows/s); %,d changes replayed; swap %d ms (%d attempt%s);"
            + " total %s%n",
        result.rowsCopied(),
        MoveCommands.seconds(result.copy()),
        result.rowsCopied() / Math.max(1e-3, result.copy().toNanos() / 1e9),
        result.rowsReplayed(),
        result.swapMillis(),
        result.swapAttempts(),
        result.swapAttempts() == 1 ? "" : "s",
        MoveCommands.seconds(result.total()));
    result
        .verifiedRows()
        .ifPresent(
            rows ->
                out.println(
                    "  verified: "
                        + rows
                        + " rows, checksum "
                        + result.verifiedChecksum().map(BigDecimal::toPlainString).orElse("?")));
    for (String key : result.droppedForeignKeys()) {
      out.println("  dropped foreign key " + key);
    }
    result
        .oldTable()
        .ifPresent(
            old ->
                out.println(
                    "  the original is kept as "
                        + old.display()
                        + "; drop it with `strata adopt "
                        + result.table().display()
                        + " --drop-old` once satisfied"));
    printTablesEntry(out, result);
  }

  private static void printTablesEntry(PrintWriter out, AdoptResult result) {
    if (result.tablesEntry().isEmpty()) {
      out.println(
          "  partitioned by an integer key: Strata's policies follow the clock, so create later"
              + " partitions with `strata partition create` (rows beyond the last range go to the"
              + " default partition meanwhile)");
      return;
    }
    out.println("  to keep its partitions by policy, add to strata.yaml:");
    for (String line : result.tablesEntry().split("\n")) {
      out.println("    " + line);
    }
  }

  /** {@code adopt --json} (and {@code --abort --json}): docs/json.md#adopt. */
  record Document(
      long adoptionId,
      String table,
      String state,
      Optional<String> nothingToDo,
      long rowsCopied,
      long rowsReplayed,
      long copyMs,
      long totalMs,
      Optional<Long> verifiedRows,
      Optional<String> verifiedChecksum,
      int swapAttempts,
      long swapMs,
      List<String> partitions,
      List<String> droppedForeignKeys,
      Optional<String> oldTable,
      Optional<String> tablesEntry) {
    static Document of(AdoptResult result) {
      return new Document(
          result.adoptionId(),
          result.table().display(),
          result.state().label(),
          result.nothingToDo(),
          result.rowsCopied(),
          result.rowsReplayed(),
          result.copy().toMillis(),
          result.total().toMillis(),
          result.verifiedRows(),
          result.verifiedChecksum().map(BigDecimal::toPlainString),
          result.swapAttempts(),
          result.swapMillis(),
          result.partitions(),
          result.droppedForeignKeys(),
          result.oldTable().map(QualifiedName::display),
          Optional.of(result.tablesEntry()).filter(entry -> !entry.isEmpty()));
    }
  }
}
