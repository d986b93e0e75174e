package dev.strata.catalog;

import dev.strata.connect.Database;
import dev.strata.secret.Secret;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SecretChannel;
import dev.strata.sql.SqlStatement;
import java.util.List;
import java.util.Optional;

/**
 * What Strata reads about a server itself, on the coordinator or on any server: extensions, foreign
 * servers and user mappings, settings, version, roles and their privileges, sessions and advisory
 * locks, the server's clock. Read-only; names are bound as parameters. Relations and partitions are
 * {@link CatalogReader}'s, a table's rows and size {@link TableData}'s.
 */
public final class ServerFacts {
  private final Database database;

  public ServerFacts(Database database) {
    this.database = database;
  }

  public boolean extensionInstalled(String extension) {
    return database
        .queryOne("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = ?", row -> true, extension)
        .isPresent();
  }

  public boolean extensionAvailable(String extension) {
    return database
        .queryOne(
            "SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = ?",
            row -> true,
            extension)
        .isPresent();
  }

  public List<ForeignServer> foreignServers() {
    return database.query(
        """
        SELECT s.srvname, w.fdwname, s.srvoptions
        FROM pg_catalog.pg_foreign_server s
        JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
        ORDER BY 1
        """,
        row ->
            new ForeignServer(
                row.getString(1), row.getString(2), CatalogReader.options(row.getArray(3))));
  }

  public Optional<ForeignServer> foreignServer(String name) {
    return foreignServers().stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * User mappings, without passwords: the password option is filtered out in SQL, so it never
   * reaches this process.
   */
  public List<UserMapping> userMappings() {
    return database.query(
        """
        SELECT m.srvname, m.usename,
               ARRAY(SELECT o.option_name || '=' || o.option_value
                     FROM pg_catalog.pg_options_to_table(m.umoptions) o
                     WHERE o.option_name <> 'password'
                     ORDER BY 1),
               EXISTS (SELECT 1 FROM pg_catalog.pg_options_to_table(m.umoptions) o
                       WHERE o.option_name = 'password')
        FROM pg_catalog.pg_user_mappings m
        ORDER BY 1, 2
        """,
        row ->
            new UserMapping(
                row.getString(1),
                row.getString(2),
                CatalogReader.options(row.getArray(3)),
                row.getBoolean(4)));
  }

  /**
   * Whether the mapping's stored password equals {@code candidate}. The comparison runs in SQL, so
   * the stored password never leaves the server, and the candidate reaches it as COPY data ({@link
   * SecretChannel}), so it is never logged: this is the one catalog read that writes, into a
   * temporary table of its own session that it drops again.
   */
  public boolean mappingPasswordEquals(String server, String localUser, Secret candidate) {
    return database.inTransaction(
        db -> {
          for (SqlStatement statement : SecretChannel.load(candidate)) {
            db.execute(statement);
          }
          boolean equal =
              db.queryOne(
                      """
                      SELECT o.option_value = %s
                      FROM pg_catalog.pg_user_mappings m,
                           pg_catalog.pg_options_to_table(m.umoptions) o
                      WHERE m.srvname = ? AND m.usename = ? AND o.option_name = 'password'
                      """
                          .formatted(SecretChannel.VALUE),
                      row -> row.getBoolean(1),
                      server,
                      localUser)
                  .orElse(false);
          db.execute(SecretChannel.unload());
          return equal;
        });
  }

  /** The value of a setting in this session, or empty when there is no such setting. */
  public Optional<String> currentSetting(String name) {
    return database
        .queryOne(
            "SELECT pg_catalog.current_setting(?, true)",
            row -> Optional.ofNullable(row.getString(1)),
            name)
        .flatMap(value -> value);
  }

  public String currentDatabase() {
    return database.queryOne("SELECT current_database()", row -> row.getString(1)).orElseThrow();
  }

  public String serverVersion() {
    return database.queryOne("SHOW server_version", row -> row.getString(1)).orElseThrow();
  }

  /** The server's version, for everything that depends on it (one query). */
  public ServerVersion version() {
    return database
        .queryOne(
            "SELECT pg_catalog.current_setting('server_version_num')::int,"
                + " pg_catalog.current_setting('server_version')",
            row -> new ServerVersion(row.getInt(1), row.getString(2)))
        .orElseThrow();
  }

  /**
   * Whether the server is a standby: {@code pg_is_in_recovery()}, true until it is promoted (and
   * while a primary replays WAL after a crash, when it accepts no connection anyway).
   */
  public boolean inRecovery() {
    return database.queryOne("SELECT pg_is_in_recovery()", row -> row.getBoolean(1)).orElseThrow();
  }

  public String currentUser() {
    return database.queryOne("SELECT current_user", row -> row.getString(1)).orElseThrow();
  }

  // ---------------------------------------------------------------- health and least privilege

  /**
   * A role's attributes that matter for least privilege.
   *
   * @param name the role
   * @param superuser {@code rolsuper}
   * @param canLogin {@code rolcanlogin}
   * @param createRole {@code rolcreaterole}
   * @param createDatabase {@code rolcreatedb}
   * @param bypassRowSecurity {@code rolbypassrls}
   */
  public record RoleAttributes(
      String name,
      boolean superuser,
      boolean canLogin,
      boolean createRole,
      boolean createDatabase,
      boolean bypassRowSecurity) {}

  /** The role's attributes on this server, or empty when there is no such role. */
  public Optional<RoleAttributes> role(String name) {
    return database.queryOne(
        """
        SELECT rolname, rolsuper, rolcanlogin, rolcreaterole, rolcreatedb, rolbypassrls
        FROM pg_catalog.pg_roles WHERE rolname = ?
        """,
        row ->
            new RoleAttributes(
                row.getString(1),
                row.getBoolean(2),
                row.getBoolean(3),
                row.getBoolean(4),
                row.getBoolean(5),
                row.getBoolean(6)),
        name);
  }

  /**
   * Which of {@code privileges} ({@code SELECT}, {@code INSERT}, ...) {@code role} holds on the
   * table, directly, through PUBLIC or through a role it inherits; empty when the role or the table
   * does not exist.
   */
  public List<String> tablePrivileges(String role, QualifiedName table, List<String> privileges) {
    return database.query(
        """
        SELECT p.privilege
        FROM unnest(?::text[]) WITH ORDINALITY p(privilege, position),
             pg_catalog.pg_class c
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
             pg_catalog.pg_roles r
        WHERE n.nspname = ? AND c.relname = ? AND r.rolname = ?
          AND pg_catalog.has_table_privilege(r.oid, c.oid, p.privilege)
        ORDER BY p.position
        """,
        row -> row.getString(1),
        privileges.toArray(String[]::new),
        table.schema(),
        table.name(),
        role);
  }

  /**
   * A session on this server, from {@code pg_stat_activity}.
   *
   * @param pid backend process id
   * @param user the role it is logged in as
   * @param applicationName its {@code application_name}
   * @param state e.g. {@code idle in transaction}
   * @param secondsInState how long it has been in that state
   * @param clientAddress where it connected from, when known
   */
  public record Session(
      int pid,
      String user,
      String applicationName,
      String state,
      double secondsInState,
      Optional<String> clientAddress) {}

  /**
   * Sessions of {@code applicationName} idle inside a transaction. Other roles' sessions show their
   * state only to superusers and members of {@code pg_read_all_stats}; see {@link
   * #canSeeAllSessions}.
   */
  public List<Session> sessionsIdleInTransaction(String applicationName) {
    return database.query(
        """
        SELECT pid, usename, application_name, state,
               extract(epoch FROM now() - state_change)::float8, host(client_addr)
        FROM pg_catalog.pg_stat_activity
        WHERE application_name = ? AND state LIKE 'idle in transaction%'
        ORDER BY state_change
        """,
        row ->
            new Session(
                row.getInt(1),
                row.getString(2),
                row.getString(3),
                row.getString(4),
                row.getDouble(5),
                Optional.ofNullable(row.getString(6))),
        applicationName);
  }

  /** Whether the current role sees every session's state in {@code pg_stat_activity}. */
  public boolean canSeeAllSessions() {
    return database
        .queryOne(
            """
            SELECT r.rolsuper OR pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')
            FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
            """,
            row -> row.getBoolean(1))
        .orElse(false);
  }

  /**
   * The value of a setting made with {@code ALTER ROLE ... SET} or {@code ALTER DATABASE ... SET}
   * that applies to {@code role} in the current database, the most specific first (role and
   * database, role, database), as PostgreSQL applies them; empty when none.
   */
  public Optional<String> roleSetting(String role, String setting) {
    return database.queryOne(
        """
        SELECT substring(s.config FROM position('=' IN s.config) + 1)
        FROM pg_catalog.pg_db_role_setting d
        CROSS JOIN LATERAL unnest(d.setconfig) s(config)
        LEFT JOIN pg_catalog.pg_roles r ON r.oid = d.setrole
        LEFT JOIN pg_catalog.pg_database b ON b.oid = d.setdatabase
        WHERE (d.setrole = 0 OR r.rolname = ?)
          AND (d.setdatabase = 0 OR b.datname = current_database())
          AND s.config LIKE ? || '=%'
        ORDER BY (d.setrole <> 0) DESC, (d.setdatabase <> 0) DESC
        LIMIT 1
        """,
        row -> row.getString(1), role, setting);
  }

  /**
   * The value the server's configuration files give a setting, or empty when they do not set it or
   * this role may not read {@code pg_file_settings} (superusers only, by default).
   */
  public Optional<String> fileSetting(String setting) {
    boolean readable =
        database
            .queryOne(
                "SELECT pg_catalog.has_function_privilege('pg_catalog.pg_show_all_file_settings()',"
                    + " 'EXECUTE')",
                row -> row.getBoolean(1))
            .orElse(false);
    if (!readable) {
      return Optional.empty();
    }
    return database.queryOne(
        """
        SELECT setting FROM pg_catalog.pg_file_settings
        WHERE name = ? AND applied AND error IS NULL
        ORDER BY seqno DESC LIMIT 1
        """,
        row -> row.getString(1),
        setting);
  }

  /** Whether PUBLIC holds USAGE on the foreign server, so that every role may use it. */
  public boolean publicHasServerUsage(String server) {
    return database
        .queryOne(
            """
            SELECT EXISTS (
              SELECT 1 FROM pg_catalog.pg_foreign_server s,
                            pg_catalog.aclexplode(s.srvacl) a
              WHERE s.srvname = ? AND a.grantee = 0 AND a.privilege_type = 'USAGE')
            """,
            row -> row.getBoolean(1),
            server)
        .orElse(false);
  }

  /** Whether some session holds the advisory lock {@code hashtextextended(key, 0)}. */
  public boolean advisoryLockHeld(String key) {
    return database
        .queryOne(
            """
            SELECT EXISTS (
              SELECT 1 FROM pg_catalog.pg_locks
              WHERE locktype = 'advisory' AND granted
                AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(?, 0))
            """,
            row -> row.getBoolean(1),
            key)
        .orElse(false);
  }

  /**
   * Each value cast to {@code type} (a date or time type from {@code format_type}) as seconds since
   * the epoch, in the server's session time zone, in order; null for {@code -infinity}.
   */
  public List<Double> epochSeconds(String type, List<String> values) {
    return database.query(
        "SELECT extract(epoch FROM CAST(v AS "
            + type
            + "))::float8 FROM unnest(?::text[]) WITH ORDINALITY x(v, position) ORDER BY position",
        row -> {
          double seconds = row.getDouble(1);
          return row.wasNull() ? null : seconds;
        },
        (Object) values.toArray(String[]::new));
  }

  /** The server's clock, as a local date and time in its session time zone. */
  public java.time.LocalDateTime localTimestamp() {
    return database
        .queryOne("SELECT localtimestamp", row -> row.getObject(1, java.time.LocalDateTime.class))
        .orElseThrow();
  }
}
