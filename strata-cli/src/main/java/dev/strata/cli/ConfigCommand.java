package dev.strata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.config.ConfigRenderer;
import dev.strata.config.StrataConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "config",
    description = "Inspect the configuration.",
    subcommands = {ConfigCommand.Show.class})
final class ConfigCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "choose a subcommand: show");
  }

  @Command(
      name = "show",
      description = {
        "Print the effective configuration: the file, environment and --set overrides merged over"
            + " Strata's defaults, with every secret masked (only its source is shown).",
        "The fdw options shown are exactly those `strata apply` puts on each foreign server."
      })
  static final class Show implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;
    @Mixin JsonOption json;

    @Option(
        names = "--origins",
        description =
            "Say where each value came from: default, FILE:LINE, env STRATA_..., or flag --set.")
    boolean origins;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    /**
     * {@code config show --json}: docs/json.md#config-show. The configuration is a tree in the
     * shape of strata.yaml, whose keys are already snake_case; {@code origins} maps each key path
     * to where its value came from, or is null without {@code --origins}.
     */
    record Document(ObjectNode config, JsonNode origins) {}

    @Override
    public Integer call() {
      StrataConfig config = configOptions.load(spec);
      PrintWriter out = spec.commandLine().getOut();
      if (json.enabled) {
        ObjectNode tree = ConfigRenderer.toJson(config, origins);
        JsonNode originsByKey = tree.remove("origins");
        Json.print(spec, new Document(tree, originsByKey));
      } else {
        out.print(ConfigRenderer.toYaml(config, origins));
      }
      return 0;
    }
  }
}
