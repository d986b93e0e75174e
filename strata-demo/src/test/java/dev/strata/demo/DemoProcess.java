package dev.strata.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A demo (or any main class) in a child JVM on the test class path, its output collected as it
 * comes, so a test can wait for a line and then kill the JVM for real.
 */
final class DemoProcess implements AutoCloseable {
  private final Process process;
  private final StringBuffer output = new StringBuffer();

  private DemoProcess(Process process) {
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  output.append(line).append('\n');
                }
              } catch (IOException e) {
                // The stream closes when the test kills the process: its output so far is kept.
              }
            },
            "demo-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  static DemoProcess start(Map<String, String> environment, List<String> command) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().putAll(environment);
      return new DemoProcess(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code java -cp CLASSPATH MAIN ARGS...} with this JVM's java and class path. */
  static List<String> java(String main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main);
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Waits until the output contains {@code text}; fails when the process exits or time runs out.
   */
  void awaitOutput(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!output.toString().contains(text)) {
      if (!process.isAlive() && !output.toString().contains(text)) {
        Thread.sleep(200);
        if (output.toString().contains(text)) {
          return;
        }
        throw new AssertionError(
            "the process exited ("
                + process.exitValue()
                + ") before printing "
                + text
                + ":\n"
                + output);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + text + " within " + timeout + ":\n" + output);
      }
      Thread.sleep(100);
    }
  }

  /** SIGKILL, as {@code kill -9} would: no shutdown hook runs. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the process outlived SIGKILL by 30 s");
    }
  }

  Process process() {
    return process;
  }

  String output() {
    return output.toString();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
