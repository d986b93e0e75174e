package dev.strata.cli;

import picocli.CommandLine.Option;

/** {@code --json}: machine-readable output on standard output, errors still on standard error. */
final class JsonOption {
  @Option(names = "--json", description = "Print JSON instead of text (for scripts).")
  boolean enabled;
}
