package dev.strata.config;

import java.util.Objects;
import java.util.Optional;

/**
 * {@code security}: the rules Strata holds foreign servers and user mappings to. Both are checked
 * by {@code strata doctor}; the superuser rule is also enforced by {@code strata apply}.
 *
 * @param minSslmode the weakest libpq {@code sslmode} a foreign server may use (one of {@link
 *     FdwOptions#SSL_MODES}); empty: no minimum
 * @param allowSuperuserMapping whether a user mapping may log in as a superuser of its server
 */
public record SecurityConfig(Optional<String> minSslmode, boolean allowSuperuserMapping) {
  public static final SecurityConfig DEFAULTS = new SecurityConfig(Optional.empty(), false);

  public SecurityConfig {
    Objects.requireNonNull(minSslmode, "minSslmode");
  }

  /**
   * Whether {@code sslmode} is at least as strong as the configured minimum. An unset {@code
   * sslmode} is libpq's default, {@code prefer}.
   */
  public boolean meetsMinimum(Optional<String> sslmode) {
    if (minSslmode.isEmpty()) {
      return true;
    }
    return strength(sslmode.orElse("prefer")) >= strength(minSslmode.get());
  }

  /** Position in {@link FdwOptions#SSL_MODES}, weakest first; -1 for an unknown mode. */
  public static int strength(String sslmode) {
    return FdwOptions.SSL_MODES.indexOf(sslmode);
  }
}
