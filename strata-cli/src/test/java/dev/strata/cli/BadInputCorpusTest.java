package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus: every file under {@code src/test/resources/bad-inputs/CATEGORY/} is one
 * wrong thing a user can give Strata (a config, a flag, a name, a bound, an address, a password, a
 * file, an export manifest), with the exit code and the words its error must say. Each case runs
 * the command line in-process against real servers, and must:
 *
 * <ul>
 *   <li>exit with the declared code (2 for usage and configuration errors, 1 for failures against a
 *       server);
 *   <li>print {@code error:} and {@code hint:} with every expected word (what was wrong and where:
 *       key path, file and line, the offending value, what to do);
 *   <li>print no stack trace and no exception class name;
 *   <li>change nothing on any server: a fingerprint of each server's catalog (relations, bounds,
 *       constraints, triggers, foreign servers, user mappings, roles, extensions) and of every
 *       table's rows, Strata's journal included, is the same before and after.
 * </ul>
 *
 * <p>The format of a case and how to add one: docs/bad-inputs.md. The fixture the cases run against
 * is built once: {@code emp} (range by {@code time}, yearly partitions, one archived on {@code
 * archive_a}), {@code counters} (range by an integer), {@code regions} (list), {@code plain} (not
 * partitioned), a login role with a known password, and foreign servers for both archives.
 */
class BadInputCorpusTest {
  static final String DATABASE = "bad_input_corpus";
  static final String CORPUS = "bad-inputs";
  static final String LOGIN_ROLE = "bad_input_login";
  static final String LOGIN_PASSWORD = "bad-input-Right-Password-1";

  /** A command that succeeds against a bad input would run until stopped (serve): a hang guard. */
  static final Duration HANG_GUARD = Duration.ofMinutes(5);

  static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /** {@code ${NAME}} or {@code ${NAME:argument}}; lower-case ones are Strata's own. */
  static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");

  static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s+at [\\w$.]+\\(");
  static final Pattern EXCEPTION_NAME =
      Pattern.compile("\\b(?:[a-z]\\w*\\.)*[A-Z]\\w*(?:Exception|Error)\\b");

  static final List<String> SERVERS =
      List.of(SharedServers.MAIN, SharedServers.ARCHIVE_A, SharedServers.ARCHIVE_B);

  @TempDir static Path scratchRoot;

  static final AtomicInteger RUN = new AtomicInteger();
  static final AtomicInteger PASSED = new AtomicInteger();
  static int unusedPort;

  /**
   * One case, as written in its file.
   *
   * @param name what the case is, in a few words
   * @param shows what Strata must do with it, and why that is right
   * @param args the command line; {@code -c CONFIG} is appended unless given
   * @param config the {@code strata.yaml} body, written to {@code ${CONFIG}}; default: base.yaml
   * @param appendConfig false: do not append {@code -c CONFIG} (a command line without one)
   * @param files more files to write into {@code ${SCRATCH}}, in order, by relative path
   * @param env the environment the command sees (nothing else of the test's)
   * @param exit the expected exit code
   * @param expect words standard error must contain
   * @param expectOut words standard output must contain
   */
  record BadInput(
      @JsonProperty(required = true) String name,
      @JsonProperty(required = true) String shows,
      @JsonProperty(required = true) List<String> args,
      String config,
      @JsonProperty("append_config") Boolean appendConfig,
      Map<String, FileSpec> files,
      Map<String, String> env,
      @JsonProperty(required = true) Integer exit,
      @JsonProperty(required = true) List<String> expect,
      @JsonProperty("expect_out") List<String> expectOut) {}

  /**
   * A file a case needs: its text (or its bytes in base64, for what is not UTF-8 text), optionally
   * gzip-compressed, optionally cut after {@code truncate} bytes (of the compressed form, when
   * gzip).
   */
  record FileSpec(String content, String base64, Boolean gzip, Integer truncate) {
    /** A file given as its text alone. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static FileSpec of(String content) {
      return new FileSpec(content, null, false, null);
    }
  }

  /** A case file, with the category (its directory) and path that name it in reports. */
  record CaseFile(String category, String path, BadInput input) {}

  @BeforeAll
  static void setUp() throws Exception {
    for (String server : SERVERS) {
      SharedServers.freshDatabase(server, DATABASE);
    }
    LocalServer main = server(SharedServers.MAIN);
    LocalServer archiveA = server(SharedServers.ARCHIVE_A);
    for (LocalServer server : List.of(main, archiveA)) {
      server.execute("DROP ROLE IF EXISTS " + LOGIN_ROLE);
      server.createRole(LOGIN_ROLE, LOGIN_PASSWORD);
    }
    sql(
        main,
        "CREATE TABLE emp (id int NOT NULL, time timestamp NOT NULL, salary numeric(10,2))"
            + " PARTITION BY RANGE (time)",
        "CREATE TABLE emp_2023 PARTITION OF emp FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')",
        "CREATE TABLE emp_2024 PARTITION OF emp FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        "CREATE TABLE emp_2025 PARTITION OF emp FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        "INSERT INTO emp SELECT g, timestamp '2023-01-01' + g * interval '1 day', g"
            + " FROM generate_series(1, 1000) g",
        "CREATE TABLE counters (n int NOT NULL, note text) PARTITION BY RANGE (n)",
        "CREATE TABLE counters_0 PARTITION OF counters FOR VALUES FROM (0) TO (100)",
        "INSERT INTO counters SELECT g, 'n' || g FROM generate_series(0, 99) g",
        "CREATE TABLE regions (id int NOT NULL, region text NOT NULL) PARTITION BY LIST (region)",
        "CREATE TABLE regions_eu PARTITION OF regions FOR VALUES IN ('eu')",
        "INSERT INTO regions VALUES (1, 'eu')",
        "CREATE TABLE plain (id int PRIMARY KEY)",
        "INSERT INTO plain VALUES (1)");
    sql(
        archiveA,
        "CREATE TABLE emp_2019 (id int NOT NULL, time timestamp NOT NULL, salary numeric(10,2))",
        "INSERT INTO emp_2019 VALUES (1, '2019-06-01', 1), (2, '2020-06-01', 2)",
        "CREATE TABLE emp_narrow (id int NOT NULL, time timestamp NOT NULL)",
        "CREATE TABLE emp_empty (id int NOT NULL, time timestamp NOT NULL, salary numeric(10,2))");
    unusedPort = unusedPort();
    Path setup = Files.createDirectories(scratchRoot.resolve("setup"));
    Path config = setup.resolve("strata.yaml");
    Files.writeString(config, substitute(baseConfig(), setup, config), StandardCharsets.UTF_8);
    for (String[] command :
        List.of(
            new String[] {"apply", "--yes", "--now", "2025-06-01"},
            new String[] {"archive", "emp", "emp_2023", "--to", "archive_a"})) {
      CliRun run = CliRun.run(Map.of(), RedactionTest.append(command, "-c", config.toString()));
      assertThat(run.exitCode()).as("setup: " + String.join(" ", command) + "\n" + run).isZero();
    }
  }

  /** Cases run per category, for the reliability report. */
  static final Map<String, Integer> RUN_BY_CATEGORY =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  @AfterAll
  static void summary() throws java.io.IOException {
    System.out.println("bad-input corpus: " + RUN.get() + " cases, " + PASSED.get() + " passed");
    // The figures for docs/reliability.md (bench/run-proof.sh).
    StringBuilder categories = new StringBuilder();
    RUN_BY_CATEGORY.forEach(
        (category, count) ->
            categories
                .append(categories.length() == 0 ? "" : ", ")
                .append('"')
                .append(category)
                .append("\": ")
                .append(count));
    Path proof = Files.createDirectories(Path.of("target", "proof"));
    Files.writeString(
        proof.resolve("bad-inputs.json"),
        "{\"cases\": "
            + RUN.get()
            + ", \"passed\": "
            + PASSED.get()
            + ", \"categories\": {"
            + categories
            + "}}\n",
        StandardCharsets.UTF_8);
  }

  @TestFactory
  Stream<DynamicNode> corpus() throws Exception {
    List<CaseFile> cases = loadCases();
    Map<String, List<CaseFile>> byCategory = new LinkedHashMap<>();
    cases.forEach(c -> byCategory.computeIfAbsent(c.category(), k -> new ArrayList<>()).add(c));
    return byCategory.entrySet().stream()
        .map(
            category ->
                DynamicContainer.dynamicContainer(
                    category.getKey(),
                    category.getValue().stream()
                        .map(
                            c ->
                                DynamicTest.dynamicTest(
                                    c.path() + ": " + c.input().name(), () -> run(c)))));
  }

  @Test
  void theCorpusCoversEveryKindOfBadInput() throws Exception {
    List<CaseFile> cases = loadCases();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(60);
    assertThat(cases.stream().map(CaseFile::category).distinct())
        .contains("config", "flags", "identifiers", "bounds", "connection", "files", "import");
    Set<String> names = new TreeSet<>();
    for (CaseFile c : cases) {
      assertThat(names.add(c.input().name()))
          .as("a second case named " + c.input().name())
          .isTrue();
    }
  }

  /** The checks can fail: a change on a server shows in its fingerprint, and goes away with it. */
  @Test
  void theFingerprintSeesAChangedRowAndANewTable() throws Exception {
    Map<String, List<String>> before = fingerprints();
    LocalServer main = server(SharedServers.MAIN);
    LocalServer archiveB = server(SharedServers.ARCHIVE_B);
    sql(main, "UPDATE emp_2024 SET salary = salary + 1 WHERE id = 400");
    sql(archiveB, "CREATE TABLE fingerprint_probe (id int)");
    Map<String, List<String>> changed = fingerprints();
    sql(main, "UPDATE emp_2024 SET salary = salary - 1 WHERE id = 400");
    sql(archiveB, "DROP TABLE fingerprint_probe");
    assertThat(changed.get(SharedServers.MAIN)).isNotEqualTo(before.get(SharedServers.MAIN));
    assertThat(changed.get(SharedServers.ARCHIVE_B))
        .isNotEqualTo(before.get(SharedServers.ARCHIVE_B));
    assertThat(fingerprints()).isEqualTo(before);
  }

  /** The checks can fail: a stack trace and an exception's name are seen. */
  @Test
  void theChecksSeeAStackTrace() {
    CliRun run = CliRun.run(Map.of(), "status", "--stacktrace", "-c", "/nonexistent/strata.yaml");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(STACK_FRAME.matcher(run.err()).find()).as(run.toString()).isTrue();
    assertThat(EXCEPTION_NAME.matcher(run.err()).find()).as(run.toString()).isTrue();
  }

  // Running one case -----------------------------------------------------------------------------

  static void run(CaseFile caseFile) throws Exception {
    RUN.incrementAndGet();
    RUN_BY_CATEGORY.merge(caseFile.category(), 1, Integer::sum);
    BadInput input = caseFile.input();
    Path scratch =
        Files.createDirectories(
            scratchRoot.resolve(caseFile.path().replace('/', '_').replace(".yaml", "")));
    Path config = scratch.resolve("strata.yaml");
    String body = input.config() != null ? input.config() : baseConfig();
    Files.writeString(config, substitute(body, scratch, config), StandardCharsets.UTF_8);
    if (input.files() != null) {
      for (var file : input.files().entrySet()) {
        writeFile(scratch, config, file.getKey(), file.getValue());
      }
    }
    List<String> args = new ArrayList<>();
    for (String arg : input.args()) {
      args.add(substitute(arg, scratch, config));
    }
    boolean append =
        !Boolean.FALSE.equals(input.appendConfig())
            && !args.contains("-c")
            && args.stream().noneMatch(a -> a.equals("--config") || a.startsWith("--config="));
    if (append) {
      args.add("-c");
      args.add(config.toString());
    }
    Map<String, String> environment = new LinkedHashMap<>();
    if (input.env() != null) {
      input.env().forEach((k, v) -> environment.put(k, substitute(v, scratch, config)));
    }

    Map<String, List<String>> before = fingerprints();
    CliRun run =
        Assertions.assertTimeoutPreemptively(
            HANG_GUARD,
            () -> CliRun.run(environment, args.toArray(String[]::new)),
            () -> "the command did not stop: " + String.join(" ", args));
    Map<String, List<String>> after = fingerprints();
    writeTranscript(caseFile, args, run);

    String what = caseFile.path() + " (" + input.name() + "): strata " + String.join(" ", args);
    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(run.exitCode()).as(what + "\nexit code\n" + run).isEqualTo(input.exit());
    // With --json, a refusal is a JSON document on standard output instead of error and hint lines.
    if (input.exit() != 0 && !args.contains("--json")) {
      softly.assertThat(run.err()).as(what + "\nerror and hint\n" + run).contains("error: ");
      softly.assertThat(run.err()).as(what + "\nerror and hint\n" + run).contains("\nhint: ");
    }
    for (String word : input.expect()) {
      softly
          .assertThat(run.err())
          .as(what + "\nexpected words on standard error\n" + run)
          .contains(substitute(word, scratch, config));
    }
    if (input.expectOut() != null) {
      for (String word : input.expectOut()) {
        softly
            .assertThat(run.out())
            .as(what + "\nexpected words on standard output\n" + run)
            .contains(substitute(word, scratch, config));
      }
    }
    String printed = run.out() + "\n" + run.err();
    softly
        .assertThat(STACK_FRAME.matcher(printed).find())
        .as(what + "\na stack trace\n" + run)
        .isFalse();
    softly
        .assertThat(printed)
        .as(what + "\nan unexpected failure\n" + run)
        .doesNotContain("unexpected failure");
    boolean exceptionExpected = input.expect().stream().anyMatch(w -> w.contains("Exception"));
    if (!exceptionExpected) {
      Matcher exception = EXCEPTION_NAME.matcher(printed);
      softly
          .assertThat(exception.find() ? exception.group() : "")
          .as(what + "\nan exception class name\n" + run)
          .isEmpty();
    }
    for (String server : SERVERS) {
      softly
          .assertThat(after.get(server))
          .as(what + "\nthe catalog and rows of " + server + " changed\n" + run)
          .isEqualTo(before.get(server));
    }
    softly.assertAll();
    PASSED.incrementAndGet();
  }

  /**
   * With {@code -Dbad-inputs.transcripts=DIR}, each case's command line, exit code and output go to
   * {@code DIR/CATEGORY_NAME.txt}: what a new case's expected words are read from.
   */
  static void writeTranscript(CaseFile caseFile, List<String> args, CliRun run) throws IOException {
    String directory = System.getProperty("bad-inputs.transcripts");
    if (directory == null || directory.isBlank()) {
      return;
    }
    Path file =
        Files.createDirectories(Path.of(directory))
            .resolve(caseFile.path().replace('/', '_').replace(".yaml", ".txt"));
    Files.writeString(
        file, "strata " + String.join(" ", args) + "\n" + run, StandardCharsets.UTF_8);
  }

  static void writeFile(Path scratch, Path config, String relative, FileSpec spec)
      throws IOException {
    Path file = scratch.resolve(relative).normalize();
    if (!file.startsWith(scratch)) {
      fail("a case's file must stay in its scratch directory: " + relative);
    }
    Files.createDirectories(file.getParent());
    byte[] bytes =
        spec.base64() != null
            ? Base64.getDecoder().decode(spec.base64())
            : substitute(Objects.requireNonNullElse(spec.content(), ""), scratch, config)
                .getBytes(StandardCharsets.UTF_8);
    if (Boolean.TRUE.equals(spec.gzip())) {
      ByteArrayOutputStream compressed = new ByteArrayOutputStream();
      try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
        gzip.write(bytes);
      }
      bytes = compressed.toByteArray();
    }
    if (spec.truncate() != null) {
      bytes = Arrays.copyOf(bytes, Math.min(bytes.length, spec.truncate()));
    }
    Files.write(file, bytes);
  }

  /**
   * Replaces the runner's placeholders: {@code ${MAIN_URL}}, {@code ${ARCHIVE_A_URL}}, {@code
   * ${ARCHIVE_B_URL}} (the servers' test database), {@code ${MAIN_PORT}}, {@code ${UNUSED_PORT}} (a
   * port where nothing listens), {@code ${DATABASE}}, {@code ${SCRATCH}} (the case's directory),
   * {@code ${CONFIG}} (its strata.yaml), {@code ${LOGIN_ROLE}}, {@code ${LOGIN_PASSWORD}} (a role
   * with that password on main and archive_a), {@code ${SHA256:FILE}} (of a file written before)
   * and {@code ${REPEAT:N:TEXT}}.
   */
  static String substitute(String text, Path scratch, Path config) {
    Matcher matcher = PLACEHOLDER.matcher(text);
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String name = matcher.group(1);
      String argument = matcher.group(2);
      String value =
          switch (name) {
            case "MAIN_URL" -> server(SharedServers.MAIN).uri(DATABASE);
            case "ARCHIVE_A_URL" -> server(SharedServers.ARCHIVE_A).uri(DATABASE);
            case "ARCHIVE_B_URL" -> server(SharedServers.ARCHIVE_B).uri(DATABASE);
            case "MAIN_PORT" -> Integer.toString(server(SharedServers.MAIN).port());
            case "UNUSED_PORT" -> Integer.toString(unusedPort);
            case "DATABASE" -> DATABASE;
            case "SCRATCH" -> scratch.toString();
            case "CONFIG" -> config.toString();
            case "LOGIN_ROLE" -> LOGIN_ROLE;
            case "LOGIN_PASSWORD" -> LOGIN_PASSWORD;
            case "SHA256" -> sha256(scratch.resolve(Objects.requireNonNull(argument, name)));
            case "REPEAT" -> repeat(Objects.requireNonNull(argument, name));
            default -> throw new IllegalArgumentException("unknown placeholder ${" + name + "}");
          };
      matcher.appendReplacement(result, Matcher.quoteReplacement(value));
    }
    matcher.appendTail(result);
    return result.toString();
  }

  /** {@code N:TEXT}: TEXT N times, for names over PostgreSQL's 63 bytes. */
  static String repeat(String argument) {
    int colon = argument.indexOf(':');
    return argument.substring(colon + 1).repeat(Integer.parseInt(argument.substring(0, colon)));
  }

  static String sha256(Path file) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // The corpus ----------------------------------------------------------------------------------

  static Path corpusDirectory() throws URISyntaxException {
    return Path.of(
        Objects.requireNonNull(
                BadInputCorpusTest.class.getClassLoader().getResource(CORPUS), CORPUS)
            .toURI());
  }

  static String baseConfig() {
    try {
      return Files.readString(corpusDirectory().resolve("base.yaml"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<CaseFile> loadCases() throws Exception {
    Path root = corpusDirectory();
    List<CaseFile> cases = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        Path relative = root.relativize(file);
        if (relative.getNameCount() < 2) {
          continue;
        }
        BadInput input;
        try {
          input = YAML.readValue(file.toFile(), BadInput.class);
        } catch (IOException e) {
          throw new IllegalStateException("cannot read the case " + relative + ": " + e, e);
        }
        cases.add(new CaseFile(relative.getName(0).toString(), relative.toString(), input));
      }
    }
    return cases;
  }

  // The servers ---------------------------------------------------------------------------------

  static LocalServer server(String name) {
    return SharedServers.get().server(name);
  }

  static void sql(LocalServer server, String... statements) throws SQLException {
    try (Connection connection = server.connect(DATABASE);
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  static int unusedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static Map<String, List<String>> fingerprints() throws SQLException {
    Map<String, List<String>> all = new LinkedHashMap<>();
    for (String server : SERVERS) {
      all.put(server, fingerprint(server(server)));
    }
    return all;
  }

  /** What must not change on a server: its catalog, as sorted lines, and each table's rows. */
  static final String CATALOG =
      """
      WITH user_namespace AS (
        SELECT oid, nspname FROM pg_namespace
        WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
          AND nspname !~ '^pg_(toast_)?temp_'
      )
      SELECT 'namespace ' || nspname FROM user_namespace
      UNION ALL
      SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text
          || coalesce(' ' || pg_get_expr(c.relpartbound, c.oid), '')
          || coalesce(' ' || array_to_string(c.reloptions, ','), '')
        FROM pg_class c JOIN user_namespace n ON n.oid = c.relnamespace
      UNION ALL
      SELECT 'inherits ' || inhrelid::regclass::text || ' < ' || inhparent::regclass::text
        FROM pg_inherits
      UNION ALL
      SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' '
          || pg_get_constraintdef(c.oid) || ' ' || convalidated
        FROM pg_constraint c JOIN user_namespace n ON n.oid = c.connamespace
      UNION ALL
      SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text
        FROM pg_trigger WHERE NOT tgisinternal
      UNION ALL
      SELECT 'column ' || attrelid::regclass::text || ' ' || attname || ' '
          || format_type(atttypid, atttypmod) || ' ' || attnotnull
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN user_namespace n ON n.oid = c.relnamespace
        WHERE a.attnum > 0 AND NOT a.attisdropped
      UNION ALL
      SELECT 'foreign server ' || srvname || ' ' || coalesce(array_to_string(srvoptions, ','), '')
        FROM pg_foreign_server
      UNION ALL
      SELECT 'user mapping ' || srvname || ' ' || usename || ' '
          || md5(coalesce(array_to_string(umoptions, ','), ''))
        FROM pg_user_mappings
      UNION ALL
      SELECT 'foreign table ' || ftrelid::regclass::text || ' '
          || coalesce(array_to_string(ftoptions, ','), '')
        FROM pg_foreign_table
      UNION ALL
      SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension
      UNION ALL
      SELECT 'role ' || rolname || ' ' || rolsuper::text || '/' || rolcanlogin::text || ' '
          || coalesce(array_to_string(rolconfig, ','), '')
        FROM pg_roles WHERE rolname !~ '^pg_'
      UNION ALL
      SELECT 'database ' || datname FROM pg_database
      UNION ALL
      SELECT 'publication ' || pubname FROM pg_publication
      UNION ALL
      SELECT 'subscription ' || subname FROM pg_subscription
      UNION ALL
      SELECT 'replication slot ' || slot_name FROM pg_replication_slots
      UNION ALL
      SELECT 'grant ' || c.relname || ' ' || coalesce(array_to_string(c.relacl, ','), '')
        FROM pg_class c JOIN user_namespace n ON n.oid = c.relnamespace
      """;

  static final String TABLES =
      """
      SELECT format('%I.%I', n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r'
         AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
         AND n.nspname !~ '^pg_(toast_)?temp_'
      """;

  static List<String> fingerprint(LocalServer server) throws SQLException {
    List<String> lines = new ArrayList<>();
    try (Connection connection = server.connect(DATABASE);
        Statement statement = connection.createStatement()) {
      try (ResultSet rows = statement.executeQuery(CATALOG)) {
        while (rows.next()) {
          lines.add(rows.getString(1));
        }
      }
      List<String> tables = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery(TABLES)) {
        while (rows.next()) {
          tables.add(rows.getString(1));
        }
      }
      for (String table : tables) {
        try (ResultSet rows =
            statement.executeQuery(
                "SELECT count(*) || ' rows, ' || coalesce(md5(string_agg(t::text, ',' ORDER BY"
                    + " t::text)), '-') FROM "
                    + table
                    + " t")) {
          rows.next();
          lines.add("rows " + table + " " + rows.getString(1));
        }
      }
    }
    lines.sort(null);
    return lines;
  }
}
