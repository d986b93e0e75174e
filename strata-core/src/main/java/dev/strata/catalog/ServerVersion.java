package dev.strata.catalog;

/**
 * A server's PostgreSQL version, as the server reports it: {@code server_version_num} (e.g. {@code
 * 140024}) for comparisons, {@code server_version} (e.g. {@code 14.24}, or with a packager's
 * suffix) for messages. Everything in Strata that depends on the version compares {@link #major()}:
 * from PostgreSQL 10 on, the major version is the number divided by 10000.
 *
 * @param number {@code server_version_num}
 * @param text {@code server_version}
 */
public record ServerVersion(int number, String text) {
  /** The major version, e.g. 14. */
  public int major() {
    return number / 10_000;
  }

  /** Whether this is PostgreSQL {@code major} or later. */
  public boolean atLeast(int major) {
    return major() >= major;
  }

  /** {@code PostgreSQL 14.24}. */
  @Override
  public String toString() {
    return "PostgreSQL " + text;
  }
}
