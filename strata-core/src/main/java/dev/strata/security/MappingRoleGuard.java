package dev.strata.security;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.ServerFacts;
import dev.strata.config.ServerConfig;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import java.util.Optional;

/**
 * The secure default of {@code strata apply}: before a user mapping is created or changed, Strata
 * connects to the mapping's server directly and refuses when the role the mapping logs in as is a
 * superuser there, unless {@code security.allow_superuser_mapping} is true. A superuser mapping
 * hands every coordinator query through that server the power to read and change anything on it,
 * and postgres_fdw's own guard ({@code password_required}) does not apply to superusers.
 *
 * <p>One case is let through: a mapping that reuses Strata's own role ({@code mapping.user} unset
 * or equal to {@code servers.NAME.user}). Such a single-role setup grants the coordinator nothing
 * that Strata's credentials for that server do not already hold, and trusted loopback setups (the
 * test kit, benchmarks) rely on it; {@code strata doctor} still fails it ({@code
 * archive.mapping_role}), so it does not go unnoticed. See docs/decisions.md.
 *
 * <p>When the check is needed and the server cannot be reached, the mapping is refused too: Strata
 * does not create a mapping it could not check.
 */
public final class MappingRoleGuard {
  private MappingRoleGuard() {}

  /**
   * @throws StrataException {@link ErrorCode#CHECK_FAILED} for a refused superuser mapping, or the
   *     connection failure when the server could not be checked
   */
  public static void check(StrataConfig config, ServerConfig server) {
    if (config.security().allowSuperuserMapping() || reusesStrataRole(server)) {
      return;
    }
    String role = server.mapping().user();
    Optional<ServerFacts.RoleAttributes> attributes;
    try (Database database =
        new Database(
            server.name(),
            Connections.open(server.name(), server.connection(), config.timeouts()))) {
      attributes = new ServerFacts(database).role(role);
    } catch (StrataException e) {
      throw new StrataException(
          e.code(),
          "cannot check the role of the user mapping for server "
              + server.name()
              + " before creating or changing it: "
              + e.getMessage(),
          "make the server reachable and run the same command again (Strata checks on the server"
              + " that servers."
              + server.name()
              + ".mapping.user is not a superuser); nothing was changed for this mapping",
          e);
    }
    if (attributes.isPresent() && attributes.get().superuser()) {
      throw refusal(server, role);
    }
  }

  /** Whether the mapping logs in as the same role Strata itself uses on that server. */
  public static boolean reusesStrataRole(ServerConfig server) {
    return server.mapping().user().equals(server.connection().user());
  }

  static StrataException refusal(ServerConfig server, String role) {
    return new StrataException(
        ErrorCode.CHECK_FAILED,
        "refusing to create or change the user mapping for server "
            + server.name()
            + ": its role "
            + role
            + " (servers."
            + server.name()
            + ".mapping.user) is a superuser on that server, so every query the coordinator sends"
            + " there could read or change anything on it",
        "map a dedicated role with only the rights the archived tables need (`strata grants`"
            + " prints them, `strata grants --apply` runs them), or set"
            + " security.allow_superuser_mapping: true if this is intended; nothing was changed");
  }
}
