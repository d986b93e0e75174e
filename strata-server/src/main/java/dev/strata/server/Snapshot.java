package dev.strata.server;

import dev.strata.health.StatusReport;
import dev.strata.mirror.MirrorStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the service last read about the deployment, served by the API and the metrics without
 * touching a server: a scrape never waits for one. Read again in the background.
 *
 * @param takenAt when it was read
 * @param status tables, partitions and servers, as {@code strata status} reports them
 * @param mirrors mirrors, as {@code strata mirror status} reports them
 * @param error why the last read failed (the previous figures are kept), or empty
 */
record Snapshot(
    Instant takenAt, StatusReport status, List<MirrorStatus.Row> mirrors, Optional<String> error) {
  static final Snapshot EMPTY =
      new Snapshot(
          Instant.EPOCH,
          new StatusReport(List.of(), List.of()),
          List.of(),
          Optional.of("not read yet"));
}
