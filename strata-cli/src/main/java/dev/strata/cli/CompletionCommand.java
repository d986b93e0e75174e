package dev.strata.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Parameters;

/**
 * {@code strata completion bash|zsh}: the shell completion script.
 *
 * <p>Commands and options come from picocli's generator ({@link AutoComplete#bash}), whose script
 * runs in bash and, through {@code bashcompinit}, in zsh. Strata adds names read from the config:
 * tables, servers and mirrors where an argument or option names one (its {@code paramLabel} is
 * {@code TABLE}, {@code SERVER}, or {@code NAME} under {@code mirror}), so {@code strata archive
 * <TAB>} offers the config's tables. The names are read at each TAB by {@code awk} over the config
 * file ({@code -c/--config} on the line, else {@code $STRATA_CONFIG}, else {@code ./strata.yaml}):
 * no JVM starts and no server is asked, which keeps a TAB instant. Partitions are not in the
 * config; a {@code PARTITION} argument is offered the table's name and {@code _}, the prefix of the
 * partitions Strata names ({@code emp_2025}).
 */
@Command(
    name = "completion",
    description = {
      "Print the shell completion script for bash or zsh: commands, options, and the tables,"
          + " servers and mirrors of the config (read from the file at each TAB, without starting"
          + " Java).",
      "",
      "Examples:",
      "  source <(strata completion bash)    # bash, e.g. in ~/.bashrc",
      "  strata completion bash > /etc/bash_completion.d/strata",
      "  source <(strata completion zsh)     # zsh, e.g. in ~/.zshrc",
      "",
      "The distribution carries both scripts in completion/."
    })
final class CompletionCommand implements Callable<Integer> {
  /** The shells Strata writes a script for, as the user types them. */
  static final class Shells extends ArrayList<String> {
    Shells() {
      super(List.of("bash", "zsh"));
    }
  }

  @Parameters(
      paramLabel = "SHELL",
      completionCandidates = Shells.class,
      description = "bash or zsh.")
  String shell;

  @CommandLine.Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (!new Shells().contains(shell)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "no completion for shell '" + shell + "': Strata writes scripts for bash, zsh");
    }
    CommandLine root = spec.root().commandLine();
    spec.commandLine().getOut().print(script(root, shell.equals("zsh")));
    spec.commandLine().getOut().flush();
    return 0;
  }

  static String script(CommandLine root, boolean zsh) {
    String name = root.getCommandName();
    String generated = AutoComplete.bash(name, root);
    StringBuilder script = new StringBuilder();
    if (zsh) {
      script
          .append("#compdef ")
          .append(name)
          .append("\n# Strata's completion for zsh: the bash script below, through bashcompinit.\n")
          .append("autoload -U +X compinit && compinit\n")
          .append("autoload -U +X bashcompinit && bashcompinit\n");
    }
    script.append(generated).append('\n').append(names(root));
    return script.toString();
  }

  /** The kinds of names Strata completes, by the {@code paramLabel} that asks for one. */
  private static String kind(CommandSpec command, String label) {
    return switch (label) {
      case "TABLE" -> "table";
      case "SERVER" -> "server";
      case "PARTITION" -> "partition";
      case "NAME" -> command.qualifiedName().contains(" mirror ") ? "mirror" : "";
      default -> "";
    };
  }

  /** The part that completes names from the config: a table of commands, then bash functions. */
  private static String names(CommandLine root) {
    Map<String, CommandSpec> commands = new LinkedHashMap<>();
    collect(root.getCommandSpec(), "", commands);
    StringBuilder spec = new StringBuilder();
    spec.append("# Strata: names of tables, servers and mirrors from the config.\n")
        .append("# For each command path: its subcommands, the options that take a value, what")
        .append(" each\n# positional argument names (\"-\" nothing; a last \"...\" repeats), and")
        .append(" options naming one.\n")
        .append("function _strata_spec() {\n")
        .append("  _strata_subcommands=\"\"; _strata_value_options=\"\"; ")
        .append("_strata_positionals=\"\"; _strata_option_kinds=\"\"\n")
        .append("  case \"$1\" in\n");
    for (Map.Entry<String, CommandSpec> entry : commands.entrySet()) {
      CommandSpec command = entry.getValue();
      List<String> valueOptions = new ArrayList<>();
      List<String> optionKinds = new ArrayList<>();
      for (OptionSpec option : command.options()) {
        if (option.hidden() || option.arity().max() == 0) {
          continue;
        }
        String kind = kind(command, option.paramLabel().replaceAll("[<>]", ""));
        for (String optionName : option.names()) {
          valueOptions.add(optionName);
          if (!kind.isEmpty()) {
            optionKinds.add(optionName + "=" + kind);
          }
        }
      }
      List<String> positionals = new ArrayList<>();
      for (PositionalParamSpec positional : command.positionalParameters()) {
        if (positional.hidden()) {
          continue;
        }
        String kind = kind(command, positional.paramLabel().replaceAll("[<>.]", ""));
        String item = kind.isEmpty() ? "-" : kind;
        int from = positional.index().min();
        while (positionals.size() < from) {
          positionals.add("-");
        }
        if (positional.arity().isVariable() || positional.index().isUnspecified()) {
          positionals.add(item + "...");
        } else if (positionals.size() == from) {
          positionals.add(item);
        }
      }
      spec.append("    \"")
          .append(entry.getKey())
          .append("\") _strata_subcommands=\"")
          .append(String.join(" ", command.subcommands().keySet()))
          .append("\"; _strata_value_options=\"")
          .append(String.join(" ", valueOptions))
          .append("\"; _strata_positionals=\"")
          .append(String.join(" ", positionals))
          .append("\"; _strata_option_kinds=\"")
          .append(String.join(" ", optionKinds))
          .append("\" ;;\n");
    }
    spec.append("  esac\n}\n");
    spec.append(functions().replace("_complete_strata", "_complete_" + root.getCommandName()))
        .append("complete -F _strata_complete -o default ")
        .append(root.getCommandName())
        .append('\n');
    return spec.toString();
  }

  private static void collect(CommandSpec command, String path, Map<String, CommandSpec> into) {
    into.put(path, command);
    for (Map.Entry<String, CommandLine> sub : command.subcommands().entrySet()) {
      CommandSpec child = sub.getValue().getCommandSpec();
      if (child.usageMessage().hidden() || !child.name().equals(sub.getKey())) {
        continue;
      }
      collect(child, path.isEmpty() ? sub.getKey() : path + " " + sub.getKey(), into);
    }
  }

  /** The bash functions that complete names (a resource, so it reads as the shell script it is). */
  private static String functions() {
    try (InputStream in = CompletionCommand.class.getResourceAsStream("completion-names.bash")) {
      if (in == null) {
        throw new IllegalStateException("completion-names.bash is missing from Strata's jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
