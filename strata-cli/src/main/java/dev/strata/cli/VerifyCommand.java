package dev.strata.cli;

import dev.strata.operation.PartitionMover;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
    name = "verify",
    description = {
      "Re-check archived partitions against the checksum recorded when they were archived.",
      "Counts and hashes the rows on each server (with the same session settings as the archive)."
          + " Exit 1 when any partition differs."
    })
final class VerifyCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin JsonOption json;

  @Parameters(index = "0", paramLabel = "TABLE", description = "The partitioned table.")
  String table;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "PARTITION",
      description = "Only this partition.")
  String partition;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /**
   * {@code verify --json}: docs/json.md#verify.
   *
   * @param recorded what was recorded when it was archived, or null when nothing was
   * @param found what its server holds now, or null when it could not be read
   */
  record Document(List<Outcome> partitions) {
    static Document of(List<PartitionMover.VerifyOutcome> outcomes) {
      return new Document(
          outcomes.stream()
              .map(
                  o ->
                      new Outcome(
                          o.partition(),
                          o.server(),
                          o.recorded().map(Fingerprint::of),
                          o.found().map(Fingerprint::of),
                          o.verdict(),
                          o.ok()))
              .toList());
    }
  }

  record Outcome(
      String partition,
      String server,
      Optional<Fingerprint> recorded,
      Optional<Fingerprint> found,
      String verdict,
      boolean ok) {}

  /** The checksum as a string: a numeric sum that exceeds what a JSON number keeps exactly. */
  record Fingerprint(long rows, String checksum, long outOfRange) {
    static Fingerprint of(dev.strata.verify.Fingerprint fingerprint) {
      return new Fingerprint(
          fingerprint.rows(), fingerprint.checksum().toPlainString(), fingerprint.outOfRange());
    }
  }

  @Override
  public Integer call() {
    QualifiedName parent = ConfigOptions.tableName(table);
    List<PartitionMover.VerifyOutcome> outcomes =
        MoveCommands.mover(configOptions, spec, true)
            .verify(
                parent,
                Optional.ofNullable(partition).map(p -> MoveCommands.partitionName(parent, p)));
    PrintWriter out = spec.commandLine().getOut();
    if (json.enabled) {
      Json.print(spec, Document.of(outcomes));
    } else {
      TextTable rows = new TextTable("partition", "server", "recorded", "found", "verdict");
      for (var outcome : outcomes) {
        rows.row(
            outcome.partition(),
            outcome.server(),
            outcome.recorded().map(Object::toString).orElse(""),
            outcome.found().map(Object::toString).orElse(""),
            outcome.verdict());
      }
      rows.print(out);
    }
    boolean mismatch = outcomes.stream().anyMatch(o -> o.found().isPresent() && !o.ok());
    return mismatch ? 1 : 0;
  }
}
