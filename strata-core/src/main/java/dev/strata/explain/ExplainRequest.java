package dev.strata.explain;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code strata explain} is asked to do.
 *
 * @param statement one SQL statement
 * @param analyze run it ({@code EXPLAIN ANALYZE}) to count rows, in a read-only transaction that is
 *     rolled back; only statements that start with SELECT, WITH, TABLE or VALUES are accepted
 * @param settings session settings to apply first, e.g. {@code enable_partitionwise_aggregate=on},
 *     set with {@code set_config(name, value, true)} so they end with the transaction
 */
public record ExplainRequest(String statement, boolean analyze, Map<String, String> settings) {
  public ExplainRequest {
    Objects.requireNonNull(statement, "statement");
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
  }

  public static ExplainRequest of(String statement, boolean analyze) {
    return new ExplainRequest(statement, analyze, Map.of());
  }
}
