package dev.strata.shard;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.Column;
import dev.strata.connect.Database;

/**
 * A list shard's value from the config, cast to the key column's type by the coordinator with the
 * value bound: what PostgreSQL accepts is what Strata accepts, and the normalised text is what goes
 * into the DDL.
 */
final class ListValues {
  private ListValues() {}

  static String normalise(Database coordinator, Column key, String value) {
    try {
      // The type text comes from format_type() in the catalog, never from the user.
      return coordinator
          .queryOne("SELECT CAST(? AS " + key.type() + ")::text", row -> row.getString(1), value)
          .orElseThrow();
    } catch (StrataException e) {
      throw new StrataException(
          ErrorCode.CONFIG,
          "shard_by.lists value '"
              + value
              + "' is not a valid "
              + key.type()
              + " for shard key column "
              + key.name()
              + ": "
              + e.getMessage().replaceFirst("^on server \\S+: ", ""),
          "write the value as PostgreSQL would accept it for that column");
    }
  }
}
