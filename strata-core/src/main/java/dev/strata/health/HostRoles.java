package dev.strata.health;

import dev.strata.StrataException;
import dev.strata.catalog.ServerFacts;
import dev.strata.config.ConnectionConfig;
import dev.strata.config.HostAndPort;
import dev.strata.config.ServerConfig;
import dev.strata.config.Timeouts;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@link Check#CONNECT_HOSTS}: for a server whose url names several hosts (a primary and its
 * standbys), connects to each host alone and asks {@code pg_is_in_recovery()}. Strata's own
 * connections and the coordinator's foreign server take the first host that accepts writes ({@code
 * target_session_attrs}), so {@code connect.direct} and {@code connect.fdw} pass as long as one
 * host is the primary; this check says which one it is, and which hosts are standbys or down.
 *
 * <p>Verdicts: no reachable primary fails (every write and every read through a {@code read-write}
 * foreign server fails); two primaries fail (a promoted standby whose old primary came back: writes
 * go to whichever answers first); a host down or unreachable warns (the redundancy is gone until it
 * is back). Each connection is bounded by {@code timeouts.connect}, so a host that accepts TCP but
 * never answers costs at most that long.
 */
final class HostRoles {
  /** What one host turned out to be. */
  private record HostState(HostAndPort host, String role, boolean primary, boolean down) {
    String describe() {
      return host.display() + " " + role;
    }
  }

  private HostRoles() {}

  static CheckResult check(ServerConfig server, Timeouts timeouts) {
    List<HostState> states = new ArrayList<>();
    for (HostAndPort host : server.connection().hosts()) {
      states.add(probe(server.name(), server.connection().forHost(host), host, timeouts));
    }
    String evidence = states.stream().map(HostState::describe).collect(Collectors.joining("; "));
    List<HostState> primaries = states.stream().filter(HostState::primary).toList();
    List<HostState> down = states.stream().filter(HostState::down).toList();
    String url = "servers." + server.name() + ".url";
    if (primaries.isEmpty()) {
      return CheckResult.fail(
          Check.CONNECT_HOSTS,
          server.name(),
          "no host of " + server.name() + " is a reachable primary: " + evidence,
          "start the primary, or promote a standby (on it: SELECT pg_promote()); Strata and the"
              + " coordinator follow the new primary at their next connection, with no change to "
              + url);
    }
    if (primaries.size() > 1) {
      return CheckResult.fail(
          Check.CONNECT_HOSTS,
          server.name(),
          primaries.size()
              + " hosts of "
              + server.name()
              + " accept writes ("
              + primaries.stream()
                  .map(state -> state.host().display())
                  .collect(Collectors.joining(", "))
              + "): clients write to whichever answers first, so the data diverges: "
              + evidence,
          "stop the primary that should no longer be one and rebuild it as a standby of the"
              + " other, before anything else writes");
    }
    if (!down.isEmpty()) {
      return CheckResult.warn(
          Check.CONNECT_HOSTS,
          server.name(),
          "primary "
              + primaries.get(0).host().display()
              + ", but "
              + down.stream().map(state -> state.host().display()).collect(Collectors.joining(", "))
              + (down.size() == 1 ? " is" : " are")
              + " down: "
              + evidence,
          "bring "
              + (down.size() == 1 ? "that host" : "those hosts")
              + " back (as standbys), or remove "
              + (down.size() == 1 ? "it" : "them")
              + " from "
              + url
              + " and run strata apply; until then, losing the primary stops "
              + server.name());
    }
    return CheckResult.ok(
        Check.CONNECT_HOSTS,
        server.name(),
        "primary " + primaries.get(0).host().display() + "; " + evidence);
  }

  private static HostState probe(
      String name, ConnectionConfig target, HostAndPort host, Timeouts timeouts) {
    try (Database database = new Database(name, Connections.open(name, target, timeouts))) {
      ServerFacts facts = new ServerFacts(database);
      boolean standby = facts.inRecovery();
      return new HostState(
          host,
          (standby ? "standby" : "primary") + " (PostgreSQL " + facts.serverVersion() + ")",
          !standby,
          false);
    } catch (StrataException e) {
      return new HostState(host, "down (" + e.getMessage() + ")", false, true);
    }
  }
}
