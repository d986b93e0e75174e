package dev.strata.operation;

import dev.strata.catalog.Column;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.verify.Fingerprint;
import dev.strata.verify.Fingerprints;
import java.util.List;
import java.util.Optional;

/**
 * Re-checks a partition's rows where they live against what the operation that put them there
 * recorded: the count, and the checksum hashed the way it was recorded. {@code strata verify} and
 * {@code strata doctor --deep} both ask it, so they cannot disagree.
 */
public final class Verifier {
  private Verifier() {}

  /**
   * What the operation recorded and what the table holds now.
   *
   * @param recorded the operation's count and checksum (empty when it recorded none)
   * @param now the table's fingerprint, in the recorded form
   */
  public record Check(Optional<Fingerprint> recorded, Fingerprint now) {
    /** The same rows as recorded, and none outside the bounds. */
    public boolean holds() {
      return recorded.map(r -> now.sameRowsAs(r)).orElse(false) && now.outOfRange() == 0;
    }
  }

  /**
   * Fingerprints {@code table} on {@code server} and sets it against {@code operation}'s record.
   */
  public static Check check(
      Database server,
      QualifiedName table,
      List<Column> columns,
      RangeBounds bounds,
      Operation operation) {
    Fingerprint now =
        operation
            .checksumForm()
            .map(
                form ->
                    Fingerprints.of(
                        server,
                        table,
                        columns,
                        Fingerprints.Form.ofLabel(form),
                        bounds.outsideCondition(),
                        bounds.parameters()))
            .orElseGet(
                () ->
                    Fingerprints.of(
                        server, table, columns, bounds.outsideCondition(), bounds.parameters()));
    Optional<Fingerprint> recorded =
        operation.sourceChecksum().isPresent() && operation.sourceRows().isPresent()
            ? Optional.of(
                new Fingerprint(
                    operation.sourceRows().getAsLong(),
                    Fingerprints.parseChecksum(operation.sourceChecksum().get()),
                    0))
            : Optional.empty();
    return new Check(recorded, now);
  }
}
