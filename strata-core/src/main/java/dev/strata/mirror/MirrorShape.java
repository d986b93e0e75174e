package dev.strata.mirror;

import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.config.MirrorConfig;
import dev.strata.connect.Database;
import java.util.List;
import java.util.Optional;

/** What doctor compares between a mirror on the coordinator and its source. */
public final class MirrorShape {
  /**
   * @param changed how the source's columns differ from the mirror's; empty when they match
   * @param matviewWithoutUniqueIndex a matview that can only be refreshed plainly
   */
  public record Finding(Optional<String> changed, boolean matviewWithoutUniqueIndex) {}

  private MirrorShape() {}

  /** Empty when the mirror has not been created yet. */
  public static Optional<Finding> check(Database coordinator, Mirrors.Resolved resolved) {
    CatalogReader catalog = new CatalogReader(coordinator);
    Optional<List<Column>> proxy = catalog.tableColumns(resolved.mirror().proxy());
    if (proxy.isEmpty() || catalog.findRelation(resolved.mirror().name()).isEmpty()) {
      return Optional.empty();
    }
    SchemaChange change = SchemaChange.between(proxy.get(), resolved.columns());
    boolean withoutUnique =
        resolved.mirror().mode() == MirrorConfig.Mode.MATVIEW
            && !coordinator
                .queryOne(
                    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index WHERE indrelid ="
                        + " ?::regclass AND indisunique AND indpred IS NULL AND indexprs IS NULL)",
                    row -> row.getBoolean(1),
                    resolved.mirror().name().quoted())
                .orElse(false);
    return Optional.of(
        new Finding(
            change.isEmpty() ? Optional.empty() : Optional.of(change.describe()), withoutUnique));
  }
}
