package dev.strata.server;

import dev.strata.health.PremakeReadiness;
import dev.strata.health.StatusReport;
import dev.strata.mirror.MirrorStatus;
import dev.strata.plan.LifecycleAction;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the service last read about the deployment, served by the API, the dashboard and the metrics
 * without touching a server: a scrape never waits for one. Read again in the background.
 *
 * @param takenAt when it was read
 * @param status tables, partitions and servers, as {@code strata status} reports them
 * @param mirrors mirrors, as {@code strata mirror status} reports them
 * @param next what the policy will do at {@code nextAt}, as {@code strata plan} at that time
 * @param nextAt when the leader's next scheduled apply runs
 * @param planError why the plan could not be made, or empty
 * @param retired partitions Strata retired (dropped), oldest first
 * @param premake how far ahead each time-keyed table has partitions
 * @param probes each answering server's FDW sessions and statement figures
 * @param error why the last read failed (the previous figures are kept), or empty
 */
record Snapshot(
    Instant takenAt,
    StatusReport status,
    List<MirrorStatus.Row> mirrors,
    List<LifecycleAction> next,
    Instant nextAt,
    Optional<String> planError,
    List<Retired> retired,
    Map<String, PremakeReadiness.Readiness> premake,
    Map<String, ServerProbes.Figures> probes,
    Optional<String> error) {
  static final Snapshot EMPTY =
      new Snapshot(
          Instant.EPOCH,
          new StatusReport(List.of(), List.of()),
          List.of(),
          List.of(),
          Instant.EPOCH,
          Optional.empty(),
          List.of(),
          Map.of(),
          Map.of(),
          Optional.of("not read yet"));

  /** A partition Strata retired: where it last lived and when it was dropped. */
  record Retired(String table, String partition, String bound, String server, Instant at) {}

  /** The same figures, marked with why reading them again failed. */
  Snapshot failed(String why) {
    return new Snapshot(
        takenAt,
        status,
        mirrors,
        next,
        nextAt,
        planError,
        retired,
        premake,
        probes,
        Optional.of(why));
  }
}
