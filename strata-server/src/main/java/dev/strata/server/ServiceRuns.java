package dev.strata.server;

import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.JournalSchema;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

/**
 * The journal of the service's scheduled runs ({@code strata.service_run}): what ran, on which
 * process, when, and how it ended. A run is recorded before it starts and closed when it ends, so
 * one that never ended (its process died) shows without an outcome.
 */
final class ServiceRuns {
  /** One run. */
  record Run(
      long id,
      String kind,
      String runner,
      OffsetDateTime startedAt,
      Optional<OffsetDateTime> finishedAt,
      Optional<String> outcome,
      Optional<Integer> actions,
      Optional<String> detail) {}

  private final Connections connections;

  ServiceRuns(Connections connections) {
    this.connections = connections;
  }

  long start(String kind, String runner) {
    try (Database coordinator = coordinator()) {
      JournalSchema.ensure(coordinator);
      return coordinator
          .queryOne(
              "INSERT INTO strata.service_run (kind, runner) VALUES (?, ?) RETURNING id",
              row -> row.getLong(1),
              kind,
              runner)
          .orElseThrow();
    }
  }

  void finish(long id, String outcome, int actions, String detail) {
    try (Database coordinator = coordinator()) {
      coordinator.execute(
          "UPDATE strata.service_run SET finished_at = clock_timestamp(), outcome = ?, actions = ?,"
              + " detail = ? WHERE id = ?",
          outcome,
          actions,
          detail,
          id);
    } catch (StrataException e) {
      // The coordinator went away mid-run; the run stays open in the journal, which says so.
    }
  }

  List<Run> recent(int limit) {
    try (Database coordinator = coordinator()) {
      boolean exists =
          coordinator
              .queryOne(
                  "SELECT to_regclass('strata.service_run') IS NOT NULL", row -> row.getBoolean(1))
              .orElse(false);
      if (!exists) {
        return List.of();
      }
      return coordinator.query(
          "SELECT id, kind, runner, started_at, finished_at, outcome, actions, detail FROM"
              + " strata.service_run ORDER BY id DESC LIMIT ?",
          row ->
              new Run(
                  row.getLong(1),
                  row.getString(2),
                  row.getString(3),
                  row.getObject(4, OffsetDateTime.class),
                  Optional.ofNullable(row.getObject(5, OffsetDateTime.class)),
                  Optional.ofNullable(row.getString(6)),
                  Optional.ofNullable((Integer) row.getObject(7)),
                  Optional.ofNullable(row.getString(8))),
          limit);
    }
  }

  /** When the last apply that succeeded finished, by any process. */
  Optional<OffsetDateTime> lastSuccess(String kind) {
    return recent(200).stream()
        .filter(run -> run.kind().equals(kind) && run.outcome().filter("ok"::equals).isPresent())
        .map(run -> run.finishedAt().orElseThrow())
        .findFirst();
  }

  private Database coordinator() {
    return new Database(Connections.COORDINATOR, connections.coordinator());
  }
}
