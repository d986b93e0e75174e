package dev.strata.verify;

import dev.strata.catalog.Column;
import dev.strata.connect.Database;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Computes {@link Fingerprint}s. The checksum is {@code sum(hashtextextended(row::text, 0))} over
 * the columns in the parent's order; a row's text depends on session settings, so both sides set
 * the same ones first ({@link #SESSION_SETTINGS}), inside the transaction that computes it.
 *
 * <p>Summing 64-bit hashes as numeric cannot overflow, does not depend on row order, and detects a
 * lost, duplicated or changed row unless hash collisions cancel out exactly, which for accidental
 * damage is negligible. It is not a defence against deliberate tampering.
 */
public final class Fingerprints {
  /** Settings that change how values print: fixed so both servers print rows identically. */
  public static final List<String> SESSION_SETTINGS =
      List.of(
          "SET LOCAL TimeZone = 'UTC'",
          "SET LOCAL DateStyle = 'ISO, MDY'",
          "SET LOCAL IntervalStyle = 'postgres'",
          "SET LOCAL extra_float_digits = 3",
          "SET LOCAL bytea_output = 'hex'");

  private Fingerprints() {}

  /**
   * @param outsideCondition SQL true for rows outside the bounds, over the row alias's columns,
   *     with {@code ?} placeholders for {@code parameters}
   */
  public static Fingerprint of(
      Database database,
      QualifiedName table,
      List<Column> columns,
      String outsideCondition,
      Object... parameters) {
    String columnList =
        columns.stream().map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "));
    String sql =
        "SELECT count(*), coalesce(sum(hashtextextended(r::text, 0)::numeric), 0),"
            + " count(*) FILTER (WHERE "
            + outsideCondition
            + ") FROM (SELECT "
            + columnList
            + " FROM "
            + table.quoted()
            + ") r";
    return database.inTransaction(
        db -> {
          for (String setting : SESSION_SETTINGS) {
            db.execute(setting);
          }
          return db.queryOne(
                  sql,
                  row -> new Fingerprint(row.getLong(1), row.getBigDecimal(2), row.getLong(3)),
                  parameters)
              .orElseThrow();
        });
  }

  /** Parses a checksum as the journal stores it. */
  public static BigDecimal parseChecksum(String text) {
    return new BigDecimal(text);
  }
}
