package dev.strata.config;

import java.util.Map;
import java.util.Optional;

/**
 * Where each effective setting came from, by key path ({@code
 * servers.archive_2024.fdw.fetch_size}): {@code default}, {@code strata.yaml:12} (the file as
 * named, and the line), {@code env STRATA_...}, {@code flag --set}, or for a value Strata takes
 * from another setting, {@code from servers.archive_2024.url (strata.yaml:4)}.
 */
public record Origins(Map<String, String> byKeyPath) {
  public Origins {
    byKeyPath = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(byKeyPath));
  }

  public Optional<String> of(String keyPath) {
    return Optional.ofNullable(byKeyPath.get(keyPath));
  }
}
