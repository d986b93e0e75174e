package dev.strata.mirror;

import dev.strata.StrataException;
import dev.strata.config.MirrorConfig;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code strata mirror status}: every mirror the coordinator records, with its size, its last
 * refresh and how stale it is, and whether its server answers. It reads the coordinator's catalog
 * and {@code strata.mirror}, and probes each source server once (bounded by {@code
 * timeouts.connect}); it never reads a mirror's rows.
 */
public final class MirrorStatus {
  /** Replication figures of a replica mirror. */
  public record Replica(
      boolean subscribed,
      boolean enabled,
      Optional<Long> lagBytes,
      Optional<OffsetDateTime> lastMessage) {}

  /**
   * One mirror.
   *
   * @param rows the copy's rows after its last refresh (a replica: PostgreSQL's estimate)
   * @param bytes the copy's size with its indexes
   * @param staleness how old its rows are: since the last successful refresh began, or for a
   *     replica the replication lag in time (zero when caught up)
   * @param stale whether the staleness passed twice the refresh interval
   * @param sourceReachable whether its server answered just now; empty when not probed
   */
  public record Row(
      String mirror,
      String entry,
      String server,
      String source,
      String mode,
      Optional<Long> rows,
      long bytes,
      Optional<OffsetDateTime> lastRefresh,
      Optional<Duration> lastDuration,
      Optional<Long> lastChanged,
      Optional<Duration> staleness,
      Optional<Duration> refreshInterval,
      boolean stale,
      boolean configured,
      Optional<String> lastError,
      Optional<OffsetDateTime> lastErrorAt,
      Optional<Boolean> sourceReachable,
      Optional<Replica> replica) {}

  private final Connections connections;

  public MirrorStatus(Connections connections) {
    this.connections = connections;
  }

  public List<Row> read(boolean probeSources) {
    StrataConfig config = connections.config();
    Map<String, Boolean> reachable = new LinkedHashMap<>();
    List<Row> rows = new ArrayList<>();
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      List<MirrorState> states = MirrorState.all(coordinator);
      if (states.isEmpty()) {
        return rows;
      }
      OffsetDateTime now =
          coordinator
              .queryOne("SELECT now()", row -> row.getObject(1, OffsetDateTime.class))
              .orElseThrow();
      String installation = dev.strata.operation.ShardMover.installationTag(coordinator);
      for (MirrorState state : states) {
        Optional<MirrorConfig> configured =
            Optional.ofNullable(config.mirrors().get(state.entry()));
        Optional<Duration> interval = configured.flatMap(MirrorConfig::refresh);
        long bytes =
            coordinator
                .queryOne(
                    "SELECT coalesce(pg_catalog.pg_total_relation_size(to_regclass(?)), 0)",
                    row -> row.getLong(1),
                    state.name().quoted())
                .orElse(0L);
        Optional<Boolean> up = Optional.empty();
        if (probeSources && config.servers().containsKey(state.server())) {
          up = Optional.of(reachable.computeIfAbsent(state.server(), server -> probe(server)));
        }
        Optional<Replica> replica = Optional.empty();
        Optional<Long> count = state.lastRows();
        Optional<Duration> staleness = state.staleness(now);
        if (state.mode().equals(MirrorConfig.Mode.REPLICA.label())) {
          replica = Optional.of(replica(coordinator, state, installation, up.orElse(false)));
          count =
              coordinator.queryOne(
                  "SELECT greatest(reltuples, 0)::bigint FROM pg_catalog.pg_class WHERE oid ="
                      + " to_regclass(?)",
                  row -> row.getLong(1),
                  state.name().quoted());
          Replica r = replica.get();
          staleness =
              r.lagBytes().filter(lag -> lag == 0).isPresent()
                  ? Optional.of(Duration.ZERO)
                  : r.lastMessage().map(at -> Duration.between(at, now));
        }
        boolean stale =
            interval.isPresent()
                && (staleness.isEmpty()
                    || staleness.get().compareTo(interval.get().multipliedBy(2)) > 0);
        rows.add(
            new Row(
                state.name().display(),
                state.entry(),
                state.server(),
                state.remote().display(),
                state.mode(),
                count,
                bytes,
                state.lastSuccessAt(),
                state.lastDuration(),
                state.lastChanged(),
                staleness,
                interval,
                stale,
                configured.isPresent(),
                state.lastError(),
                state.lastErrorAt(),
                up,
                replica));
      }
    }
    return rows;
  }

  private boolean probe(String server) {
    try (Database database = new Database(server, connections.server(server))) {
      database.queryOne("SELECT 1", row -> row.getInt(1));
      return true;
    } catch (StrataException e) {
      return false;
    }
  }

  private Replica replica(
      Database coordinator, MirrorState state, String installation, boolean sourceUp) {
    String name = MirrorSetup.replicationName(installation, state.name());
    Optional<Boolean> enabled =
        coordinator.queryOne(
            "SELECT subenabled FROM pg_catalog.pg_subscription WHERE subname = ?",
            row -> row.getBoolean(1),
            name);
    Optional<OffsetDateTime> lastMessage =
        coordinator
            .queryOne(
                "SELECT max(greatest(last_msg_receipt_time, latest_end_time)) FROM"
                    + " pg_catalog.pg_stat_subscription WHERE subname = ?",
                row -> Optional.ofNullable(row.getObject(1, OffsetDateTime.class)),
                name)
            .orElse(Optional.empty());
    Optional<Long> lag = Optional.empty();
    if (sourceUp) {
      try (Database source = new Database(state.server(), connections.server(state.server()))) {
        lag =
            source.queryOne(
                "SELECT pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(),"
                    + " confirmed_flush_lsn)::bigint FROM pg_catalog.pg_replication_slots WHERE"
                    + " slot_name = ?",
                row -> row.getLong(1),
                name);
      } catch (StrataException e) {
        lag = Optional.empty();
      }
    }
    return new Replica(enabled.isPresent(), enabled.orElse(false), lag, lastMessage);
  }
}
