package dev.strata.catalog;

import java.util.Map;

/**
 * A user mapping on the coordinator. Its password is never read: {@link #options()} holds every
 * option except {@code password}, and {@link #hasPassword()} says whether one is set.
 *
 * @param server the foreign server
 * @param localUser the coordinator role, or {@code PUBLIC}
 * @param options options other than the password
 * @param hasPassword whether a password option is set
 */
public record UserMapping(
    String server, String localUser, Map<String, String> options, boolean hasPassword) {
  public UserMapping {
    options = Map.copyOf(options);
  }
}
