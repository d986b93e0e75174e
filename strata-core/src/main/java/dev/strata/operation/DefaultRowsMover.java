package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.PartitionedTable;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves rows that landed in a default partition into a proper range partition, creating it.
 *
 * <p>PostgreSQL refuses to create a partition for a range while the default partition holds rows of
 * that range, which is how stray rows block maintenance. Strata moves one range per transaction,
 * atomically: readers see the rows either in the default partition or in the new one, never in both
 * or neither. In that transaction:
 *
 * <ol>
 *   <li>{@code LOCK parent IN SHARE ROW EXCLUSIVE MODE}: writers of the table wait (readers do
 *       not), so no row of the range can reach the default partition meanwhile; an insert that
 *       waited routes by the new partition layout once it gets its lock. The wait for the lock is
 *       bounded by a short {@code lock_timeout}, retried with backoff.
 *   <li>the rows are deleted from the default partition ({@code DELETE ... RETURNING}) into a
 *       temporary table;
 *   <li>the new partition is created standalone with the bounds as a CHECK constraint, filled, and
 *       attached (the CHECK spares ATTACH its validation scan);
 *   <li>the counts are compared; any difference rolls everything back.
 * </ol>
 */
public final class DefaultRowsMover {
  private DefaultRowsMover() {}

  /**
   * The statements of one move, in order; the third reports the rows deleted from the default
   * partition and the sixth the rows inserted into the new one.
   */
  public static List<SqlStatement> statements(
      PartitionedTable parent,
      QualifiedName defaultPartition,
      QualifiedName target,
      RangeBounds bounds) {
    String columns = MoveStatements.columnList(parent.columns());
    return List.of(
        SqlStatement.of("SET LOCAL lock_timeout = '200ms'"),
        SqlStatement.of("LOCK TABLE " + parent.name().quoted() + " IN SHARE ROW EXCLUSIVE MODE"),
        SqlStatement.of(
            "CREATE TEMPORARY TABLE strata_moving (LIKE "
                + parent.name().quoted()
                + ") ON COMMIT DROP"),
        new SqlStatement(
            "WITH moved AS (DELETE FROM "
                + defaultPartition.quoted()
                + " WHERE NOT ("
                + bounds.outsideCondition()
                + ") RETURNING "
                + columns
                + ") INSERT INTO strata_moving ("
                + columns
                + ") SELECT "
                + columns
                + " FROM moved",
            List.of(bounds.parameters())),
        SqlStatement.of(
            "CREATE TABLE "
                + target.quoted()
                + " (LIKE "
                + parent.name().quoted()
                + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)"),
        SqlStatement.of(
            "ALTER TABLE "
                + target.quoted()
                + " ADD CONSTRAINT "
                + MoveStatements.BOUNDS_CONSTRAINT
                + " CHECK ("
                + bounds.insideLiteral()
                + ")"),
        SqlStatement.of(
            "INSERT INTO "
                + target.quoted()
                + " ("
                + columns
                + ") SELECT "
                + columns
                + " FROM strata_moving"),
        SqlStatement.of(
            "ALTER TABLE "
                + parent.name().quoted()
                + " ATTACH PARTITION "
                + target.quoted()
                + " "
                + bounds.toSql()));
  }

  /**
   * Runs {@link #statements} in one transaction (retried on lock timeouts); returns the rows moved.
   */
  public static long move(
      Database coordinator,
      PartitionedTable parent,
      QualifiedName defaultPartition,
      QualifiedName target,
      RangeBounds bounds) {
    List<SqlStatement> statements = statements(parent, defaultPartition, target, bounds);
    List<Long> moved = new ArrayList<>();
    LockRetries.run(
        coordinator,
        () ->
            moved.add(
                coordinator.inTransaction(
                    db -> {
                      long deleted = 0;
                      long inserted = 0;
                      for (int i = 0; i < statements.size(); i++) {
                        SqlStatement statement = statements.get(i);
                        long count = db.update(statement);
                        if (i == 3) {
                          deleted = count;
                        } else if (i == 6) {
                          inserted = count;
                        }
                      }
                      if (inserted != deleted) {
                        throw new StrataException(
                            ErrorCode.INTERNAL,
                            "moved "
                                + deleted
                                + " rows out of "
                                + defaultPartition.display()
                                + " but inserted "
                                + inserted
                                + "; rolled back",
                            null);
                      }
                      Failpoints.hit("default_rows.before_commit");
                      return deleted;
                    })));
    Failpoints.hit("default_rows.after_commit");
    return moved.get(moved.size() - 1);
  }
}
