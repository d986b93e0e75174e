package dev.strata.health;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.ServerFacts;
import dev.strata.config.ConnectionConfig;
import dev.strata.config.ServerConfig;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.connect.ForeignServerProbe;
import dev.strata.operation.Operation;
import dev.strata.operation.OperationKind;
import dev.strata.security.MappingRoleGuard;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Everything the doctor checks about one configured server, run in its own thread with its own
 * connections: the direct connection (Strata's), the path through the coordinator's foreign server,
 * the archived partitions it holds, tables Strata left there, and its hygiene for the coordinator's
 * sessions (idle transactions, the mapped role's rights).
 *
 * <p>The path through the foreign server is tested with a query ({@link ForeignServerProbe}), not
 * by looking at {@code postgres_fdw_get_connections()}, which lists only connections that already
 * exist in the calling session; it is bounded by {@code timeouts.connect}, since postgres_fdw
 * itself waits for a server that does not answer without a deadline. When the mapping is for
 * another coordinator role ({@code mapping.local_user}), the probe runs as that role ({@code SET
 * LOCAL ROLE}), because postgres_fdw picks the mapping of the current role.
 */
final class ServerChecks {
  private final Connections connections;
  private final ServerConfig server;
  private final CoordinatorSnapshot snapshot;
  private final DoctorOptions options;

  ServerChecks(
      Connections connections,
      ServerConfig server,
      Optional<CoordinatorSnapshot> snapshot,
      DoctorOptions options) {
    this.connections = connections;
    this.server = server;
    this.snapshot = snapshot.orElse(null);
    this.options = options;
  }

  List<CheckResult> run() {
    List<CheckResult> results = new ArrayList<>();
    StrataConfig config = connections.config();
    Optional<Database> remote = connect(server.name(), server.connection(), config, results);
    if (server.connection().multiHost()) {
      results.add(HostRoles.check(server, config.timeouts()));
    }
    if (snapshot != null && snapshot.foreignServers().containsKey(server.name())) {
      results.add(throughForeignServer());
    }
    if (remote.isEmpty()) {
      if (snapshot != null && !snapshot.archivedOn(server.name()).isEmpty()) {
        int count = snapshot.archivedOn(server.name()).size();
        results.add(
            CheckResult.fail(
                Check.PARTITION_REMOTE_TABLE,
                server.name(),
                count
                    + " archived "
                    + (count == 1 ? "partition" : "partitions")
                    + " on "
                    + server.name()
                    + " not checked: Strata cannot connect to the server",
                "fix the connection (see connect.direct) and run strata doctor again"));
      }
      return results;
    }
    try (Database database = remote.get()) {
      CatalogReader catalog = new CatalogReader(database);
      // The coordinator's sessions arrive through its foreign server; without one (not applied
      // yet, or decommissioned) there are none to check, and fdw.server says why.
      boolean coordinatorConnects =
          snapshot == null || snapshot.foreignServers().containsKey(server.name());
      if (coordinatorConnects) {
        results.add(mappingRole(catalog));
      }
      if (snapshot != null) {
        if (coordinatorConnects) {
          results.add(writeAccess(catalog));
          results.add(idleInTransaction(catalog));
          results.add(idleTimeout(catalog));
        }
        ArchivedPartitionChecks partitions =
            new ArchivedPartitionChecks(snapshot, options, database);
        for (ArchivedPartition archived : snapshot.archivedOn(server.name())) {
          try {
            results.addAll(partitions.run(archived));
          } catch (StrataException e) {
            results.add(
                CheckResult.fail(
                    Check.PARTITION_REMOTE_TABLE,
                    archived.name(),
                    "checking " + archived.remoteDisplay() + " failed: " + e.getMessage(),
                    e.hint() != null ? e.hint() : "fix the cause and run strata doctor again"));
          }
        }
        results.add(orphanRemoteTables(catalog));
        results.add(orphanReplication(database));
      }
    } catch (StrataException e) {
      results.add(
          CheckResult.fail(
              Check.CONNECT_DIRECT,
              server.name(),
              "a check on " + server.name() + " failed: " + e.getMessage(),
              e.hint() != null ? e.hint() : "fix the cause and run strata doctor again"));
    }
    return results;
  }

  /**
   * Connects directly and records {@link Check#CONNECT_DIRECT}; the open connection, or empty when
   * it failed.
   */
  static Optional<Database> connect(
      String name, ConnectionConfig target, StrataConfig config, List<CheckResult> results) {
    long started = System.nanoTime();
    Database database;
    try {
      database = new Database(name, Connections.open(name, target, config.timeouts()));
    } catch (StrataException e) {
      String key = name.equals(Connections.COORDINATOR) ? "coordinator" : "servers." + name;
      results.add(
          CheckResult.fail(
              Check.CONNECT_DIRECT,
              name,
              (e.code() == ErrorCode.AUTHENTICATION ? "authentication failed: " : "")
                  + e.getMessage(),
              e.hint() != null ? e.hint() : "check " + key + ".url and that the server is up"));
      return Optional.empty();
    }
    try {
      double connectMillis = millisSince(started);
      CatalogReader catalog = new CatalogReader(database);
      String version = catalog.server().serverVersion();
      long roundTripStarted = System.nanoTime();
      database.queryOne("SELECT 1", row -> row.getInt(1));
      double roundTrip = millisSince(roundTripStarted);
      results.add(
          CheckResult.ok(
              Check.CONNECT_DIRECT,
              name,
              "connected as "
                  + target.user()
                  + " to "
                  + target.displayUri()
                  + " in "
                  + millis(connectMillis)
                  + ", round trip "
                  + millis(roundTrip)
                  + "; PostgreSQL "
                  + version));
      return Optional.of(database);
    } catch (StrataException e) {
      database.close();
      results.add(
          CheckResult.fail(
              Check.CONNECT_DIRECT,
              name,
              e.getMessage(),
              e.hint() != null ? e.hint() : "check that the server accepts queries"));
      return Optional.empty();
    }
  }

  private CheckResult throughForeignServer() {
    String name = server.name();
    String mappingUser = server.mapping().user();
    String localUser =
        server.mapping().localUser().orElse(connections.config().coordinator().user());
    Optional<String> asRole =
        !localUser.equals(connections.config().coordinator().user())
                && !localUser.equalsIgnoreCase("public")
            ? Optional.of(localUser)
            : Optional.empty();
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      ForeignServerProbe.Result probe =
          ForeignServerProbe.probe(
              coordinator, name, connections.config().timeouts().connect(), asRole);
      return CheckResult.ok(
          Check.CONNECT_FDW,
          name,
          "the coordinator ("
              + localUser
              + ") reached "
              + name
              + " as "
              + mappingUser
              + ": first query "
              + millis(probe.firstMillis())
              + " (connecting included), round trip "
              + millis(probe.roundTripMillis())
              + "; PostgreSQL "
              + probe.version());
    } catch (StrataException e) {
      if (e.code() == dev.strata.ErrorCode.TIMEOUT) {
        return CheckResult.fail(Check.CONNECT_FDW, name, e.getMessage(), e.hint());
      }
      String message = e.getMessage();
      String lower = message.toLowerCase(Locale.ROOT);
      boolean passthrough =
          "true".equals(snapshot.serverOptions(name).get("use_scram_passthrough"))
              && server.mapping().password().isEmpty();
      if (passthrough) {
        return CheckResult.warn(
            Check.CONNECT_FDW,
            name,
            "not verified: with use_scram_passthrough, postgres_fdw logs in to "
                + name
                + " with the SCRAM keys of the client's own login to the coordinator, which"
                + " Strata's session ("
                + connections.config().coordinator().user()
                + ") cannot lend to "
                + localUser
                + " ("
                + message
                + ")",
            "log in to the coordinator as "
                + localUser
                + " with a SCRAM password and read a foreign partition on "
                + name
                + " (the role needs the same SCRAM verifier on both servers); for this check to"
                + " run, coordinator.user must be "
                + localUser
                + ", logging in with SCRAM");
      }
      String fix;
      if (lower.contains("user mapping not found")) {
        fix = "strata apply (creates the user mapping for " + localUser + ")";
      } else if (lower.contains("password")) {
        fix =
            "check servers."
                + name
                + ".mapping.user and servers."
                + name
                + ".mapping.password"
                + server
                    .mapping()
                    .password()
                    .map(p -> " (from " + p.source() + ")")
                    .orElse(" (none set)")
                + ", then strata apply";
      } else {
        fix =
            "check that the coordinator's host can reach "
                + server.fdwOptions().getOrDefault("host", "the server")
                + " port "
                + server.fdwOptions().getOrDefault("port", "5432")
                + " (servers."
                + name
                + ".fdw.host and .port when it uses another address than Strata), then strata apply";
      }
      return CheckResult.fail(
          Check.CONNECT_FDW,
          name,
          "the coordinator cannot query " + name + " through its foreign server: " + message,
          fix);
    }
  }

  private CheckResult mappingRole(CatalogReader catalog) {
    String role = server.mapping().user();
    Optional<ServerFacts.RoleAttributes> attributes = catalog.server().role(role);
    if (attributes.isEmpty()) {
      return CheckResult.fail(
          Check.ARCHIVE_MAPPING_ROLE,
          server.name(),
          "the user mapping's role "
              + role
              + " (servers."
              + server.name()
              + ".mapping.user) does not exist on "
              + server.name(),
          "strata grants --apply creates it with the rights it needs; then set its password to"
              + " the value of servers."
              + server.name()
              + ".mapping.password");
    }
    ServerFacts.RoleAttributes found = attributes.get();
    if (found.superuser()) {
      String evidence =
          "the user mapping's role "
              + role
              + " is a superuser on "
              + server.name()
              + (MappingRoleGuard.reusesStrataRole(server)
                  ? " (the mapping reuses Strata's own role: servers."
                      + server.name()
                      + ".mapping.user is not set)"
                  : "")
              + ": every query the coordinator sends there may read or change anything";
      String fix =
          "map a dedicated role: set servers."
              + server.name()
              + ".mapping.user (and .password) to a role with only the rights `strata grants`"
              + " prints, then strata apply";
      return connections.config().security().allowSuperuserMapping()
          ? CheckResult.warn(
              Check.ARCHIVE_MAPPING_ROLE,
              server.name(),
              evidence + " (allowed by security.allow_superuser_mapping)",
              fix)
          : CheckResult.fail(
              Check.ARCHIVE_MAPPING_ROLE,
              server.name(),
              evidence,
              fix + "; if this is intended, set security.allow_superuser_mapping: true");
    }
    List<String> extra = new ArrayList<>();
    if (found.createRole()) {
      extra.add("CREATEROLE");
    }
    if (found.createDatabase()) {
      extra.add("CREATEDB");
    }
    if (found.bypassRowSecurity()) {
      extra.add("BYPASSRLS");
    }
    if (!extra.isEmpty()) {
      return CheckResult.warn(
          Check.ARCHIVE_MAPPING_ROLE,
          server.name(),
          "the user mapping's role "
              + role
              + " has "
              + String.join(", ", extra)
              + ", which reading archives does not need",
          "on "
              + server.name()
              + ": ALTER ROLE "
              + Identifiers.quote(role)
              + " "
              + extra.stream().map(a -> "NO" + a).collect(Collectors.joining(" ")));
    }
    return CheckResult.ok(
        Check.ARCHIVE_MAPPING_ROLE,
        server.name(),
        role + " exists and is not a superuser (nor CREATEROLE, CREATEDB, BYPASSRLS)");
  }

  private CheckResult writeAccess(CatalogReader catalog) {
    String role = server.mapping().user();
    boolean superuser =
        catalog.server().role(role).map(ServerFacts.RoleAttributes::superuser).orElse(false);
    List<String> findings = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    int readOnly = 0;
    for (ArchivedPartition archived : snapshot.archivedOn(server.name())) {
      if (archived.foreign().updatable() || superuser) {
        continue;
      }
      readOnly++;
      List<String> writes =
          catalog
              .server()
              .tablePrivileges(
                  role, archived.remoteTable(), List.of("INSERT", "UPDATE", "DELETE", "TRUNCATE"));
      if (writes.isEmpty()) {
        continue;
      }
      Optional<String> owner = catalog.owner(archived.remoteTable());
      if (owner.isPresent() && owner.get().equals(role)) {
        findings.add(archived.remoteTable().display() + " (" + role + " owns it)");
        fixes.add(
            "ALTER TABLE "
                + archived.remoteTable().quoted()
                + " OWNER TO "
                + Identifiers.quote(server.connection().user()));
      } else {
        findings.add(archived.remoteTable().display() + " (" + String.join(", ", writes) + ")");
        fixes.add(
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE "
                + archived.remoteTable().quoted()
                + " FROM "
                + Identifiers.quote(role));
      }
    }
    if (superuser) {
      return CheckResult.ok(
          Check.ARCHIVE_WRITE_ACCESS,
          server.name(),
          role + " is a superuser: see archive.mapping_role");
    }
    if (findings.isEmpty()) {
      return CheckResult.ok(
          Check.ARCHIVE_WRITE_ACCESS,
          server.name(),
          role + " cannot write to the " + readOnly + " read-only archived tables here");
    }
    return CheckResult.warn(
        Check.ARCHIVE_WRITE_ACCESS,
        server.name(),
        "the user mapping's role "
            + role
            + " may write to read-only archives (updatable 'false' on the coordinator): "
            + String.join(", ", findings)
            + "; anyone holding its credentials can change archived rows",
        "on " + server.name() + ": " + String.join("; ", fixes) + " (or strata grants --apply)");
  }

  private CheckResult idleInTransaction(CatalogReader catalog) {
    String application =
        snapshot.serverOptions(server.name()).getOrDefault("application_name", "postgres_fdw");
    List<ServerFacts.Session> sessions =
        catalog.server().sessionsIdleInTransaction(application).stream()
            .filter(
                s -> s.secondsInState() >= options.idleInTransactionThreshold().toMillis() / 1000.0)
            .toList();
    if (!sessions.isEmpty()) {
      double longest =
          sessions.stream().mapToDouble(ServerFacts.Session::secondsInState).max().orElse(0);
      return CheckResult.warn(
          Check.ARCHIVE_IDLE_IN_TRANSACTION,
          server.name(),
          sessions.size()
              + " postgres_fdw "
              + (sessions.size() == 1 ? "session" : "sessions")
              + " ("
              + application
              + ") idle in a transaction for up to "
              + String.format(Locale.ROOT, "%.0f s", longest)
              + " (pids "
              + sessions.stream()
                  .map(s -> Integer.toString(s.pid()))
                  .collect(Collectors.joining(", "))
              + "): each holds its snapshot and locks on "
              + server.name()
              + ", and blocks vacuum there",
          "end the coordinator transaction that opened them (a session idle in transaction on"
              + " the coordinator: SELECT pid, xact_start FROM pg_stat_activity WHERE state LIKE"
              + " 'idle in transaction%'); set servers."
              + server.name()
              + ".fdw.idle_in_transaction_session_timeout: 10min so the server ends them");
    }
    if (!catalog.server().canSeeAllSessions()) {
      return CheckResult.warn(
          Check.ARCHIVE_IDLE_IN_TRANSACTION,
          server.name(),
          server.connection().user()
              + " cannot see other roles' sessions in pg_stat_activity on "
              + server.name()
              + ", so idle postgres_fdw transactions there are invisible to Strata",
          "on "
              + server.name()
              + ": GRANT pg_read_all_stats TO "
              + Identifiers.quote(server.connection().user()));
    }
    return CheckResult.ok(
        Check.ARCHIVE_IDLE_IN_TRANSACTION,
        server.name(),
        "no "
            + application
            + " session idle in a transaction for "
            + options.idleInTransactionThreshold().toSeconds()
            + " s or more");
  }

  private CheckResult idleTimeout(CatalogReader catalog) {
    String setting = "idle_in_transaction_session_timeout";
    Map<String, String> sessionSettings =
        ForeignServerChecks.sessionSettings(snapshot.serverOptions(server.name()));
    String fromServer = sessionSettings.get(setting);
    if (fromServer != null && !fromServer.equals("0")) {
      return CheckResult.ok(
          Check.ARCHIVE_IDLE_TIMEOUT,
          server.name(),
          fromServer + " ms, from the foreign server's options");
    }
    String role = server.mapping().user();
    Optional<String> fromRole = catalog.server().roleSetting(role, setting);
    if (fromRole.isPresent() && !fromRole.get().equals("0")) {
      return CheckResult.ok(
          Check.ARCHIVE_IDLE_TIMEOUT,
          server.name(),
          fromRole.get() + ", set for " + role + " or the database on " + server.name());
    }
    Optional<String> fromFile =
        fromRole.isPresent() ? Optional.empty() : catalog.server().fileSetting(setting);
    if (fromFile.isPresent() && !fromFile.get().equals("0")) {
      return CheckResult.ok(
          Check.ARCHIVE_IDLE_TIMEOUT,
          server.name(),
          fromFile.get() + ", from " + server.name() + "'s configuration file");
    }
    return CheckResult.warn(
        Check.ARCHIVE_IDLE_TIMEOUT,
        server.name(),
        "no idle_in_transaction_session_timeout for the coordinator's sessions on "
            + server.name()
            + ": a coordinator transaction left open keeps its remote transaction, snapshot and"
            + " locks there for as long as it stays open",
        "servers."
            + server.name()
            + ".fdw.idle_in_transaction_session_timeout: 10min, then strata apply; or on "
            + server.name()
            + ": ALTER ROLE "
            + Identifiers.quote(role)
            + " SET idle_in_transaction_session_timeout = '10min'");
  }

  private CheckResult orphanRemoteTables(CatalogReader catalog) {
    Set<QualifiedName> used = new HashSet<>();
    snapshot.archivedOn(server.name()).forEach(p -> used.add(p.remoteTable()));
    for (Operation operation : snapshot.operations()) {
      if (operation.server().equals(server.name()) && !operation.state().isTerminal()) {
        used.add(operation.remoteTable());
      }
    }
    List<String> orphans = new ArrayList<>();
    List<String> drops = new ArrayList<>();
    for (CatalogReader.TaggedTable table : catalog.strataTaggedTables()) {
      if (used.contains(table.name())) {
        continue;
      }
      Optional<Operation> operation =
          snapshot.operations().stream().filter(op -> op.id() == table.operationId()).findFirst();
      Optional<Operation> keptBy =
          snapshot.operations().stream()
              .filter(
                  op ->
                      op.kind() == OperationKind.RESTORE
                          && op.keepRemote()
                          && op.server().equals(server.name())
                          && op.remoteTable().equals(table.name()))
              .reduce((first, second) -> second);
      String why =
          operation
              .map(
                  op ->
                      op.kind().label()
                          + " of "
                          + op.partition().display()
                          + ", "
                          + op.state().label()
                          + keptBy
                              .map(r -> "; kept by --keep-remote of restore " + r.id())
                              .orElse(""))
              .orElse("not in this coordinator's journal");
      orphans.add(table.name().display() + " (operation " + table.operationId() + ": " + why + ")");
      drops.add("DROP TABLE " + table.name().quoted());
    }
    if (orphans.isEmpty()) {
      return CheckResult.ok(
          Check.ORPHAN_REMOTE_TABLE,
          server.name(),
          "every table Strata created on " + server.name() + " is used by a partition");
    }
    return CheckResult.warn(
        Check.ORPHAN_REMOTE_TABLE,
        server.name(),
        "tables Strata created on "
            + server.name()
            + " that no partition uses: "
            + String.join(", ", orphans),
        "make sure they hold nothing you need (a restore keeps the remote table only with"
            + " --keep-remote), then on "
            + server.name()
            + ": "
            + String.join("; ", drops));
  }

  /**
   * Publications, subscriptions and replication slots named after a shard move ({@code
   * strata_shard_ID}) whose operation is not running: a slot left behind keeps WAL on the server
   * forever, a subscription keeps reconnecting.
   */
  private CheckResult orphanReplication(Database database) {
    String prefix = "strata_shard_" + snapshot.installation() + "_";
    Set<Long> running = new HashSet<>();
    snapshot.operations().stream()
        .filter(op -> !op.state().isTerminal())
        .forEach(op -> running.add(op.id()));
    List<String> found = new ArrayList<>();
    List<String> drops = new ArrayList<>();
    List<String[]> objects =
        database.query(
            "SELECT 'publication', pubname FROM pg_catalog.pg_publication"
                + " WHERE starts_with(pubname, ?)"
                + " UNION ALL SELECT 'subscription', subname FROM pg_catalog.pg_subscription"
                + " WHERE starts_with(subname, ?) AND subdbid = (SELECT oid FROM"
                + " pg_catalog.pg_database WHERE datname = current_database())"
                + " UNION ALL SELECT 'slot', slot_name FROM pg_catalog.pg_replication_slots"
                + " WHERE starts_with(slot_name::text, ?) AND database = current_database()"
                + " ORDER BY 2, 1",
            row -> new String[] {row.getString(1), row.getString(2)},
            prefix,
            prefix,
            prefix);
    for (String[] object : objects) {
      long id;
      try {
        id = Long.parseLong(object[1].substring(prefix.length()));
      } catch (NumberFormatException e) {
        continue;
      }
      if (running.contains(id)) {
        continue;
      }
      found.add(object[0] + " " + object[1]);
      String name = Identifiers.quote(object[1]);
      drops.add(
          switch (object[0]) {
            case "publication" -> "DROP PUBLICATION " + name;
            case "subscription" ->
                "ALTER SUBSCRIPTION "
                    + name
                    + " DISABLE; ALTER SUBSCRIPTION "
                    + name
                    + " SET (slot_name = NONE); DROP SUBSCRIPTION "
                    + name;
            default -> "SELECT pg_drop_replication_slot(" + Identifiers.literal(object[1]) + ")";
          });
    }
    if (found.isEmpty()) {
      return CheckResult.ok(
          Check.ORPHAN_REPLICATION,
          server.name(),
          "no replication object of a finished shard move on " + server.name());
    }
    return CheckResult.warn(
        Check.ORPHAN_REPLICATION,
        server.name(),
        "replication objects of shard moves that are no longer running on "
            + server.name()
            + ": "
            + String.join(", ", found)
            + " (a slot keeps WAL there until it is dropped)",
        "on " + server.name() + ": " + String.join("; ", drops));
  }

  private static double millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000.0;
  }

  static String millis(double millis) {
    return String.format(Locale.ROOT, "%.1f ms", millis);
  }
}
