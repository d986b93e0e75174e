package dev.strata.mirror;

import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What the coordinator records about a mirror in {@code strata.mirror}: where it comes from, how it
 * was made, and how its last refreshes went. Staleness is measured from {@link #lastSuccessAt}: the
 * moment the last successful refresh began reading the source, so the copy holds at least
 * everything the source had committed then.
 *
 * @param name the local copy
 * @param entry the {@code mirrors} entry it was made from
 * @param server the server it reads
 * @param remote the table there
 * @param mode the mode it was made in
 * @param key the key columns it was made with; empty: no key
 * @param indexes the names of the indexes Strata made on it from {@code indexes}
 * @param watermark incremental: the largest watermark value copied, as PostgreSQL prints it
 * @param refreshes successful refreshes so far
 * @param lastStartedAt when the last refresh (successful or not) began
 * @param lastSuccessAt when the last successful refresh began reading the source
 * @param lastDuration how long the last successful refresh took
 * @param lastRows the copy's rows after it
 * @param lastChanged rows it inserted, updated or deleted
 * @param lastError the last failure's message, cleared by the next success
 * @param lastErrorAt when that failure happened
 */
public record MirrorState(
    QualifiedName name,
    String entry,
    String server,
    QualifiedName remote,
    String mode,
    List<String> key,
    List<String> indexes,
    Optional<String> watermark,
    long refreshes,
    Optional<OffsetDateTime> lastStartedAt,
    Optional<OffsetDateTime> lastSuccessAt,
    Optional<Duration> lastDuration,
    Optional<Long> lastRows,
    Optional<Long> lastChanged,
    Optional<String> lastError,
    Optional<OffsetDateTime> lastErrorAt) {
  static final String TABLE = "strata.mirror";

  /** Every recorded mirror, or none when Strata's schema does not exist yet. */
  public static List<MirrorState> all(Database coordinator) {
    boolean exists =
        coordinator
            .queryOne("SELECT to_regclass('strata.mirror') IS NOT NULL", row -> row.getBoolean(1))
            .orElse(false);
    if (!exists) {
      return List.of();
    }
    return coordinator.query(
        "SELECT schema_name, name, entry, server, remote_schema, remote_table, mode, key_columns,"
            + " indexes, watermark, refreshes, last_started_at, last_success_at,"
            + " last_duration_ms, last_rows, last_changed, last_error, last_error_at FROM "
            + TABLE
            + " ORDER BY schema_name, name",
        row ->
            new MirrorState(
                QualifiedName.of(row.getString(1), row.getString(2)),
                row.getString(3),
                row.getString(4),
                QualifiedName.of(row.getString(5), row.getString(6)),
                row.getString(7),
                Arrays.asList((String[]) row.getArray(8).getArray()),
                Arrays.asList((String[]) row.getArray(9).getArray()),
                Optional.ofNullable(row.getString(10)),
                row.getLong(11),
                Optional.ofNullable(row.getObject(12, OffsetDateTime.class)),
                Optional.ofNullable(row.getObject(13, OffsetDateTime.class)),
                Optional.ofNullable((Long) row.getObject(14)).map(Duration::ofMillis),
                Optional.ofNullable((Long) row.getObject(15)),
                Optional.ofNullable((Long) row.getObject(16)),
                Optional.ofNullable(row.getString(17)),
                Optional.ofNullable(row.getObject(18, OffsetDateTime.class))));
  }

  public static Optional<MirrorState> find(Database coordinator, QualifiedName name) {
    return all(coordinator).stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** How old the copy is at {@code now}; empty when it was never refreshed. */
  public Optional<Duration> staleness(OffsetDateTime now) {
    return lastSuccessAt
        .map(at -> Duration.between(at, now))
        .map(d -> d.isNegative() ? Duration.ZERO : d);
  }

  /** A duration as people read it: 90 s, 15 min, 2 h 5 min, 3 d 4 h. */
  public static String age(Duration duration) {
    long seconds = Math.max(0, duration.toSeconds());
    if (seconds < 120) {
      return seconds + " s";
    }
    if (seconds < 7200) {
      return seconds / 60 + " min";
    }
    if (seconds < 172800) {
      return seconds / 3600 + " h " + (seconds % 3600) / 60 + " min";
    }
    return seconds / 86400 + " d " + (seconds % 86400) / 3600 + " h";
  }
}
