package dev.strata.cli;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.Exports;
import dev.strata.sql.QualifiedName;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "import",
    description = {
      "Bring back a partition that was exported before it was retired.",
      "Checks the data file's sha256 against its manifest, creates the partition with its original"
          + " bounds, loads the rows, and commits only if the row count and checksum match the"
          + " manifest.",
      "",
      "Example: strata import exports/public.emp_2023.op7.manifest.json"
    })
final class ImportCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(paramLabel = "FILE", description = "The export's .manifest.json (or its .copy.gz).")
  Path file;

  @Option(
      names = "--into",
      paramLabel = "TABLE",
      description = "Partitioned table to import into (default: the one it came from).")
  String into;

  @Option(
      names = "--name",
      paramLabel = "PARTITION",
      description = "Name of the new partition (default: its original name).")
  String name;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** {@code import --json}: docs/json.md#import. The checksum is decimal text. */
  record Document(String partition, long rows, String checksum) {}

  @Override
  public Integer call() {
    // The names given are checked before the configuration, the files or a server are read.
    Optional<QualifiedName> table = Optional.ofNullable(into).map(ConfigOptions::tableName);
    if (name != null) {
      try {
        QualifiedName.parse(name, "public");
      } catch (IllegalArgumentException e) {
        throw new StrataException(
            ErrorCode.USAGE,
            "--name: " + e.getMessage(),
            "write NAME or SCHEMA.NAME; use double quotes for names with capitals or special"
                + " characters");
      }
    }
    Exports.ImportResult result;
    try (Database coordinator =
        new Database(
            Connections.COORDINATOR, new Connections(configOptions.load(spec)).coordinator())) {
      if (dryRun.enabled) {
        Exports.ImportPlan plan =
            Exports.planImport(coordinator, file, table, Optional.ofNullable(name));
        if (json.enabled) {
          Json.print(
              spec,
              new DryRuns.Document(
                  true,
                  java.util.List.of(
                      new DryRuns.Plan(
                          "import "
                              + plan.partition().display()
                              + " into "
                              + plan.table().display(),
                          Optional.empty(),
                          java.util.List.of(
                              new DryRuns.Step(
                                  "on coordinator", java.util.List.copyOf(plan.statements())))))));
          return 0;
        }
        java.io.PrintWriter out = spec.commandLine().getOut();
        out.println(
            "-- import "
                + plan.partition().display()
                + " into "
                + plan.table().display()
                + ": checks passed (manifest, data file sha256, columns, name free); dry run,"
                + " nothing was executed");
        out.println("-- on coordinator");
        plan.statements().forEach(out::println);
        return 0;
      }
      result = Exports.importFile(coordinator, file, table, Optional.ofNullable(name));
    }
    if (json.enabled) {
      Json.print(
          spec, new Document(result.partition().display(), result.rows(), result.checksum()));
    } else {
      spec.commandLine()
          .getOut()
          .println(
              "imported "
                  + result.partition().display()
                  + ": "
                  + result.rows()
                  + " rows, checksum "
                  + result.checksum()
                  + " (matches the manifest)");
    }
    return 0;
  }
}
