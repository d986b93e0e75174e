package dev.strata.security;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.ServerFacts;
import dev.strata.catalog.Tier;
import dev.strata.config.ServerConfig;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.DollarQuote;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code strata grants}: least-privilege SQL for every role Strata involves, on both sides.
 *
 * <ul>
 *   <li>On each server, the <b>mapping role</b> ({@code servers.NAME.mapping.user}, what the
 *       coordinator's queries run as there): CONNECT on the database, USAGE on the archived tables'
 *       schemas, SELECT on each archived table, and INSERT, UPDATE, DELETE only where the foreign
 *       partition is writable ({@code updatable} not {@code 'false'}); write rights it holds on
 *       read-only archives are revoked. Created as a LOGIN role without a password when missing:
 *       Strata never invents or prints a password, and says to set it.
 *   <li>On each server, <b>Strata's own role</b> ({@code servers.NAME.user}): CONNECT, CREATE and
 *       TEMPORARY on the database (to create archive tables and schemas, and the doctor's rolled-
 *       back probes), USAGE and CREATE on the archived tables' schemas, SELECT on archived tables
 *       it does not own (to verify them), and {@code pg_read_all_stats} (so the doctor sees the
 *       coordinator's sessions there). Nothing when it is a superuser.
 *   <li>On the coordinator: no USAGE on the foreign servers for PUBLIC; Strata's role gets USAGE on
 *       them and CREATE on the database (for its {@code strata} schema); an <b>application
 *       read-only role</b> (a NOLOGIN group role, {@code --read-role}) gets SELECT on the managed
 *       tables.
 * </ul>
 *
 * <p>The plan is printed by default; {@code --apply} runs each server's statements there in one
 * transaction, as Strata's role on that server, which therefore needs the right to grant them (a
 * superuser, or the owner of the objects and CREATEROLE). Every statement is idempotent.
 */
public final class GrantPlanner {
  public static final String DEFAULT_READ_ROLE = "strata_read";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GrantPlanner.class);

  private final Connections connections;
  private final String readRole;

  public GrantPlanner(Connections connections, String readRole) {
    this.connections = connections;
    this.readRole = readRole;
    Identifiers.validate(readRole);
  }

  /** One archived table on a server, and whether its foreign partition accepts writes. */
  private record Archived(QualifiedName remoteTable, boolean writable) {}

  public GrantPlan plan() {
    StrataConfig config = connections.config();
    List<GrantPlan.Section> sections = new ArrayList<>();
    Map<String, Map<QualifiedName, Archived>> archivedByServer = new LinkedHashMap<>();
    config.servers().keySet().forEach(name -> archivedByServer.put(name, new LinkedHashMap<>()));
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      CatalogReader catalog = new CatalogReader(coordinator);
      List<PartitionedTable> tables =
          catalog.partitionedTables().stream().map(catalog::partitionedTable).toList();
      Set<QualifiedName> readable = new LinkedHashSet<>();
      for (PartitionedTable table : tables) {
        boolean archived = false;
        for (Partition partition : table.partitions()) {
          Optional<Tier.Foreign> foreign = partition.foreign();
          if (foreign.isPresent() && archivedByServer.containsKey(foreign.get().server())) {
            QualifiedName remote =
                QualifiedName.of(foreign.get().remoteSchema(), foreign.get().remoteTable());
            archivedByServer
                .get(foreign.get().server())
                .merge(
                    remote,
                    new Archived(remote, foreign.get().updatable()),
                    (a, b) -> new Archived(remote, a.writable() || b.writable()));
            archived = true;
          }
        }
        if (archived || config.findTable(table.name()).isPresent()) {
          readable.add(table.name());
        }
      }
      sections.add(coordinatorSection(config, catalog, readable));
    }
    for (ServerConfig server : config.servers().values()) {
      sections.add(
          serverSection(config, server, List.copyOf(archivedByServer.get(server.name()).values())));
    }
    return new GrantPlan(sections);
  }

  private GrantPlan.Section coordinatorSection(
      StrataConfig config, CatalogReader catalog, Set<QualifiedName> readable) {
    List<SqlStatement> statements = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    String strata = config.coordinator().user();
    boolean strataSuperuser =
        catalog.server().role(strata).map(ServerFacts.RoleAttributes::superuser).orElse(false);
    Set<String> foreignServers = new LinkedHashSet<>();
    catalog.server().foreignServers().forEach(server -> foreignServers.add(server.name()));
    for (ServerConfig server : config.servers().values()) {
      if (!foreignServers.contains(server.name())) {
        notes.add(
            "no foreign server "
                + server.name()
                + " on the coordinator (not applied yet, or decommissioned): nothing to grant on it");
        continue;
      }
      statements.add(
          SqlStatement.of(
              "REVOKE USAGE ON FOREIGN SERVER "
                  + Identifiers.quote(server.name())
                  + " FROM PUBLIC"));
      if (!strataSuperuser) {
        statements.add(
            SqlStatement.of(
                "GRANT USAGE ON FOREIGN SERVER "
                    + Identifiers.quote(server.name())
                    + " TO "
                    + Identifiers.quote(strata)));
      }
    }
    if (strataSuperuser) {
      notes.add(
          strata
              + " (coordinator.user) is a superuser: more than Strata needs. A dedicated role"
              + " needs to own the managed tables (or be a member of their owner), CREATE on the"
              + " database (for the strata schema) and USAGE on the foreign servers.");
    } else {
      statements.add(
          SqlStatement.of(
              "GRANT CREATE ON DATABASE "
                  + Identifiers.quote(config.coordinator().database())
                  + " TO "
                  + Identifiers.quote(strata)));
      notes.add(
          strata
              + " must own the managed tables (or be a member of their owner role) to attach and"
              + " detach partitions: ALTER TABLE ... OWNER TO "
              + Identifiers.quote(strata));
    }
    statements.add(createRoleIfMissing(readRole, false));
    Set<String> schemas = new LinkedHashSet<>();
    readable.forEach(table -> schemas.add(table.schema()));
    for (String schema : schemas) {
      statements.add(
          SqlStatement.of(
              "GRANT USAGE ON SCHEMA "
                  + Identifiers.quote(schema)
                  + " TO "
                  + Identifiers.quote(readRole)));
    }
    for (QualifiedName table : readable) {
      statements.add(
          SqlStatement.of(
              "GRANT SELECT ON TABLE " + table.quoted() + " TO " + Identifiers.quote(readRole)));
    }
    notes.add(
        readRole
            + " is a NOLOGIN group role for applications that only read: GRANT "
            + Identifiers.quote(readRole)
            + " TO <login role>. postgres_fdw picks the user mapping of the login role itself (or"
            + " PUBLIC), not of its groups: for its members to read archived partitions, set"
            + " servers.NAME.mapping.local_user to their login role, or to public for one mapping"
            + " everyone uses, and run strata apply.");
    return new GrantPlan.Section(Connections.COORDINATOR, statements, notes);
  }

  private GrantPlan.Section serverSection(
      StrataConfig config, ServerConfig server, List<Archived> archived) {
    List<SqlStatement> statements = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    String strata = server.connection().user();
    String mapping = server.mapping().user();
    String database = server.connection().database();
    Optional<ServerFacts.RoleAttributes> strataRole = Optional.empty();
    Optional<ServerFacts.RoleAttributes> mappingRole = Optional.empty();
    Map<QualifiedName, String> owners = new LinkedHashMap<>();
    try (Database remote =
        new Database(
            server.name(),
            Connections.open(server.name(), server.connection(), config.timeouts()))) {
      CatalogReader catalog = new CatalogReader(remote);
      strataRole = catalog.server().role(strata);
      mappingRole = catalog.server().role(mapping);
      for (Archived table : archived) {
        catalog
            .owner(table.remoteTable())
            .ifPresent(owner -> owners.put(table.remoteTable(), owner));
      }
    } catch (StrataException e) {
      notes.add(
          "cannot connect to "
              + server.name()
              + " ("
              + e.getMessage()
              + "): the statements below assume no role is a superuser and every table exists");
    }
    Set<String> schemas = new LinkedHashSet<>();
    archived.forEach(table -> schemas.add(table.remoteTable().schema()));

    if (MappingRoleGuard.reusesStrataRole(server)) {
      notes.add(
          "the user mapping reuses Strata's own role "
              + strata
              + ": give the coordinator's queries a dedicated role with servers."
              + server.name()
              + ".mapping.user (and .password), then run strata grants again and strata apply");
    } else {
      statements.add(createRoleIfMissing(mapping, true));
      if (mappingRole.isEmpty()) {
        notes.add(
            mapping
                + " is created without a password: set it to the value of servers."
                + server.name()
                + ".mapping.password"
                + server.mapping().password().map(p -> " (" + p.source() + ")").orElse("")
                + " on "
                + server.name()
                + ", e.g. in psql: \\password "
                + mapping);
      }
      if (mappingRole.map(ServerFacts.RoleAttributes::superuser).orElse(false)) {
        notes.add(
            mapping
                + " is a superuser on "
                + server.name()
                + ": grants change nothing for it. Map a role that is not (servers."
                + server.name()
                + ".mapping.user), or, if the role is not needed as a superuser: ALTER ROLE "
                + Identifiers.quote(mapping)
                + " NOSUPERUSER");
      }
      statements.add(
          SqlStatement.of(
              "GRANT CONNECT ON DATABASE "
                  + Identifiers.quote(database)
                  + " TO "
                  + Identifiers.quote(mapping)));
      for (String schema : schemas) {
        statements.add(
            SqlStatement.of(
                "GRANT USAGE ON SCHEMA "
                    + Identifiers.quote(schema)
                    + " TO "
                    + Identifiers.quote(mapping)));
      }
      for (Archived table : archived) {
        String name = table.remoteTable().quoted();
        if (mapping.equals(owners.get(table.remoteTable()))) {
          notes.add(
              mapping
                  + " owns "
                  + table.remoteTable().display()
                  + " and so holds every right on it: ALTER TABLE "
                  + name
                  + " OWNER TO "
                  + Identifiers.quote(strata));
        }
        if (table.writable()) {
          statements.add(
              SqlStatement.of(
                  "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "
                      + name
                      + " TO "
                      + Identifiers.quote(mapping)));
          statements.add(
              SqlStatement.of(
                  "REVOKE TRUNCATE ON TABLE " + name + " FROM " + Identifiers.quote(mapping)));
        } else {
          statements.add(
              SqlStatement.of(
                  "GRANT SELECT ON TABLE " + name + " TO " + Identifiers.quote(mapping)));
          statements.add(
              SqlStatement.of(
                  "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE "
                      + name
                      + " FROM "
                      + Identifiers.quote(mapping)));
        }
      }
    }

    if (strataRole.map(ServerFacts.RoleAttributes::superuser).orElse(false)) {
      notes.add(
          strata
              + " (servers."
              + server.name()
              + ".user) is a superuser: more than Strata needs. A dedicated role needs CONNECT,"
              + " CREATE and TEMPORARY on the database, USAGE and CREATE on the archives' schemas,"
              + " SELECT on archived tables it does not own, and pg_read_all_stats; this command"
              + " prints those grants when servers."
              + server.name()
              + ".user is not a superuser");
    } else {
      statements.add(
          SqlStatement.of(
              "GRANT CONNECT, CREATE, TEMPORARY ON DATABASE "
                  + Identifiers.quote(database)
                  + " TO "
                  + Identifiers.quote(strata)));
      for (String schema : schemas) {
        statements.add(
            SqlStatement.of(
                "GRANT USAGE, CREATE ON SCHEMA "
                    + Identifiers.quote(schema)
                    + " TO "
                    + Identifiers.quote(strata)));
      }
      for (Archived table : archived) {
        if (!strata.equals(owners.get(table.remoteTable()))) {
          statements.add(
              SqlStatement.of(
                  "GRANT SELECT ON TABLE "
                      + table.remoteTable().quoted()
                      + " TO "
                      + Identifiers.quote(strata)));
        }
      }
      statements.add(SqlStatement.of("GRANT pg_read_all_stats TO " + Identifiers.quote(strata)));
    }
    return new GrantPlan.Section(server.name(), statements, notes);
  }

  /** Idempotent: {@code CREATE ROLE} only if no role of that name exists; never a password. */
  private static SqlStatement createRoleIfMissing(String role, boolean login) {
    String create = "CREATE ROLE " + Identifiers.quote(role) + (login ? " LOGIN" : " NOLOGIN");
    String body =
        "BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
            + Identifiers.literal(role)
            + ") THEN "
            + create
            + "; END IF; END";
    return SqlStatement.of("DO " + DollarQuote.quote(body));
  }

  /**
   * Runs each section on its server in one transaction, stopping at the first failure; {@code
   * executed} is told of every statement after it ran.
   */
  public void apply(
      GrantPlan plan, Consumer<String> sectionStarted, Consumer<SqlStatement> executed) {
    StrataConfig config = connections.config();
    for (GrantPlan.Section section : plan.sections()) {
      if (section.statements().isEmpty()) {
        continue;
      }
      sectionStarted.accept(section.server());
      boolean coordinator = section.server().equals(Connections.COORDINATOR);
      try (Database database =
          new Database(
              section.server(),
              coordinator
                  ? connections.coordinator()
                  : Connections.open(
                      section.server(),
                      config.server(section.server()).connection(),
                      config.timeouts()))) {
        database.inTransaction(
            db -> {
              for (SqlStatement statement : section.statements()) {
                LOG.debug("on {}: {}", section.server(), statement.render());
                db.execute(statement);
                executed.accept(statement);
              }
              return null;
            });
      } catch (StrataException e) {
        throw new StrataException(
            e.code(),
            "strata grants --apply failed on "
                + section.server()
                + " (its statements were rolled back; servers before it keep theirs): "
                + e.getMessage(),
            "run the printed statements there as a role that may grant them (a superuser, or the"
                + " objects' owner with CREATEROLE); `strata grants` prints them",
            e);
      }
    }
  }
}
