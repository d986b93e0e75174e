package dev.strata.health;

import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.mirror.MirrorShape;
import dev.strata.mirror.MirrorStatus;
import dev.strata.mirror.Mirrors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Doctor's checks of mirrors: the last refresh, staleness, the source's shape, a matview's unique
 * index, a replica's subscription. Reads the coordinator and each source server once (bounded by
 * {@code timeouts}); reads no mirror's rows.
 */
final class MirrorChecks {
  /** A replica further behind than this, in WAL, is reported. */
  static final long LAG_WARNING_BYTES = 64L * 1024 * 1024;

  /** A replica that heard nothing from its source for longer than this is reported. */
  static final Duration SILENCE_WARNING = Duration.ofMinutes(5);

  private final Connections connections;

  MirrorChecks(Connections connections) {
    this.connections = connections;
  }

  List<CheckResult> run() {
    List<CheckResult> results = new ArrayList<>();
    List<MirrorStatus.Row> rows = new MirrorStatus(connections).read(true);
    if (rows.isEmpty() && connections.config().mirrors().isEmpty()) {
      return results;
    }
    for (MirrorStatus.Row row : rows) {
      String subject = row.mirror();
      String refresh = "strata mirror refresh " + row.mirror();
      if (row.lastError().isPresent()) {
        results.add(
            CheckResult.fail(
                Check.MIRROR_REFRESH,
                subject,
                "the last refresh failed"
                    + row.lastErrorAt().map(at -> " at " + at.withNano(0)).orElse("")
                    + ": "
                    + row.lastError().get()
                    + "; readers still see the copy of "
                    + row.lastRefresh()
                        .map(at -> at.withNano(0).toString())
                        .orElse("(never filled)"),
                "fix the cause named above, then run " + refresh));
      } else {
        results.add(
            CheckResult.ok(
                Check.MIRROR_REFRESH,
                subject,
                row.lastRefresh()
                    .map(at -> "last refreshed " + at.withNano(0))
                    .orElse("not refreshed yet")));
      }
      if (row.stale()) {
        results.add(
            CheckResult.warn(
                Check.MIRROR_STALE,
                subject,
                row.staleness()
                        .map(age -> "its rows are " + age.toSeconds() + " s old")
                        .orElse("it was never filled")
                    + ", more than twice its refresh interval ("
                    + row.refreshInterval().map(Duration::toSeconds).orElse(0L)
                    + " s)"
                    + row.sourceReachable()
                        .filter(up -> !up)
                        .map(up -> "; its source " + row.server() + " does not answer")
                        .orElse(""),
                "run strata apply (or strata serve) on a schedule, or " + refresh));
      } else if (row.refreshInterval().isPresent()) {
        results.add(
            CheckResult.ok(
                Check.MIRROR_STALE,
                subject,
                row.staleness()
                    .map(age -> "its rows are " + age.toSeconds() + " s old")
                    .orElse("")));
      }
      row.replica().ifPresent(replica -> results.add(replica(row, replica)));
    }
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      Mirrors.Resolution resolution = Mirrors.resolve(connections);
      for (Mirrors.Resolved resolved : resolution.mirrors()) {
        Optional<MirrorShape.Finding> shape = MirrorShape.check(coordinator, resolved);
        shape.ifPresent(
            finding -> {
              String subject = resolved.mirror().display();
              if (finding.changed().isPresent()) {
                results.add(
                    CheckResult.warn(
                        Check.MIRROR_SHAPE,
                        subject,
                        "its source "
                            + resolved.mirror().remote().display()
                            + " on "
                            + resolved.mirror().server()
                            + " changed: "
                            + finding.changed().get()
                            + " (on_schema_change: "
                            + resolved.mirror().config().onSchemaChange().label()
                            + ")",
                        resolved.mirror().config().onSchemaChange().label().equals("fail")
                            ? "set mirrors."
                                + resolved.mirror().config().entry()
                                + ".on_schema_change: follow, or change the source back"
                            : "run strata mirror refresh " + subject + " to follow it"));
              } else {
                results.add(
                    CheckResult.ok(
                        Check.MIRROR_SHAPE, subject, "the source has the mirrored columns"));
              }
              if (finding.matviewWithoutUniqueIndex()) {
                results.add(
                    CheckResult.warn(
                        Check.MIRROR_CONCURRENT,
                        subject,
                        "a matview without a unique index: every refresh is a plain REFRESH, which"
                            + " locks readers out until it finishes",
                        "give the source a primary key, or set mirrors."
                            + resolved.mirror().config().entry()
                            + ".key to NOT NULL columns that identify a row; strata apply remakes the"
                            + " mirror with a unique index"));
              } else if (resolved.mirror().mode().label().equals("matview")) {
                results.add(
                    CheckResult.ok(
                        Check.MIRROR_CONCURRENT,
                        subject,
                        "refreshed concurrently (unique index on its key)"));
              }
            });
      }
    }
    return results;
  }

  private static CheckResult replica(MirrorStatus.Row row, MirrorStatus.Replica replica) {
    String subject = row.mirror();
    if (!replica.subscribed()) {
      return CheckResult.fail(
          Check.MIRROR_REPLICA,
          subject,
          "its subscription is missing: the copy no longer follows the source",
          "run strata apply: it remakes the mirror");
    }
    if (!replica.enabled()) {
      return CheckResult.fail(
          Check.MIRROR_REPLICA,
          subject,
          "its subscription is disabled: the copy no longer follows the source (PostgreSQL"
              + " disables a subscription after errors when disable_on_error is set, or someone"
              + " disabled it)",
          "look at the coordinator's log for the apply worker's error, fix it, then on the"
              + " coordinator: ALTER SUBSCRIPTION ... ENABLE (strata mirror status names it)");
    }
    if (replica.lagBytes().filter(lag -> lag > LAG_WARNING_BYTES).isPresent()) {
      return CheckResult.warn(
          Check.MIRROR_REPLICA,
          subject,
          "it is " + replica.lagBytes().get() + " bytes of WAL behind its source",
          "look for a slow or failing apply worker in the coordinator's log; the source keeps"
              + " that WAL until it catches up");
    }
    return CheckResult.ok(
        Check.MIRROR_REPLICA,
        subject,
        "subscription enabled"
            + replica.lagBytes().map(lag -> ", " + lag + " bytes behind").orElse(""));
  }
}
