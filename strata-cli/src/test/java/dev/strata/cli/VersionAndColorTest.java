package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --version} and {@code --color} / {@code NO_COLOR}. */
class VersionAndColorTest {
  private static final String ESCAPE = "\u001B[";

  @Test
  void versionNamesTheVersionTheCommitAndTheJava() {
    CliRun run = CliRun.run(Map.of(), "--version");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .matches(
            "strata \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit [0-9a-z.-]+\\)\\n"
                + "Java \\d+[^\\n]* \\(.+\\) on \\S+ \\S+\\n")
        .contains("Java " + System.getProperty("java.version"));
  }

  @Test
  void colorAlwaysStylesTheHelpAndNeverDoesNot() {
    assertThat(CliRun.run(Map.of(), "--color=always", "--help").out()).contains(ESCAPE);
    assertThat(CliRun.run(Map.of(), "status", "--help", "--color=always").out()).contains(ESCAPE);
    assertThat(CliRun.run(Map.of(), "--color=never", "--help").out()).doesNotContain(ESCAPE);
    // Tests write to no terminal: auto means no colour here.
    assertThat(CliRun.run(Map.of(), "--color=auto", "--help").out()).doesNotContain(ESCAPE);
  }

  @Test
  void noColorTurnsColourOffUnlessTheFlagAsks() {
    Map<String, String> noColor = Map.of("NO_COLOR", "1");
    assertThat(CliRun.run(noColor, "--help").out()).doesNotContain(ESCAPE);
    assertThat(CliRun.run(noColor, "--color=always", "--help").out()).contains(ESCAPE);
    assertThat(StrataCli.defaultAnsi(Map.of("NO_COLOR", "")))
        .as("an empty NO_COLOR does not count (no-color.org)")
        .isEqualTo(picocli.CommandLine.Help.Ansi.AUTO);
    assertThat(StrataCli.defaultAnsi(noColor)).isEqualTo(picocli.CommandLine.Help.Ansi.OFF);
  }

  @Test
  void anUnknownColorIsAUsageError() {
    CliRun run = CliRun.run(Map.of(), "--color=sometimes", "--help");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--color takes auto, always or never, not 'sometimes'");
  }
}
