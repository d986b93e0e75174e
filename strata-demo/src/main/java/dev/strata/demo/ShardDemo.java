package dev.strata.demo;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.cli.LifecycleOutput;
import dev.strata.cli.MoveCommands;
import dev.strata.config.ConfigLoader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.MoveResult;
import dev.strata.operation.Operation;
import dev.strata.operation.PartitionMover;
import dev.strata.operation.ShardMover;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlanner;
import dev.strata.shard.Rebalancer;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.LocalServers;
import dev.strata.testkit.ServerSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code strata demo --shards}: seed 001's {@code temperatures} table hash-sharded over three
 * servers by Strata, rows inserted through the coordinator, a query pruned to one shard, a shard
 * moved online while a writer keeps inserting, a split, and a rebalance onto a fourth server, with
 * the per-city answer checked identical after every step.
 */
final class ShardDemo {
  static final QualifiedName TABLE = QualifiedName.of("public", "temperatures");
  static final String PER_CITY =
      """
      SELECT city, count(*) AS readings, round(avg(temp), 2) AS avg_temp
      FROM temperatures
      WHERE reading_date < DATE '2026-01-01'
      GROUP BY city
      ORDER BY city
      LIMIT 6""";

  private final PrintWriter out;
  private final Map<String, String> environment;

  ShardDemo(PrintWriter out, Map<String, String> environment) {
    this.out = out;
    this.environment = Map.copyOf(environment);
  }

  void run(Path base, boolean keepData) throws Exception {
    out.println("Strata demo --shards: seed 001's temperatures table, sharded by Strata.");
    out.println(
        "Starting embedded PostgreSQL 18 servers main, shard_a, shard_b, shard_c in "
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
                ServerSpec.of("shard_a", "shard_db"),
                ServerSpec.of("shard_b", "shard_db"),
                ServerSpec.of("shard_c", "shard_db")))) {
      out.printf(Locale.ROOT, "  started in %.1f s%n", (System.nanoTime() - started) / 1e9);
      tour(servers, base);
    }
  }

  private void tour(LocalServers servers, Path base) throws Exception {
    LocalServer main = servers.server("main");
    // Seed 001's table, without its trailing commas, partitioned by hash on the city.
    main.execute(
        "CREATE TABLE temperatures (reading_date date NOT NULL, city varchar(100) NOT NULL,"
            + " temp numeric) PARTITION BY HASH (city)");
    List<String> shardServers = new ArrayList<>(List.of("shard_a", "shard_b", "shard_c"));
    Connections connections = connections(writeConfig(servers, base, shardServers));

    section("strata plan: six hash shards over shard_a, shard_b, shard_c");
    LifecycleExecutor executor = new LifecycleExecutor(connections, MoveProgress.NONE);
    LifecycleOutput.printPlan(
        out, new LifecyclePlanner(connections).plan(LocalDateTime.now()), executor, false);
    section("strata apply");
    executor.apply(
        LocalDateTime.now(),
        Set.of(),
        plan -> {},
        action -> out.println("  applied: " + action.description()));

    List<List<String>> before;
    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement()) {
      section("120,000 readings inserted through the coordinator; each lands on its shard");
      statement.execute(
          "INSERT INTO temperatures SELECT DATE '2016-01-01' + (g % 3650), 'city_' || lpad((g %"
              + " 60)::text, 2, '0'), round((10 + 15 * sin(g))::numeric, 1) FROM"
              + " generate_series(1, 120000) g");
      statement.execute("INSERT INTO temperatures VALUES ('2016-08-03', 'London', 63)");
      ArchiveDemo.printQuery(out, statement, placementQuery());
      section("A query for one city reads one shard (EXPLAIN)");
      ArchiveDemo.printQuery(
          out,
          statement,
          "EXPLAIN (COSTS OFF) SELECT avg(temp) FROM temperatures WHERE city = 'London'");
      section("Per-city answer before any move");
      before = ArchiveDemo.printQuery(out, statement, PER_CITY);
    }

    QualifiedName london = shardOf(connections, "London");
    String from = serverOf(connections, london);
    String to = shardServers.stream().filter(s -> !s.equals(from)).findFirst().orElseThrow();
    section(
        "strata move temperatures "
            + london.name()
            + " --to "
            + to
            + ", while a writer keeps inserting London readings");
    Writer writer = new Writer(main, "London");
    Thread thread = new Thread(writer, "demo-writer");
    thread.start();
    MoveResult moved;
    try {
      Thread.sleep(300);
      moved = new ShardMover(connections, progress()).move(TABLE, london, to);
      Thread.sleep(300);
    } finally {
      writer.stop.set(true);
      thread.join(30_000);
    }
    MoveCommands.print(out, moved);
    out.printf(
        Locale.ROOT,
        "  the writer: %,d inserts acknowledged, %d retried after SQLSTATE 40001, slowest %d ms;"
            + " all %s present once%n",
        writer.acknowledged.get(),
        writer.retries.get(),
        writer.slowest.get(),
        checkAcknowledged(connections, writer) ? "are" : "are NOT");
    same(connections, before, "after the online move");

    QualifiedName split = shardOf(connections, "city_07");
    section("strata shard split temperatures " + split.name() + " (in place)");
    MoveCommands.print(
        out, new ShardMover(connections, progress()).split(TABLE, split, Optional.empty()));
    same(connections, before, "after the split");

    section("A fourth server, shard_d, added to shards_on; strata rebalance temperatures");
    LocalServer shardD = servers.add(ServerSpec.of("shard_d", "shard_db"));
    shardD.createRole("fdw_shards", password);
    shardServers.add("shard_d");
    connections = connections(writeConfig(servers, base, shardServers));
    new LifecycleExecutor(connections, MoveProgress.NONE)
        .apply(
            LocalDateTime.now(),
            Set.of("server"),
            plan -> {},
            action -> out.println("  applied: " + action.description()));
    Rebalancer.Plan plan = new Rebalancer(connections).plan(TABLE, Rebalancer.By.COUNT);
    PartitionMover mover = new PartitionMover(connections, progress());
    for (Rebalancer.Move move : plan.moves()) {
      out.println(
          "  move " + move.shard().name() + " from " + move.from() + " to " + move.to() + ":");
      MoveCommands.print(out, mover.move(TABLE, move.shard(), move.to(), 1));
    }
    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement()) {
      ArchiveDemo.printQuery(out, statement, placementQuery());
    }
    same(connections, before, "after the rebalance");
    out.println();
    out.println(
        "Done: the same answer from six shards on three servers and from seven on four, while"
            + " writes went on.");
    out.flush();
  }

  private String password;

  private Path writeConfig(LocalServers servers, Path base, List<String> shardServers)
      throws IOException {
    if (password == null) {
      password =
          java.util.HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(16));
      for (String server : shardServers) {
        servers.server(server).createRole("fdw_shards", password);
      }
    }
    Path passwordFile = base.resolve("fdw_shards.password");
    if (!Files.exists(passwordFile)) {
      Files.createFile(
          passwordFile,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
    }
    StringBuilder yaml = new StringBuilder();
    yaml.append("# Written by `strata demo --shards`: seed 001's table, sharded.\n")
        .append("coordinator:\n  url: ")
        .append(servers.server("main").uri())
        .append("\n  user: postgres\nservers:\n");
    for (String server : shardServers) {
      yaml.append("  ")
          .append(server)
          .append(":\n    url: ")
          .append(servers.server(server).uri())
          .append("\n    user: postgres\n    mapping:\n      user: fdw_shards\n")
          .append("      password: ${file:")
          .append(passwordFile)
          .append("}\n    fdw: { batch_size: 1000 }\n");
    }
    yaml.append("tables:\n  public.temperatures:\n")
        .append("    shard_by: { column: city, method: hash, shards: 6 }\n")
        .append("    shards_on: [")
        .append(String.join(", ", shardServers))
        .append("]\n");
    Path configFile = base.resolve("strata.yaml");
    Files.writeString(configFile, yaml.toString(), StandardCharsets.UTF_8);
    return configFile;
  }

  private Connections connections(Path configFile) {
    StrataConfig config =
        ConfigLoader.builder().environment(environment).build().load(configFile).config();
    return new Connections(config);
  }

  private static String placementQuery() {
    return "SELECT c.relname AS shard, pg_get_expr(c.relpartbound, c.oid) AS bound, s.srvname AS"
        + " server FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN"
        + " pg_foreign_table f ON f.ftrelid = c.oid JOIN pg_foreign_server s ON s.oid ="
        + " f.ftserver WHERE i.inhparent = 'temperatures'::regclass ORDER BY s.srvname, c.relname";
  }

  /** The shard PostgreSQL routes {@code city} to. */
  private static QualifiedName shardOf(Connections connections, String city) throws SQLException {
    try (Connection coordinator = connections.coordinator();
        PreparedStatement statement =
            coordinator.prepareStatement(
                "SELECT n.nspname, c.relname FROM pg_inherits i JOIN pg_class c ON c.oid ="
                    + " i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN"
                    + " pg_partitioned_table p ON p.partrelid = i.inhparent, LATERAL (SELECT"
                    + " (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'modulus (\\d+),"
                    + " remainder (\\d+)'))::int[] AS mr) b WHERE i.inhparent ="
                    + " 'temperatures'::regclass AND"
                    + " satisfies_hash_partition('temperatures'::regclass, b.mr[1], b.mr[2],"
                    + " ?::varchar)")) {
      statement.setString(1, city);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return QualifiedName.of(rows.getString(1), rows.getString(2));
      }
    }
  }

  private static String serverOf(Connections connections, QualifiedName shard) throws SQLException {
    try (Connection coordinator = connections.coordinator();
        PreparedStatement statement =
            coordinator.prepareStatement(
                "SELECT s.srvname FROM pg_foreign_table f JOIN pg_foreign_server s ON s.oid ="
                    + " f.ftserver WHERE f.ftrelid = CAST(? AS regclass)")) {
      statement.setString(1, shard.quoted());
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getString(1);
      }
    }
  }

  private void same(Connections connections, List<List<String>> before, String when)
      throws SQLException {
    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement()) {
      section("Per-city answer " + when);
      List<List<String>> after = ArchiveDemo.printQuery(out, statement, PER_CITY);
      if (!after.equals(before)) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "the per-city answer changed " + when + ": before " + before + ", after " + after,
            "this is a bug in Strata: please report it with the output above");
      }
      out.println("  = identical to the answer before any move");
    }
  }

  private static boolean checkAcknowledged(Connections connections, Writer writer)
      throws SQLException {
    try (Connection coordinator = connections.coordinator();
        Statement statement = coordinator.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT count(*) FROM temperatures WHERE city = 'London' AND reading_date >="
                    + " DATE '2026-01-01'")) {
      rows.next();
      return rows.getLong(1) == writer.acknowledged.get();
    }
  }

  private MoveProgress progress() {
    return new MoveProgress() {
      @Override
      public void step(Operation operation, String description) {
        out.println("  operation " + operation.id() + ": " + description);
        out.flush();
      }
    };
  }

  private void section(String title) {
    out.println();
    out.println("== " + title);
    out.flush();
  }

  /** Inserts readings of one city, one per transaction, retrying one the move refused. */
  private static final class Writer implements Runnable {
    final LocalServer main;
    final String city;
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong slowest = new AtomicLong();

    Writer(LocalServer main, String city) {
      this.main = main;
      this.city = city;
    }

    @Override
    public void run() {
      try (Connection connection = main.connect();
          PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO temperatures VALUES (DATE '2026-01-01' + ?, ?, 20)")) {
        long day = 0;
        while (!stop.get()) {
          insert.setInt(1, (int) (day++ % 3000));
          insert.setString(2, city);
          while (true) {
            long began = System.nanoTime();
            try {
              insert.executeUpdate();
              acknowledged.incrementAndGet();
              slowest.accumulateAndGet((System.nanoTime() - began) / 1_000_000, Math::max);
              break;
            } catch (SQLException e) {
              if (!"40001".equals(e.getSQLState())) {
                throw e;
              }
              retries.incrementAndGet();
              Thread.sleep(5);
            }
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException("the demo's writer failed: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
