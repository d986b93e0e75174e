package dev.strata.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata demo --keep} killed with SIGKILL leaves its PostgreSQL servers running (they are
 * not the JVM's children); {@code --stop} stops them and says which.
 */
class OrphanedServersTest {
  @Test
  void stopWithDirStopsTheServersOfAKilledDemo(@TempDir Path directory) throws Exception {
    Map<String, String> environment = Map.of("TMPDIR", directory.toString());
    Path demoDirectory = directory.resolve("demo");
    List<Long> orphans;
    try (DemoProcess demo =
        DemoProcess.start(
            environment,
            DemoProcess.java(
                DemoMain.class.getName(), "--keep", "--dir", demoDirectory.toString()))) {
      demo.awaitOutput("started in", Duration.ofMinutes(3));
      demo.kill9();
      orphans = runningPostmasters(demoDirectory);
      assertThat(orphans).as(demo.output()).hasSize(3);
    }
    assertThat(demoDirectory.resolve(DemoRecords.RECORD)).exists();

    DemoRun stop = DemoRun.run(environment, "--stop", "--dir", demoDirectory.toString());

    assertThat(stop.exitCode()).as(stop.toString()).isZero();
    assertThat(stop.out())
        .startsWith("Stopped 3 demo servers:\n")
        .containsPattern(
            "  main \\(pid \\d+, port \\d+, .*/servers/main\\): stopped \\(fast shutdown\\)")
        .contains("  archive_2023 (pid ")
        .contains("  archive_2024 (pid ");
    assertThat(runningPostmasters(demoDirectory)).isEmpty();
    assertThat(orphans).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isEmpty());

    DemoRun again = DemoRun.run(environment, "--stop", "--dir", demoDirectory.toString());
    assertThat(again.exitCode()).isZero();
    assertThat(again.out())
        .isEqualTo("No demo server is running in " + demoDirectory.toAbsolutePath() + ".\n");
  }

  @Test
  void aDemoStillRunningIsLeftAlone(@TempDir Path directory) throws Exception {
    Map<String, String> environment = Map.of("TMPDIR", directory.toString());
    Path demoDirectory = directory.resolve("demo");
    try (DemoProcess demo =
        DemoProcess.start(
            environment,
            DemoProcess.java(
                DemoMain.class.getName(), "--keep", "--dir", demoDirectory.toString()))) {
      demo.awaitOutput("started in", Duration.ofMinutes(3));
      DemoRun stop = DemoRun.run(environment, "--stop");
      assertThat(stop.exitCode()).as(stop.toString()).isZero();
      assertThat(stop.out()).startsWith("No demo server left running by a killed demo");
      assertThat(runningPostmasters(demoDirectory)).hasSize(3);
      demo.kill9();
      DemoRun after = DemoRun.run(environment, "--stop");
      assertThat(after.out()).startsWith("Stopped 3 demo servers:\n");
      assertThat(runningPostmasters(demoDirectory)).isEmpty();
    }
  }

  /**
   * The registry lives in a shared temporary directory: one another user made is neither read nor
   * written, so its records cannot make a demo stop servers or delete directories.
   */
  @Test
  void aRegistryOwnedByAnotherUserIsIgnored(@TempDir Path directory) throws Exception {
    Map<String, String> environment = Map.of("TMPDIR", directory.toString(), "USER", "someone");
    DemoRecords records = DemoRecords.in(environment);
    Path registry = Files.createDirectories(records.registry());
    Path victim = Files.createDirectories(directory.resolve("victim"));
    Files.writeString(victim.resolve(DemoRecords.RECORD), "");
    DemoRecords.Demo dead =
        new DemoRecords.Demo(Long.MAX_VALUE - 1, java.time.Instant.EPOCH, victim, true);
    try (var out = Files.newOutputStream(registry.resolve("1.properties"))) {
      dead.properties().store(out, null);
    }
    try {
      var nobody =
          registry.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
      Files.setOwner(registry, nobody);
    } catch (IOException | UnsupportedOperationException e) {
      Assumptions.assumeTrue(false, "cannot give the registry to another user here: " + e);
    }

    DemoRun stop = DemoRun.run(environment, "--stop");

    assertThat(stop.exitCode()).isZero();
    assertThat(stop.out()).startsWith("No demo server left running by a killed demo");
    assertThat(victim).exists();
    assertThat(registry.resolve("1.properties")).exists();

    // The same record in a registry of one's own is acted on: the directory it made goes.
    Files.setOwner(
        registry,
        registry
            .getFileSystem()
            .getUserPrincipalLookupService()
            .lookupPrincipalByName(System.getProperty("user.name")));
    assertThat(DemoRun.run(environment, "--stop").exitCode()).isZero();
    assertThat(victim).doesNotExist();
    assertThat(registry.resolve("1.properties")).doesNotExist();
  }

  @Test
  void stopTakesNoTourOption(@TempDir Path directory) {
    DemoRun run = DemoRun.run(Map.of("TMPDIR", directory.toString()), "--stop", "--shards");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("error: --stop runs no tour: it takes only --dir");
  }

  /** The pids of the postmasters running under a demo directory, by their pid files. */
  static List<Long> runningPostmasters(Path demoDirectory) throws IOException {
    Path servers = demoDirectory.resolve(DemoRecords.SERVERS);
    if (!Files.isDirectory(servers)) {
      return List.of();
    }
    try (Stream<Path> directories = Files.list(servers)) {
      return directories
          .flatMap(d -> DemoRecords.PostmasterPid.read(d).stream())
          .map(DemoRecords.PostmasterPid::pid)
          .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .toList();
    }
  }
}
