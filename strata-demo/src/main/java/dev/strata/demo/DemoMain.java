package dev.strata.demo;

import dev.strata.StrataException;
import dev.strata.cli.DemoOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The demo jar's entry point: the tours of {@code strata demo} on embedded PostgreSQL servers.
 *
 * <p>The demo lives in its own jar because the servers' binaries (one platform's PostgreSQL build)
 * would otherwise travel inside every installation of the command line, which needs none. {@code
 * strata demo} starts this class in a second JVM with the same options; it can also be run alone
 * ({@code java -jar strata-demo-VERSION.jar --help}).
 *
 * <p>Before it starts any server, a demo stops the servers of earlier demos whose process was
 * killed (see {@link DemoRecords}) and says so.
 */
@Command(
    name = "strata demo",
    mixinStandardHelpOptions = true,
    versionProvider = DemoMain.Version.class,
    description = {
      "Run the seed-000 tour (or with --shards the seed-001 sharding tour) on embedded PostgreSQL"
          + " 18 servers.",
      "With --keep the servers stay up, a ready strata.yaml is written to --dir, and the demo waits"
          + " until interrupted (Ctrl-C), then stops the servers cleanly. Servers left running by"
          + " a demo that was killed are stopped by the next demo, or by --stop."
    })
public final class DemoMain implements Callable<Integer> {
  @Mixin DemoOptions options;

  @Option(
      names = "--watch-parent",
      hidden = true,
      paramLabel = "PID",
      description =
          "Exit (stopping the servers) when this process exits: `strata demo` passes its own.")
  Long parent;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final Map<String, String> environment;

  DemoMain(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(execute(args, out, err, System.getenv()));
  }

  /** Runs the demo with these arguments; used by {@link #main} and by tests. */
  static int execute(
      String[] args, PrintWriter out, PrintWriter err, Map<String, String> environment) {
    CommandLine commandLine = new CommandLine(new DemoMain(environment));
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExecutionExceptionHandler(
        (exception, failed, parseResult) -> {
          PrintWriter errors = failed.getErr();
          if (exception instanceof StrataException strata) {
            errors.println("error: " + strata.getMessage());
            if (strata.hint() != null) {
              errors.println("hint: " + strata.hint());
            }
            errors.flush();
            return strata.code().exitCode();
          }
          errors.println("error: the demo failed: " + exception);
          exception.printStackTrace(errors);
          errors.flush();
          return 1;
        });
    commandLine.setParameterExceptionHandler(
        (exception, arguments) -> {
          PrintWriter errors = exception.getCommandLine().getErr();
          errors.println("error: " + exception.getMessage());
          errors.println("hint: `strata demo --help` shows the usage");
          errors.flush();
          return 2;
        });
    int exitCode = commandLine.execute(args);
    out.flush();
    err.flush();
    return exitCode;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    DemoRecords records = DemoRecords.in(environment);
    if (options.stop) {
      return stop(out, records);
    }
    if (parent != null) {
      watchParent(parent);
    }
    report(out, records.stopOrphans(), "left running by an earlier demo that was killed");
    Path base =
        options.dir != null
            ? options.dir.toAbsolutePath()
            : Files.createTempDirectory("strata-demo-");
    boolean keepData = options.keep || options.dir != null;
    Files.createDirectories(base);
    DemoRecords.Demo demo = DemoRecords.Demo.current(base, !keepData);
    records.register(demo);
    try {
      if (options.shards) {
        new ShardDemo(out, environment).run(base, keepData);
      } else {
        new ArchiveDemo(out, environment).run(base, keepData, options.keep);
      }
    } finally {
      // The tours stop their servers before they return or throw.
      records.unregister(demo);
    }
    return 0;
  }

  private Integer stop(PrintWriter out, DemoRecords records) {
    if (options.keep || options.shards) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--stop runs no tour: it takes only --dir");
    }
    List<DemoRecords.Stopped> stopped;
    if (options.dir != null) {
      Path base = options.dir.toAbsolutePath();
      stopped = DemoRecords.stopServers(base);
      if (stopped.isEmpty()) {
        out.println("No demo server is running in " + base + ".");
      }
    } else {
      stopped = records.stopOrphans();
      if (stopped.isEmpty()) {
        out.println(
            "No demo server left running by a killed demo (records in "
                + records.registry()
                + ").");
      }
    }
    report(out, stopped, "");
    return 0;
  }

  private static void report(PrintWriter out, List<DemoRecords.Stopped> stopped, String why) {
    if (stopped.isEmpty()) {
      return;
    }
    out.println(
        "Stopped "
            + stopped.size()
            + (stopped.size() == 1 ? " demo server" : " demo servers")
            + (why.isEmpty() ? "" : " " + why)
            + ":");
    stopped.forEach(server -> out.println("  " + server.describe()));
    out.println();
    out.flush();
  }

  /**
   * Exits when {@code strata demo} (the JVM that started this one) is gone, so that a killed
   * command line never leaves a demo waiting with its servers up; the exit runs the servers'
   * shutdown hook.
   */
  private static void watchParent(long pid) {
    ProcessHandle.of(pid)
        .ifPresentOrElse(
            handle -> handle.onExit().thenRun(() -> System.exit(130)), () -> System.exit(130));
  }

  /** The demo jar's version, the same as the command line's. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Package own = DemoMain.class.getPackage();
      String version = own == null ? null : own.getImplementationVersion();
      return new String[] {"strata demo " + (version == null ? "unknown" : version)};
    }
  }
}
