package dev.strata.shard;

import dev.strata.catalog.Column;
import dev.strata.catalog.PartitionBound;
import dev.strata.config.ShardBy;
import dev.strata.operation.MoveStatements;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.util.List;

/**
 * The DDL of sharding, rendered from parsed names and bounds: the parent of the same shape on a
 * shard server, a shard on it, and the shard's foreign partition on the coordinator.
 */
public final class ShardStatements {
  private ShardStatements() {}

  /**
   * On a shard server: the parent the shards hang from, with the coordinator's columns and the same
   * partition key, so PostgreSQL itself refuses a row that belongs to another shard.
   */
  public static List<String> serverParent(
      QualifiedName parent, List<Column> columns, ShardBy.Method method, String keyColumn) {
    return List.of(
        "CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(parent.schema()),
        "CREATE TABLE "
            + parent.quoted()
            + " ("
            + MoveStatements.columnDefinitions(columns)
            + ") PARTITION BY "
            + (method == ShardBy.Method.HASH ? "HASH" : "LIST")
            + " ("
            + Identifiers.quote(keyColumn)
            + ")");
  }

  /** On a shard server: an empty shard. */
  public static String createShard(
      QualifiedName parent, QualifiedName shard, PartitionBound bound) {
    return "CREATE TABLE "
        + shard.quoted()
        + " PARTITION OF "
        + parent.quoted()
        + " "
        + bound.sql();
  }

  /**
   * On a shard server: an existing table adopted as a shard. PostgreSQL scans it and refuses the
   * ATTACH when a row belongs to another shard.
   */
  public static String attachShard(
      QualifiedName parent, QualifiedName shard, PartitionBound bound) {
    return "ALTER TABLE "
        + parent.quoted()
        + " ATTACH PARTITION "
        + shard.quoted()
        + " "
        + bound.sql();
  }

  /** On the coordinator: the shard's foreign partition. */
  public static String foreignShard(
      QualifiedName parent,
      QualifiedName shard,
      PartitionBound bound,
      String server,
      QualifiedName remote) {
    return "CREATE FOREIGN TABLE "
        + shard.quoted()
        + " PARTITION OF "
        + parent.quoted()
        + " "
        + bound.sql()
        + " SERVER "
        + Identifiers.quote(server)
        + " OPTIONS (schema_name "
        + Identifiers.literal(remote.schema())
        + ", table_name "
        + Identifiers.literal(remote.name())
        + ")";
  }

  /** On the coordinator: the partition that catches list values no shard holds. */
  public static String defaultPartition(QualifiedName parent, QualifiedName partition) {
    return "CREATE TABLE " + partition.quoted() + " PARTITION OF " + parent.quoted() + " DEFAULT";
  }

  /** The rights the coordinator's user mapping needs on a shard: it reads and writes. */
  public static List<String> grants(QualifiedName shard, String mappingUser, String owner) {
    return MoveStatements.grantToMapping(shard, mappingUser, owner, true);
  }
}
