package dev.strata.server;

import dev.strata.catalog.PartitionBound;
import dev.strata.health.CheckResult;
import dev.strata.health.CheckStatus;
import dev.strata.health.DoctorReport;
import dev.strata.health.StatusReport;
import dev.strata.mirror.MirrorStatus;
import dev.strata.plan.LifecycleAction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one JSON document the dashboard draws ({@code GET /api/v1/dashboard}, and each {@code state}
 * event of {@code /api/v1/events}): tables with their partitions by tier, servers, operations with
 * progress, doctor findings, mirrors and runs. Built from memory only; every text in it is data for
 * the page to show as text.
 */
final class DashboardDocument {
  /** What the document is built from, all read already. */
  record Inputs(
      Snapshot snapshot,
      Map<String, Object> leader,
      Map<String, Object> schedule,
      List<Map<String, Object>> operations,
      Optional<DoctorReport> doctor,
      Optional<Instant> doctorAt,
      List<Map<String, Object>> runs,
      List<String> configuredServers) {}

  private DashboardDocument() {}

  static Map<String, Object> build(Inputs in) {
    Snapshot snapshot = in.snapshot();
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("taken_at", snapshot.takenAt().toString());
    document.put("error", snapshot.error().orElse(null));
    document.put("leader", in.leader());
    document.put("schedule", in.schedule());
    document.put("tiers", tiers(snapshot, in.configuredServers()));
    document.put("tables", tables(snapshot));
    document.put("plan_error", snapshot.planError().orElse(null));
    document.put("servers", servers(snapshot.status()));
    document.put("operations", in.operations());
    document.put("doctor", doctor(in.doctor(), in.doctorAt()));
    document.put("mirrors", mirrors(snapshot.mirrors()));
    document.put("runs", in.runs());
    return document;
  }

  private static List<Map<String, Object>> tiers(Snapshot snapshot, List<String> configured) {
    Set<String> servers = new LinkedHashSet<>(configured);
    for (StatusReport.TableStatus table : snapshot.status().tables()) {
      for (StatusReport.PartitionStatus partition : table.partitions()) {
        if (!partition.tier().equals("local")) {
          servers.add(partition.tier());
        }
      }
    }
    List<Map<String, Object>> tiers = new ArrayList<>();
    tiers.add(Map.of("name", "local", "kind", "local"));
    servers.forEach(server -> tiers.add(Map.of("name", server, "kind", "server")));
    tiers.add(Map.of("name", "retired", "kind", "retired"));
    return tiers;
  }

  private static List<Map<String, Object>> tables(Snapshot snapshot) {
    List<Map<String, Object>> tables = new ArrayList<>();
    for (StatusReport.TableStatus table : snapshot.status().tables()) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("table", table.table());
      item.put("partition_key", table.partitionKey());
      List<Map<String, Object>> partitions = new ArrayList<>();
      Set<String> present = new LinkedHashSet<>();
      for (StatusReport.PartitionStatus partition : table.partitions()) {
        present.add(partition.name());
      }
      for (Snapshot.Retired retired : snapshot.retired()) {
        if (retired.table().equals(table.table()) && !present.contains(retired.partition())) {
          Map<String, Object> p = partition(retired.partition(), retired.bound(), "retired");
          p.put("note", "retired " + retired.at() + " (was on " + retired.server() + ")");
          partitions.add(p);
        }
      }
      for (StatusReport.PartitionStatus partition : table.partitions()) {
        Map<String, Object> p = partition(partition.name(), partition.bound(), partition.tier());
        p.put("remote_table", partition.remoteTable().orElse(null));
        p.put("rows", partition.rows().isPresent() ? partition.rows().getAsLong() : null);
        p.put(
            "size_bytes",
            partition.sizeBytes().isPresent() ? partition.sizeBytes().getAsLong() : null);
        p.put("note", partition.note().orElse(null));
        partitions.add(p);
      }
      // The default partition last, as on a timeline.
      partitions.sort(Comparator.comparing(p -> "DEFAULT".equals(p.get("bound"))));
      item.put("partitions", partitions);
      item.put("premake", snapshot.premake().get(table.table()));
      List<Map<String, Object>> next = new ArrayList<>();
      for (LifecycleAction action : snapshot.next()) {
        if (concerns(action, table.table())) {
          Map<String, Object> step = new LinkedHashMap<>();
          step.put("kind", action.kind());
          step.put("description", action.description());
          step.put("reason", action.reason());
          step.put("due_at", snapshot.nextAt().toString());
          next.add(step);
        }
      }
      item.put("next", next);
      tables.add(item);
    }
    return tables;
  }

  private static Map<String, Object> partition(String name, String bound, String tier) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("name", name);
    p.put("bound", bound);
    String from = null;
    String to = null;
    try {
      if (PartitionBound.parse(bound) instanceof PartitionBound.Range range) {
        from = range.from().get(0).text();
        to = range.to().get(0).text();
      }
    } catch (RuntimeException e) {
      // A bound Strata does not parse is shown as PostgreSQL printed it.
    }
    p.put("from", from);
    p.put("to", to);
    p.put("tier", tier);
    p.put("remote_table", null);
    p.put("rows", null);
    p.put("size_bytes", null);
    return p;
  }

  /** Whether a planned action is about {@code table} (display name). */
  private static boolean concerns(LifecycleAction action, String table) {
    if (action instanceof LifecycleAction.CreatePartition create) {
      return create.table().display().equals(table);
    }
    if (action instanceof LifecycleAction.MoveDefaultRows move) {
      return move.table().display().equals(table);
    }
    if (action instanceof LifecycleAction.Archive archive) {
      return archive.table().display().equals(table);
    }
    if (action instanceof LifecycleAction.Retire retire) {
      return retire.table().display().equals(table);
    }
    return false;
  }

  private static List<Map<String, Object>> servers(StatusReport status) {
    List<Map<String, Object>> servers = new ArrayList<>();
    for (StatusReport.ServerStatus server : status.servers()) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("name", server.name());
      item.put("uri", server.uri());
      item.put("reachable", server.reachable());
      item.put("latency_ms", server.latencyMillis().orElse(null));
      item.put("version", server.version().orElse(null));
      item.put("error", server.error().orElse(null));
      servers.add(item);
    }
    return servers;
  }

  private static Map<String, Object> doctor(Optional<DoctorReport> report, Optional<Instant> at) {
    Map<String, Object> doctor = new LinkedHashMap<>();
    doctor.put("run", report.isPresent());
    doctor.put("at", at.map(Instant::toString).orElse(null));
    List<Map<String, Object>> findings = new ArrayList<>();
    List<CheckResult> results =
        new ArrayList<>(report.map(DoctorReport::results).orElse(List.of()));
    // Failures first, then warnings, then the rest in report order.
    results.sort(
        Comparator.comparing((CheckResult r) -> r.status() == CheckStatus.OK ? 1 : 0)
            .thenComparing(r -> r.status() == CheckStatus.FAIL ? 0 : 1));
    for (CheckResult result : results) {
      Map<String, Object> finding = new LinkedHashMap<>();
      finding.put("check", result.check().id());
      finding.put("status", result.status().label());
      finding.put("subject", result.subject());
      finding.put("evidence", result.evidence());
      finding.put("fix", result.fix().orElse(null));
      findings.add(finding);
    }
    doctor.put("findings", findings);
    return doctor;
  }

  private static List<Map<String, Object>> mirrors(List<MirrorStatus.Row> rows) {
    List<Map<String, Object>> mirrors = new ArrayList<>();
    for (MirrorStatus.Row row : rows) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("mirror", row.mirror());
      item.put("mode", row.mode());
      item.put("server", row.server());
      item.put("rows", row.rows().orElse(null));
      item.put("staleness_seconds", row.staleness().map(d -> d.toMillis() / 1000.0).orElse(null));
      item.put("last_refresh", row.lastRefresh().map(t -> t.toInstant().toString()).orElse(null));
      mirrors.add(item);
    }
    return mirrors;
  }
}
