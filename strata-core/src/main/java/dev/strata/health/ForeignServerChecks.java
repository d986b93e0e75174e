package dev.strata.health;

import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.ForeignServer;
import dev.strata.catalog.UserMapping;
import dev.strata.config.SecurityConfig;
import dev.strata.config.ServerConfig;
import dev.strata.config.StrataConfig;
import dev.strata.sql.Identifiers;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks of the coordinator's foreign servers against best practice (seed 002): the options as
 * PostgreSQL stores them, not as the config writes them, so a server changed by hand is judged by
 * what queries actually use. Every fix names both the config key (then {@code strata apply}) and
 * the SQL that changes the server directly.
 */
final class ForeignServerChecks {
  /** postgres_fdw's own default fetch size. */
  static final String STOCK_FETCH_SIZE = "100";

  /** A connect_timeout above this keeps a query waiting for a stalled server too long. */
  static final long LONG_CONNECT_TIMEOUT_SECONDS = 60;

  /** Keepalives that take longer than this to notice a lost server (Strata's defaults: 60 s). */
  static final long LONG_KEEPALIVE_DETECTION_SECONDS = 300;

  private static final Pattern SESSION_SETTING = Pattern.compile("-c\\s*([a-z_]+)=(\\S+)");

  private final StrataConfig config;
  private final CoordinatorSnapshot snapshot;
  private final CatalogReader coordinator;

  ForeignServerChecks(
      StrataConfig config, CoordinatorSnapshot snapshot, CatalogReader coordinator) {
    this.config = config;
    this.snapshot = snapshot;
    this.coordinator = coordinator;
  }

  List<CheckResult> run() {
    List<CheckResult> results = new ArrayList<>();
    for (ServerConfig server : config.servers().values()) {
      ForeignServer foreignServer = snapshot.foreignServers().get(server.name());
      if (foreignServer == null && decommissioned(server.name())) {
        results.add(
            CheckResult.ok(
                Check.FDW_SERVER,
                server.name(),
                "decommissioned: its archived partitions were retired and nothing is placed on it"
                    + " any more, so the coordinator no longer has a foreign server for it"));
        continue;
      }
      if (foreignServer == null) {
        results.add(
            CheckResult.fail(
                Check.FDW_SERVER,
                server.name(),
                "no foreign server " + server.name() + " on the coordinator",
                "strata apply (creates it with Strata's defaults and the config's fdw options)"));
        continue;
      }
      if (!foreignServer.wrapper().equals("postgres_fdw")) {
        results.add(
            CheckResult.fail(
                Check.FDW_SERVER,
                server.name(),
                "foreign server "
                    + server.name()
                    + " uses the foreign-data wrapper "
                    + foreignServer.wrapper()
                    + ", not postgres_fdw",
                "rename servers." + server.name() + " in the config, or drop that server"));
        continue;
      }
      results.add(mapping(server));
      results.addAll(options(server, foreignServer.options()));
      results.add(publicUsage(server.name()));
    }
    for (ArchivedPartition archived : snapshot.archivedPartitions()) {
      results.add(batchSize(archived));
    }
    return results;
  }

  /**
   * Whether {@code strata apply} decommissioned the server (as its lifecycle planner decides):
   * partitions were retired from it, none is left there, and no table places archives on it.
   */
  private boolean decommissioned(String server) {
    boolean retiredFrom =
        snapshot.operations().stream()
            .anyMatch(
                op ->
                    op.server().equals(server)
                        && op.kind().label().equals("retire")
                        && op.state() == dev.strata.operation.OperationState.DONE);
    boolean placed =
        config.tables().values().stream()
            .anyMatch(t -> t.archiveTo().map(p -> p.servers().contains(server)).orElse(false));
    return retiredFrom && snapshot.archivedOn(server).isEmpty() && !placed;
  }

  private CheckResult mapping(ServerConfig server) {
    String localUser = server.mapping().localUser().orElse(config.coordinator().user());
    Optional<UserMapping> mapping =
        snapshot.userMappings().stream()
            .filter(m -> m.server().equals(server.name()) && m.localUser().equals(localUser))
            .findFirst();
    if (mapping.isEmpty()) {
      return CheckResult.fail(
          Check.FDW_SERVER,
          server.name(),
          "foreign server "
              + server.name()
              + " exists but has no user mapping for "
              + localUser
              + ": queries through it fail with \"user mapping not found\"",
          "strata apply (creates the mapping from servers." + server.name() + ".mapping)");
    }
    return CheckResult.ok(
        Check.FDW_SERVER,
        server.name(),
        "postgres_fdw server; user mapping for "
            + localUser
            + " logs in as "
            + mapping.get().options().getOrDefault("user", localUser)
            + (mapping.get().hasPassword() ? " with a password" : " without a password"));
  }

  private List<CheckResult> options(ServerConfig server, Map<String, String> options) {
    String name = server.name();
    List<CheckResult> results = new ArrayList<>();
    results.add(invalidValues(server, options));

    String fetchSize = options.get("fetch_size");
    if (fetchSize == null || fetchSize.equals(STOCK_FETCH_SIZE)) {
      results.add(
          CheckResult.warn(
              Check.FDW_FETCH_SIZE,
              name,
              (fetchSize == null ? "fetch_size is not set" : "fetch_size is 100")
                  + ": postgres_fdw fetches 100 rows per round trip, so scanning an archive costs a"
                  + " round trip per 100 rows",
              fix(name, "fetch_size", "10000")));
    } else {
      results.add(CheckResult.ok(Check.FDW_FETCH_SIZE, name, "fetch_size " + fetchSize));
    }

    String connectTimeout = options.get("connect_timeout");
    if (connectTimeout == null || connectTimeout.equals("0")) {
      results.add(
          CheckResult.warn(
              Check.FDW_CONNECT_TIMEOUT,
              name,
              "no connect_timeout: a query waits for an unreachable server until the operating"
                  + " system gives up (minutes)",
              fix(name, "connect_timeout", "10")));
    } else if (isWholeNumber(connectTimeout)
        && Long.parseLong(connectTimeout) > LONG_CONNECT_TIMEOUT_SECONDS) {
      results.add(
          CheckResult.warn(
              Check.FDW_CONNECT_TIMEOUT,
              name,
              "connect_timeout is "
                  + connectTimeout
                  + " s: a query that needs a new connection to a stalled server waits that long"
                  + " for each host (PostgreSQL 15 and older; 16+ does not enforce it, see"
                  + " fdw.role_timeouts)",
              fix(name, "connect_timeout", "10")));
    } else {
      results.add(
          CheckResult.ok(
              Check.FDW_CONNECT_TIMEOUT, name, "connect_timeout " + connectTimeout + " s"));
    }

    String keepalives = options.get("keepalives");
    String idle = options.get("keepalives_idle");
    if ("0".equals(keepalives)) {
      results.add(
          CheckResult.warn(
              Check.FDW_KEEPALIVES,
              name,
              "keepalives are off: a server that dies mid-query is noticed only by"
                  + " tcp_user_timeout or never",
              fix(name, "keepalives", "true", "1")));
    } else if (idle == null || idle.equals("0")) {
      results.add(
          CheckResult.warn(
              Check.FDW_KEEPALIVES,
              name,
              "keepalives_idle is not set: the first probe follows the system default, usually"
                  + " 2 hours of silence",
              fix(name, "keepalives_idle", "30")
                  + "; also keepalives_interval (10) and keepalives_count (3)"));
    } else if (keepaliveDetectionSeconds(options) > LONG_KEEPALIVE_DETECTION_SECONDS) {
      results.add(
          CheckResult.warn(
              Check.FDW_KEEPALIVES,
              name,
              "keepalives notice a lost server only after about "
                  + keepaliveDetectionSeconds(options)
                  + " s (keepalives_idle "
                  + idle
                  + " + keepalives_interval x keepalives_count): a query on a connection to a"
                  + " host that vanished waits that long",
              fix(name, "keepalives_idle", "30")
                  + "; also keepalives_interval (10) and keepalives_count (3)"));
    } else {
      results.add(
          CheckResult.ok(
              Check.FDW_KEEPALIVES,
              name,
              "keepalives after "
                  + idle
                  + " s idle, every "
                  + options.getOrDefault("keepalives_interval", "(system default)")
                  + " s, "
                  + options.getOrDefault("keepalives_count", "(system default)")
                  + " probes"));
    }

    String userTimeout = options.get("tcp_user_timeout");
    if (userTimeout == null || userTimeout.equals("0")) {
      results.add(
          CheckResult.warn(
              Check.FDW_TCP_USER_TIMEOUT,
              name,
              "no tcp_user_timeout: data sent to a dead server can stay unacknowledged for the"
                  + " system's retransmission time (about 15 minutes on Linux)",
              fix(name, "tcp_user_timeout", "60000")));
    } else {
      results.add(
          CheckResult.ok(
              Check.FDW_TCP_USER_TIMEOUT, name, "tcp_user_timeout " + userTimeout + " ms"));
    }

    results.add(sessionTimeouts(name, options));
    results.add(asyncCapable(name, options));
    results.add(parallelCommit(name, options));
    results.add(sslmode(name, options));
    return results;
  }

  /**
   * libpq options PostgreSQL stores without checking (postgres_fdw validates its own options, such
   * as fetch_size, when the server is created; libpq's only when a connection is made), so a typo
   * shows up only as a failed query.
   */
  private CheckResult invalidValues(ServerConfig server, Map<String, String> options) {
    List<String> problems = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    for (Map.Entry<String, String> option : new java.util.TreeMap<>(options).entrySet()) {
      String key = option.getKey();
      String value = option.getValue();
      Optional<String> problem =
          switch (key) {
            case "port" -> ports(value, options.get("host"));
            case "sslmode" ->
                dev.strata.config.FdwOptions.SSL_MODES.contains(value)
                    ? Optional.empty()
                    : Optional.of(
                        "one of " + String.join(", ", dev.strata.config.FdwOptions.SSL_MODES));
            case "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count" ->
                wholeNumber(value, 0, Integer.MAX_VALUE, "a whole number of seconds");
            case "tcp_user_timeout" ->
                wholeNumber(value, 0, Integer.MAX_VALUE, "a whole number of milliseconds");
            case "keepalives" -> wholeNumber(value, 0, 1, "1 (on) or 0 (off)");
            case "host", "dbname" ->
                value.isBlank() ? Optional.of("a non-empty name") : Optional.empty();
            default -> Optional.empty();
          };
      if (problem.isPresent()) {
        problems.add(key + " '" + value + "' is not " + problem.get());
        String configured = server.fdwOptions().get(key);
        boolean configValid =
            configured != null && !configured.equals(value) && isValid(key, configured);
        fixes.add(
            configValid
                ? "strata apply (sets "
                    + key
                    + " "
                    + Identifiers.literal(configured)
                    + " from the config)"
                : "set servers."
                    + server.name()
                    + ".fdw."
                    + key
                    + " to a valid value and run strata apply, or on the coordinator: ALTER SERVER "
                    + Identifiers.quote(server.name())
                    + " OPTIONS (DROP "
                    + key
                    + ")");
      }
    }
    if (problems.isEmpty()) {
      return CheckResult.ok(
          Check.FDW_INVALID_VALUE,
          server.name(),
          "host, port, sslmode, timeouts and keepalives are valid");
    }
    return CheckResult.fail(
        Check.FDW_INVALID_VALUE,
        server.name(),
        String.join("; ", problems)
            + ": PostgreSQL stored it unchecked, and every query through this server fails",
        String.join("; ", new LinkedHashSet<>(fixes)));
  }

  /**
   * Seconds before keepalives declare a silent server dead: idle + interval x count; unset or 0
   * interval and count use Linux's defaults (75 s, 9 probes).
   */
  private static long keepaliveDetectionSeconds(Map<String, String> options) {
    long idle = number(options.get("keepalives_idle"), 7200);
    long interval = number(options.get("keepalives_interval"), 75);
    long count = number(options.get("keepalives_count"), 9);
    return idle + interval * count;
  }

  private static long number(String value, long systemDefault) {
    return value != null && isWholeNumber(value) && Long.parseLong(value) > 0
        ? Long.parseLong(value)
        : systemDefault;
  }

  private static boolean isWholeNumber(String value) {
    return value.strip().matches("\\d{1,10}");
  }

  private static boolean isValid(String key, String value) {
    return switch (key) {
      case "port" -> ports(value, null).isEmpty();
      case "sslmode" -> dev.strata.config.FdwOptions.SSL_MODES.contains(value);
      case "keepalives" -> wholeNumber(value, 0, 1, "").isEmpty();
      case "host", "dbname" -> !value.isBlank();
      default -> wholeNumber(value, 0, Integer.MAX_VALUE, "").isEmpty();
    };
  }

  /**
   * libpq's {@code port}: one port, or a comma-separated list with one port per host of {@code
   * host} (libpq refuses any other count when it connects).
   */
  private static Optional<String> ports(String value, String hosts) {
    String[] ports = value.split(",", -1);
    for (String port : ports) {
      if (wholeNumber(port, 1, 65535, "").isPresent()) {
        return Optional.of(
            ports.length == 1
                ? "a port number from 1 to 65535"
                : "a list of port numbers from 1 to 65535");
      }
    }
    int hostCount = hosts == null ? 1 : hosts.split(",", -1).length;
    if (ports.length > 1 && ports.length != hostCount) {
      return Optional.of(
          "one port for all hosts or one per host (" + hostCount + " hosts, " + ports.length + ")");
    }
    return Optional.empty();
  }

  private static Optional<String> wholeNumber(String value, long min, long max, String expected) {
    String text = value.strip();
    if (text.matches("\\d{1,10}")) {
      long number = Long.parseLong(text);
      if (number >= min && number <= max) {
        return Optional.empty();
      }
    }
    return Optional.of(expected);
  }

  /** Session settings carried by the libpq {@code options} server option. */
  static Map<String, String> sessionSettings(Map<String, String> options) {
    Map<String, String> settings = new java.util.LinkedHashMap<>();
    String text = options.get(dev.strata.config.FdwOptions.OPTIONS);
    if (text != null) {
      Matcher matcher = SESSION_SETTING.matcher(text);
      while (matcher.find()) {
        settings.put(matcher.group(1), matcher.group(2));
      }
    }
    return settings;
  }

  private CheckResult sessionTimeouts(String name, Map<String, String> options) {
    Map<String, String> settings = sessionSettings(options);
    List<String> missing = new ArrayList<>();
    for (String setting : List.of("statement_timeout", "lock_timeout")) {
      String value = settings.get(setting);
      if (value == null || value.equals("0")) {
        missing.add(setting);
      }
    }
    if (missing.isEmpty()) {
      return CheckResult.ok(
          Check.FDW_SESSION_TIMEOUTS,
          name,
          "statement_timeout "
              + settings.get("statement_timeout")
              + ", lock_timeout "
              + settings.get("lock_timeout")
              + " (options)");
    }
    return CheckResult.warn(
        Check.FDW_SESSION_TIMEOUTS,
        name,
        "no "
            + String.join(" or ", missing)
            + " for remote sessions: a remote statement or lock wait can last forever (they are"
            + " session settings, not postgres_fdw options, so they belong in libpq `options`)",
        "set servers."
            + name
            + ".fdw.statement_timeout (default 15min) and lock_timeout (default 10s), or remove"
            + " overrides of them, then strata apply; by hand on the coordinator: ALTER SERVER "
            + Identifiers.quote(name)
            + " OPTIONS ("
            + (options.containsKey(dev.strata.config.FdwOptions.OPTIONS) ? "SET" : "ADD")
            + " options '-c statement_timeout=900000 -c lock_timeout=10000')");
  }

  private CheckResult asyncCapable(String name, Map<String, String> options) {
    Set<String> sharedTables = new java.util.TreeSet<>();
    for (var table : snapshot.tables()) {
      Set<String> servers = new java.util.TreeSet<>();
      table.partitions().forEach(p -> p.foreign().ifPresent(f -> servers.add(f.server())));
      if (servers.size() > 1 && servers.contains(name)) {
        sharedTables.add(table.name().display() + " (" + String.join(", ", servers) + ")");
      }
    }
    boolean on = "true".equals(options.get("async_capable"));
    if (sharedTables.isEmpty() || on) {
      return CheckResult.ok(
          Check.FDW_ASYNC_CAPABLE,
          name,
          "async_capable "
              + (on ? "on" : "off, and no table has foreign partitions on several servers"));
    }
    return CheckResult.warn(
        Check.FDW_ASYNC_CAPABLE,
        name,
        "async_capable is off, and "
            + String.join(", ", sharedTables)
            + " has foreign partitions on several servers: a scan visits them one after another"
            + " instead of at once",
        fix(name, "async_capable", "true"));
  }

  /**
   * Without {@code parallel_commit}, postgres_fdw commits the remote transactions of a coordinator
   * transaction one server after another before the local commit, so a transaction that wrote to k
   * servers waits for k commits (each a round trip and a WAL flush there) in a row; {@code
   * parallel_abort} (PostgreSQL 16+) does the same for rollbacks. Neither makes the commit atomic:
   * postgres_fdw has no two-phase commit (docs/sharding.md). Only writable foreign partitions
   * count: read-only archives are committed too, but with nothing to flush.
   */
  private CheckResult parallelCommit(String name, Map<String, String> options) {
    Set<String> sharedTables = new java.util.TreeSet<>();
    for (var table : snapshot.tables()) {
      Set<String> servers = new java.util.TreeSet<>();
      table
          .partitions()
          .forEach(
              p ->
                  p.foreign()
                      .filter(f -> writable(f.server(), f.options()))
                      .ifPresent(f -> servers.add(f.server())));
      if (servers.size() > 1 && servers.contains(name)) {
        sharedTables.add(table.name().display() + " (" + String.join(", ", servers) + ")");
      }
    }
    // parallel_commit exists from PostgreSQL 15, parallel_abort from 16: on an older coordinator
    // the commit (or abort) is serial whatever the config says, and the option cannot be set.
    int major = snapshot.version().major();
    List<String> off = new ArrayList<>();
    List<String> unavailable = new ArrayList<>();
    for (String option : List.of("parallel_commit", "parallel_abort")) {
      boolean known =
          dev.strata.config.FdwOptions.find(option).map(o -> o.knownTo(major)).orElse(true);
      if (!known) {
        unavailable.add(option);
      } else if (!"true".equals(options.get(option))) {
        off.add(option);
      }
    }
    String serial =
        unavailable.isEmpty()
            ? ""
            : "; "
                + String.join(" and ", unavailable)
                + " not available on the coordinator ("
                + snapshot.version()
                + "): "
                + (unavailable.size() == 2 ? "commits and aborts run" : "aborts run")
                + " on one server after another until it is upgraded";
    if (sharedTables.isEmpty() || off.isEmpty()) {
      String state =
          off.isEmpty()
              ? (unavailable.isEmpty()
                  ? "parallel_commit and parallel_abort on"
                  : unavailable.size() == 1 ? "parallel_commit on" : "no parallel option to set")
              : String.join(" and ", off)
                  + " off, and no table has writable foreign partitions on several servers";
      return CheckResult.ok(Check.FDW_PARALLEL_COMMIT, name, state + serial);
    }
    return CheckResult.warn(
        Check.FDW_PARALLEL_COMMIT,
        name,
        String.join(" and ", off)
            + (off.size() == 1 ? " is" : " are")
            + " off, and "
            + String.join(", ", sharedTables)
            + " has writable foreign partitions on several servers: a transaction that writes to"
            + " several of them commits (or rolls back) on one server after another, so its"
            + " commit takes a round trip and a WAL flush per server touched. Parallel or not, the"
            + " commit is not atomic across servers (postgres_fdw has no two-phase commit)"
            + serial,
        fix(name, off.get(0), "true") + (off.size() > 1 ? "; likewise parallel_abort" : ""));
  }

  /** Whether postgres_fdw lets the coordinator write to a foreign table with these options. */
  private boolean writable(String server, Map<String, String> tableOptions) {
    String updatable =
        tableOptions.getOrDefault(
            "updatable", snapshot.serverOptions(server).getOrDefault("updatable", "true"));
    return !"false".equalsIgnoreCase(updatable);
  }

  private CheckResult sslmode(String name, Map<String, String> options) {
    SecurityConfig security = config.security();
    Optional<String> mode = Optional.ofNullable(options.get("sslmode"));
    String shown = mode.orElse("prefer") + (mode.isEmpty() ? " (not set: libpq's default)" : "");
    if (security.minSslmode().isEmpty()) {
      return CheckResult.ok(
          Check.FDW_SSLMODE,
          name,
          "sslmode "
              + shown
              + "; no minimum configured (security.min_sslmode; verify-full is recommended)");
    }
    String minimum = security.minSslmode().get();
    if (security.meetsMinimum(mode)) {
      return CheckResult.ok(
          Check.FDW_SSLMODE,
          name,
          "sslmode " + shown + ", at least security.min_sslmode " + minimum);
    }
    return CheckResult.fail(
        Check.FDW_SSLMODE,
        name,
        "sslmode "
            + shown
            + " is weaker than security.min_sslmode "
            + minimum
            + ": the coordinator's connections to this server may be unencrypted or unverified",
        fix(
                name,
                "sslmode",
                minimum.equals("verify-full") || minimum.equals("verify-ca")
                    ? minimum
                    : "verify-full")
            + " (verify-ca and verify-full also need fdw.sslrootcert)");
  }

  private CheckResult publicUsage(String name) {
    if (!coordinator.server().publicHasServerUsage(name)) {
      return CheckResult.ok(Check.FDW_PUBLIC_USAGE, name, "PUBLIC has no USAGE on it");
    }
    return CheckResult.warn(
        Check.FDW_PUBLIC_USAGE,
        name,
        "PUBLIC has USAGE on foreign server "
            + name
            + ": every role on the coordinator may create foreign tables and user mappings for it",
        "on the coordinator: REVOKE USAGE ON FOREIGN SERVER "
            + Identifiers.quote(name)
            + " FROM PUBLIC (strata grants --apply does it)");
  }

  private CheckResult batchSize(ArchivedPartition archived) {
    if (!archived.foreign().updatable()) {
      return CheckResult.ok(
          Check.FDW_BATCH_SIZE,
          archived.name(),
          "read-only (updatable 'false'): no inserts to batch");
    }
    Optional<String> batch =
        archived.option("batch_size", snapshot.serverOptions(archived.server()));
    if (batch.isPresent() && !batch.get().equals("1")) {
      return CheckResult.ok(
          Check.FDW_BATCH_SIZE,
          archived.name(),
          "writable; inserts sent " + batch.get() + " rows at a time");
    }
    return CheckResult.warn(
        Check.FDW_BATCH_SIZE,
        archived.name(),
        "writable foreign partition without batch_size: each row inserted through the parent"
            + " costs a round trip to "
            + archived.server(),
        "on the coordinator: ALTER FOREIGN TABLE "
            + archived.partition().name().quoted()
            + " OPTIONS ("
            + (archived.foreign().options().containsKey("batch_size") ? "SET" : "ADD")
            + " batch_size '1000'), or servers."
            + archived.server()
            + ".fdw.batch_size: 1000 then strata apply; or make it read-only: ALTER FOREIGN TABLE "
            + archived.partition().name().quoted()
            + " OPTIONS (ADD updatable 'false')");
  }

  /** "set servers.NAME.fdw.KEY: VALUE then strata apply; by hand: ALTER SERVER ...". */
  private String fix(String server, String key, String value) {
    return fix(server, key, value, value);
  }

  /**
   * @param configValue the value as the config writes it
   * @param value the value as PostgreSQL stores it
   */
  private String fix(String server, String key, String configValue, String value) {
    boolean present = snapshot.serverOptions(server).containsKey(key);
    return "servers."
        + server
        + ".fdw."
        + key
        + ": "
        + configValue
        + " (or remove the override, for Strata's default), then strata apply; by hand on the"
        + " coordinator: ALTER SERVER "
        + Identifiers.quote(server)
        + " OPTIONS ("
        + (present ? "SET " : "ADD ")
        + key
        + " "
        + Identifiers.literal(value)
        + ")";
  }
}
