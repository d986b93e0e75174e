package dev.strata.adopt;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.Column;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.connect.SqlStates;
import dev.strata.operation.Failpoints;
import dev.strata.operation.JournalSchema;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import dev.strata.verify.Fingerprint;
import dev.strata.verify.Fingerprints;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs {@code strata adopt}: turns a plain table into a range-partitioned table of the same name
 * while applications keep writing, in the manner of pg_repack. The steps, each journaled in {@code
 * strata.adoption} (see {@link AdoptState}):
 *
 * <ol>
 *   <li>intent, committed before anything is created;
 *   <li>prepare, one transaction: the new partitioned table {@code <table>_strata_new} with its
 *       partitions and keys, a change log in schema {@code strata}, and capture triggers on the
 *       original (ENABLE ALWAYS, so sessions with {@code session_replication_role = replica} are
 *       captured too; TRUNCATE refused);
 *   <li>copy in key-ordered batches, each batch and its high-water key in one transaction;
 *   <li>the other indexes;
 *   <li>verify: in one REPEATABLE READ snapshot, replay every logged change, then fingerprint both
 *       tables (count and checksum, Strata's verify code): they must be identical, with no lock;
 *   <li>swap, one short transaction under {@code lock_timeout} (retried): lock the original, replay
 *       the last changes and check those rows by fingerprint, rename the original aside and the new
 *       table into its name, move sequences, re-create views, re-point foreign keys;
 *   <li>after the swap: validate re-pointed foreign keys, drop the original if asked.
 * </ol>
 *
 * <p>Hazards: the capture trigger must exist before the first row is copied (its creation waits for
 * every transaction writing the table, so none can write unlogged afterwards); replaying a key
 * reads the original's current row, so replays are idempotent and order-free; the log entries a
 * replay removes must be exactly those whose rows it read, hence one snapshot per replay.
 */
public final class TableAdopter {

  static final int SWAP_ATTEMPTS = 20;

  /** The bound of one index build or fingerprint of a whole table, as for a move's copy. */
  static final Duration BULK_STATEMENT_TIMEOUT = Duration.ofHours(2);

  /** Changes left for the swap: few enough that replaying them keeps it short. */
  static final long SMALL_LOG = 1_000;

  /**
   * When replay and writes balance above {@link #SMALL_LOG} (the log stops shrinking), the swap
   * goes ahead if at most this many changes are left: its replay holds the lock proportionally.
   */
  static final long STEADY_LOG = 20_000;

  static final int MAX_CATCH_UP_ROUNDS = 100_000;

  /** Replay batches in a row that do not shrink the log below its smallest size: writes win. */
  static final int STALLED_ROUNDS = 100;

  private final Connections connections;
  private final AdoptProgress progress;

  public TableAdopter(Connections connections, AdoptProgress progress) {
    this.connections = connections;
    this.progress = progress;
  }

  /** One step of a dry run: what it does and its statements, rendered. */
  public record PlannedStep(String title, List<String> lines) {}

  /** The statements an adoption would run, after the same checks; changes nothing. */
  public List<PlannedStep> plan(AdoptRequest request) {
    try (Database db = new Database(Connections.COORDINATOR, connections.coordinator())) {
      Optional<Adoption> unfinished =
          currentVersion(db) ? AdoptJournal.unfinished(db, request.table()) : Optional.empty();
      AdoptState from = unfinished.map(Adoption::state).orElse(AdoptState.PLANNED);
      List<PlannedStep> steps = new ArrayList<>();
      if (!from.before(AdoptState.SWAPPED)) {
        steps.add(
            new PlannedStep(
                "after the swap (adoption " + unfinished.get().id() + ")",
                unfinished.get().afterSwap().stream().map(s -> s + ";").toList()));
        return steps;
      }
      AdoptRequest effective = effective(request, unfinished);
      AdoptPlan plan = AdoptPlanner.plan(db, effective, unfinished.isEmpty());
      Fingerprints.Form form = Fingerprints.formFor(db, plan.fingerprintColumns());
      if (unfinished.isEmpty()) {
        steps.add(
            new PlannedStep(
                "intent: the journal row", List.of(AdoptJournal.create(plan).render())));
      }
      if (from == AdoptState.PLANNED) {
        List<String> lines = new ArrayList<>();
        lines.add("-- partitions: " + String.join("; ", plan.partitions()));
        plan.prepare().forEach(s -> lines.add(s.render()));
        steps.add(new PlannedStep("prepare, in one transaction", lines));
      }
      if (from.before(AdoptState.COPIED)) {
        List<SqlStatement.Deferred> end = deferred(plan.trackingKey(), "last key of the batch");
        steps.add(
            new PlannedStep(
                "copy in batches of "
                    + request.batchRows()
                    + " rows, each batch and the journal's high-water key in one transaction"
                    + " (later batches add: WHERE key > the previous batch's last key)",
                List.of(
                    plan.nextBatchEnd(null, request.batchRows()).render(),
                    plan.copyBatch(null, end).render())));
      }
      if (from.before(AdoptState.INDEXED)) {
        steps.add(
            new PlannedStep(
                "indexes, in one transaction",
                plan.indexes().stream().map(SqlStatement::render).toList()));
      }
      List<String> replay = new ArrayList<>();
      replay.add("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;");
      replay.add(plan.replayBatchEnd(request.batchRows()).render());
      SqlStatement.Deferred batchEnd = () -> "the id the previous statement returned";
      plan.replay(batchEnd).forEach(s -> replay.add(s.render()));
      if (from.before(AdoptState.VERIFIED)) {
        steps.add(
            new PlannedStep(
                "catch up: replay logged changes in batches until at most "
                    + SMALL_LOG
                    + " are left",
                replay));
        List<String> verify = new ArrayList<>();
        verify.add("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;");
        plan.replay(null).forEach(s -> verify.add(s.render()));
        verify.add(fingerprint(plan, plan.table().name(), form).render());
        verify.add(fingerprint(plan, plan.newTable(), form).render());
        steps.add(
            new PlannedStep(
                "verify: replay and fingerprint both tables in one snapshot (they must be equal)",
                verify));
      }
      List<String> swap = new ArrayList<>();
      swap.add(AdoptPlanner.lockTimeout().render());
      swap.add(plan.lockOriginal().render());
      List<SqlStatement> last = plan.replay(null);
      swap.add(last.get(0).render());
      swap.add(last.get(1).render());
      swap.add(plan.loggedRowsFingerprint(plan.table().name(), rowHash(form)).render());
      swap.add(plan.loggedRowsFingerprint(plan.newTable(), rowHash(form)).render());
      plan.swap().forEach(s -> swap.add(s.render()));
      steps.add(
          new PlannedStep(
              "swap, in one transaction (retried up to "
                  + SWAP_ATTEMPTS
                  + " times while the lock is not available), after one more catch-up",
              swap));
      List<String> after = new ArrayList<>();
      plan.afterSwap().forEach(s -> after.add(s.render()));
      if (request.dropOld()) {
        after.add(plan.dropOld().render());
      }
      steps.add(new PlannedStep("after the swap", after));
      return steps;
    }
  }

  private static List<SqlStatement.Deferred> deferred(List<String> keys, String what) {
    List<SqlStatement.Deferred> values = new ArrayList<>();
    for (String key : keys) {
      values.add(() -> what + ": " + key);
    }
    return values;
  }

  static String rowHash(Fingerprints.Form form) {
    return form == Fingerprints.Form.TEXT
        ? "hashtextextended(r::text, 0)"
        : "hash_record_extended(r, 0)";
  }

  private static SqlStatement fingerprint(
      AdoptPlan plan, QualifiedName relation, Fingerprints.Form form) {
    return Fingerprints.statement(
        relation, plan.fingerprintColumns(), "false", new Object[0], form);
  }

  private static boolean currentVersion(Database db) {
    return db.queryOne(
            "SELECT to_regclass('strata.adoption') IS NOT NULL", row -> row.getBoolean(1))
        .orElse(false);
  }

  /** The request completed from an unfinished adoption's journal, or refused if it differs. */
  private static AdoptRequest effective(AdoptRequest request, Optional<Adoption> unfinished) {
    if (unfinished.isEmpty()) {
      return request;
    }
    Adoption adoption = unfinished.get();
    boolean differs =
        !adoption.partitionColumn().equals(request.column())
            || !adoption.interval().strip().equals(request.interval().strip())
            || request.keys().map(k -> k != adoption.keys()).orElse(false);
    if (differs) {
      throw new StrataException(
          ErrorCode.USAGE,
          "adoption "
              + adoption.id()
              + " of "
              + adoption.table().display()
              + " is unfinished (state "
              + adoption.state().label()
              + ") with --by "
              + adoption.partitionColumn()
              + " --interval '"
              + adoption.interval()
              + "' --keys "
              + adoption.keys().label(),
          "rerun with those options to resume it, or undo it with `strata adopt "
              + adoption.table().display()
              + " --abort`");
    }
    return new AdoptRequest(
        request.table(),
        request.column(),
        request.interval(),
        Optional.of(adoption.keys()),
        request.batchRows(),
        request.dropReferencingForeignKeys(),
        request.dropOld());
  }

  /** Adopts the table, or resumes its unfinished adoption from where it stopped. */
  public AdoptResult adopt(AdoptRequest request) {
    long started = System.nanoTime();
    try (Database db = new Database(Connections.COORDINATOR, connections.coordinator())) {
      JournalSchema.ensure(db);
      AdoptLock.acquire(db, request.table());
      Long id = null;
      try {
        Optional<Adoption> unfinished = AdoptJournal.unfinished(db, request.table());
        AdoptPlan plan = null;
        if (unfinished.isEmpty()) {
          Optional<Adoption> done = AdoptJournal.lastDone(db, request.table());
          if (done.isPresent() && isPartitioned(db, request.table())) {
            return finished(db, done.get(), request, started);
          }
          plan = AdoptPlanner.plan(db, request, true);
          id = AdoptJournal.insert(db, plan);
          Failpoints.hit("adopt.after_intent");
        } else {
          id = unfinished.get().id();
          if (unfinished.get().state().before(AdoptState.SWAPPED)) {
            plan = AdoptPlanner.plan(db, effective(request, unfinished), false);
          }
        }
        return run(db, id, plan, request, started);
      } catch (StrataException e) {
        if (id == null) {
          throw e;
        }
        AdoptJournal.error(db, id, e.getMessage());
        AdoptState state = AdoptJournal.get(db, id).state();
        throw new StrataException(
            e.code(),
            e.getMessage(),
            (e.hint() == null ? "" : e.hint() + "\n")
                + "adoption "
                + id
                + " stopped at state '"
                + state.label()
                + "'"
                + (state.before(AdoptState.SWAPPED)
                    ? ": "
                        + request.table().display()
                        + " is unchanged and still takes writes (captured). Rerun the same command"
                        + " to resume, or `strata adopt "
                        + request.table().display()
                        + " --abort` to undo"
                    : ": the partitioned table is in place; rerun the same command to finish"),
            e);
      } finally {
        AdoptLock.release(db, request.table());
      }
    }
  }

  private AdoptResult run(
      Database db, long id, AdoptPlan plan, AdoptRequest request, long started) {
    Adoption adoption = AdoptJournal.get(db, id);
    long copied = 0;
    long replayed = 0;
    long copyStarted = System.nanoTime();
    long copyNanos = 0;
    if (adoption.state() == AdoptState.PLANNED) {
      progress.step(id, "prepare: " + plan.newTable().display() + ", change log, capture triggers");
      retryingLocks(
          db,
          () ->
              db.inTransaction(
                  tx -> {
                    plan.prepare().forEach(tx::execute);
                    AdoptJournal.state(tx, id, AdoptState.PREPARED);
                    return null;
                  }));
      Failpoints.hit("adopt.after_prepare");
      adoption = AdoptJournal.get(db, id);
    }
    if (adoption.state() == AdoptState.PREPARED) {
      progress.step(id, "copy " + request.table().display() + " in key order");
      copied = copy(db, id, plan, adoption, request.batchRows());
      copyNanos = System.nanoTime() - copyStarted;
      Failpoints.hit("adopt.after_copy");
      adoption = AdoptJournal.get(db, id);
    }
    // Building indexes and fingerprinting both tables read the whole table in one statement
    // each: bounded like a move's copy, not by the default statement timeout.
    db.setStatementTimeout(BULK_STATEMENT_TIMEOUT);
    if (adoption.state() == AdoptState.COPIED) {
      progress.step(id, "indexes");
      db.inTransaction(
          tx -> {
            plan.indexes().forEach(tx::execute);
            AdoptJournal.state(tx, id, AdoptState.INDEXED);
            return null;
          });
      Failpoints.hit("adopt.after_indexes");
      adoption = AdoptJournal.get(db, id);
    }
    if (adoption.state() == AdoptState.INDEXED) {
      progress.step(id, "verify: replay changes, fingerprint both tables in one snapshot");
      replayed += catchUp(db, plan, request.batchRows());
      replayed += verify(db, id, plan);
      Failpoints.hit("adopt.after_verify");
      adoption = AdoptJournal.get(db, id);
    }
    db.setStatementTimeout(connections.config().timeouts().statement());
    if (adoption.state() == AdoptState.VERIFIED) {
      progress.step(id, "swap");
      replayed += swap(db, id, plan, request.batchRows());
      Failpoints.hit("adopt.after_swap");
      adoption = AdoptJournal.get(db, id);
    }
    if (adoption.state() == AdoptState.SWAPPED) {
      progress.step(id, "after the swap");
      for (String statement : adoption.afterSwap()) {
        db.execute(statement);
      }
      if (request.dropOld()) {
        dropOld(db, request.table());
      }
      AdoptJournal.state(db, id, AdoptState.DONE);
      Failpoints.hit("adopt.after_cleanup");
      adoption = AdoptJournal.get(db, id);
    }
    return result(
        db, adoption, request, plan, copied, replayed, Duration.ofNanos(copyNanos), started);
  }

  private static void dropOld(Database db, QualifiedName table) {
    QualifiedName old = AdoptNames.oldTable(table);
    boolean exists =
        db.queryOne("SELECT to_regclass(?) IS NOT NULL", row -> row.getBoolean(1), old.quoted())
            .orElse(false);
    if (exists) {
      db.execute(dropOldStatement(table));
    }
  }

  /** The statement that drops the original table kept aside. */
  public static SqlStatement dropOldStatement(QualifiedName table) {
    return SqlStatement.of("DROP TABLE " + AdoptNames.oldTable(table).quoted());
  }

  private AdoptResult finished(Database db, Adoption done, AdoptRequest request, long started) {
    if (request.dropOld()) {
      dropOld(db, request.table());
    }
    return new AdoptResult(
        Optional.of(
            request.table().display()
                + " was adopted by adoption "
                + done.id()
                + "; nothing to do"
                + (request.dropOld() ? " (its original copy is dropped)" : "")),
        done.id(),
        request.table(),
        done.state(),
        0,
        0,
        Duration.ZERO,
        Duration.ofNanos(System.nanoTime() - started),
        done.verifiedRows(),
        done.verifiedChecksum(),
        done.swapAttempts().orElse(0),
        done.swapMillis().orElse(0L),
        List.of(),
        done.droppedForeignKeys(),
        oldTable(db, request.table()),
        tablesEntry(request.table(), done.partitionColumn(), done.interval()));
  }

  private static Optional<QualifiedName> oldTable(Database db, QualifiedName table) {
    QualifiedName old = AdoptNames.oldTable(table);
    boolean exists =
        db.queryOne("SELECT to_regclass(?) IS NOT NULL", row -> row.getBoolean(1), old.quoted())
            .orElse(false);
    return exists ? Optional.of(old) : Optional.empty();
  }

  private AdoptResult result(
      Database db,
      Adoption adoption,
      AdoptRequest request,
      AdoptPlan plan,
      long copied,
      long replayed,
      Duration copy,
      long started) {
    return new AdoptResult(
        Optional.empty(),
        adoption.id(),
        request.table(),
        adoption.state(),
        copied,
        replayed,
        copy,
        Duration.ofNanos(System.nanoTime() - started),
        adoption.verifiedRows(),
        adoption.verifiedChecksum(),
        adoption.swapAttempts().orElse(0),
        adoption.swapMillis().orElse(0L),
        plan == null ? List.of() : plan.partitions(),
        adoption.droppedForeignKeys(),
        oldTable(db, request.table()),
        tablesEntry(request.table(), adoption.partitionColumn(), adoption.interval()));
  }

  /**
   * The {@code tables:} entry that puts the table under a policy, or, for a table partitioned by an
   * integer key (Strata's policies follow the clock), empty.
   */
  static String tablesEntry(QualifiedName table, String column, String interval) {
    try {
      dev.strata.config.Interval.parse(interval);
    } catch (IllegalArgumentException integerWidth) {
      return "";
    }
    return "tables:\n  "
        + table.display()
        + ":\n    partition_by: { column: "
        + column
        + ", interval: "
        + interval.strip()
        + " }\n    premake: 2";
  }

  private static boolean isPartitioned(Database db, QualifiedName table) {
    return db.queryOne(
            "SELECT c.relkind = 'p' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ?",
            row -> row.getBoolean(1),
            table.schema(),
            table.name())
        .orElse(false);
  }

  private long copy(Database db, long id, AdoptPlan plan, Adoption adoption, int batchRows) {
    long expected =
        db.queryOne(
                "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = ?",
                row -> row.getLong(1),
                plan.table().oid())
            .orElse(-1L);
    List<String> highWater = adoption.highWater().orElse(null);
    long alreadyCopied = adoption.copiedRows();
    long copied = 0;
    while (true) {
      List<String> from = highWater;
      Object[] batch =
          db.inTransaction(
              tx -> {
                SqlStatement endQuery = plan.nextBatchEnd(from, batchRows);
                Optional<List<String>> end =
                    tx.queryOne(
                        endQuery.sql(),
                        row -> {
                          List<String> values = new ArrayList<>();
                          for (int i = 1; i <= plan.trackingKey().size(); i++) {
                            values.add(row.getString(i));
                          }
                          return values;
                        },
                        endQuery.boundValues());
                if (end.isEmpty()) {
                  AdoptJournal.state(tx, id, AdoptState.COPIED);
                  return new Object[] {null, 0L};
                }
                long rows = tx.update(plan.copyBatch(from, end.get()));
                Failpoints.hit("adopt.copy_rows", rows);
                AdoptJournal.advance(tx, id, end.get(), rows);
                return new Object[] {end.get(), rows};
              });
      if (batch[0] == null) {
        return copied;
      }
      @SuppressWarnings("unchecked")
      List<String> end = (List<String>) batch[0];
      highWater = end;
      copied += (Long) batch[1];
      progress.copied(alreadyCopied + copied, expected);
    }
  }

  /** Replays logged changes in batches until few are left; returns how many were replayed. */
  private long catchUp(Database db, AdoptPlan plan, int batchRows) {
    long replayed = 0;
    long smallest = Long.MAX_VALUE;
    int roundsWithoutProgress = 0;
    for (int round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      long size = db.queryOne(plan.logSize().sql(), row -> row.getLong(1)).orElse(0L);
      if (size <= SMALL_LOG) {
        return replayed;
      }
      if (size < smallest) {
        smallest = size;
        roundsWithoutProgress = 0;
      } else if (++roundsWithoutProgress >= 3 && size <= STEADY_LOG) {
        return replayed;
      } else if (roundsWithoutProgress >= STALLED_ROUNDS) {
        break;
      }
      replayed +=
          db.inTransaction(
              tx -> {
                tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
                SqlStatement endQuery = plan.replayBatchEnd(batchRows);
                long end =
                    tx.queryOne(endQuery.sql(), row -> row.getLong(1), endQuery.boundValues())
                        .orElse(0L);
                List<SqlStatement> replay = plan.replay(end);
                tx.update(replay.get(0));
                tx.update(replay.get(1));
                return (long) tx.update(replay.get(2));
              });
    }
    throw new StrataException(
        ErrorCode.CHECK_FAILED,
        "the change log of "
            + plan.table().name().display()
            + " keeps growing faster than Strata replays it (no progress in "
            + STALLED_ROUNDS
            + " batches of replay)",
        "rerun when the write rate is lower: the rerun resumes here, and the table keeps working"
            + " meanwhile");
  }

  /** Replays everything and fingerprints both tables in one snapshot; records them. */
  private long verify(Database db, long id, AdoptPlan plan) {
    List<Column> columns = plan.fingerprintColumns();
    Fingerprints.Form form = Fingerprints.formFor(db, columns);
    return db.inTransaction(
        tx -> {
          tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
          List<SqlStatement> replay = plan.replay(null);
          tx.update(replay.get(0));
          tx.update(replay.get(1));
          long replayed = tx.update(replay.get(2));
          if (form == Fingerprints.Form.TEXT) {
            for (String setting : Fingerprints.SESSION_SETTINGS) {
              tx.execute(setting);
            }
          }
          Fingerprint original = fingerprint(tx, plan.table().name(), columns, form);
          Fingerprint adopted = fingerprint(tx, plan.newTable(), columns, form);
          if (!original.sameRowsAs(adopted)) {
            throw new StrataException(
                ErrorCode.CHECK_FAILED,
                "verification failed: "
                    + plan.table().name().display()
                    + " has "
                    + original
                    + " but "
                    + plan.newTable().display()
                    + " has "
                    + adopted
                    + " in the same snapshot",
                "nothing was swapped; `strata adopt "
                    + plan.table().name().display()
                    + " --abort` removes the new table");
          }
          AdoptJournal.verified(tx, id, original.rows(), original.checksum());
          return replayed;
        });
  }

  private static Fingerprint fingerprint(
      Database tx, QualifiedName table, List<Column> columns, Fingerprints.Form form) {
    SqlStatement statement = Fingerprints.statement(table, columns, "false", new Object[0], form);
    return tx.queryOne(statement.sql(), Fingerprints::read, statement.boundValues()).orElseThrow();
  }

  private long swap(Database db, long id, AdoptPlan plan, int batchRows) {
    List<Column> columns = plan.fingerprintColumns();
    Fingerprints.Form form = Fingerprints.formFor(db, columns);
    String rowHash = rowHash(form);
    long replayed = 0;
    long backoff = 50;
    for (int attempt = 1; ; attempt++) {
      replayed += catchUp(db, plan, batchRows);
      int attemptNumber = attempt;
      try {
        long[] figures =
            db.inTransaction(
                tx -> {
                  long start = System.nanoTime();
                  tx.execute(AdoptPlanner.lockTimeout());
                  tx.execute(plan.lockOriginal());
                  if (form == Fingerprints.Form.TEXT) {
                    for (String setting : Fingerprints.SESSION_SETTINGS) {
                      tx.execute(setting);
                    }
                  }
                  List<SqlStatement> replay = plan.replay(null);
                  tx.update(replay.get(0));
                  long rows = tx.update(replay.get(1));
                  SqlStatement before = plan.loggedRowsFingerprint(plan.table().name(), rowHash);
                  SqlStatement after = plan.loggedRowsFingerprint(plan.newTable(), rowHash);
                  String original = tx.queryOne(before.sql(), TableAdopter::figures).orElseThrow();
                  String adopted = tx.queryOne(after.sql(), TableAdopter::figures).orElseThrow();
                  if (!original.equals(adopted)) {
                    throw new StrataException(
                        ErrorCode.CHECK_FAILED,
                        "verification failed at the swap: the rows changed since the last"
                            + " verification differ ("
                            + original
                            + " vs "
                            + adopted
                            + ")",
                        "nothing was swapped");
                  }
                  plan.swap().forEach(tx::execute);
                  long millis = (System.nanoTime() - start) / 1_000_000;
                  AdoptJournal.swapped(tx, id, attemptNumber, millis);
                  Failpoints.hit("adopt.before_swap_commit");
                  return new long[] {rows, millis};
                });
        return replayed + figures[0];
      } catch (StrataException e) {
        boolean lockTimeout =
            e.getCause() instanceof SQLException sql
                && SqlStates.LOCK_NOT_AVAILABLE.equals(sql.getSQLState());
        if (!lockTimeout) {
          throw e;
        }
        if (attempt >= SWAP_ATTEMPTS) {
          throw new StrataException(
              ErrorCode.TIMEOUT,
              "could not lock "
                  + plan.table().name().display()
                  + " for the swap within "
                  + SWAP_ATTEMPTS
                  + " attempts of "
                  + AdoptPlanner.LOCK_TIMEOUT
                  + ": long transactions keep using it",
              "retry when they have finished (see pg_stat_activity)",
              e);
        }
        sleep(backoff);
        backoff = Math.min(2000, backoff * 2);
      }
    }
  }

  private static String figures(java.sql.ResultSet row) throws SQLException {
    return row.getLong(1) + "/" + row.getBigDecimal(2);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException(ErrorCode.INTERNAL, "interrupted", null, e);
    }
  }

  /** Runs a DDL transaction, retrying while its lock is not available within lock_timeout. */
  private static void retryingLocks(Database db, Runnable work) {
    long backoff = 50;
    for (int attempt = 1; ; attempt++) {
      try {
        work.run();
        return;
      } catch (StrataException e) {
        boolean lockTimeout =
            e.getCause() instanceof SQLException sql
                && SqlStates.LOCK_NOT_AVAILABLE.equals(sql.getSQLState());
        if (!lockTimeout || attempt >= SWAP_ATTEMPTS) {
          throw e;
        }
        sleep(backoff);
        backoff = Math.min(2000, backoff * 2);
      }
    }
  }

  /** Undoes an unfinished adoption before its swap: the original table is left as it was. */
  public AdoptResult abort(QualifiedName table) {
    long started = System.nanoTime();
    try (Database db = new Database(Connections.COORDINATOR, connections.coordinator())) {
      JournalSchema.ensure(db);
      AdoptLock.acquire(db, table);
      try {
        Adoption adoption = unfinishedOrRefuse(db, table);
        List<SqlStatement> statements = AdoptPlanner.abortStatements(table, adoption.tableOid());
        retryingLocks(
            db,
            () ->
                db.inTransaction(
                    tx -> {
                      statements.forEach(tx::execute);
                      AdoptJournal.state(tx, adoption.id(), AdoptState.ABORTED);
                      return null;
                    }));
        return new AdoptResult(
            Optional.empty(),
            adoption.id(),
            table,
            AdoptState.ABORTED,
            0,
            0,
            Duration.ZERO,
            Duration.ofNanos(System.nanoTime() - started),
            Optional.empty(),
            Optional.empty(),
            0,
            0,
            List.of(),
            List.of(),
            Optional.empty(),
            "");
      } finally {
        AdoptLock.release(db, table);
      }
    }
  }

  /**
   * Drops the original table kept aside by a finished adoption; returns it, or empty when it was
   * already dropped.
   */
  public Optional<QualifiedName> dropOld(QualifiedName table, boolean dryRun) {
    try (Database db = new Database(Connections.COORDINATOR, connections.coordinator())) {
      Optional<Adoption> done =
          currentVersion(db) ? AdoptJournal.lastDone(db, table) : Optional.empty();
      if (done.isEmpty() || !isPartitioned(db, table)) {
        throw new StrataException(
            ErrorCode.INVALID_TARGET,
            "no finished adoption of " + table.display() + ": there is no original to drop",
            "an unfinished adoption drops it when it finishes if run with --drop-old. Nothing"
                + " was changed.");
      }
      Optional<QualifiedName> old = oldTable(db, table);
      if (old.isPresent() && !dryRun) {
        dropOld(db, table);
      }
      return old;
    }
  }

  /** The statements {@link #abort} would run. */
  public List<String> planAbort(QualifiedName table) {
    try (Database db = new Database(Connections.COORDINATOR, connections.coordinator())) {
      if (!currentVersion(db)) {
        throw noAdoption(table);
      }
      Adoption adoption = unfinishedOrRefuse(db, table);
      List<String> lines = new ArrayList<>();
      AdoptPlanner.abortStatements(table, adoption.tableOid()).forEach(s -> lines.add(s.render()));
      return lines;
    }
  }

  private static Adoption unfinishedOrRefuse(Database db, QualifiedName table) {
    Adoption adoption = AdoptJournal.unfinished(db, table).orElseThrow(() -> noAdoption(table));
    if (!adoption.state().before(AdoptState.SWAPPED)) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "adoption "
              + adoption.id()
              + " of "
              + table.display()
              + " has already swapped: "
              + table.display()
              + " is the partitioned table, and the original is kept as "
              + AdoptNames.oldTable(table).display(),
          "rerun `strata adopt` with the same options to finish it. Nothing was changed.");
    }
    return adoption;
  }

  private static StrataException noAdoption(QualifiedName table) {
    return new StrataException(
        ErrorCode.INVALID_TARGET,
        "no unfinished adoption of " + table.display(),
        "`strata adopt` without --abort starts one. Nothing was changed.");
  }
}
