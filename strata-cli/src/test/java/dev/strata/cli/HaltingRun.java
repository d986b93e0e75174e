package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The command line run in a new JVM with a failpoint armed ({@code NAME=halt}): the JVM stops there
 * without shutdown hooks, its connections cut, like kill -9.
 */
final class HaltingRun {
  private HaltingRun() {}

  /** Runs {@code args} with {@code -c config}; returns the exit code (137 when it halted). */
  static int run(Path config, Path scratch, String failpoint, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command =
        new ArrayList<>(List.of(java, "-cp", classpath, StrataCli.class.getName()));
    command.addAll(List.of(args));
    command.addAll(List.of("-c", config.toString()));
    if (!args[0].equals("import")) {
      command.add("--quiet");
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("STRATA_FAILPOINTS", failpoint);
    File log = Files.createTempFile(scratch, "crash-child", ".log").toFile();
    builder.redirectOutput(log);
    Process process = builder.start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("child JVM did not finish: " + Files.readString(log.toPath()));
    }
    String output = Files.readString(log.toPath());
    assertThat(output).as("child output").contains("failpoint");
    return process.exitValue();
  }
}
