package dev.strata.server;

import dev.strata.StrataException;
import dev.strata.config.ServerConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What the metrics read on each server beyond reachability (seed 002 §5.1): the coordinator's
 * postgres_fdw sessions there, by state, and, where {@code pg_stat_statements} is installed, the
 * calls and execution time of the statements those sessions ran. Servers are read in parallel, each
 * bounded by the configuration's timeouts; one that does not answer is left out.
 */
final class ServerProbes {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServerProbes.class);

  /**
   * One server's figures.
   *
   * @param connections the FDW role's sessions by state ({@code active}, {@code idle}, ...)
   * @param statements calls and total execution time of its statements, when pg_stat_statements is
   *     installed in the server's database
   */
  record Figures(Map<String, Long> connections, Optional<Statements> statements) {}

  /** Cumulative since the server's statistics were last reset. */
  record Statements(long calls, double seconds, double maxSeconds) {}

  private final Connections connections;

  ServerProbes(Connections connections) {
    this.connections = connections;
  }

  Map<String, Figures> read() {
    Map<String, ServerConfig> servers = connections.config().servers();
    Map<String, Figures> figures = new LinkedHashMap<>();
    if (servers.isEmpty()) {
      return figures;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(8, servers.size()),
            runnable -> {
              Thread thread = new Thread(runnable, "strata-probe");
              thread.setDaemon(true);
              return thread;
            });
    try {
      Map<String, Future<Figures>> pending = new LinkedHashMap<>();
      servers.forEach((name, server) -> pending.put(name, pool.submit(() -> probe(name, server))));
      long deadline =
          System.nanoTime()
              + connections.config().timeouts().connect().toNanos()
              + connections.config().timeouts().statement().toNanos();
      for (Map.Entry<String, Future<Figures>> entry : pending.entrySet()) {
        try {
          long left = Math.max(0, deadline - System.nanoTime());
          figures.put(entry.getKey(), entry.getValue().get(left, TimeUnit.NANOSECONDS));
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          LOG.debug("server {} not probed: {}", entry.getKey(), e.getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return figures;
  }

  private Figures probe(String name, ServerConfig server) {
    try (Database database = new Database(name, connections.server(name))) {
      String role = server.mapping().user();
      Map<String, Long> sessions = new LinkedHashMap<>();
      for (String state : List.of("active", "idle", "idle in transaction")) {
        sessions.put(state, 0L);
      }
      database
          .query(
              """
              SELECT coalesce(state, 'unknown'), count(*)
              FROM pg_catalog.pg_stat_activity
              WHERE backend_type = 'client backend' AND usename = ?
                AND pid <> pg_backend_pid()
                AND application_name IS DISTINCT FROM ?
              GROUP BY 1""",
              row -> Map.entry(row.getString(1), row.getLong(2)),
              role,
              Connections.APPLICATION_NAME)
          .forEach(entry -> sessions.put(entry.getKey(), entry.getValue()));
      Optional<Statements> statements = Optional.empty();
      boolean installed =
          database
              .queryOne(
                  "SELECT EXISTS (SELECT FROM pg_catalog.pg_extension"
                      + " WHERE extname = 'pg_stat_statements')",
                  row -> row.getBoolean(1))
              .orElse(false);
      if (installed) {
        try {
          statements =
              database.queryOne(
                  """
                  SELECT coalesce(sum(s.calls), 0)::bigint,
                         coalesce(sum(s.total_exec_time), 0) / 1000.0,
                         coalesce(max(s.max_exec_time), 0) / 1000.0
                  FROM pg_stat_statements s
                  JOIN pg_catalog.pg_roles r ON r.oid = s.userid
                  WHERE r.rolname = ? AND s.dbid = (SELECT oid FROM pg_catalog.pg_database
                                                    WHERE datname = current_database())""",
                  row -> new Statements(row.getLong(1), row.getDouble(2), row.getDouble(3)),
                  role);
        } catch (StrataException e) {
          // Installed in the database but not loaded (shared_preload_libraries): no figures.
          LOG.debug("pg_stat_statements on {} not read: {}", name, e.getMessage());
        }
      }
      return new Figures(sessions, statements);
    }
  }
}
