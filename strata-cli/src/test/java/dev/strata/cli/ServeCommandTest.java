package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code strata serve}'s flags: wrong ones are usage errors (exit 2) before anything starts. */
class ServeCommandTest {
  @TempDir Path scratch;

  private Path config() throws Exception {
    return Files.writeString(
        scratch.resolve("strata.yaml"),
        "coordinator: { url: \"postgresql://127.0.0.1:1/app\", user: strata }\n");
  }

  @Test
  void aWrongCronExpressionIsAUsageError() throws Exception {
    CliRun run =
        CliRun.run(Map.of(), "serve", "-c", config().toString(), "--apply-at", "0 25 * * *");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--apply-at").contains("0 25 * * *").contains("0 2 * * *");
  }

  @Test
  void applyAtAndApplyEveryTogetherAreAUsageError() throws Exception {
    CliRun run =
        CliRun.run(
            Map.of(),
            "serve",
            "-c",
            config().toString(),
            "--apply-at",
            "0 2 * * *",
            "--apply-every",
            "10min");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--apply-at and --apply-every");
  }

  @Test
  void aWrongListenAddressIsAUsageError() throws Exception {
    CliRun run = CliRun.run(Map.of(), "serve", "-c", config().toString(), "--listen", "nowhere");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--listen nowhere").contains("HOST:PORT");
  }
}
