package dev.strata.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * {@code tables.NAME.shard_by}: how a table's rows are spread over the servers in {@code
 * shards_on}. The coordinator's table is partitioned by {@code HASH (column)} or {@code LIST
 * (column)}, and each shard is a foreign partition on one of the servers.
 *
 * @param column the shard key column
 * @param method hash or list
 * @param shards hash: how many shards a new table starts with (the modulus); list: the number of
 *     named shards
 * @param lists list: each shard's name and the key values it holds, in written order; empty for
 *     hash
 */
public record ShardBy(String column, Method method, int shards, Map<String, List<String>> lists) {
  /** The largest hash modulus a new table starts with; splits may go further. */
  public static final int MAXIMUM_SHARDS = 1024;

  public enum Method {
    HASH,
    LIST;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public ShardBy {
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(method, "method");
    Map<String, List<String>> copy = new LinkedHashMap<>();
    lists.forEach((shard, values) -> copy.put(shard, List.copyOf(values)));
    lists = java.util.Collections.unmodifiableMap(copy);
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1");
    }
  }
}
