package dev.strata.demo;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.cli.LifecycleOutput;
import dev.strata.cli.StatusCommand;
import dev.strata.cli.TextTable;
import dev.strata.config.ConfigLoader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.health.StatusService;
import dev.strata.operation.AttachRequest;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.Operation;
import dev.strata.operation.PartitionManager;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlanner;
import dev.strata.plan.Periods;
import dev.strata.plan.SqlAction;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The tour of seed 000 on embedded servers. The application's own objects (the {@code emp} parent
 * on main, the archives' existing tables and rows) are created as the seed creates them; every step
 * Strata automates runs through the same code as the commands: the config is written and loaded by
 * {@link ConfigLoader}, foreign servers and user mappings come from {@code apply}'s planner, the
 * 2025 partition from {@code partition create}, the archive partitions from {@code attach}, and the
 * closing table from {@code status}.
 */
final class ArchiveDemo {
  static final String PER_YEAR_QUERY =
      """
      SELECT EXTRACT(YEAR FROM time) AS year,
             COUNT(*) AS employee_count,
             round(AVG(salary), 2) AS avg_salary,
             MIN(time) AS earliest,
             MAX(time) AS latest
      FROM emp
      GROUP BY EXTRACT(YEAR FROM time)
      ORDER BY year""";

  /** The seed's expected per-year result (year, count, average salary). */
  static final List<List<String>> SEED_PER_YEAR =
      List.of(
          List.of("2023", "4", "79250.00"),
          List.of("2024", "4", "85000.00"),
          List.of("2025", "3", "102333.33"));

  private final PrintWriter out;
  private final Map<String, String> environment;

  ArchiveDemo(PrintWriter out, Map<String, String> environment) {
    this.out = out;
    this.environment = Map.copyOf(environment);
  }

  /**
   * Runs the tour with the servers' data under {@code base}; with {@code keep}, waits with the
   * servers up until the process is interrupted.
   */
  void run(Path base, boolean keepData, boolean keep) throws Exception {
    out.println("Strata demo: seed 000's archive layout, automated.");
    out.println(
        "Starting embedded PostgreSQL 18 servers main, archive_2023, archive_2024 in "
            + base
            + " ...");
    out.flush();
    long started = System.nanoTime();
    try (LocalServers servers =
        LocalServers.start(
            base.resolve(DemoRecords.SERVERS),
            keepData,
            List.of(
                ServerSpec.of("main", "appdb"),
                ServerSpec.of("archive_2023", "archive_db"),
                ServerSpec.of("archive_2024", "archive_db")))) {
      out.printf(Locale.ROOT, "  started in %.1f s%n%n", (System.nanoTime() - started) / 1e9);
      Path configFile = prepare(servers, base);
      tour(out, load(configFile));
      archiveTour(out, servers, base);
      mirrorTour(out, servers, base);
      if (keep) {
        waitForInterrupt(out, servers, configFile);
      }
    }
  }

  /**
   * The application's objects, as seed 000 steps 2 and 3 create them, and the config for Strata.
   */
  private Path prepare(LocalServers servers, Path base) throws IOException {
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    String password = HexFormat.of().formatHex(secret);
    Path passwordFile = base.resolve("fdw_reader.password");
    Files.deleteIfExists(passwordFile);
    Files.createFile(
        passwordFile,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
    LocalServer main = servers.server("main");
    main.execute(resource("main.sql"));
    for (String archive : List.of("archive_2023", "archive_2024")) {
      LocalServer server = servers.server(archive);
      server.createRole("fdw_reader", password);
      server.execute(resource(archive + ".sql"));
    }
    this.passwordFile = passwordFile;
    this.password = password;
    return writeConfig(servers, base, List.of("archive_2023", "archive_2024"), "");
  }

  private Path passwordFile;
  private String password;

  /** The config's last archives and policy, which the mirror tour keeps. */
  private List<String> archives = List.of();

  private String policy = "";

  /** {@code servers} entries and the {@code mirrors} section the mirror tour adds. */
  private String mirrorServers = "";

  private String mirrors = "";

  /** strata.yaml for main and the given archives: what a DBA would write for this layout. */
  private Path writeConfig(LocalServers servers, Path base, List<String> archives, String policy)
      throws IOException {
    StringBuilder yaml = new StringBuilder();
    yaml.append("# Written by `strata demo`: seed 000's layout on embedded servers.\n")
        .append("coordinator:\n")
        .append("  url: ")
        .append(servers.server("main").uri())
        .append('\n')
        .append("  user: postgres\n")
        .append("servers:\n");
    for (String archive : archives) {
      yaml.append("  ")
          .append(archive)
          .append(":\n")
          .append("    url: ")
          .append(servers.server(archive).uri())
          .append('\n')
          .append("    user: postgres\n")
          .append("    mapping:\n")
          .append("      user: fdw_reader\n")
          .append("      password: ${file:")
          .append(passwordFile)
          .append("}\n");
    }
    yaml.append(mirrorServers)
        .append("tables:\n")
        .append("  public.emp:\n")
        .append("    partition_by: { column: time, interval: 1 year }\n")
        .append("    premake: 2\n")
        .append(policy)
        .append(mirrors);
    this.archives = archives;
    this.policy = policy;
    Path configFile = base.resolve("strata.yaml");
    Files.writeString(configFile, yaml.toString(), StandardCharsets.UTF_8);
    return configFile;
  }

  private void tour(PrintWriter out, StrataConfig config) throws SQLException {
    Connections connections = new Connections(config);
    PartitionManager partitions = new PartitionManager(connections);
    QualifiedName emp = QualifiedName.of("public", "emp");

    section(out, "strata apply: postgres_fdw, foreign servers and user mappings (seed step 2)");
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      List<SqlAction> actions = ForeignServerPlanner.plan(config, new CatalogReader(coordinator));
      ActionExecutor.execute(
          coordinator, actions, action -> out.println("  applied: " + action.description()));
    }

    section(
        out, "strata partition create emp --from 2025-01-01 --to 2026-01-01 (local, seed step 2)");
    var local = partitions.planCreate(emp, "2025-01-01", "2026-01-01", Optional.empty());
    partitions.create(local);
    out.println("  created " + local.name().display() + " " + local.bounds());
    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement()) {
      // The seed's own indexes on the current year (application DDL, seed step 2).
      statement.execute("CREATE INDEX idx_emp_2025_time ON emp_2025(time)");
      statement.execute("CREATE INDEX idx_emp_2025_name ON emp_2025(name)");
    }

    section(out, "strata attach: the archives' tables become foreign partitions (seed step 4)");
    for (String year : List.of("2024", "2023")) {
      var plan =
          partitions.planAttach(
              new AttachRequest(
                  emp,
                  "archive_" + year,
                  List.of(
                      new AttachRequest.Remote(
                          QualifiedName.of("public", "emp_" + year),
                          year + "-01-01",
                          (Integer.parseInt(year) + 1) + "-01-01",
                          Optional.empty())),
                  false));
      partitions.attach(plan);
      var item = plan.items().get(0);
      out.println(
          "  attached "
              + item.localName()
              + " -> archive_"
              + year
              + " "
              + item.bounds()
              + ", "
              + item.remoteRows()
              + " rows checked in range");
    }

    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement()) {
      section(out, "INSERT INTO emp ... (2025 rows, ids 9-11, seed step 4)");
      statement.executeUpdate(
          """
          INSERT INTO emp VALUES
              (9, 'Ivy Anderson', '2025-04-12 10:00:00', 'Engineering', 105000.00),
              (10, 'Jack Thomas', '2025-07-20 11:15:00', 'Product', 92000.00),
              (11, 'Kate Martinez', '2025-10-08 14:30:00', 'Engineering', 110000.00)""");

      section(out, "The seed's per-year query, across three servers (seed step 5)");
      List<List<String>> perYear = printQuery(out, statement, PER_YEAR_QUERY);
      List<List<String>> summary = perYear.stream().map(row -> row.subList(0, 3)).toList();
      if (!summary.equals(SEED_PER_YEAR)) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "the per-year summary " + summary + " differs from seed 000's " + SEED_PER_YEAR,
            "this is a bug in the demo or in Strata: please report it with the output above");
      }
      out.println(
          "  = seed 000's expected output (2023: 4, 79250.00; 2024: 4, 85000.00; 2025: 3, 102333.33)");

      section(
          out,
          "EXPLAIN: one year's query touches only its foreign partition (pruning, Remote SQL)");
      try (ResultSet plan =
          statement.executeQuery(
              "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM emp WHERE time BETWEEN '2024-01-01' AND '2024-12-31'")) {
        while (plan.next()) {
          out.println("  " + plan.getString(1));
        }
      }

      section(out, "Insert routing: ids 12-14 land on the right servers (seed step 6)");
      statement.executeUpdate(
          """
          INSERT INTO emp VALUES
              (12, 'Liam Garcia', '2023-11-15 09:00:00', 'Engineering', 97000.00),
              (13, 'Mia Rodriguez', '2024-08-20 10:30:00', 'Sales', 79000.00),
              (14, 'Noah Hernandez', '2025-11-01 11:00:00', 'Product', 95000.00)""");
      printQuery(
          out,
          statement,
          """
          SELECT e.tableoid::regclass AS partition,
                 coalesce(s.srvname, 'local (main)') AS stored_on,
                 e.id, e.name, e.time
          FROM emp e
          LEFT JOIN pg_foreign_table f ON f.ftrelid = e.tableoid
          LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver
          WHERE e.id IN (12, 13, 14)
          ORDER BY e.id""");

      section(out, "Update and delete through the parent (seed step 6)");
      int updated =
          statement.executeUpdate(
              "UPDATE emp SET salary = salary * 1.05 WHERE department = 'Engineering' AND time >= '2024-01-01'");
      int deleted =
          statement.executeUpdate(
              "DELETE FROM emp WHERE time < '2023-06-01' AND department = 'Marketing'");
      out.println(
          "  UPDATE "
              + updated
              + " (5% raise, Engineering since 2024); DELETE "
              + deleted
              + " (Marketing before June 2023)");
      printQuery(
          out,
          statement,
          "SELECT id, name, time, department, salary FROM emp WHERE id IN (1, 6) ORDER BY time");
    }

    section(out, "strata status");
    StatusCommand.print(out, new StatusService(connections).status(Optional.of(emp), true));
  }

  static final String POLICY_NOW = "2026-02-01";

  /**
   * Seed steps 8 and 9 by policy. A new archive server, and a policy in strata.yaml: archive a year
   * a month after it ends, to the server the map names; retire archives two years after they end,
   * exported first; decommission servers nothing uses any more. Then {@code strata plan} and {@code
   * strata apply --now 2026-02-01}: 2025 moves to archive_2025 with the journaled protocol (freeze,
   * binary COPY, verify, one short swap) instead of the seed's unverified INSERT ... SELECT, detach
   * and drop (whose range is even written backwards); 2023 is exported, retired and its server
   * decommissioned (seed step 9); the next years are premade.
   */
  private void archiveTour(PrintWriter out, LocalServers servers, Path base)
      throws IOException, SQLException {
    section(out, "Seed steps 8 and 9 by policy: a new server archive_2025 and a lifecycle policy");
    LocalServer archive2025 = servers.add(ServerSpec.of("archive_2025", "archive_db"));
    archive2025.createRole("fdw_reader", password);
    Path exports = base.resolve("exports");
    String policy =
        "    hot: 1 month                       # archive a year one month after it ends\n"
            + "    archive_to: { 2025: archive_2025 }  # which server takes which year\n"
            + "    retention: 2 years                 # retire archives two years after they end\n"
            + "    export_before_retire: "
            + exports
            + "\n"
            + "    decommission: true                 # drop servers nothing uses any more\n";
    Path configFile =
        writeConfig(servers, base, List.of("archive_2023", "archive_2024", "archive_2025"), policy);
    out.println("  started " + archive2025.uri() + "; strata.yaml now says, for public.emp:");
    policy.lines().forEach(line -> out.println("  " + line));
    Connections connections = new Connections(load(configFile));
    LocalDateTime now = Periods.parseNow(POLICY_NOW);
    LifecycleExecutor executor = new LifecycleExecutor(connections, new DemoProgress(out));

    section(out, "strata plan --now " + POLICY_NOW);
    LifecycleOutput.printPlan(out, new LifecyclePlanner(connections).plan(now), executor, false);

    List<List<String>> before;
    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement()) {
      section(out, "Per-year summary before apply");
      before = printQuery(out, statement, PER_YEAR_QUERY);
    }

    section(out, "strata apply --now " + POLICY_NOW);
    executor.apply(
        now,
        java.util.Set.of(),
        plan -> {},
        action -> out.println("  applied: " + action.description()));

    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement()) {
      section(
          out,
          "Per-year summary after apply: 2023 retired; 2024 and 2025 unchanged, 2025 now from archive_2025");
      List<List<String>> after = printQuery(out, statement, PER_YEAR_QUERY);
      if (!after.equals(before.subList(1, before.size()))) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "the per-year summary changed across the move: before " + before + ", after " + after,
            "this is a bug in Strata: please report it with the output above");
      }
      out.println("  = 2024 and 2025 identical before and after the move");
      try {
        statement.executeUpdate(
            "INSERT INTO emp VALUES (15, 'Olivia Late', '2025-12-30 10:00:00', 'Sales', 1.00)");
        out.println("  (a late write into 2025 was accepted)");
      } catch (SQLException e) {
        out.println(
            "  a late write into archived 2025 fails instead of vanishing: "
                + e.getMessage().lines().findFirst().orElse(""));
      }
      printQuery(
          out, statement, "SELECT srvname AS foreign_server FROM pg_foreign_server ORDER BY 1");
    }
    out.println("  archive_2023 was decommissioned: its foreign server and user mapping are gone");
    try (var files = Files.list(exports)) {
      files
          .sorted()
          .forEach(
              file -> out.println("  export: " + file + " (" + file.toFile().length() + " bytes)"));
    }

    section(out, "strata apply --now " + POLICY_NOW + " again: nothing left to do");
    List<LifecycleAction> second =
        executor.apply(now, java.util.Set.of(), plan -> {}, action -> {});
    out.println("  " + second.size() + " actions");

    section(out, "strata status");
    StatusCommand.print(
        out,
        new StatusService(connections)
            .status(Optional.of(QualifiedName.of("public", "emp")), true));

    section(
        out,
        "strata move emp emp_2024 --to archive_2025: between servers, verified, one short swap");
    List<List<String>> beforeMove;
    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement()) {
      beforeMove = rows(statement, PER_YEAR_QUERY);
    }
    var moved =
        new dev.strata.operation.PartitionMover(connections, new DemoProgress(out))
            .move(
                QualifiedName.of("public", "emp"),
                QualifiedName.of("public", "emp_2024"),
                "archive_2025",
                1);
    out.println(
        "  moved "
            + moved.rowsCopied()
            + " rows, streamed from archive_2024 to archive_2025 without passing through the"
            + " coordinator; operation "
            + moved.operation().id()
            + " is "
            + moved.operation().state().label());
    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement()) {
      List<List<String>> afterMove = printQuery(out, statement, PER_YEAR_QUERY);
      if (!afterMove.equals(beforeMove)) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "the per-year summary changed across the move: before "
                + beforeMove
                + ", after "
                + afterMove,
            "this is a bug in Strata: please report it with the output above");
      }
      out.println("  = the same answer; emp_2024 is now read from archive_2025");
    }

    section(out, "strata import: 2023 comes back from its export, verified against the manifest");
    Path manifest;
    try (var files = Files.list(exports)) {
      manifest =
          files.filter(f -> f.toString().endsWith(".manifest.json")).findFirst().orElseThrow();
    }
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      var imported =
          dev.strata.operation.Exports.importFile(
              coordinator, manifest, Optional.empty(), Optional.empty());
      out.println(
          "  imported "
              + imported.partition().display()
              + ": "
              + imported.rows()
              + " rows, checksum matches the manifest");
    }
    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement()) {
      List<List<String>> restored = printQuery(out, statement, PER_YEAR_QUERY);
      out.println(
          restored.equals(before)
              ? "  = the same answer as before apply"
              : "  (differs from before apply)");
    }
  }

  /**
   * Seed 003 by configuration: a {@code crm} server's {@code customers} table mirrored as a table
   * and as a matview, a change at the source, the staleness that shows it, a verified refresh.
   */
  private void mirrorTour(PrintWriter out, LocalServers servers, Path base)
      throws IOException, InterruptedException {
    section(out, "Seed 003 by configuration: mirrors of a crm server's customers table");
    LocalServer crm = servers.add(ServerSpec.of("crm", "crm_db"));
    crm.createRole("fdw_reader", password);
    crm.execute(resource("crm.sql"));
    mirrorServers =
        "  crm:\n    url: "
            + crm.uri()
            + "\n    user: postgres\n    mapping:\n      user: fdw_reader\n      password: ${file:"
            + passwordFile
            + "}\n";
    String entries =
        "  ref.customers:                       # a real table: in pg_dump, readers never blocked\n"
            + "    from: crm\n"
            + "    table: public.customers\n"
            + "    mode: table\n"
            + "    refresh: 15 min\n"
            + "    indexes: [email]\n"
            + "  ref.customers_mv:                    # the seed's materialized view, kept by Strata\n"
            + "    from: crm\n"
            + "    table: public.customers\n"
            + "    mode: matview\n"
            + "    refresh: 15 min\n";
    mirrors = "mirrors:\n" + entries;
    Path configFile = writeConfig(servers, base, archives, policy);
    out.println("  started " + crm.uri() + " with customers (1,000 rows); strata.yaml now adds:");
    entries.lines().forEach(line -> out.println("  " + line));
    MirrorDemo.run(out, load(configFile), Periods.parseNow(POLICY_NOW));
  }

  private StrataConfig load(Path configFile) {
    return ConfigLoader.builder().environment(environment).build().load(configFile).config();
  }

  /** Progress lines for the tour, on standard output. */
  private static final class DemoProgress implements MoveProgress {
    private final PrintWriter out;

    DemoProgress(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void step(Operation operation, String description) {
      out.println("  operation " + operation.id() + ": " + description);
      out.flush();
    }
  }

  private static void section(PrintWriter out, String title) {
    out.println();
    out.println("== " + title);
    out.flush();
  }

  /** The rows of {@code sql} as text, without printing them. */
  private static List<List<String>> rows(Statement statement, String sql) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    try (ResultSet result = statement.executeQuery(sql)) {
      int columns = result.getMetaData().getColumnCount();
      while (result.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          row.add(result.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** Prints a query's result the way psql does and returns its rows as text. */
  static List<List<String>> printQuery(PrintWriter out, Statement statement, String sql)
      throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    try (ResultSet result = statement.executeQuery(sql)) {
      ResultSetMetaData meta = result.getMetaData();
      String[] headers = new String[meta.getColumnCount()];
      List<Integer> numeric = new ArrayList<>();
      for (int i = 0; i < headers.length; i++) {
        headers[i] = meta.getColumnLabel(i + 1);
        int type = meta.getColumnType(i + 1);
        if (type == Types.NUMERIC
            || type == Types.BIGINT
            || type == Types.INTEGER
            || type == Types.DOUBLE) {
          numeric.add(i);
        }
      }
      TextTable table =
          new TextTable(headers).alignRight(numeric.stream().mapToInt(Integer::intValue).toArray());
      while (result.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 0; i < headers.length; i++) {
          row.add(result.getString(i + 1));
        }
        rows.add(row);
        table.row(row.toArray());
      }
      table.print(out);
    }
    out.flush();
    return rows;
  }

  private void waitForInterrupt(PrintWriter out, LocalServers servers, Path configFile)
      throws InterruptedException {
    out.println();
    out.println("Servers are running (--keep):");
    for (LocalServer server : servers.all()) {
      out.println(
          "  "
              + server.name()
              + "  postgresql://"
              + LocalServer.SUPERUSER
              + "@"
              + server.host()
              + ":"
              + server.port()
              + "/"
              + server.database());
    }
    out.println("Config: " + configFile + "   (try: strata status -c " + configFile + ")");
    out.println("Press Ctrl-C to stop the servers.");
    out.flush();
    // The servers' shutdown hook stops them cleanly when the JVM is interrupted.
    new CountDownLatch(1).await();
  }

  private static String resource(String name) {
    try (InputStream in = ArchiveDemo.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing demo resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
