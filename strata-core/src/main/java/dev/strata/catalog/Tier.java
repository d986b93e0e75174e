package dev.strata.catalog;

import java.util.Map;

/** Where a partition's rows live: on the coordinator, or on a foreign server. */
public sealed interface Tier {
  /** {@code local} or the foreign server's name. */
  String label();

  record Local() implements Tier {
    @Override
    public String label() {
      return "local";
    }
  }

  /**
   * A postgres_fdw foreign table.
   *
   * @param server the foreign server
   * @param remoteSchema {@code schema_name} option, or the local schema when unset (postgres_fdw's
   *     default)
   * @param remoteTable {@code table_name} option, or the local name when unset
   * @param options every option of the foreign table
   */
  record Foreign(
      String server, String remoteSchema, String remoteTable, Map<String, String> options)
      implements Tier {
    public Foreign {
      options = Map.copyOf(options);
    }

    @Override
    public String label() {
      return server;
    }

    public boolean updatable() {
      return !"false".equalsIgnoreCase(options.getOrDefault("updatable", "true"));
    }
  }
}
