package dev.strata.server;

import dev.strata.health.StatusReport;
import dev.strata.mirror.MirrorStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The service's Prometheus metrics, named by Prometheus' conventions ({@code strata_...}, base
 * units in the name, counters ending in {@code _total}). Gauges about the deployment are set from
 * each {@link Snapshot}, so a scrape only formats numbers already in memory.
 */
final class ServiceMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final MultiGauge serverUp;
  private final MultiGauge serverLatency;
  private final MultiGauge partitionRows;
  private final MultiGauge partitionBytes;
  private final MultiGauge mirrorStaleness;
  private final MultiGauge mirrorRows;
  private final MultiGauge doctorFindings;
  private final MultiGauge fdwConnections;
  private final MultiGauge premakeReady;
  private final MultiGauge premakeWanted;
  private final MultiGauge statementMax;
  private final java.util.concurrent.ConcurrentMap<String, ServerProbes.Statements> statements =
      new java.util.concurrent.ConcurrentHashMap<>();

  ServiceMetrics(Supplier<Boolean> leader, Supplier<Snapshot> snapshot, ServiceRunsView runs) {
    serverUp =
        MultiGauge.builder("strata.server.up")
            .description("1 when Strata reached the server at the last snapshot, else 0")
            .register(registry);
    serverLatency =
        MultiGauge.builder("strata.server.latency")
            .baseUnit("seconds")
            .description("One round trip to the server at the last snapshot")
            .register(registry);
    partitionRows =
        MultiGauge.builder("strata.partition.rows")
            .description("Rows of a partition (the planner's estimate), where they live")
            .register(registry);
    partitionBytes =
        MultiGauge.builder("strata.partition")
            .baseUnit("bytes")
            .description("Size of a partition where its rows live")
            .register(registry);
    mirrorStaleness =
        MultiGauge.builder("strata.mirror.staleness")
            .baseUnit("seconds")
            .description("How old a mirror's rows are: since its last refresh began")
            .register(registry);
    mirrorRows =
        MultiGauge.builder("strata.mirror.rows")
            .description("Rows of a mirror after its last refresh")
            .register(registry);
    doctorFindings =
        MultiGauge.builder("strata.doctor.findings")
            .description("Findings of the leader's last doctor run, by check and status")
            .register(registry);
    fdwConnections =
        MultiGauge.builder("strata.fdw.connections")
            .description(
                "The coordinator's postgres_fdw sessions on each server (its mapping's role), by"
                    + " state")
            .register(registry);
    premakeReady =
        MultiGauge.builder("strata.premake.periods.ready")
            .description(
                "Periods, from the one containing the clock, that have partitions one after"
                    + " another")
            .register(registry);
    premakeWanted =
        MultiGauge.builder("strata.premake.periods.wanted")
            .description("The current period and premake more: what the policy keeps ready")
            .register(registry);
    statementMax =
        MultiGauge.builder("strata.fdw.statement.max")
            .baseUnit("seconds")
            .description(
                "Slowest statement of the FDW role on the server (pg_stat_statements, since its"
                    + " reset)")
            .register(registry);
    Gauge.builder("strata.leader", () -> leader.get() ? 1 : 0)
        .description("1 when this process is the leader, which runs the schedule")
        .register(registry);
    Gauge.builder(
            "strata.snapshot.age",
            () ->
                Math.max(
                    0,
                    (System.currentTimeMillis() - snapshot.get().takenAt().toEpochMilli())
                        / 1000.0))
        .baseUnit("seconds")
        .description("Age of the figures these metrics report")
        .register(registry);
    Gauge.builder("strata.apply.last.success.timestamp", () -> runs.lastApplySuccessEpochSeconds())
        .baseUnit("seconds")
        .description("When a scheduled apply last succeeded (Unix time), by any process")
        .register(registry);
  }

  /** The finished runs, counted by kind and outcome. */
  Counter runs(String kind, String outcome) {
    return Counter.builder("strata.service.runs")
        .description("Scheduled runs this process finished, by kind and outcome")
        .tags("kind", kind, "outcome", outcome)
        .register(registry);
  }

  /** An operation that finished: its duration by kind and outcome, and the rows it moved. */
  void finished(OperationsFeed.Finished operation) {
    io.micrometer.core.instrument.Timer.builder("strata.operation.duration")
        .description("Operations from start to end (archive, restore, move, retire, ...)")
        .tags("kind", operation.kind(), "outcome", operation.outcome())
        .serviceLevelObjectives(OPERATION_BUCKETS)
        .register(registry)
        .record(java.time.Duration.ofMillis(Math.round(operation.seconds() * 1000)));
    if (operation.outcome().equals("done") && operation.rows() > 0) {
      Counter.builder("strata.move.rows")
          .description("Rows moved by operations that finished, by kind")
          .tags("kind", operation.kind())
          .register(registry)
          .increment(operation.rows());
    }
  }

  private static final java.time.Duration[] OPERATION_BUCKETS = {
    java.time.Duration.ofSeconds(1),
    java.time.Duration.ofSeconds(5),
    java.time.Duration.ofSeconds(15),
    java.time.Duration.ofSeconds(30),
    java.time.Duration.ofMinutes(1),
    java.time.Duration.ofMinutes(2),
    java.time.Duration.ofMinutes(5),
    java.time.Duration.ofMinutes(10),
    java.time.Duration.ofMinutes(30),
    java.time.Duration.ofHours(1),
    java.time.Duration.ofHours(2),
    java.time.Duration.ofHours(6)
  };

  void update(Snapshot snapshot) {
    List<MultiGauge.Row<?>> sessions = new ArrayList<>();
    List<MultiGauge.Row<?>> slowest = new ArrayList<>();
    snapshot
        .probes()
        .forEach(
            (server, figures) -> {
              figures
                  .connections()
                  .forEach(
                      (state, count) ->
                          sessions.add(
                              MultiGauge.Row.of(Tags.of("server", server, "state", state), count)));
              figures
                  .statements()
                  .ifPresent(
                      measured -> {
                        if (statements.put(server, measured) == null) {
                          registerStatements(server);
                        }
                        slowest.add(
                            MultiGauge.Row.of(Tags.of("server", server), measured.maxSeconds()));
                      });
            });
    fdwConnections.register(sessions, true);
    statementMax.register(slowest, true);
    List<MultiGauge.Row<?>> ready = new ArrayList<>();
    List<MultiGauge.Row<?>> wanted = new ArrayList<>();
    snapshot
        .premake()
        .forEach(
            (table, readiness) -> {
              ready.add(MultiGauge.Row.of(Tags.of("table", table), readiness.ready()));
              wanted.add(MultiGauge.Row.of(Tags.of("table", table), readiness.wanted()));
            });
    premakeReady.register(ready, true);
    premakeWanted.register(wanted, true);
    List<MultiGauge.Row<?>> up = new ArrayList<>();
    List<MultiGauge.Row<?>> latency = new ArrayList<>();
    for (StatusReport.ServerStatus server : snapshot.status().servers()) {
      Tags tags = Tags.of("server", server.name());
      up.add(MultiGauge.Row.of(tags, server.reachable() ? 1 : 0));
      server.latencyMillis().ifPresent(ms -> latency.add(MultiGauge.Row.of(tags, ms / 1000.0)));
    }
    serverUp.register(up, true);
    serverLatency.register(latency, true);
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    List<MultiGauge.Row<?>> bytes = new ArrayList<>();
    for (StatusReport.TableStatus table : snapshot.status().tables()) {
      for (StatusReport.PartitionStatus partition : table.partitions()) {
        Tags tags =
            Tags.of(
                "table", table.table(), "partition", partition.name(), "tier", partition.tier());
        partition.rows().ifPresent(n -> rows.add(MultiGauge.Row.of(tags, n)));
        partition.sizeBytes().ifPresent(n -> bytes.add(MultiGauge.Row.of(tags, n)));
      }
    }
    partitionRows.register(rows, true);
    partitionBytes.register(bytes, true);
    List<MultiGauge.Row<?>> staleness = new ArrayList<>();
    List<MultiGauge.Row<?>> mirrorCounts = new ArrayList<>();
    for (MirrorStatus.Row mirror : snapshot.mirrors()) {
      Tags tags = Tags.of("mirror", mirror.mirror(), "mode", mirror.mode());
      mirror
          .staleness()
          .ifPresent(d -> staleness.add(MultiGauge.Row.of(tags, d.toMillis() / 1000.0)));
      mirror.rows().ifPresent(n -> mirrorCounts.add(MultiGauge.Row.of(tags, n)));
    }
    mirrorStaleness.register(staleness, true);
    mirrorRows.register(mirrorCounts, true);
  }

  private void registerStatements(String server) {
    io.micrometer.core.instrument.FunctionCounter.builder(
            "strata.fdw.statement.calls", statements, map -> map.get(server).calls())
        .description("Statements the FDW role ran on the server (pg_stat_statements)")
        .tags("server", server)
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "strata.fdw.statement.time", statements, map -> map.get(server).seconds())
        .baseUnit("seconds")
        .description(
            "Execution time of the FDW role's statements on the server (pg_stat_statements)")
        .tags("server", server)
        .register(registry);
  }

  /** The last doctor run's findings, counted by check and status. */
  void doctor(dev.strata.health.DoctorReport report) {
    java.util.Map<Tags, Integer> counts = new java.util.LinkedHashMap<>();
    for (var result : report.results()) {
      counts.merge(
          Tags.of("check", result.check().id(), "status", result.status().label()),
          1,
          Integer::sum);
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    counts.forEach((tags, count) -> rows.add(MultiGauge.Row.of(tags, count)));
    doctorFindings.register(rows, true);
  }

  String scrape() {
    return registry.scrape();
  }

  /** What the metrics need from the run journal, read from memory. */
  interface ServiceRunsView {
    double lastApplySuccessEpochSeconds();
  }
}
