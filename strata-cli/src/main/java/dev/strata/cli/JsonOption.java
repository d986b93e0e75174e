package dev.strata.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json}: one JSON document on standard output (docs/json.md), also when the command fails:
 * then it is an error document, with the exit code the failure has without {@code --json}.
 */
final class JsonOption {
  @Option(
      names = "--json",
      description =
          "Print one JSON document instead of text (for scripts); a failure is a JSON error"
              + " document. Shapes: docs/json.md.")
  boolean enabled;
}
