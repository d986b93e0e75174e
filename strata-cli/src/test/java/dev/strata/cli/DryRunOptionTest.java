package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command that changes something on a server offers {@code --dry-run}, and the commands
 * without it change nothing (or, like {@code grants}, only print unless told to run).
 */
class DryRunOptionTest {
  /** Commands that change something, by their full name. */
  static final List<String> MUTATING =
      List.of(
          "apply",
          "adopt",
          "archive",
          "restore",
          "move",
          "drain",
          "resume",
          "abort",
          "analyze",
          "import",
          "attach",
          "partition create",
          "shard split",
          "rebalance",
          "mirror refresh");

  /** Commands that only read, and why; every other command must be in MUTATING. */
  static final Map<String, String> READ_ONLY =
      Map.ofEntries(
          Map.entry("validate", "reads the configuration only"),
          Map.entry("config show", "prints the configuration"),
          Map.entry("plan", "prints what apply would do"),
          Map.entry("status", "reads catalogs"),
          Map.entry("operations", "reads the journal"),
          Map.entry("verify", "re-counts and re-hashes, read-only"),
          Map.entry("explain", "EXPLAIN, and with --analyze a rolled-back read-only run"),
          Map.entry("doctor", "reads catalogs and settings"),
          Map.entry("grants", "prints the SQL; --apply runs it, and without it is the dry run"),
          Map.entry("demo", "its own embedded servers in a temporary directory"),
          Map.entry("help", "prints help"),
          Map.entry("completion", "prints the shell completion script"),
          Map.entry("shard", "prints the usage of its subcommands"),
          Map.entry("mirror", "prints the usage of its subcommands"),
          Map.entry("mirror status", "reads the coordinator's record and catalog"),
          Map.entry("mirror verify", "hashes both sides in a read-only transaction"),
          Map.entry(
              "serve",
              "runs until stopped; what it changes is what a scheduled `strata apply` does, whose"
                  + " --dry-run shows it"));

  @Test
  void everyMutatingCommandHasADryRunAndEveryCommandIsClassified() {
    CommandLine root = new CommandLine(new StrataCli(Map.of()));
    List<String> commands = new ArrayList<>();
    collect(root, "", commands);
    for (String command : commands) {
      assertThat(MUTATING.contains(command) || READ_ONLY.containsKey(command))
          .as(command + " is classified as mutating or read-only")
          .isTrue();
    }
    for (String command : MUTATING) {
      CommandLine line = find(root, command);
      assertThat(line.getCommandSpec().findOption("--dry-run"))
          .as(command + " --dry-run")
          .isNotNull();
    }
  }

  static void collect(CommandLine line, String prefix, List<String> names) {
    for (Map.Entry<String, CommandLine> sub : line.getSubcommands().entrySet()) {
      String name = (prefix + " " + sub.getKey()).strip();
      if (sub.getValue().getSubcommands().isEmpty()) {
        names.add(name);
      } else {
        collect(sub.getValue(), name, names);
      }
    }
  }

  static CommandLine find(CommandLine root, String command) {
    CommandLine line = root;
    for (String part : command.split(" ")) {
      line = line.getSubcommands().get(part);
    }
    return line;
  }
}
