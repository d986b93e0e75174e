package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * No secret ever leaves Strata: every command runs against real servers with passwords in the
 * config (Strata's own role on the archive and the user mapping's role authenticate with SCRAM, so
 * the passwords are really used), verbose logging on, and nothing it prints to standard output or
 * standard error, logs, writes to the journal, or returns as JSON may contain one; nor may the
 * servers' own logs, which record every statement and its parameters ({@code log_statement = all},
 * {@code log_min_duration_statement = 0}) while the commands run. Failures are included (a wrong
 * password, a refused grant, unknown names, a user mapping whose DDL fails), since error paths are
 * where secrets leak. The test fails when a secret leaks, and proves it can with a planted one.
 */
class RedactionTest {
  static final String DATABASE = "redaction_test";
  static final String COORDINATOR_SECRET = "coordinator-Secret-5f1e";
  static final String OWNER_SECRET = "owner-Secret-77ab";
  static final String READER_SECRET = "reader-Secret-c3d9";
  static final String WRONG_SECRET = "wrong-Secret-0a0a";
  static final String FLAG_SECRET = "flag-Secret-9e9e";
  static final List<String> SECRETS =
      List.of(COORDINATOR_SECRET, OWNER_SECRET, READER_SECRET, WRONG_SECRET, FLAG_SECRET);
  static final Map<String, String> ENVIRONMENT =
      Map.of(
          "REDACT_COORDINATOR_PASSWORD", COORDINATOR_SECRET,
          "REDACT_OWNER_PASSWORD", OWNER_SECRET,
          "REDACT_READER_PASSWORD", READER_SECRET);

  /** Subcommands that take no configuration: nothing secret to leak. */
  static final Set<String> WITHOUT_CONFIG = Set.of("demo", "help", "completion");

  /**
   * Commands that run until stopped, checked elsewhere: {@code serve}'s API and metrics are read
   * for secrets by the service's own test (StrataServiceTest).
   */
  static final Set<String> LONG_RUNNING = Set.of("serve");

  @TempDir Path directory;

  /** Everything one command produced, and its exit code (-1 for what is not a command). */
  record Output(String command, String text, int exitCode) {
    Output(String command, String text) {
      this(command, text, -1);
    }
  }

  /** Commands expected to fail here: error paths must not leak either. */
  static final String FAILING_MAPPING =
      "apply --yes --stacktrace --set servers.archive_a.mapping.local_user=no_such_role";

  static final Set<String> FAILING =
      Set.of(
          "grants --apply",
          "abort 999999",
          "doctor",
          "doctor --json --deep",
          "drain archive_a --dry-run",
          "rebalance emp --dry-run",
          "adopt emp --by time --interval 1 year --dry-run",
          "adopt emp --abort --json",
          "shard split emp emp_2019 --dry-run",
          FAILING_MAPPING);

  @Test
  void noCommandRevealsAPassword() throws Exception {
    LocalServer main = SharedServers.get().server(SharedServers.MAIN);
    LocalServer archive = SharedServers.get().server(SharedServers.ARCHIVE_A);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    archive.execute("DROP ROLE IF EXISTS redact_owner", "DROP ROLE IF EXISTS redact_reader");
    archive.createRole("redact_owner", OWNER_SECRET);
    archive.createRole("redact_reader", READER_SECRET);
    sql(
        archive,
        "GRANT CREATE ON DATABASE " + DATABASE + " TO redact_owner",
        "GRANT CREATE ON SCHEMA public TO redact_owner",
        "CREATE TABLE emp_2018 (id int NOT NULL, time timestamp NOT NULL)",
        "INSERT INTO emp_2018 VALUES (1, '2018-05-05'), (2, '2018-06-06')",
        "ALTER TABLE emp_2018 OWNER TO redact_owner",
        "GRANT SELECT ON emp_2018 TO redact_reader");
    sql(
        main,
        "CREATE TABLE emp (id int NOT NULL, time timestamp NOT NULL) PARTITION BY RANGE (time)",
        "CREATE TABLE emp_2019 PARTITION OF emp FOR VALUES FROM ('2019-01-01') TO ('2020-01-01')",
        "INSERT INTO emp SELECT g, timestamp '2019-01-01' + g * interval '1 hour'"
            + " FROM generate_series(1, 300) g");
    Path config = directory.resolve("strata.yaml");
    Files.writeString(
        config,
        "coordinator:\n"
            + "  url: postgresql://127.0.0.1:"
            + main.port()
            + "/"
            + DATABASE
            + "\n"
            + "  user: postgres\n"
            + "  password: \"${env:REDACT_COORDINATOR_PASSWORD}\"\n"
            + "servers:\n"
            + "  archive_a:\n"
            + "    url: postgresql://127.0.0.1:"
            + archive.port()
            + "/"
            + DATABASE
            + "\n"
            + "    user: redact_owner\n"
            + "    password: \"${env:REDACT_OWNER_PASSWORD}\"\n"
            + "    mapping: { user: redact_reader, password: \"${env:REDACT_READER_PASSWORD}\" }\n"
            + "tables:\n"
            + "  public.emp:\n"
            + "    partition_by: { column: time, interval: 1 year }\n"
            + "mirrors:\n"
            + "  ref.emp_2018: { from: archive_a, table: emp_2018, refresh: 1 h }\n");
    String file = config.toString();

    List<String[]> commands = new ArrayList<>();
    commands.add(new String[] {"validate"});
    commands.add(new String[] {"validate", "--json"});
    commands.add(new String[] {"config", "show"});
    commands.add(new String[] {"config", "show", "--origins"});
    commands.add(new String[] {"config", "show", "--json", "--origins"});
    commands.add(
        new String[] {
          "config",
          "show",
          "--origins",
          "--set",
          "servers.archive_a.mapping.password=" + FLAG_SECRET
        });
    commands.add(new String[] {"plan", "--sql"});
    commands.add(new String[] {"plan", "--json", "--sql"});
    commands.add(new String[] {"apply", "--dry-run"});
    commands.add(new String[] {"apply", "--dry-run", "--json"});
    commands.add(new String[] {"apply", "--yes"});
    commands.add(new String[] {"apply", "--yes", "--json"});
    commands.add(FAILING_MAPPING.split(" "));
    String[] attach = {
      "attach",
      "emp",
      "--server",
      "archive_a",
      "--remote-table",
      "emp_2018",
      "--from",
      "2018-01-01",
      "--to",
      "2019-01-01"
    };
    commands.add(append(attach, "--dry-run"));
    commands.add(attach);
    commands.add(
        new String[] {
          "partition", "create", "emp", "--from", "2040-01-01", "--to", "2041-01-01", "--dry-run"
        });
    commands.add(new String[] {"status"});
    commands.add(new String[] {"status", "--json", "--exact"});
    commands.add(new String[] {"archive", "emp", "emp_2019", "--to", "archive_a", "--dry-run"});
    commands.add(new String[] {"archive", "emp", "emp_2019", "--to", "archive_a", "--json"});
    commands.add(new String[] {"operations"});
    commands.add(new String[] {"operations", "--json", "--all"});
    commands.add(new String[] {"verify", "emp"});
    commands.add(new String[] {"verify", "emp", "--json"});
    commands.add(new String[] {"explain", "SELECT count(*) FROM emp"});
    commands.add(new String[] {"analyze"});
    commands.add(new String[] {"analyze", "--json"});
    commands.add(new String[] {"doctor"});
    commands.add(new String[] {"doctor", "--json", "--deep"});
    commands.add(new String[] {"grants"});
    commands.add(new String[] {"grants", "--json"});
    commands.add(new String[] {"grants", "--apply"});
    commands.add(new String[] {"move", "emp", "emp_2019", "--to", "archive_a", "--dry-run"});
    commands.add(new String[] {"drain", "archive_a", "--dry-run"});
    // emp is partitioned already: adopt refuses it, after reading the configuration.
    commands.add(
        new String[] {"adopt", "emp", "--by", "time", "--interval", "1 year", "--dry-run"});
    commands.add(new String[] {"adopt", "emp", "--abort", "--json"});
    // emp is range-partitioned: both refuse it, after reading the configuration.
    commands.add(new String[] {"rebalance", "emp", "--dry-run"});
    commands.add(new String[] {"shard", "split", "emp", "emp_2019", "--dry-run"});
    commands.add(new String[] {"restore", "emp", "emp_2019", "--json"});
    commands.add(new String[] {"resume"});
    commands.add(new String[] {"abort", "999999"});
    commands.add(new String[] {"import", directory.resolve("missing.manifest.json").toString()});
    commands.add(new String[] {"mirror", "refresh", "--dry-run"});
    commands.add(new String[] {"mirror", "refresh", "--verify", "--json"});
    commands.add(new String[] {"mirror", "status"});
    commands.add(new String[] {"mirror", "status", "--json"});
    commands.add(new String[] {"mirror", "verify", "ref.emp_2018"});

    Set<String> every = new TreeSet<>();
    new CommandLine(new StrataCli(Map.of())).getSubcommands().keySet().forEach(every::add);
    every.removeAll(WITHOUT_CONFIG);
    every.removeAll(LONG_RUNNING);
    commands.removeIf(command -> !every.contains(command[0]));

    List<LocalServer> servers = List.of(main, archive);
    Map<LocalServer, Long> logStart = new LinkedHashMap<>();
    for (LocalServer server : servers) {
      logStart.put(server, Files.size(server.logFile()));
      server.execute(
          "ALTER SYSTEM SET log_statement = 'all'",
          "ALTER SYSTEM SET log_min_duration_statement = 0",
          "SELECT pg_reload_conf()");
    }
    List<Output> outputs = new ArrayList<>();
    Set<String> covered = new TreeSet<>();
    CapturedLogs logs = CapturedLogs.attach();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream processOutput = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(processOutput, true, StandardCharsets.UTF_8);
    System.setOut(capture);
    System.setErr(capture);
    try {
      for (String[] command : commands) {
        String[] args = append(append(command, "-v"), "-c", file);
        CliRun run = CliRun.run(ENVIRONMENT, args);
        outputs.add(
            new Output(String.join(" ", command), run.out() + "\n" + run.err(), run.exitCode()));
        covered.add(command[0]);
      }
      // A rotated mapping password: compared with the stored one, then set, then set back.
      Map<String, String> rotated = new LinkedHashMap<>(ENVIRONMENT);
      rotated.put("REDACT_READER_PASSWORD", FLAG_SECRET);
      for (Map<String, String> environment : List.of(rotated, ENVIRONMENT)) {
        CliRun run = CliRun.run(environment, "apply", "--yes", "-v", "-c", file);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("change user mapping for postgres on server archive_a");
        outputs.add(new Output("apply with a rotated mapping password", run.out() + run.err()));
      }
      // A wrong password: the refusal names its source, never a value.
      Map<String, String> wrong = new LinkedHashMap<>(ENVIRONMENT);
      wrong.put("REDACT_OWNER_PASSWORD", WRONG_SECRET);
      for (String[] command : List.of(new String[] {"status"}, new String[] {"doctor", "--json"})) {
        CliRun run = CliRun.run(wrong, append(append(command, "-v"), "-c", file));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        outputs.add(
            new Output("wrong password: " + String.join(" ", command), run.out() + run.err()));
      }
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
      logs.stop();
      for (LocalServer server : servers) {
        server.execute(
            "ALTER SYSTEM RESET log_statement",
            "ALTER SYSTEM RESET log_min_duration_statement",
            "SELECT pg_reload_conf()");
      }
    }
    for (LocalServer server : servers) {
      outputs.add(
          new Output(
              "server log of " + server.name(), logSince(server.logFile(), logStart.get(server))));
    }
    assertThat(logSince(main.logFile(), logStart.get(main)))
        .as("the coordinator logged every statement")
        .contains("COPY pg_temp.strata_secret (value) FROM STDIN")
        .contains("CREATE USER MAPPING");
    outputs.add(new Output("logs", logs.text()));
    outputs.add(
        new Output("System.out and System.err", processOutput.toString(StandardCharsets.UTF_8)));
    outputs.add(new Output("journal", journal(main)));

    assertThat(logs.text()).as("verbose logging produced nothing to check").isNotBlank();
    for (Output output : outputs) {
      if (output.exitCode() >= 0
          && !FAILING.contains(output.command())
          && !output.command().startsWith("import")) {
        assertThat(output.exitCode()).as(output.command() + "\n" + output.text()).isZero();
      }
    }
    assertThat(
            outputs.stream()
                .filter(o -> o.command().startsWith("archive emp emp_2019 --to archive_a --json")))
        .singleElement()
        .satisfies(o -> assertThat(o.text()).contains("\"state\" : \"done\""));
    assertThat(outputs.stream().filter(o -> o.command().equals("grants --apply")))
        .singleElement()
        .satisfies(o -> assertThat(o.text()).contains("error: strata grants --apply failed"));
    assertThat(outputs.stream().filter(o -> o.command().equals(FAILING_MAPPING)))
        .singleElement()
        .satisfies(
            o ->
                assertThat(o.text())
                    .contains("role \"no_such_role\" does not exist")
                    .doesNotContain("CREATE USER MAPPING"));
    assertThat(journal(main)).contains("emp_2019");

    assertThat(covered)
        .as("every command that reads the configuration runs here")
        .containsAll(every);

    assertThat(leaks(outputs)).isEmpty();
    // The check itself works: a planted secret is found.
    assertThat(leaks(List.of(new Output("planted", "password is " + READER_SECRET))))
        .containsExactly("planted: " + READER_SECRET);
  }

  static List<String> leaks(List<Output> outputs) {
    List<String> leaks = new ArrayList<>();
    for (Output output : outputs) {
      for (String secret : SECRETS) {
        if (output.text().contains(secret)) {
          leaks.add(output.command() + ": " + secret);
        }
      }
    }
    return leaks;
  }

  /** What the server wrote to its log after {@code offset}. */
  static String logSince(Path log, long offset) throws java.io.IOException {
    byte[] all = Files.readAllBytes(log);
    return new String(
        all,
        (int) Math.min(offset, all.length),
        (int) Math.max(0, all.length - offset),
        StandardCharsets.UTF_8);
  }

  static String[] append(String[] args, String... more) {
    String[] all = new String[args.length + more.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }

  /** Every column of every row of the journal's tables, as text. */
  static String journal(LocalServer main) throws Exception {
    StringBuilder text = new StringBuilder();
    try (var connection = main.connect(DATABASE);
        var statement = connection.createStatement()) {
      for (String table :
          List.of("strata.operation", "strata.operation_event", "strata.schema_version")) {
        try (ResultSet rows = statement.executeQuery("SELECT * FROM " + table)) {
          ResultSetMetaData columns = rows.getMetaData();
          while (rows.next()) {
            for (int i = 1; i <= columns.getColumnCount(); i++) {
              text.append(rows.getString(i)).append('\t');
            }
            text.append('\n');
          }
        }
      }
    }
    return text.toString();
  }

  static void sql(LocalServer server, String... statements) throws Exception {
    try (var connection = server.connect(DATABASE);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  /** Every log event of every logger, formatted with its stack trace, while the test runs. */
  static final class CapturedLogs extends AppenderBase<ILoggingEvent> {
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private Level previousStrataLevel;

    static CapturedLogs attach() {
      CapturedLogs appender = new CapturedLogs();
      Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      appender.setContext(root.getLoggerContext());
      appender.start();
      root.addAppender(appender);
      Logger strata = (Logger) LoggerFactory.getLogger("dev.strata");
      appender.previousStrataLevel = strata.getLevel();
      return appender;
    }

    @Override
    protected void append(ILoggingEvent event) {
      StringBuilder line =
          new StringBuilder(event.getLevel() + " " + event.getLoggerName() + " ")
              .append(event.getFormattedMessage());
      if (event.getThrowableProxy() != null) {
        line.append('\n').append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
      }
      lines.add(line.toString());
    }

    String text() {
      synchronized (lines) {
        return String.join("\n", lines);
      }
    }

    @Override
    public void stop() {
      Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      root.detachAppender(this);
      ((Logger) LoggerFactory.getLogger("dev.strata")).setLevel(previousStrataLevel);
      super.stop();
    }
  }
}
