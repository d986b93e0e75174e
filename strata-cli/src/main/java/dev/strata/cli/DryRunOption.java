package dev.strata.cli;

import picocli.CommandLine.Option;

/** {@code --dry-run}: print the exact SQL a mutating command would execute, and change nothing. */
final class DryRunOption {
  @Option(
      names = "--dry-run",
      description =
          "Print the exact SQL that would run, with bound values (secrets masked); change nothing.")
  boolean enabled;
}
