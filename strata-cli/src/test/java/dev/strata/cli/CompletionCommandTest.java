package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The completion script in a real bash: each case sets {@code COMP_WORDS} as bash does at a TAB,
 * calls the completion function, and reads {@code COMPREPLY}.
 */
class CompletionCommandTest {
  @TempDir static Path directory;

  static Path script;

  @BeforeAll
  static void writeScriptAndConfig() throws IOException {
    CliRun run = CliRun.run(Map.of(), "completion", "bash");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    script = directory.resolve("strata.bash");
    Files.writeString(script, run.out(), StandardCharsets.UTF_8);
    Files.writeString(
        directory.resolve("strata.yaml"),
        """
        coordinator:
          url: postgresql://127.0.0.1:5432/appdb
        servers:
          archive_2023:
            url: postgresql://127.0.0.1:5433/archive_db
          "archive_2024":   # quoted
            url: postgresql://127.0.0.1:5434/archive_db
        tables:
          public.emp:
            partition_by: { column: time, interval: 1 year }
          public.events:
            partition_by: { column: at, interval: 1 month }
        mirrors:
          ref.customers:
            from: archive_2023
        """,
        StandardCharsets.UTF_8);
    Path other = Files.createDirectories(directory.resolve("other"));
    Files.writeString(
        other.resolve("elsewhere.yaml"),
        "servers:\n    cold_1: { url: 'postgresql://h/db' }\ntables:\n    sales.orders: {}\n",
        StandardCharsets.UTF_8);
  }

  @Test
  void commandsAndOptionsComeFromPicocli() throws Exception {
    assertThat(complete("strata", "ar")).containsExactly("archive");
    assertThat(complete("strata", "mirror", "re")).containsExactly("refresh");
    assertThat(complete("strata", "archive", "--d")).containsExactly("--dry-run");
    assertThat(complete("strata", "completion", "")).containsExactly("bash", "zsh");
  }

  @Test
  void tablesServersAndMirrorsComeFromTheConfig() throws Exception {
    assertThat(complete("strata", "archive", "")).containsExactly("public.emp", "public.events");
    assertThat(complete("strata", "archive", "public.ev")).containsExactly("public.events");
    assertThat(complete("strata", "archive", "public.emp", "emp_2024", "--to", ""))
        .containsExactly("archive_2023", "archive_2024");
    assertThat(complete("strata", "drain", "")).containsExactly("archive_2023", "archive_2024");
    assertThat(complete("strata", "mirror", "refresh", "ref.customers", ""))
        .containsExactly("ref.customers");
    assertThat(complete("strata", "status", "--json", ""))
        .containsExactly("public.emp", "public.events");
  }

  @Test
  void aPartitionIsOfferedItsTablesPrefix() throws Exception {
    assertThat(complete("strata", "restore", "public.emp", "")).containsExactly("emp_");
  }

  @Test
  void theConfigNamedOnTheLineOrByStrataConfigWins() throws Exception {
    assertThat(complete("strata", "archive", "-c", "other/elsewhere.yaml", ""))
        .containsExactly("sales.orders");
    assertThat(complete("strata", "drain", "--config=other/elsewhere.yaml", ""))
        .containsExactly("cold_1");
    assertThat(
            complete(
                Map.of("STRATA_CONFIG", directory.resolve("other/elsewhere.yaml").toString()),
                "strata",
                "rebalance",
                ""))
        .containsExactly("sales.orders");
  }

  @Test
  void withoutAConfigNoNameIsOffered() throws Exception {
    assertThat(complete(Map.of("STRATA_CONFIG", "missing.yaml"), "strata", "archive", ""))
        .isEmpty();
  }

  @Test
  void zshGetsTheSameScriptThroughBashcompinit() {
    CliRun run = CliRun.run(Map.of(), "completion", "zsh");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .startsWith("#compdef strata\n")
        .contains("autoload -U +X bashcompinit && bashcompinit\n")
        .contains("complete -F _strata_complete -o default strata\n");
  }

  /**
   * The zsh script in a real zsh (where one is installed): bashcompinit's {@code compgen -F} calls
   * Strata's function as zsh's completion would, with {@code words} and {@code CURRENT} set.
   */
  @Test
  void zshCompletesNamesThroughBashcompinit() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh")),
        "zsh is not installed");
    CliRun run = CliRun.run(Map.of(), "completion", "zsh");
    Path zshScript = directory.resolve("strata.zsh");
    Files.writeString(zshScript, run.out(), StandardCharsets.UTF_8);
    String driver =
        "source '"
            + zshScript
            + "' >/dev/null 2>&1\n"
            + "t() {\n"
            + "  local -a words COMP_WORDS\n"
            + "  words=(\"$@\"); CURRENT=$#; COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 ))\n"
            + "  print -r -- \"$(compgen -F _strata_complete -- \"${@[-1]}\" 2>/dev/null"
            + " | tr '\\n' ' ')\"\n"
            + "}\n"
            + "t strata archive ''\n"
            + "t strata archive public.emp emp_2024 --to ''\n"
            + "t strata mirror refresh ''\n";
    ProcessBuilder builder =
        new ProcessBuilder("zsh", "-f", "-c", driver)
            .directory(directory.toFile())
            .redirectErrorStream(true);
    builder.environment().remove("STRATA_CONFIG");
    builder.environment().put("HOME", directory.toString());
    Process zsh = builder.start();
    String output = new String(zsh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(zsh.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(output.lines().toList())
        .as(output)
        .containsExactly(
            "public.emp public.events ", "archive_2023 archive_2024 ", "ref.customers ");
  }

  @Test
  void anUnknownShellIsAUsageError() {
    CliRun run = CliRun.run(Map.of(), "completion", "fish");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("fish").contains("bash, zsh");
  }

  private static List<String> complete(String... words) throws Exception {
    return complete(Map.of(), words);
  }

  /** COMPREPLY after a TAB on the last word, in a bash started in the config's directory. */
  private static List<String> complete(Map<String, String> environment, String... words)
      throws Exception {
    StringBuilder quoted = new StringBuilder();
    for (String word : words) {
      quoted.append(" '").append(word.replace("'", "'\\''")).append('\'');
    }
    String driver =
        "source '"
            + script
            + "' 2>/dev/null\n"
            + "COMP_WORDS=("
            + quoted
            + " )\n"
            + "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
            + "COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}\n"
            + "_strata_complete strata \"${COMP_WORDS[COMP_CWORD]}\""
            + " \"${COMP_WORDS[COMP_CWORD-1]}\" 2>/dev/null\n"
            + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    ProcessBuilder builder =
        new ProcessBuilder("bash", "--noprofile", "--norc", "-c", driver)
            .directory(directory.toFile())
            .redirectErrorStream(true);
    builder.environment().remove("STRATA_CONFIG");
    builder.environment().putAll(environment);
    Process bash = builder.start();
    String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bash.exitValue()).as(output).isZero();
    List<String> reply = new ArrayList<>();
    output.lines().filter(line -> !line.isEmpty()).forEach(reply::add);
    return reply;
  }
}
