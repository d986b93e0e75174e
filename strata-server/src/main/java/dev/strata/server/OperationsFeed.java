package dev.strata.server;

import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Operations as the dashboard and {@code /api/v1/operations} show them: the unfinished ones with
 * the progress their mover records ({@code strata.operation_progress}), then the most recent
 * finished ones. Also hands the metrics each operation that finished since the last read, once.
 */
final class OperationsFeed {
  /** An operation that finished: its kind, final state, seconds from start to end, rows moved. */
  record Finished(String kind, String outcome, double seconds, long rows) {}

  /** What one read found. */
  record Read(List<Map<String, Object>> operations, List<Finished> finished) {}

  private record FinishedAt(Finished finished, OffsetDateTime at) {}

  private static final int RECENT = 10;

  private final Connections connections;
  private OffsetDateTime watermark;

  OperationsFeed(Connections connections) {
    this.connections = connections;
  }

  /** Reads the operations; bounded by the configuration's timeouts. */
  synchronized Read read() {
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      dev.strata.operation.JournalSchema.ensure(coordinator);
      List<Map<String, Object>> operations =
          coordinator.query(
              """
              WITH recent AS (
                SELECT id FROM strata.operation
                WHERE state IN ('done', 'aborted')
                ORDER BY finished_at DESC NULLS LAST, id DESC
                LIMIT ?)
              SELECT o.id, o.kind, o.parent_schema, o.parent_name, o.partition_schema,
                     o.partition_name, o.server, o.from_server, o.state,
                     o.state NOT IN ('done', 'aborted') AS running,
                     o.created_at, o.updated_at, o.finished_at, o.last_error, o.source_rows,
                     p.copied_rows, p.expected_rows, p.updated_at AS progress_at
              FROM strata.operation o
              LEFT JOIN strata.operation_progress p ON p.operation_id = o.id
              WHERE o.state NOT IN ('done', 'aborted') OR o.id IN (SELECT id FROM recent)
              ORDER BY running DESC, o.id DESC""",
              row -> {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("id", row.getLong("id"));
                item.put("kind", row.getString("kind"));
                item.put(
                    "table", display(row.getString("parent_schema"), row.getString("parent_name")));
                item.put(
                    "partition",
                    display(row.getString("partition_schema"), row.getString("partition_name")));
                item.put("server", row.getString("server"));
                item.put("from_server", row.getString("from_server"));
                item.put("state", row.getString("state"));
                item.put("running", row.getBoolean("running"));
                item.put("started_at", text(row.getObject("created_at", OffsetDateTime.class)));
                item.put("updated_at", text(row.getObject("updated_at", OffsetDateTime.class)));
                item.put("finished_at", text(row.getObject("finished_at", OffsetDateTime.class)));
                item.put("source_rows", nullableLong(row, "source_rows"));
                item.put("copied_rows", nullableLong(row, "copied_rows"));
                item.put("expected_rows", nullableLong(row, "expected_rows"));
                item.put("progress_at", text(row.getObject("progress_at", OffsetDateTime.class)));
                item.put("error", row.getString("last_error"));
                return item;
              },
              RECENT);
      List<Finished> finished = new ArrayList<>();
      if (watermark == null) {
        // Only operations that finish while this process runs are counted.
        watermark =
            coordinator
                .queryOne("SELECT now()", row -> row.getObject(1, OffsetDateTime.class))
                .orElseThrow();
      } else {
        List<FinishedAt> rows =
            coordinator.query(
                """
                SELECT kind, state, extract(epoch FROM finished_at - created_at)::float8,
                       coalesce(source_rows, 0), finished_at
                FROM strata.operation
                WHERE finished_at > ?
                ORDER BY finished_at""",
                row ->
                    new FinishedAt(
                        new Finished(
                            row.getString(1), row.getString(2), row.getDouble(3), row.getLong(4)),
                        row.getObject(5, OffsetDateTime.class)),
                watermark);
        for (FinishedAt row : rows) {
          finished.add(row.finished());
          watermark = row.at();
        }
      }
      return new Read(operations, finished);
    }
  }

  private static String display(String schema, String name) {
    return new dev.strata.sql.QualifiedName(schema, name).display();
  }

  private static String text(OffsetDateTime time) {
    return Optional.ofNullable(time).map(t -> t.toInstant().toString()).orElse(null);
  }

  private static Long nullableLong(java.sql.ResultSet row, String column)
      throws java.sql.SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? null : value;
  }
}
