package dev.strata.cli;

import dev.strata.config.LoadedConfig;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "validate",
    description = {
      "Check a configuration without touching any server.",
      "Reports every problem at once, each with its key, file and line, and a suggestion for"
          + " misspelt keys. Exit 0 when valid, 2 when not."
    })
final class ValidateCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin JsonOption json;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /**
   * {@code validate --json}: docs/json.md#validate. Counts are null when the configuration is
   * invalid; the hint says what to do about the problems.
   */
  record Document(
      boolean valid,
      Integer servers,
      Integer tables,
      List<String> warnings,
      List<Problem> problems,
      String hint) {}

  record Problem(String key, String location, String message, Optional<String> suggestion) {}

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (json.enabled) {
      try {
        LoadedConfig loaded = configOptions.loadWithWarnings(spec);
        Json.print(
            spec,
            new Document(
                true,
                loaded.config().servers().size(),
                loaded.config().tables().size(),
                loaded.warnings(),
                List.of(),
                null));
        return 0;
      } catch (dev.strata.config.ConfigException e) {
        Json.print(
            spec,
            new Document(
                false,
                null,
                null,
                List.of(),
                e.problems().stream()
                    .map(p -> new Problem(p.keyPath(), p.location(), p.message(), p.suggestion()))
                    .toList(),
                e.hint()));
        return e.code().exitCode();
      }
    }
    var config = configOptions.load(spec);
    out.println(
        configOptions.resolveFile(ConfigOptions.environment(spec))
            + " is valid: "
            + config.servers().size()
            + (config.servers().size() == 1 ? " server, " : " servers, ")
            + config.tables().size()
            + (config.tables().size() == 1 ? " table." : " tables."));
    return 0;
  }
}
