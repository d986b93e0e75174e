package dev.strata.cli;

import dev.strata.config.LoadedConfig;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
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

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (json.enabled) {
      Map<String, Object> document = new LinkedHashMap<>();
      try {
        LoadedConfig loaded = configOptions.loadWithWarnings(spec);
        document.put("valid", true);
        document.put("servers", loaded.config().servers().size());
        document.put("tables", loaded.config().tables().size());
        document.put("warnings", loaded.warnings());
        Json.print(out, document);
        return 0;
      } catch (dev.strata.config.ConfigException e) {
        document.put("valid", false);
        document.put(
            "problems",
            e.problems().stream()
                .map(
                    p -> {
                      Map<String, Object> problem = new LinkedHashMap<>();
                      problem.put("key", p.keyPath());
                      problem.put("location", p.location());
                      problem.put("message", p.message());
                      problem.put("suggestion", p.suggestion().orElse(null));
                      return problem;
                    })
                .toList());
        document.put("hint", e.hint());
        Json.print(out, document);
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
