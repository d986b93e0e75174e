package dev.strata.health;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@code strata doctor} runs.
 *
 * @param deep also re-hash every archived partition's rows and compare with the journal's checksum
 *     (reads every remote row)
 * @param now the clock for the premake check, as a local date and time; empty: the coordinator's
 *     {@code localtimestamp}
 * @param idleInTransactionThreshold how long a postgres_fdw session may sit idle in a transaction
 *     on a server before it is reported
 * @param largeTableRows remote tables with at least this many rows (by the server's estimate) count
 *     as large for the {@code use_remote_estimate} check
 */
public record DoctorOptions(
    boolean deep,
    Optional<LocalDateTime> now,
    Duration idleInTransactionThreshold,
    long largeTableRows) {
  public static final DoctorOptions DEFAULTS =
      new DoctorOptions(false, Optional.empty(), Duration.ofMinutes(1), 1_000_000);

  public DoctorOptions {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(idleInTransactionThreshold, "idleInTransactionThreshold");
  }

  public DoctorOptions withDeep(boolean deep) {
    return new DoctorOptions(deep, now, idleInTransactionThreshold, largeTableRows);
  }

  public DoctorOptions withNow(Optional<LocalDateTime> now) {
    return new DoctorOptions(deep, now, idleInTransactionThreshold, largeTableRows);
  }

  public DoctorOptions withIdleInTransactionThreshold(Duration threshold) {
    return new DoctorOptions(deep, now, threshold, largeTableRows);
  }

  public DoctorOptions withLargeTableRows(long rows) {
    return new DoctorOptions(deep, now, idleInTransactionThreshold, rows);
  }
}
