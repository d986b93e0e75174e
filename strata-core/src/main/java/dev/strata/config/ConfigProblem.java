package dev.strata.config;

import java.util.Objects;
import java.util.Optional;

/**
 * One thing wrong with the configuration, found while loading it. The loader collects every problem
 * before failing, so a user fixes them all in one pass (see {@link ConfigException}).
 *
 * @param keyPath the setting, as a dotted path ({@code servers.archive_2024.fdw.fetch_size}); empty
 *     for problems with the file as a whole (not found, not YAML)
 * @param location where the value was written: {@code strata.yaml:12}, {@code env STRATA_...},
 *     {@code flag --set}, or the file name alone
 * @param message what is wrong and what to write instead; never contains a secret
 * @param suggestion the key or name the user probably meant, for unknown keys and names
 */
public record ConfigProblem(
    String keyPath, String location, String message, Optional<String> suggestion) {
  public ConfigProblem {
    Objects.requireNonNull(keyPath, "keyPath");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(suggestion, "suggestion");
  }

  public static ConfigProblem of(String keyPath, String location, String message) {
    return new ConfigProblem(keyPath, location, message, Optional.empty());
  }

  /**
   * {@code KEY.PATH (LOCATION): message — did you mean "x"?}, or {@code LOCATION: message} for a
   * problem with the file as a whole.
   */
  public String describe() {
    String where = keyPath.isEmpty() ? location : keyPath + " (" + location + ")";
    String didYouMean = suggestion.map(name -> " — did you mean \"" + name + "\"?").orElse("");
    return where + ": " + message + didYouMean;
  }

  @Override
  public String toString() {
    return describe();
  }
}
