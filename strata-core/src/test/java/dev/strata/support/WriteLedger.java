package dev.strata.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One concurrent writer's ledger for the proof suites: every row it owns as the server acknowledged
 * it ({@code id -> {key, value}}), what it did, and every error. The writers of a ledger test each
 * keep one; {@link #check} holds the table against their union and {@link Result#write} records the
 * figures for the reliability report.
 */
public final class WriteLedger {
  /** {@code id -> {partition or shard key, value}}, as acknowledged. */
  public final Map<Long, long[]> rows = new HashMap<>();

  /** The ids in {@link #rows}, for picking one at random. */
  public final List<Long> owned = new ArrayList<>();

  public long inserts;
  public long updates;
  public long deletes;

  /** Updates or deletes of an acknowledged row that found no row. */
  public long missing;

  /** Writes refused with a documented error, by kind. */
  public final Map<String, Long> refusals = new TreeMap<>();

  /** Errors that are not a documented refusal. */
  public final List<String> unexpected = new ArrayList<>();

  /** Records an acknowledged row (a preloaded row or an insert's). */
  public void own(long id, long key, long value) {
    rows.put(id, new long[] {key, value});
    owned.add(id);
  }

  /** Forgets the acknowledged row at {@code index} of {@link #owned}, after a delete. */
  public void disown(int index) {
    rows.remove(owned.get(index));
    owned.set(index, owned.get(owned.size() - 1));
    owned.remove(owned.size() - 1);
  }

  public void refused(String kind) {
    refusals.merge(kind, 1L, Long::sum);
  }

  /**
   * Holds the rows {@code query} returns ({@code id, key, value}) against the union of the ledgers.
   */
  public static Result check(List<WriteLedger> ledgers, Connection connection, String query)
      throws SQLException {
    Map<Long, long[]> expected = new HashMap<>();
    ledgers.forEach(ledger -> expected.putAll(ledger.rows));
    Map<Long, Integer> seen = new HashMap<>();
    long duplicated = 0;
    long phantom = 0;
    long wrong = 0;
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(query)) {
      while (rows.next()) {
        long id = rows.getLong(1);
        if (seen.merge(id, 1, Integer::sum) > 1) {
          duplicated++;
          continue;
        }
        long[] want = expected.get(id);
        if (want == null) {
          phantom++;
        } else if (want[0] != rows.getLong(2) || want[1] != rows.getLong(3)) {
          wrong++;
        }
      }
    }
    long lost = expected.keySet().stream().filter(id -> !seen.containsKey(id)).count();
    return new Result(ledgers, expected.size(), lost, duplicated, phantom, wrong);
  }

  /** The table against the ledgers, and the ledgers' totals. */
  public static final class Result {
    public final long expected;
    public final long lost;
    public final long duplicated;
    public final long phantom;
    public final long wrong;
    public long inserts;
    public long updates;
    public long deletes;
    public long missing;
    public final Map<String, Long> refusals = new TreeMap<>();
    public final List<String> unexpected = new ArrayList<>();

    Result(
        List<WriteLedger> ledgers,
        long expected,
        long lost,
        long duplicated,
        long phantom,
        long wrong) {
      this.expected = expected;
      this.lost = lost;
      this.duplicated = duplicated;
      this.phantom = phantom;
      this.wrong = wrong;
      for (WriteLedger ledger : ledgers) {
        inserts += ledger.inserts;
        updates += ledger.updates;
        deletes += ledger.deletes;
        missing += ledger.missing;
        ledger.refusals.forEach((k, v) -> refusals.merge(k, v, Long::sum));
        unexpected.addAll(ledger.unexpected);
      }
    }

    public long writes() {
      return inserts + updates + deletes;
    }

    /**
     * Writes the figures, with {@code header} first, to {@code target/proof/NAME} (the fields
     * {@code ProofReport} reads) and returns them as JSON text.
     */
    public String write(String name, Map<String, Object> header) throws IOException {
      Map<String, Object> figures = new LinkedHashMap<>(header);
      Map<String, Long> acknowledged = new LinkedHashMap<>();
      acknowledged.put("inserts", inserts);
      acknowledged.put("updates", updates);
      acknowledged.put("deletes", deletes);
      figures.put("acknowledged", acknowledged);
      figures.put("refused", refusals.values().stream().mapToLong(Long::longValue).sum());
      figures.put("refusals", refusals);
      figures.put("unexpected_errors", unexpected.size());
      figures.put("rows_expected", expected);
      figures.put("rows_lost", lost);
      figures.put("rows_duplicated", duplicated);
      figures.put("rows_unexpected", phantom);
      figures.put("rows_wrong_value", wrong);
      figures.put("missing_at_update_or_delete", missing);
      String text =
          new ObjectMapper()
              .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, false)
              .writeValueAsString(figures);
      Path out = Path.of("target", "proof");
      Files.createDirectories(out);
      Files.writeString(out.resolve(name), text + "\n", StandardCharsets.UTF_8);
      return text;
    }
  }
}
