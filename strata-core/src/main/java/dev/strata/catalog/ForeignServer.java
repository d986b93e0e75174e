package dev.strata.catalog;

import java.util.Map;

/**
 * A foreign server on the coordinator.
 *
 * @param name server name
 * @param wrapper its foreign-data wrapper (Strata manages only {@code postgres_fdw} ones)
 * @param options its options as stored
 */
public record ForeignServer(String name, String wrapper, Map<String, String> options) {
  public ForeignServer {
    options = Map.copyOf(options);
  }
}
