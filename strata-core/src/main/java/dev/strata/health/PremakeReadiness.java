package dev.strata.health;

import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.PartitionedTable;
import dev.strata.config.StrataConfig;
import dev.strata.config.TableConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How far ahead each table with a time key has partitions: the periods, starting with the one
 * containing the clock, that have partitions one after another, against the {@code premake + 1} the
 * policy keeps. The same periods and the same comparison as doctor's {@code layout.premake}.
 */
public final class PremakeReadiness {
  /**
   * @param ready periods in a row with partitions, from the current one
   * @param wanted the current period and {@code premake} more
   */
  public record Readiness(int ready, int wanted) {}

  private static final List<String> TIME_TYPES =
      List.of("date", "timestamp without time zone", "timestamp with time zone");

  private PremakeReadiness() {}

  /** Per configured table (by display name); tables missing or without a time key are left out. */
  public static Map<String, Readiness> read(
      StrataConfig config, Database coordinator, LocalDateTime now) {
    CatalogReader catalog = new CatalogReader(coordinator);
    Map<String, Readiness> readiness = new LinkedHashMap<>();
    for (TableConfig table : config.tables().values()) {
      if (table.partitionBy().isEmpty()) {
        continue;
      }
      if (catalog.findRelation(table.name()).isEmpty()) {
        continue;
      }
      PartitionedTable parent = catalog.partitionedTable(table.name());
      Optional<Column> key = parent.column(table.range().column());
      if (key.isEmpty()
          || !parent.keyColumns().equals(List.of(table.range().column()))
          || !TIME_TYPES.contains(key.get().type())) {
        continue;
      }
      int wanted = table.premake() + 1;
      boolean[] covered =
          CoordinatorChecks.coverage(
              catalog,
              parent,
              key.get(),
              CoordinatorChecks.periods(now, table.range().interval(), wanted));
      int ready = 0;
      while (ready < covered.length && covered[ready]) {
        ready++;
      }
      readiness.put(table.name().display(), new Readiness(ready, wanted));
    }
    return readiness;
  }

  /** Reads with a session of its own. */
  public static Map<String, Readiness> read(Connections connections, LocalDateTime now) {
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      return read(connections.config(), coordinator, now);
    }
  }
}
