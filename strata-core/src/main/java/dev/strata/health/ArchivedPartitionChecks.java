package dev.strata.health;

import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.TableData;
import dev.strata.connect.Database;
import dev.strata.operation.Operation;
import dev.strata.operation.RangeBounds;
import dev.strata.operation.Verifier;
import dev.strata.sql.Identifiers;
import dev.strata.verify.Fingerprint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks of one archived partition on its server, over Strata's direct connection there: what
 * PostgreSQL cannot check for a foreign partition (the remote table exists, has the parent's
 * columns, holds only rows inside the bounds) and what the journal can (the row count and, with
 * {@code --deep}, the checksum recorded when Strata archived it).
 *
 * <p>A validated CHECK constraint equal to the bounds proves there is no row outside them, so the
 * out-of-bounds scan is skipped then; otherwise it reads the whole remote table, like the count.
 */
final class ArchivedPartitionChecks {
  private final CoordinatorSnapshot snapshot;
  private final DoctorOptions options;
  private final Database remote;
  private final CatalogReader catalog;

  ArchivedPartitionChecks(CoordinatorSnapshot snapshot, DoctorOptions options, Database remote) {
    this.snapshot = snapshot;
    this.options = options;
    this.remote = remote;
    this.catalog = new CatalogReader(remote);
  }

  List<CheckResult> run(ArchivedPartition archived) {
    List<CheckResult> results = new ArrayList<>();
    String subject = archived.name();
    Optional<List<Column>> remoteColumns = catalog.tableColumns(archived.remoteTable());
    if (remoteColumns.isEmpty()) {
      results.add(
          CheckResult.fail(
              Check.PARTITION_REMOTE_TABLE,
              subject,
              "remote table "
                  + archived.remoteDisplay()
                  + " does not exist: every query that reaches this partition fails",
              "recreate "
                  + archived.remoteTable().display()
                  + " on "
                  + archived.server()
                  + " (from a backup or export), or give up the range: on the coordinator ALTER"
                  + " TABLE "
                  + archived.parent().name().quoted()
                  + " DETACH PARTITION "
                  + archived.partition().name().quoted()
                  + "; DROP FOREIGN TABLE "
                  + archived.partition().name().quoted()));
      return results;
    }
    results.add(
        CheckResult.ok(
            Check.PARTITION_REMOTE_TABLE, subject, archived.remoteDisplay() + " exists"));
    results.add(columns(archived, remoteColumns.get()));
    Optional<RangeBounds> bounds = archived.bounds();
    boolean keyPresent =
        bounds.isPresent()
            && remoteColumns.get().stream()
                .anyMatch(c -> c.name().equals(bounds.get().keyColumn().name()));
    boolean provenInside = false;
    if (keyPresent) {
      Optional<CheckResult> check = checkConstraint(archived, bounds.get(), remoteColumns.get());
      check.ifPresent(results::add);
      provenInside = check.map(r -> r.status() == CheckStatus.OK).orElse(false);
      results.add(outOfBounds(archived, bounds.get(), provenInside));
    }
    results.addAll(journalFigures(archived, bounds, keyPresent));
    results.add(remoteEstimate(archived));
    return results;
  }

  private CheckResult columns(ArchivedPartition archived, List<Column> remoteColumns) {
    Map<String, Column> byName = new java.util.HashMap<>();
    remoteColumns.forEach(column -> byName.put(column.name(), column));
    List<String> differences = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    String table = archived.remoteTable().quoted();
    for (Column expected : archived.parent().columns()) {
      String column = Identifiers.quote(expected.name());
      Column found = byName.get(expected.name());
      if (found == null) {
        differences.add("column " + expected.name() + " " + expected.type() + " is missing");
        fixes.add("ALTER TABLE " + table + " ADD COLUMN " + column + " " + expected.type());
        continue;
      }
      if (!found.type().equals(expected.type())) {
        differences.add(
            "column "
                + expected.name()
                + " is "
                + found.type()
                + " there but "
                + expected.type()
                + " on the coordinator");
        fixes.add("ALTER TABLE " + table + " ALTER COLUMN " + column + " TYPE " + expected.type());
      }
      if (expected.notNull() && !found.notNull()) {
        differences.add(
            "column " + expected.name() + " is NOT NULL on the coordinator but nullable there");
        fixes.add("ALTER TABLE " + table + " ALTER COLUMN " + column + " SET NOT NULL");
      }
    }
    if (differences.isEmpty()) {
      return CheckResult.ok(
          Check.PARTITION_COLUMNS,
          archived.name(),
          archived.parent().columns().size()
              + " columns match the parent's names, types and NOT NULLs");
    }
    return CheckResult.fail(
        Check.PARTITION_COLUMNS,
        archived.name(),
        archived.remoteDisplay()
            + " differs from "
            + archived.parent().name().display()
            + ": "
            + String.join("; ", differences)
            + " (rows read through the parent can fail to convert or break its constraints)",
        "on " + archived.server() + ": " + String.join("; ", fixes));
  }

  /**
   * A CHECK equal to the bounds, compared by PostgreSQL's canonical text: Strata's form (with
   * {@code IS NOT NULL}), or, when the key column is NOT NULL on the server, the usual hand-written
   * form without it.
   */
  private Optional<CheckResult> checkConstraint(
      ArchivedPartition archived, RangeBounds bounds, List<Column> remoteColumns) {
    String inside = bounds.insideLiteral();
    String addConstraint =
        "on "
            + archived.server()
            + ": ALTER TABLE "
            + archived.remoteTable().quoted()
            + " ADD CONSTRAINT strata_partition_bounds CHECK ("
            + inside
            + ")";
    List<CatalogReader.CheckConstraint> existing = catalog.checkConstraints(archived.remoteTable());
    List<String> expected = new ArrayList<>();
    try {
      expected.add(catalog.canonicalCheck(remoteColumns, inside));
      String key = Identifiers.quote(bounds.keyColumn().name());
      boolean keyNotNull =
          remoteColumns.stream()
              .anyMatch(c -> c.name().equals(bounds.keyColumn().name()) && c.notNull());
      String withoutNotNull = inside.replace(" AND " + key + " IS NOT NULL", "");
      if (keyNotNull && !withoutNotNull.equals(inside) && !withoutNotNull.isEmpty()) {
        expected.add(catalog.canonicalCheck(remoteColumns, withoutNotNull));
      }
    } catch (StrataException e) {
      return Optional.of(
          CheckResult.warn(
              Check.PARTITION_CHECK_CONSTRAINT,
              archived.name(),
              "cannot compare the CHECK constraints of "
                  + archived.remoteDisplay()
                  + " with the bounds: "
                  + e.getMessage(),
              "make sure Strata's role on "
                  + archived.server()
                  + " may create temporary tables (GRANT TEMPORARY ON DATABASE), or compare by"
                  + " hand with: "
                  + inside));
    }
    Optional<CatalogReader.CheckConstraint> match =
        existing.stream()
            // pg_get_constraintdef marks a constraint that is not validated with " NOT VALID".
            .filter(c -> expected.contains(c.definition().replaceFirst(" NOT VALID$", "")))
            .findFirst();
    if (match.isEmpty()) {
      return Optional.of(
          CheckResult.warn(
              Check.PARTITION_CHECK_CONSTRAINT,
              archived.name(),
              "no CHECK constraint on "
                  + archived.remoteDisplay()
                  + " equals the bounds "
                  + bounds
                  + (existing.isEmpty()
                      ? ""
                      : " (found: "
                          + existing.stream()
                              .map(c -> c.name() + " " + c.definition())
                              .reduce((a, b) -> a + ", " + b)
                              .orElse("")
                          + ")")
                  + ": nothing stops rows of other ranges being written there directly",
              addConstraint));
    }
    if (!match.get().validated()) {
      return Optional.of(
          CheckResult.warn(
              Check.PARTITION_CHECK_CONSTRAINT,
              archived.name(),
              "CHECK "
                  + match.get().name()
                  + " equals the bounds but is NOT VALID: rows written before it was added are"
                  + " not known to satisfy it",
              "on "
                  + archived.server()
                  + ": ALTER TABLE "
                  + archived.remoteTable().quoted()
                  + " VALIDATE CONSTRAINT "
                  + Identifiers.quote(match.get().name())));
    }
    return Optional.of(
        CheckResult.ok(
            Check.PARTITION_CHECK_CONSTRAINT,
            archived.name(),
            "CHECK " + match.get().name() + " equals the bounds " + bounds));
  }

  private CheckResult outOfBounds(
      ArchivedPartition archived, RangeBounds bounds, boolean provenInside) {
    if (provenInside) {
      return CheckResult.ok(
          Check.PARTITION_OUT_OF_BOUNDS,
          archived.name(),
          "none: the validated CHECK constraint guarantees it");
    }
    long outside =
        catalog
            .data()
            .countWhere(archived.remoteTable(), bounds.outsideCondition(), bounds.parameters());
    if (outside == 0) {
      return CheckResult.ok(
          Check.PARTITION_OUT_OF_BOUNDS, archived.name(), "no row outside " + bounds);
    }
    return CheckResult.fail(
        Check.PARTITION_OUT_OF_BOUNDS,
        archived.name(),
        archived.remoteDisplay()
            + " holds "
            + outside
            + (outside == 1 ? " row" : " rows")
            + " outside "
            + bounds
            + " (or with a NULL key): queries that scan this partition return them, although"
            + " they belong to another range",
        "on "
            + archived.server()
            + ": look at them with SELECT * FROM "
            + archived.remoteTable().quoted()
            + " WHERE NOT ("
            + bounds.insideLiteral()
            + "); move them to the partition they belong to, then delete them there and add the"
            + " CHECK constraint: ALTER TABLE "
            + archived.remoteTable().quoted()
            + " ADD CONSTRAINT strata_partition_bounds CHECK ("
            + bounds.insideLiteral()
            + ")");
  }

  private List<CheckResult> journalFigures(
      ArchivedPartition archived, Optional<RangeBounds> bounds, boolean keyPresent) {
    List<CheckResult> results = new ArrayList<>();
    Optional<Operation> recorded = snapshot.lastArchive(archived);
    if (recorded.isEmpty()) {
      results.add(
          CheckResult.ok(
              Check.PARTITION_ROW_COUNT,
              archived.name(),
              "not archived by Strata (attached): no recorded count to compare"));
      return results;
    }
    Operation operation = recorded.get();
    long expectedRows = operation.sourceRows().orElse(-1);
    boolean writable = archived.foreign().updatable();
    long rows = catalog.data().exactRowCount(archived.remoteTable());
    String figures =
        archived.remoteDisplay()
            + " holds "
            + rows
            + " rows; operation "
            + operation.id()
            + " recorded "
            + expectedRows;
    if (rows == expectedRows) {
      results.add(
          CheckResult.ok(
              Check.PARTITION_ROW_COUNT,
              archived.name(),
              rows + " rows, as operation " + operation.id() + " recorded"));
    } else {
      results.add(
          mismatch(
              Check.PARTITION_ROW_COUNT,
              archived,
              writable,
              figures
                  + (writable
                      ? " (the partition is writable, so rows may have been written since)"
                      : ": rows were lost or added on the server")));
    }
    if (options.deep() && bounds.isPresent() && keyPresent) {
      RangeBounds range = bounds.get();
      Verifier.Check check =
          Verifier.check(
              remote, archived.remoteTable(), archived.parent().columns(), range, operation);
      Fingerprint now = check.now();
      String recordedChecksum = operation.sourceChecksum().orElse("");
      // Rows outside the bounds have a check of their own (PARTITION_OUT_OF_BOUNDS).
      boolean same = check.recorded().map(now::sameRowsAs).orElse(false);
      if (same) {
        results.add(
            CheckResult.ok(
                Check.PARTITION_CHECKSUM,
                archived.name(),
                "checksum " + now.checksum() + ", as operation " + operation.id() + " recorded"));
      } else {
        results.add(
            mismatch(
                Check.PARTITION_CHECKSUM,
                archived,
                writable,
                archived.remoteDisplay()
                    + " hashes to "
                    + now.checksum()
                    + " over "
                    + now.rows()
                    + " rows; operation "
                    + operation.id()
                    + " recorded "
                    + (recordedChecksum.isEmpty() ? "no checksum" : recordedChecksum)
                    + " over "
                    + expectedRows
                    + " rows: the rows changed after they were archived"));
      }
    }
    return results;
  }

  private static CheckResult mismatch(
      Check check, ArchivedPartition archived, boolean writable, String evidence) {
    String fix =
        "find out what changed the rows on "
            + archived.server()
            + " (strata verify "
            + archived.parent().name().display()
            + " "
            + archived.partition().name().name()
            + " re-checks count and checksum); restore lost rows from a backup or export";
    return writable
        ? CheckResult.warn(check, archived.name(), evidence, fix)
        : CheckResult.fail(check, archived.name(), evidence, fix);
  }

  private CheckResult remoteEstimate(ArchivedPartition archived) {
    java.util.OptionalLong rows =
        catalog
            .data()
            .tableSize(archived.remoteTable())
            .map(TableData.TableSize::estimatedRows)
            .orElse(java.util.OptionalLong.empty());
    long estimate = rows.orElse(0);
    boolean remoteEstimate =
        "true"
            .equals(
                archived
                    .option("use_remote_estimate", snapshot.serverOptions(archived.server()))
                    .orElse("false"));
    if (estimate < options.largeTableRows() || remoteEstimate) {
      return CheckResult.ok(
          Check.FDW_USE_REMOTE_ESTIMATE,
          archived.name(),
          (rows.isPresent()
                  ? "about " + estimate + " rows on the server"
                  : "not analyzed on the server, size unknown")
              + "; use_remote_estimate "
              + (remoteEstimate ? "on" : "off"));
    }
    return CheckResult.warn(
        Check.FDW_USE_REMOTE_ESTIMATE,
        archived.name(),
        archived.remoteDisplay()
            + " holds about "
            + estimate
            + " rows and use_remote_estimate is off: the coordinator plans joins and filters on"
            + " it from local statistics only, which are rough (or missing) for a table this size",
        "on the coordinator: ALTER FOREIGN TABLE "
            + archived.partition().name().quoted()
            + " OPTIONS ("
            + (archived.foreign().options().containsKey("use_remote_estimate") ? "SET" : "ADD")
            + " use_remote_estimate 'true'); and keep its statistics fresh with strata analyze");
  }
}
