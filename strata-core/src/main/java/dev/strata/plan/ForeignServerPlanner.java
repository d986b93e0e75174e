package dev.strata.plan;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.ForeignServer;
import dev.strata.catalog.ServerVersion;
import dev.strata.catalog.UserMapping;
import dev.strata.config.FdwOptions;
import dev.strata.config.MappingConfig;
import dev.strata.config.ServerConfig;
import dev.strata.config.StrataConfig;
import dev.strata.secret.Secret;
import dev.strata.security.MappingRoleGuard;
import dev.strata.sql.Identifiers;
import dev.strata.sql.SecretDdl;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares the configured servers with the coordinator's postgres_fdw objects and lists the changes
 * that make them equal: the extension, one foreign server per configured server (its options
 * exactly the configured ones), and one user mapping each. Objects that already match produce no
 * action, so applying twice changes nothing the second time.
 *
 * <p>Passwords never appear in statement text or bound parameters. A user mapping's password
 * reaches the coordinator as COPY data ({@link SecretChannel}), and a DO block builds the DDL from
 * it with {@code format('%L')}: DDL takes no parameters, and this keeps the password out of the
 * server log (statement text and parameter values under {@code log_statement = all}), {@code
 * pg_stat_activity}, error messages, and Strata's dry-run output.
 */
public final class ForeignServerPlanner {
  /** Where the password clause goes in a DDL template; NUL cannot occur in any identifier. */
  private static final String PASSWORD_MARK = "\u0000";

  private ForeignServerPlanner() {}

  public static List<SqlAction> plan(StrataConfig config, CatalogReader coordinator) {
    return plan(config, coordinator, java.util.Set.of());
  }

  /**
   * @param decommissioned configured servers that were decommissioned (retired from, unused, and no
   *     longer a placement target): not recreated
   */
  public static List<SqlAction> plan(
      StrataConfig config, CatalogReader coordinator, java.util.Set<String> decommissioned) {
    List<SqlAction> actions = new ArrayList<>();
    if (config.servers().isEmpty()) {
      return actions;
    }
    if (!coordinator.server().extensionInstalled("postgres_fdw")) {
      if (!coordinator.server().extensionAvailable("postgres_fdw")) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "the postgres_fdw extension is not available on the coordinator",
            "install PostgreSQL's contrib modules on the coordinator host (postgres_fdw ships"
                + " with them), then run strata apply again");
      }
      actions.add(
          new SqlAction(
              "extension",
              "create extension postgres_fdw",
              "not installed on the coordinator",
              List.of(SqlStatement.of("CREATE EXTENSION IF NOT EXISTS postgres_fdw"))));
    }
    ServerVersion coordinatorVersion = coordinator.server().version();
    Map<String, ForeignServer> existingServers = new TreeMap<>();
    coordinator
        .server()
        .foreignServers()
        .forEach(server -> existingServers.put(server.name(), server));
    List<UserMapping> existingMappings = coordinator.server().userMappings();
    for (ServerConfig server : config.servers().values()) {
      if (decommissioned.contains(server.name())) {
        continue;
      }
      planServer(
              server, Optional.ofNullable(existingServers.get(server.name())), coordinatorVersion)
          .ifPresent(actions::add);
      String localUser = server.mapping().localUser().orElse(config.coordinator().user());
      Optional<UserMapping> mapping =
          existingMappings.stream()
              .filter(m -> m.server().equals(server.name()) && m.localUser().equals(localUser))
              .findFirst();
      Optional<SqlAction> mappingAction =
          planMapping(server.name(), localUser, server.mapping(), mapping, coordinator);
      if (mappingAction.isPresent()) {
        // Secure default: no superuser mapping unless the config insists (checked on the server).
        MappingRoleGuard.check(config, server);
        actions.add(mappingAction.get());
      }
    }
    return actions;
  }

  /** The description of the action that creates foreign server {@code server}. */
  static String creating(String server) {
    return "create foreign server " + server;
  }

  /**
   * The options for {@code server} that the coordinator's version takes ({@link
   * FdwOptions#forCoordinator}); refuses, before anything is changed, a configured value the
   * coordinator's postgres_fdw cannot honour.
   */
  static FdwOptions.CoordinatorOptions optionsFor(ServerConfig server, ServerVersion coordinator) {
    FdwOptions.CoordinatorOptions options =
        FdwOptions.forCoordinator(server.fdwOptions(), coordinator.major());
    if (!options.unsupported().isEmpty()) {
      throw new StrataException(
          ErrorCode.CONFIG,
          "servers."
              + server.name()
              + ".fdw sets "
              + String.join(", ", options.unsupported())
              + ", which the coordinator's postgres_fdw does not know: the coordinator runs "
              + coordinator
              + " (it would refuse the option with \"invalid option\")",
          "remove "
              + (options.unsupported().size() == 1 ? "that key" : "those keys")
              + " from servers."
              + server.name()
              + ".fdw, or upgrade the coordinator; nothing was changed");
    }
    return options;
  }

  private static Optional<SqlAction> planServer(
      ServerConfig server, Optional<ForeignServer> existing, ServerVersion coordinatorVersion) {
    FdwOptions.CoordinatorOptions options = optionsFor(server, coordinatorVersion);
    Map<String, String> desired = new TreeMap<>(options.options());
    String leftOut =
        options.leftOut().isEmpty()
            ? ""
            : " ("
                + String.join(", ", options.leftOut())
                + " left out: unknown to "
                + coordinatorVersion
                + ", which behaves as configured without "
                + (options.leftOut().size() == 1 ? "it" : "them")
                + ")";
    if (existing.isEmpty()) {
      return Optional.of(
          new SqlAction(
              "foreign_server",
              creating(server.name()),
              "not on the coordinator" + leftOut,
              List.of(
                  SqlStatement.of(
                      "CREATE SERVER "
                          + Identifiers.quote(server.name())
                          + " FOREIGN DATA WRAPPER postgres_fdw OPTIONS ("
                          + optionList(desired)
                          + ")"))));
    }
    ForeignServer current = existing.get();
    if (!current.wrapper().equals("postgres_fdw")) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "foreign server "
              + server.name()
              + " exists on the coordinator with foreign-data wrapper "
              + current.wrapper()
              + ", not postgres_fdw",
          "rename servers."
              + server.name()
              + " in the config, or drop that server if it is unused");
    }
    List<String> changes = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    for (var entry : desired.entrySet()) {
      String now = current.options().get(entry.getKey());
      if (now == null) {
        changes.add("ADD " + entry.getKey() + " " + Identifiers.literal(entry.getValue()));
        reasons.add(entry.getKey() + " missing");
      } else if (!now.equals(entry.getValue())) {
        changes.add("SET " + entry.getKey() + " " + Identifiers.literal(entry.getValue()));
        reasons.add(entry.getKey() + " is '" + now + "', config says '" + entry.getValue() + "'");
      }
    }
    for (String name : new TreeSet<>(current.options().keySet())) {
      if (!desired.containsKey(name)) {
        changes.add("DROP " + name);
        reasons.add(name + " not in config");
      }
    }
    if (changes.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new SqlAction(
            "foreign_server",
            "change options of foreign server " + server.name(),
            String.join("; ", reasons),
            List.of(
                SqlStatement.of(
                    "ALTER SERVER "
                        + Identifiers.quote(server.name())
                        + " OPTIONS ("
                        + String.join(", ", changes)
                        + ")"))));
  }

  private static Optional<SqlAction> planMapping(
      String server,
      String localUser,
      MappingConfig desired,
      Optional<UserMapping> existing,
      CatalogReader coordinator) {
    String target = "user mapping for " + localUser + " on server " + server;
    if (existing.isEmpty()) {
      String options = "user " + Identifiers.literal(desired.user());
      String ddl =
          "CREATE USER MAPPING FOR "
              + Identifiers.quote(localUser)
              + " SERVER "
              + Identifiers.quote(server)
              + " OPTIONS ("
              + options
              + PASSWORD_MARK
              + ")";
      return Optional.of(
          new SqlAction(
              "user_mapping",
              "create " + target,
              "not on the coordinator",
              withPassword(ddl, desired.password().map(p -> ", password "))
                  .apply(desired.password())));
    }
    UserMapping current = existing.get();
    List<String> changes = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    String currentUser = current.options().get("user");
    if (currentUser == null) {
      changes.add("ADD user " + Identifiers.literal(desired.user()));
      reasons.add("user missing");
    } else if (!currentUser.equals(desired.user())) {
      changes.add("SET user " + Identifiers.literal(desired.user()));
      reasons.add("user is '" + currentUser + "', config says '" + desired.user() + "'");
    }
    Optional<Secret> passwordChange = Optional.empty();
    String passwordClause = null;
    if (desired.password().isPresent()) {
      Secret password = desired.password().get();
      if (!current.hasPassword()) {
        passwordChange = Optional.of(password);
        passwordClause = "ADD password ";
        reasons.add("password missing");
      } else if (!coordinator.server().mappingPasswordEquals(server, localUser, password)) {
        passwordChange = Optional.of(password);
        passwordClause = "SET password ";
        reasons.add("password differs from " + password.source());
      }
    } else if (current.hasPassword()) {
      changes.add("DROP password");
      reasons.add("password set but none configured");
    }
    if (changes.isEmpty() && passwordChange.isEmpty()) {
      return Optional.empty();
    }
    String ddl =
        "ALTER USER MAPPING FOR "
            + Identifiers.quote(localUser)
            + " SERVER "
            + Identifiers.quote(server)
            + " OPTIONS ("
            + String.join(", ", changes)
            + PASSWORD_MARK
            + ")";
    String separator = changes.isEmpty() ? "" : ", ";
    String clause = passwordClause == null ? null : separator + passwordClause;
    return Optional.of(
        new SqlAction(
            "user_mapping",
            "change " + target,
            String.join("; ", reasons),
            withPassword(ddl, Optional.ofNullable(clause)).apply(passwordChange)));
  }

  /**
   * Returns a function from an optional password to the statements that run {@code ddlTemplate}
   * ({@link #PASSWORD_MARK} marks where the password clause goes). Without a password the DDL runs
   * as is; with one, it reaches the server through {@link SecretDdl}: a DO block formats it into
   * the DDL. A failure of the DDL is raised again from the block with its message, detail and hint
   * (the password replaced, should one of them quote it) but without PostgreSQL's CONTEXT, which
   * would carry the formatted DDL, password included, into the server log and to the client.
   */
  private static java.util.function.Function<Optional<Secret>, List<SqlStatement>> withPassword(
      String ddlTemplate, Optional<String> passwordClause) {
    return password -> {
      if (password.isEmpty() || passwordClause.isEmpty()) {
        return List.of(SqlStatement.of(ddlTemplate.replace(PASSWORD_MARK, "")));
      }
      // format() treats % specially; the DDL text is escaped, then %L takes the password.
      String formatTemplate =
          ddlTemplate.replace("%", "%%").replace(PASSWORD_MARK, passwordClause.get() + "%L");
      return SecretDdl.statements(formatTemplate, "secret", password.get());
    };
  }

  static String optionList(Map<String, String> options) {
    List<String> parts = new ArrayList<>();
    options.forEach((name, value) -> parts.add(name + " " + Identifiers.literal(value)));
    return String.join(", ", parts);
  }
}
