package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import dev.strata.testkit.StrataYaml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user installs it: the tarball {@code mvn package} made, unpacked into an
 * empty directory, run through {@code bin/strata} from another working directory and through a
 * symbolic link. Runs in the package phase, after the assembly (see strata-cli's pom).
 */
class DistributionTest {
  @TempDir static Path scratch;

  static Path home;
  static Path workingDirectory;

  @BeforeAll
  static void unpack() throws Exception {
    String base = System.getProperty("strata.distribution");
    // Set only in the package phase's execution (strata-cli's pom): under -Dtest=... the test phase
    // would otherwise pick this class up and test the tarball of an earlier build.
    Assumptions.assumeTrue(
        base != null, "DistributionTest runs in the package phase, after the assembly");
    Path tarball = Path.of(base + ".tar.gz");
    assertThat(tarball).exists();
    Path install = Files.createDirectories(scratch.resolve("install"));
    Result untar = run(install, Map.of(), "tar", "xzf", tarball.toString());
    assertThat(untar.exitCode()).as(untar.toString()).isZero();
    try (var entries = Files.list(install)) {
      home = entries.findFirst().orElseThrow();
    }
    assertThat(home.getFileName().toString()).startsWith("strata-");
    workingDirectory = Files.createDirectories(scratch.resolve("elsewhere"));
    Files.writeString(
        workingDirectory.resolve("sample.yaml"),
        """
        coordinator:
          url: postgresql://127.0.0.1:5432/appdb
          user: strata
        servers:
          archive_2024:
            url: postgresql://127.0.0.1:5433/archive_db
            mapping: { user: fdw_reader, password: "${env:ARCHIVE_PASSWORD}" }
        tables:
          public.emp:
            partition_by: { column: time, interval: 1 year }
            hot: 1 year
            archive_to: archive_2024
        """,
        StandardCharsets.UTF_8);
  }

  @Test
  void theTarballHoldsTheLauncherTheJarCompletionDocsAndLicense() throws IOException {
    assertThat(home.resolve("bin/strata")).isExecutable();
    assertThat(home.resolve("lib/strata.jar")).isRegularFile();
    assertThat(home.resolve("completion/strata.bash"))
        .content()
        .contains("complete -F _strata_complete -o default strata");
    assertThat(home.resolve("completion/strata.zsh")).content().startsWith("#compdef strata");
    assertThat(home.resolve("docs/architecture.md")).isRegularFile();
    assertThat(home.resolve("README.md")).isRegularFile();
    assertThat(home.resolve("LICENSE")).content().contains("license has not been chosen yet");
    try (ZipFile jar = new ZipFile(home.resolve("lib/strata.jar").toFile())) {
      List<String> binaries =
          jar.stream()
              .map(java.util.zip.ZipEntry::getName)
              .filter(name -> name.endsWith(".txz") || name.startsWith("dev/strata/testkit/"))
              .toList();
      assertThat(binaries).as("PostgreSQL binaries or the test kit in lib/strata.jar").isEmpty();
    }
    try (ZipFile zip = new ZipFile(System.getProperty("strata.distribution") + ".zip")) {
      String prefix = home.getFileName() + "/";
      assertThat(zip.getEntry(prefix + "bin/strata")).isNotNull();
      assertThat(zip.getEntry(prefix + "lib/strata.jar")).isNotNull();
      assertThat(zip.getEntry(prefix + "completion/strata.bash")).isNotNull();
    }
  }

  @Test
  void helpVersionAndValidateRunFromAnotherDirectory() throws Exception {
    Result help = strata(Map.of(), "--help");
    assertThat(help.exitCode()).as(help.toString()).isZero();
    assertThat(help.out()).contains("Usage: strata", "completion", "demo");

    Result version = strata(Map.of(), "--version");
    assertThat(version.exitCode()).as(version.toString()).isZero();
    assertThat(version.out())
        .containsPattern("^strata \\S+ \\(commit \\S+\\)\\nJava \\d+")
        .doesNotContain("(commit ${");

    Result validate =
        strata(Map.of("ARCHIVE_PASSWORD", "example"), "validate", "-c", "sample.yaml");
    assertThat(validate.exitCode()).as(validate.toString()).isZero();

    Path bad = workingDirectory.resolve("bad.yaml");
    Files.writeString(bad, "coordinator: { url: postgresql://h/db }\nservrs: {}\n");
    Result invalid = strata(Map.of(), "validate", "-c", "bad.yaml");
    assertThat(invalid.exitCode()).isEqualTo(2);
    assertThat(invalid.err()).contains("did you mean \"servers\"");
  }

  @Test
  void aSymbolicLinkToTheLauncherWorks() throws Exception {
    Path bin = Files.createDirectories(scratch.resolve("links/bin"));
    Path link = Files.createSymbolicLink(bin.resolve("strata"), home.resolve("bin/strata"));
    Path relative = Files.createSymbolicLink(bin.resolve("strata-again"), Path.of("strata"));
    for (Path launcher : List.of(link, relative)) {
      Result version = run(workingDirectory, Map.of(), launcher.toString(), "--version");
      assertThat(version.exitCode()).as(version.toString()).isZero();
      assertThat(version.out()).startsWith("strata ");
    }
  }

  @Test
  void javaHomeAndJavaOptsAreHonoured() throws Exception {
    Result withOptions =
        strata(
            Map.of(
                "JAVA_HOME",
                System.getProperty("java.home"),
                "JAVA_OPTS",
                "-Dstrata.example=yes -XshowSettings:properties"),
            "--version");
    assertThat(withOptions.exitCode()).as(withOptions.toString()).isZero();
    assertThat(withOptions.err())
        .contains("strata.example = yes")
        .contains("java.home = " + System.getProperty("java.home"));

    Result wrongHome = strata(Map.of("JAVA_HOME", scratch.resolve("no-java").toString()), "--help");
    assertThat(wrongHome.exitCode()).isEqualTo(2);
    assertThat(wrongHome.err())
        .contains("JAVA_HOME is " + scratch.resolve("no-java"))
        .contains("not executable");
  }

  /** The slim jar talks to a real PostgreSQL: JDBC driver, config, catalog reading, doctor. */
  @Test
  void statusAndDoctorRunAgainstARunningPostgres() throws Exception {
    String database = "distribution_test";
    SharedServers.freshDatabase(SharedServers.MAIN, database);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, database);
    LocalServer main = SharedServers.get().server(SharedServers.MAIN);
    LocalServer archive = SharedServers.get().server(SharedServers.ARCHIVE_A);
    main.executeIn(
        database,
        "CREATE TABLE emp (id int NOT NULL, time timestamp NOT NULL) PARTITION BY RANGE (time)",
        "CREATE TABLE emp_2025 PARTITION OF emp"
            + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        "INSERT INTO emp VALUES (1, '2025-03-04'), (2, '2025-05-06')");
    Path config = workingDirectory.resolve("running.yaml");
    Files.writeString(
        config,
        StrataYaml.coordinator(main, database)
            + "servers:\n"
            + StrataYaml.server("archive_a", archive, database)
            + "tables:\n  public.emp:\n    partition_by: { column: time, interval: 1 year }\n",
        StandardCharsets.UTF_8);

    Result status = strata(Map.of(), "status", "-c", "running.yaml", "--exact");
    assertThat(status.exitCode()).as(status.toString()).isZero();
    assertThat(status.out()).contains("Table public.emp").containsPattern("emp_2025 .*local");

    // No `strata apply` ran: the foreign server is missing, which doctor finds and names the fix.
    Result doctor = strata(Map.of(), "doctor", "-c", "running.yaml");
    assertThat(doctor.exitCode()).as(doctor.toString()).isEqualTo(1);
    assertThat(doctor.out())
        .containsPattern("ok +connect.direct +archive_a")
        .containsPattern("fail +fdw.server +archive_a")
        .contains("fix: strata apply");
  }

  @Test
  void completionInTheTarballIsWhatTheCommandWrites() throws Exception {
    Result bash = strata(Map.of(), "completion", "bash");
    assertThat(bash.exitCode()).isZero();
    assertThat(bash.out()).isEqualTo(Files.readString(home.resolve("completion/strata.bash")));
  }

  private static Result strata(Map<String, String> environment, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/strata").toString());
    command.addAll(List.of(args));
    return run(workingDirectory, environment, command.toArray(String[]::new));
  }

  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  private static Result run(Path directory, Map<String, String> environment, String... command)
      throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
    Map<String, String> variables = new HashMap<>(environment);
    builder.environment().remove("JAVA_OPTS");
    builder.environment().remove("STRATA_CONFIG");
    builder.environment().putAll(variables);
    Path out = Files.createTempFile(scratch, "out", ".txt");
    Path err = Files.createTempFile(scratch, "err", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
    }
    return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
  }
}
