package dev.strata.shard;

import dev.strata.sql.QualifiedName;
import java.util.List;
import java.util.Objects;

/**
 * A shard {@code strata apply} creates or adopts: the statements on its server (each group one
 * transaction), then on the coordinator. Every group is planned from what the catalogs hold, so a
 * rerun after a failure plans only what is still missing.
 *
 * @param table the sharded table
 * @param shard the shard's name, the same on the coordinator and on its server
 * @param server the shard server
 * @param description what it does, for people
 * @param steps the statements, in order
 * @param reason why the shard is due
 */
public record ShardSetup(
    QualifiedName table,
    QualifiedName shard,
    String server,
    String description,
    List<ServerStatements> steps,
    String reason) {
  public ShardSetup {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(shard, "shard");
    steps = List.copyOf(steps);
  }
}
