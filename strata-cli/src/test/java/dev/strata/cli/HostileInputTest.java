package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile names stay names: a corpus of schema, table, partition, remote table, role and server
 * names and manifests built to be SQL if anything concatenated them (quotes, {@code $$}, dollar
 * tags, semicolons, comment markers, backslashes, newlines, unicode, names at PostgreSQL's 63-byte
 * limit) goes through every command that takes a name, with real tables of those names: archive
 * (and its dry run), verify, move between servers, restore, status, analyze, partition create,
 * attach, drain, retire with an export and import back, grants, apply.
 *
 * <p>Each injectable name carries a canary: were it run as SQL, it would create a table or role
 * named {@code canary_N}. The proof reads the servers' own statement logs ({@code log_statement =
 * all}) on the coordinator and both archives: in every statement the servers executed, the word
 * {@code canary} occurs only inside a quoted identifier, a string literal or a dollar-quoted body,
 * never as SQL; and no canary object exists afterwards on any server. Names PostgreSQL cannot hold
 * are refused with exit code 2 before anything runs.
 */
@Tag("slow")
class HostileInputTest {
  static final String DATABASE = "hostile_input_test";

  /** Names that would run SQL if concatenated; every one must work as a plain name. */
  static final List<String> NAMES =
      List.of(
          // The schema and the retired partition: path separators too, since the export's file
          // names are made from them.
          "x\"; CREATE TABLE canary_1 (); --/../../x",
          "x'; CREATE TABLE canary_2 (); --",
          "$$; CREATE TABLE canary_3 (); $$",
          "x$q$; CREATE TABLE canary_4 (); $q$",
          "x/*; CREATE TABLE canary_5 (); */",
          "x-- CREATE TABLE canary_6",
          "x'); DROP TABLE guard; CREATE TABLE canary_7 (); --",
          "x\\'; CREATE TABLE canary_8 (); --",
          "x\"\"; CREATE TABLE canary_9 (); --",
          "x\nCREATE TABLE canary_10 ();",
          "x\r\n; CREATE ROLE canary_11; --",
          "x%s%n%x canary_12",
          "x' OR '1'='1 canary_13",
          "x; SELECT pg_sleep(30); CREATE TABLE canary_14 ()",
          "E'\\x27'; CREATE TABLE canary_15 (); --",
          "Ünïcødé ñame canary_16",
          "emoji 🐘 canary_17",
          "x\u2028; CREATE TABLE canary_18 ()",
          "select",
          "X_UPPER canary_20",
          "x.y canary_21",
          "  canary_22 spaces  ",
          "x\\\\ canary_23 backslashes\\",
          "x:y=z,w canary_24",
          // 63 bytes exactly, ending in a 4-byte character: names derived from it must cut whole
          // characters.
          "long_25_" + "l".repeat(51) + "🐘",
          "long_26_" + "é".repeat(26) + "xxx");

  /** Names PostgreSQL cannot hold, or that are not a name: refused, exit 2, nothing runs. */
  static final List<String> REFUSED =
      List.of(
          "\"" + "canary_r1_" + "l".repeat(60) + "\"",
          "\"x\u0000canary_r2\"",
          "\"\"",
          "\"x\"y\"",
          "a.b.canary_r5",
          "canary r6 unquoted spaces",
          "\"unterminated canary_r7");

  static final Pattern LOG_ENTRY =
      Pattern.compile(
          "^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+ \\S+ \\[\\d+\\] (\\w+):  ");

  @TempDir Path directory;

  LocalServer main;
  LocalServer archiveA;
  LocalServer archiveB;
  Path config;
  final List<String> ran = new ArrayList<>();

  @Test
  void hostileNamesStayNamesThroughEveryCommand() throws Exception {
    main = SharedServers.get().server(SharedServers.MAIN);
    archiveA = SharedServers.get().server(SharedServers.ARCHIVE_A);
    archiveB = SharedServers.get().server(SharedServers.ARCHIVE_B);
    for (String server :
        List.of(SharedServers.MAIN, SharedServers.ARCHIVE_A, SharedServers.ARCHIVE_B)) {
      SharedServers.freshDatabase(server, DATABASE);
    }
    String schema = NAMES.get(0);
    String parent = NAMES.get(1) + " events";
    for (LocalServer server : List.of(main, archiveA, archiveB)) {
      sql(server, "CREATE SCHEMA " + quote(schema), "CREATE TABLE guard (id int)");
    }
    sql(
        main,
        "CREATE TABLE "
            + qualified(schema, parent)
            + " (id int NOT NULL, time timestamp NOT NULL, note text) PARTITION BY RANGE (time)");
    for (int i = 0; i < NAMES.size(); i++) {
      int year = 2000 + i;
      sql(
          main,
          "CREATE TABLE "
              + qualified(schema, NAMES.get(i))
              + " PARTITION OF "
              + qualified(schema, parent)
              + " FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO "
              + qualified(schema, parent)
              + " SELECT g, timestamp '"
              + year
              + "-01-01' + g * interval '1 day', "
              + "'note ' || g FROM generate_series(1, 5) g");
    }
    Path exports = directory.resolve("exports");
    config = directory.resolve("strata.yaml");
    Files.writeString(
        config,
        "coordinator:\n  url: "
            + url(main)
            + "\n  user: postgres\nservers:\n  archive_a:\n    url: "
            + url(archiveA)
            + "\n    user: postgres\n  archive_b:\n    url: "
            + url(archiveB)
            + "\n    user: postgres\n",
        StandardCharsets.UTF_8);
    String table = cliName(schema, parent);
    String checksumBefore = checksum(schema, parent);

    Map<LocalServer, Long> logStart = startStatementLogs();
    List<CliRun> runs = new ArrayList<>();
    try {
      expectOk(runs, "apply", "--yes");
      for (int i = 0; i < NAMES.size(); i++) {
        String partition = cliName(schema, NAMES.get(i));
        expectOk(runs, "archive", table, partition, "--to", "archive_a", "--dry-run");
        expectOk(runs, "archive", table, partition, "--to", "archive_a");
        expectOk(runs, "verify", table, partition);
        expectOk(runs, "move", table, partition, "--to", "archive_b", "--dry-run");
        expectOk(runs, "move", table, partition, "--to", "archive_b");
        if (i % 2 == 0) {
          expectOk(runs, "restore", table, partition, "--dry-run");
          expectOk(runs, "restore", table, partition);
        }
      }
      expectOk(runs, "status", table);
      expectOk(runs, "analyze", table, "--dry-run");
      expectOk(runs, "analyze", table);
      expectOk(runs, "drain", "archive_b", "--to", "archive_a", "--dry-run");
      expectOk(runs, "drain", "archive_b", "--to", "archive_a");
      expectOk(runs, "verify", table);
      for (int i = 0; i < 3; i++) {
        String name = cliName(schema, NAMES.get(9 + i) + " new");
        int year = 2100 + i;
        expectOk(
            runs,
            "partition",
            "create",
            table,
            "--from",
            year + "-01-01",
            "--to",
            (year + 1) + "-01-01",
            "--name",
            name);
      }
      // A remote table of a hostile name on an archive, attached under another hostile name.
      sql(
          archiveA,
          "CREATE TABLE "
              + qualified(schema, NAMES.get(3) + " remote")
              + " (id int NOT NULL, time timestamp NOT NULL, note text)",
          "INSERT INTO "
              + qualified(schema, NAMES.get(3) + " remote")
              + " VALUES (1, '2200-06-01', 'attached')");
      expectOk(
          runs,
          "attach",
          table,
          "--server",
          "archive_a",
          "--remote-table",
          cliName(schema, NAMES.get(3) + " remote"),
          "--from",
          "2200-01-01",
          "--to",
          "2201-01-01",
          "--name",
          cliName(schema, NAMES.get(5) + " attached"));
      expectOk(runs, "grants", "--read-role", quote(NAMES.get(6)));
      // Unknown hostile names: clear errors, nothing runs.
      for (String name : NAMES.subList(0, 8)) {
        expectFailure(runs, "status", cliName(schema, name + " missing"));
        expectFailure(
            runs, "archive", table, cliName(schema, name + " missing"), "--to", "archive_a");
        expectFailure(runs, "drain", name);
      }
      for (String refused : REFUSED) {
        expectUsageError(runs, "status", refused);
        expectUsageError(runs, "archive", table, refused, "--to", "archive_a");
        expectUsageError(
            runs,
            "partition",
            "create",
            table,
            "--from",
            "2300-01-01",
            "--to",
            "2301-01-01",
            "--name",
            refused);
      }
      // Retire with an export of a hostile partition, then import it back from its manifest.
      Path retireConfig = directory.resolve("retire.yaml");
      Files.writeString(
          retireConfig,
          Files.readString(config)
              + "tables:\n  "
              + yamlKey(qualified(schema, parent))
              + ":\n    partition_by: { column: time, interval: 1 year }\n    premake: 0\n"
              + "    hot: 29 years\n    archive_to: archive_a\n    retention: 30 years\n    export_before_retire: "
              + exports
              + "\n",
          StandardCharsets.UTF_8);
      expectOk(runs, retireConfig, "apply", "--yes", "--only", "retire", "--now", "2031-02-01");
      Path manifest;
      try (var files = Files.list(exports)) {
        manifest =
            files.filter(f -> f.toString().endsWith(".manifest.json")).findFirst().orElseThrow();
      }
      assertThat(manifest.getFileName().toString()).doesNotContain("/");
      // The dry run imports nothing: the import after it finds the name free.
      expectOk(runs, "import", manifest.toString(), "--dry-run");
      expectOk(runs, "import", manifest.toString());
      // Hostile server and role names in the configuration: refused before any connection.
      for (String name : List.of(NAMES.get(0), NAMES.get(2), NAMES.get(15), "Upper")) {
        Path hostile = directory.resolve("hostile-server.yaml");
        Files.writeString(
            hostile,
            Files.readString(config) + "  " + yamlKey(name) + ":\n    url: " + url(archiveA) + "\n",
            StandardCharsets.UTF_8);
        CliRun run = CliRun.run(Map.of(), "validate", "-c", hostile.toString());
        runs.add(run);
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
      }
      Path role = directory.resolve("hostile-role.yaml");
      Files.writeString(
          role,
          Files.readString(config)
              .replace(
                  "  archive_b:\n",
                  "    mapping: { local_user: " + yamlKey(NAMES.get(7)) + " }\n  archive_b:\n"),
          StandardCharsets.UTF_8);
      expectOk(runs, role, "apply", "--dry-run");
      CliRun mapping = CliRun.run(Map.of(), "apply", "--yes", "-c", role.toString());
      runs.add(mapping);
      assertThat(mapping.exitCode()).as(mapping.toString()).isEqualTo(1);
      assertThat(mapping.err()).contains("does not exist");
    } finally {
      stopStatementLogs();
    }

    assertThat(checksum(schema, parent))
        .as("every row is still there, through the parent")
        .isEqualTo(checksumBefore);
    List<String> injected = new ArrayList<>();
    int statements = 0;
    for (LocalServer server : List.of(main, archiveA, archiveB)) {
      for (String statement : executedStatements(logSince(server, logStart.get(server)))) {
        statements++;
        if (codeOutsideQuotes(statement).toLowerCase(java.util.Locale.ROOT).contains("canary")) {
          injected.add(server.name() + ": " + statement);
        }
      }
      assertThat(canaries(server)).as("canary objects on " + server.name()).isEmpty();
    }
    assertThat(statements).as("the servers logged the statements").isGreaterThan(1000);
    assertThat(injected).as("statements where a name became SQL").isEmpty();
    // The check itself works: an injected statement is found, a quoted name is not.
    assertThat(codeOutsideQuotes("SELECT 1; CREATE TABLE canary_1 ()")).contains("canary");
    assertThat(codeOutsideQuotes("CREATE TABLE \"x\"\"; CREATE TABLE canary_1 (); --\" ()"))
        .doesNotContain("canary");
    assertThat(codeOutsideQuotes("SELECT 'x'';canary', $q$canary$q$, E'\\'canary'"))
        .doesNotContain("canary");
    assertThat(runs).isNotEmpty();
  }

  // Commands -----------------------------------------------------------------------------------

  void expectOk(List<CliRun> runs, String... args) {
    expectOk(runs, config, args);
  }

  void expectOk(List<CliRun> runs, Path file, String... args) {
    CliRun run = CliRun.run(Map.of(), RedactionTest.append(args, "-c", file.toString()));
    runs.add(run);
    assertThat(run.exitCode()).as(String.join(" ", args) + "\n" + run).isZero();
  }

  void expectFailure(List<CliRun> runs, String... args) {
    CliRun run = CliRun.run(Map.of(), RedactionTest.append(args, "-c", config.toString()));
    runs.add(run);
    assertThat(run.exitCode()).as(String.join(" ", args) + "\n" + run).isIn(1, 2);
    assertThat(run.err()).as(run.toString()).contains("error:");
  }

  void expectUsageError(List<CliRun> runs, String... args) {
    CliRun run = CliRun.run(Map.of(), RedactionTest.append(args, "-c", config.toString()));
    runs.add(run);
    assertThat(run.exitCode()).as(String.join(" ", args) + "\n" + run).isEqualTo(2);
  }

  // Names --------------------------------------------------------------------------------------

  static String quote(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  static String qualified(String schema, String name) {
    return quote(schema) + "." + quote(name);
  }

  /** How a user types the name on the command line: both parts double-quoted. */
  static String cliName(String schema, String name) {
    return qualified(schema, name);
  }

  /** A YAML key holding {@code text} as it is: a double-quoted YAML scalar. */
  static String yamlKey(String text) {
    StringBuilder key = new StringBuilder("\"");
    text.codePoints()
        .forEach(
            c -> {
              if (c == '"' || c == '\\') {
                key.append('\\').appendCodePoint(c);
              } else if (c < 0x20 || c == 0x2028) {
                key.append(String.format("\\u%04x", c));
              } else {
                key.appendCodePoint(c);
              }
            });
    return key.append('"').toString();
  }

  String url(LocalServer server) {
    return "postgresql://127.0.0.1:" + server.port() + "/" + DATABASE;
  }

  // Servers ------------------------------------------------------------------------------------

  static void sql(LocalServer server, String... statements) throws Exception {
    try (Connection connection = server.connect(DATABASE);
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  String checksum(String schema, String parent) throws Exception {
    try (Connection connection = main.connect(DATABASE);
        PreparedStatement statement =
            connection.prepareStatement(
                "SELECT count(*) || '/' || coalesce(sum(hashtextextended(t::text, 0)), 0)"
                    + " FROM (SELECT id, time, note FROM "
                    + qualified(schema, parent)
                    + " WHERE time < '2100-01-01') t");
        ResultSet rows = statement.executeQuery()) {
      rows.next();
      return rows.getString(1);
    }
  }

  List<String> canaries(LocalServer server) throws Exception {
    List<String> found = new ArrayList<>();
    try (Connection connection = server.connect(DATABASE);
        var statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT relname::text FROM pg_class WHERE relname ~ '^canary'"
                    + " UNION ALL SELECT rolname::text FROM pg_roles WHERE rolname ~ '^canary'")) {
      while (rows.next()) {
        found.add(rows.getString(1));
      }
    }
    return found;
  }

  Map<LocalServer, Long> startStatementLogs() throws Exception {
    Map<LocalServer, Long> start = new LinkedHashMap<>();
    for (LocalServer server : List.of(main, archiveA, archiveB)) {
      start.put(server, Files.size(server.logFile()));
      server.execute("ALTER SYSTEM SET log_statement = 'all'", "SELECT pg_reload_conf()");
    }
    return start;
  }

  void stopStatementLogs() throws Exception {
    for (LocalServer server : List.of(main, archiveA, archiveB)) {
      server.execute("ALTER SYSTEM RESET log_statement", "SELECT pg_reload_conf()");
    }
  }

  static String logSince(LocalServer server, long offset) throws Exception {
    return RedactionTest.logSince(server.logFile(), offset);
  }

  /**
   * The statements a server log records as executed: {@code statement:} and {@code execute <name>:}
   * entries, with their continuation lines (a statement may span lines).
   */
  static List<String> executedStatements(String log) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = null;
    for (String line : log.split("\n", -1)) {
      Matcher entry = LOG_ENTRY.matcher(line);
      if (entry.find()) {
        if (current != null) {
          statements.add(current.toString());
          current = null;
        }
        String message = line.substring(entry.end());
        if (entry.group(1).equals("LOG")) {
          Matcher statement = Pattern.compile("^(?:statement|execute [^:]*): ").matcher(message);
          if (statement.find()) {
            current = new StringBuilder(message.substring(statement.end()));
          }
        }
      } else if (current != null) {
        current.append('\n').append(line);
      }
    }
    if (current != null) {
      statements.add(current.toString());
    }
    return statements;
  }

  /**
   * The SQL text of {@code sql} outside string literals ({@code '...'}, {@code E'...'}), quoted
   * identifiers, dollar-quoted bodies and comments: where a name that became SQL would show.
   */
  static String codeOutsideQuotes(String sql) {
    StringBuilder code = new StringBuilder();
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'') {
        boolean escapes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e');
        i++;
        while (i < n) {
          char d = sql.charAt(i);
          if (escapes && d == '\\') {
            i += 2;
          } else if (d == '\'' && i + 1 < n && sql.charAt(i + 1) == '\'') {
            i += 2;
          } else if (d == '\'') {
            break;
          } else {
            i++;
          }
        }
        i++;
        code.append(" '' ");
      } else if (c == '"') {
        i++;
        while (i < n) {
          if (sql.charAt(i) == '"' && i + 1 < n && sql.charAt(i + 1) == '"') {
            i += 2;
          } else if (sql.charAt(i) == '"') {
            break;
          } else {
            i++;
          }
        }
        i++;
        code.append(" \"\" ");
      } else if (c == '$' && dollarTag(sql, i) != null) {
        String tag = dollarTag(sql, i);
        int end = sql.indexOf(tag, i + tag.length());
        i = end < 0 ? n : end + tag.length();
        code.append(" $$ ");
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        code.append(c);
        i++;
      }
    }
    return code.toString();
  }

  /** The dollar-quote tag ({@code $$} or {@code $tag$}) starting at {@code at}, or null. */
  private static String dollarTag(String sql, int at) {
    if (at > 0 && (Character.isLetterOrDigit(sql.charAt(at - 1)) || sql.charAt(at - 1) == '_')) {
      return null;
    }
    int i = at + 1;
    while (i < sql.length() && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
      i++;
    }
    if (i < sql.length() && sql.charAt(i) == '$') {
      String tag = sql.substring(at, i + 1);
      return tag.length() > 2 && Character.isDigit(tag.charAt(1)) ? null : tag;
    }
    return null;
  }
}
