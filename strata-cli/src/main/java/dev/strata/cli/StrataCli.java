package dev.strata.cli;

import dev.strata.StrataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code strata} command. Subcommands parse, call the core library, and render; this class maps
 * failures to exit codes: 0 success, 1 failure, 2 usage or configuration error (and later, named
 * codes beyond). Messages name what failed and what to do; a stack trace only with {@code
 * --stacktrace}.
 */
@Command(
    name = "strata",
    mixinStandardHelpOptions = true,
    versionProvider = StrataCli.Version.class,
    header = "Tiered storage and sharding on plain PostgreSQL.",
    description = {
      "Recent partitions stay on the coordinator; old ones move to archive servers and stay"
          + " attached as postgres_fdw foreign partitions, so applications keep one endpoint and"
          + " one table name.",
      "",
      "Start with `strata demo`, which runs the whole tour on embedded servers."
    },
    footer = {
      "",
      "Exit codes: 0 success, 1 failure, 2 usage or configuration error; `doctor` exits 3 when it"
          + " found warnings but no failure.",
      "Configuration: -c/--config FILE (default ./strata.yaml, or $STRATA_CONFIG)."
    },
    subcommands = {
      DemoCommand.class,
      ValidateCommand.class,
      ConfigCommand.class,
      PlanCommand.class,
      ApplyCommand.class,
      AttachCommand.class,
      PartitionCommand.class,
      StatusCommand.class,
      AdoptCommand.class,
      ArchiveCommand.class,
      RestoreCommand.class,
      MoveCommand.class,
      DrainCommand.class,
      ShardCommand.class,
      RebalanceCommand.class,
      MirrorCommand.class,
      ServeCommand.class,
      OperationsCommand.class,
      ResumeCommand.class,
      AbortCommand.class,
      VerifyCommand.class,
      ImportCommand.class,
      DoctorCommand.class,
      AnalyzeCommand.class,
      GrantsCommand.class,
      ExplainCommand.class,
      CommandLine.HelpCommand.class
    })
public final class StrataCli implements Runnable {
  @Option(
      names = "--stacktrace",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print the full stack trace of a failure.")
  boolean stacktrace;

  @Option(
      names = {"-v", "--verbose"},
      scope = CommandLine.ScopeType.INHERIT,
      description = "Log Strata's steps to standard error.")
  void verbose(boolean verbose) {
    if (verbose) {
      var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.strata");
      logger.setLevel(ch.qos.logback.classic.Level.DEBUG);
    }
  }

  private final Map<String, String> environment;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public StrataCli(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  public Map<String, String> environment() {
    return environment;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(execute(args, out, err, System.getenv()));
  }

  /** Runs one command line; used by {@link #main} and by tests, which capture the writers. */
  public static int execute(
      String[] args, PrintWriter out, PrintWriter err, Map<String, String> environment) {
    StrataCli root = new StrataCli(environment);
    CommandLine commandLine = new CommandLine(root);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    addHelpOptions(commandLine);
    commandLine.setParameterExceptionHandler(StrataCli::usageError);
    commandLine.setExecutionExceptionHandler(
        (exception, failed, parseResult) -> {
          boolean trace = root.stacktrace;
          PrintWriter errors = failed.getErr();
          if (exception instanceof StrataException strata) {
            errors.println("error: " + strata.getMessage());
            if (strata.hint() != null) {
              errors.println("hint: " + strata.hint());
            }
            if (trace) {
              strata.printStackTrace(errors);
            }
            errors.flush();
            return strata.code().exitCode();
          }
          errors.println("error: unexpected failure: " + exception);
          if (trace) {
            exception.printStackTrace(errors);
          } else {
            errors.println("hint: run again with --stacktrace for details, and report it as a bug");
          }
          errors.flush();
          return 1;
        });
    int exitCode = commandLine.execute(args);
    out.flush();
    err.flush();
    return exitCode;
  }

  /**
   * A usage error the argument parser found (a missing or unknown option, a value of the wrong
   * type): {@code error:} and {@code hint:} like every other error, exit code 2, and the usage only
   * when asked for with {@code --help}.
   */
  private static int usageError(CommandLine.ParameterException exception, String[] args) {
    CommandLine command = exception.getCommandLine();
    PrintWriter err = command.getErr();
    String name = command.getCommandSpec().qualifiedName();
    err.println("error: " + exception.getMessage());
    List<String> suggestions =
        exception instanceof CommandLine.UnmatchedArgumentException unmatched
            ? unmatched.getSuggestions()
            : List.of();
    err.println(
        "hint: "
            + (suggestions.isEmpty()
                ? ""
                : "did you mean " + String.join(" or ", suggestions) + "? ")
            + "`"
            + name
            + " --help` shows the usage and examples");
    err.flush();
    return 2;
  }

  /** {@code -h/--help} on every subcommand, at every depth. */
  private static void addHelpOptions(CommandLine commandLine) {
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      if (!(sub.getCommand() instanceof CommandLine.HelpCommand)
          && sub.getCommandSpec().optionsMap().get("--help") == null) {
        sub.getCommandSpec().mixinStandardHelpOptions(true);
      }
      addHelpOptions(sub);
    }
  }

  /** Reads the version Maven wrote into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"strata " + version()};
    }

    static String version() {
      try (InputStream in = StrataCli.class.getResourceAsStream("version.properties")) {
        Properties properties = new Properties();
        if (in != null) {
          properties.load(in);
        }
        return properties.getProperty("version", "unknown");
      } catch (IOException e) {
        return "unknown";
      }
    }
  }
}
