package dev.strata.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata demo} as a user runs it: the command line's {@code strata.jar} finds this module's
 * jar in the checkout and runs it in a second JVM. Runs in the package phase, after the shade
 * plugin made the jar (see strata-demo's pom).
 */
class DemoLauncherTest {
  static Path cliJar;

  @BeforeAll
  static void jars() {
    String cli = System.getProperty("strata.cli.jar");
    // Set only in the package phase's execution: the demo jar does not exist before it.
    Assumptions.assumeTrue(cli != null, "DemoLauncherTest runs in the package phase");
    cliJar = Path.of(cli);
    assertThat(cliJar).as("build strata-cli first (mvn package -pl strata-demo -am)").exists();
  }

  @Test
  void stoppingStrataDemoStopsTheDemoAndItsServers(@TempDir Path directory) throws Exception {
    Path demoDirectory = directory.resolve("demo");
    try (DemoProcess strata =
        DemoProcess.start(
            Map.of("TMPDIR", directory.toString()),
            List.of(
                java(),
                "-jar",
                cliJar.toString(),
                "demo",
                "--keep",
                "--dir",
                demoDirectory.toString()))) {
      strata.awaitOutput("started in", Duration.ofMinutes(3));
      assertThat(OrphanedServersTest.runningPostmasters(demoDirectory)).hasSize(3);
      List<ProcessHandle> demo = strata.process().children().toList();
      assertThat(demo).hasSize(1);

      strata.process().destroy(); // SIGTERM, as a service manager or `kill` would send

      assertThat(strata.process().waitFor(90, TimeUnit.SECONDS)).as(strata.output()).isTrue();
      assertThat(demo.get(0).isAlive()).isFalse();
      assertThat(OrphanedServersTest.runningPostmasters(demoDirectory))
          .as("servers still running after strata demo stopped:\n" + strata.output())
          .isEmpty();
    }
  }

  @Test
  void aKilledStrataDemoTakesItsDemoAndServersWithIt(@TempDir Path directory) throws Exception {
    Path demoDirectory = directory.resolve("demo");
    try (DemoProcess strata =
        DemoProcess.start(
            Map.of("TMPDIR", directory.toString()),
            List.of(
                java(),
                "-jar",
                cliJar.toString(),
                "demo",
                "--keep",
                "--dir",
                demoDirectory.toString()))) {
      strata.awaitOutput("started in", Duration.ofMinutes(3));
      ProcessHandle demo = strata.process().children().findFirst().orElseThrow();

      strata.kill9();

      // The demo notices its parent is gone (it polls) and exits through its shutdown hook.
      assertThat(demo.onExit().get(90, TimeUnit.SECONDS).isAlive()).isFalse();
      assertThat(OrphanedServersTest.runningPostmasters(demoDirectory)).isEmpty();
    }
  }

  @Test
  void aMissingDemoJarIsNamedWithWhatToDo(@TempDir Path directory) throws Exception {
    Path missing = directory.resolve("nowhere.jar");
    try (DemoProcess strata =
        DemoProcess.start(
            Map.of("STRATA_DEMO_JAR", missing.toString()),
            List.of(java(), "-jar", cliJar.toString(), "demo"))) {
      assertThat(strata.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(strata.process().exitValue()).isEqualTo(2);
      assertThat(strata.output())
          .contains("error: STRATA_DEMO_JAR names " + missing + ", which is not a file")
          .contains("hint: point STRATA_DEMO_JAR at strata-demo-");
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
