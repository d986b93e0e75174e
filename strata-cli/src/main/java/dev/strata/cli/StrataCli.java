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
      CompletionCommand.class,
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

  /**
   * {@code --color}: picocli's ANSI styles in help (and in any output that uses {@link #ansi()}).
   * The flag wins over {@code NO_COLOR} (no-color.org: any non-empty value turns colour off), which
   * wins over picocli's terminal detection.
   */
  @Option(
      names = "--color",
      scope = CommandLine.ScopeType.INHERIT,
      paramLabel = "WHEN",
      description =
          "Colour: auto (when writing to a terminal, unless NO_COLOR is set), always, or never.")
  void color(String when) {
    ansi =
        switch (when.toLowerCase(java.util.Locale.ROOT)) {
          case "auto" -> defaultAnsi(environment);
          case "always" -> CommandLine.Help.Ansi.ON;
          case "never" -> CommandLine.Help.Ansi.OFF;
          default ->
              throw new CommandLine.ParameterException(
                  spec.commandLine(), "--color takes auto, always or never, not '" + when + "'");
        };
    spec.commandLine().setColorScheme(CommandLine.Help.defaultColorScheme(ansi));
  }

  private CommandLine.Help.Ansi ansi;

  private final Map<String, String> environment;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public StrataCli(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
    this.ansi = defaultAnsi(this.environment);
  }

  /** Whether output is styled: {@code --color}, else off under {@code NO_COLOR}, else auto. */
  public CommandLine.Help.Ansi ansi() {
    return ansi;
  }

  static CommandLine.Help.Ansi defaultAnsi(Map<String, String> environment) {
    String noColor = environment.get("NO_COLOR");
    return noColor != null && !noColor.isEmpty()
        ? CommandLine.Help.Ansi.OFF
        : CommandLine.Help.Ansi.AUTO;
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
    commandLine.setColorScheme(CommandLine.Help.defaultColorScheme(root.ansi()));
    addHelpOptions(commandLine);
    commandLine.setParameterExceptionHandler(StrataCli::usageError);
    commandLine.setExecutionExceptionHandler(
        (exception, failed, parseResult) -> {
          boolean trace = root.stacktrace;
          PrintWriter errors = failed.getErr();
          if (wantsJson(failed, args)) {
            ErrorDocument document =
                exception instanceof StrataException strata
                    ? ErrorDocument.of(strata.code(), strata.getMessage(), strata.hint())
                    : ErrorDocument.of(
                        dev.strata.ErrorCode.INTERNAL,
                        "unexpected failure: " + exception,
                        "run again with --stacktrace for details, and report it as a bug");
            Json.print(failed.getOut(), Json.commandName(failed.getCommandSpec()), document);
            if (trace) {
              exception.printStackTrace(errors);
              errors.flush();
            }
            return exception instanceof StrataException strata ? strata.code().exitCode() : 1;
          }
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
    List<String> suggestions =
        exception instanceof CommandLine.UnmatchedArgumentException unmatched
            ? unmatched.getSuggestions()
            : List.of();
    String hint =
        (suggestions.isEmpty() ? "" : "did you mean " + String.join(" or ", suggestions) + "? ")
            + "`"
            + name
            + " --help` shows the usage and examples";
    if (wantsJson(command, args)) {
      Json.print(
          command.getOut(),
          Json.commandName(command.getCommandSpec()),
          ErrorDocument.of(dev.strata.ErrorCode.USAGE, exception.getMessage(), hint));
      return 2;
    }
    err.println("error: " + exception.getMessage());
    err.println("hint: " + hint);
    err.flush();
    return 2;
  }

  /**
   * Whether a failure is reported as a JSON error document: the command has {@code --json} and it
   * was given. The arguments are read rather than the parse result, which a usage error leaves
   * incomplete.
   */
  private static boolean wantsJson(CommandLine command, String[] args) {
    return command.getCommandSpec().optionsMap().containsKey("--json")
        && java.util.Arrays.asList(args).contains("--json");
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

  /**
   * {@code --version}: Strata's version and the commit it was built from (both written into the jar
   * by Maven; the commit by {@code git describe} at build time, "unknown" without git), and the
   * Java that runs it.
   */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties properties = properties();
      return new String[] {
        "strata "
            + properties.getProperty("version", "unknown")
            + " (commit "
            + properties.getProperty("commit", "unknown")
            + ")",
        "Java "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vendor")
            + ", "
            + System.getProperty("java.home")
            + ") on "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.arch")
      };
    }

    static String version() {
      return properties().getProperty("version", "unknown");
    }

    private static Properties properties() {
      Properties properties = new Properties();
      try (InputStream in = StrataCli.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      } catch (IOException e) {
        // Reported as "unknown".
      }
      return properties;
    }
  }
}
