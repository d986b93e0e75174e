package dev.strata.health;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code strata status}: every managed table's partitions in key order, and every server's
 * reachability. Immutable; rendered as text or JSON by the command line.
 */
public record StatusReport(List<TableStatus> tables, List<ServerStatus> servers) {
  public StatusReport {
    tables = List.copyOf(tables);
    servers = List.copyOf(servers);
  }

  /** A partitioned table on the coordinator. */
  public record TableStatus(String table, String partitionKey, List<PartitionStatus> partitions) {
    public TableStatus {
      partitions = List.copyOf(partitions);
    }
  }

  /**
   * One partition.
   *
   * @param name partition name
   * @param bound its bound as PostgreSQL prints it
   * @param tier {@code local} or the server's name
   * @param remoteTable {@code schema.table} on the server, for foreign partitions
   * @param rows row count (exact with {@code --exact}, else the planner's estimate); empty when
   *     unknown (never analyzed, or its server not configured or unreachable)
   * @param rowsExact whether {@code rows} is an exact count
   * @param sizeBytes total size where the rows live; empty when unknown
   * @param note why something is unknown, or empty
   */
  public record PartitionStatus(
      String name,
      String bound,
      String tier,
      Optional<String> remoteTable,
      OptionalLong rows,
      boolean rowsExact,
      OptionalLong sizeBytes,
      Optional<String> note) {}

  /**
   * One server's reachability, checked with a direct connection.
   *
   * @param name {@code coordinator} or the configured name
   * @param uri where it is, without password
   * @param reachable whether Strata connected and ran a query
   * @param connectMillis time to connect and authenticate
   * @param latencyMillis one round trip ({@code SELECT 1}) once connected
   * @param version server version
   * @param error why it is unreachable
   * @param hint what to check when it is unreachable: the URL, or the user and the password's
   *     source when it refused them
   */
  public record ServerStatus(
      String name,
      String uri,
      boolean reachable,
      OptionalLong connectMillis,
      Optional<Double> latencyMillis,
      Optional<String> version,
      Optional<String> error,
      Optional<String> hint) {}
}
