package dev.strata.mirror;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.config.MirrorConfig;
import dev.strata.config.MirrorConfig.Mode;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.Failpoints;
import dev.strata.operation.JournalSchema;
import dev.strata.sql.Identifiers;
import dev.strata.sql.SqlStatement;
import dev.strata.verify.Fingerprint;
import dev.strata.verify.Fingerprints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.util.PGobject;

/**
 * Refreshes mirrors. Every refresh of a {@code table}, {@code incremental} or {@code matview}
 * mirror is one transaction on the coordinator that reads the source through the mirror's proxy
 * (one remote snapshot: postgres_fdw keeps one remote transaction per local one), changes the copy,
 * and records the outcome in {@code strata.mirror}; the copy and its recorded state commit together
 * or not at all. A refresh that fails (the source down or stalled, a timeout, a changed shape)
 * leaves the previous copy as it was, readable throughout, and records the error for {@code mirror
 * status} and doctor.
 *
 * <p>Every statement is bounded by the mirror's {@code timeout}, and waiting for a lock by {@code
 * timeouts.lock}.
 */
public final class MirrorRefresher {
  private final Connections connections;

  public MirrorRefresher(Connections connections) {
    this.connections = connections;
  }

  /**
   * @param full read the whole source even where a watermark allows less
   * @param verify fingerprint the refreshed copy and the source it was read from, in the refresh's
   *     own transaction, and commit only if they are equal
   */
  public record Options(boolean full, boolean verify) {
    public static final Options DEFAULT = new Options(false, false);
  }

  /**
   * The outcome of one refresh.
   *
   * @param rows the copy's rows afterwards
   * @param changed rows inserted, updated or deleted; empty where PostgreSQL does not say (a
   *     matview refresh)
   * @param full whether the whole source was read
   * @param verification the copy's and the source's fingerprints, when asked for
   * @param notes what else happened: a followed schema change, a plain matview refresh
   */
  public record Result(
      String mirror,
      String mode,
      boolean full,
      long rows,
      Optional<Long> changed,
      Duration duration,
      Optional<Verification> verification,
      List<String> notes) {}

  /** Both sides' fingerprints, taken at one point. */
  public record Verification(Fingerprint mirror, Fingerprint source) {
    public boolean equal() {
      return mirror.sameRowsAs(source);
    }
  }

  /** What a refresh will run, for a dry run: the statements of its transaction, in order. */
  public List<SqlStatement> plan(Mirrors.Resolved resolved, Options options) {
    try (Database coordinator = coordinator()) {
      return work(coordinator, resolved, options, false).statements();
    }
  }

  /** What the first refresh of a mirror not created yet will run, for dry runs of its creation. */
  public List<SqlStatement> planFirstFill(Mirrors.Resolved resolved) {
    try (Database coordinator = coordinator()) {
      return work(coordinator, resolved, new Options(true, false), true).statements();
    }
  }

  public Result refresh(Mirrors.Resolved resolved, Options options) {
    Mirror mirror = resolved.mirror();
    try (Database coordinator = coordinator()) {
      JournalSchema.ensure(coordinator);
      Work work;
      try {
        work = work(coordinator, resolved, options, false);
      } catch (StrataException e) {
        StrataException failure = sourceFailure(mirror, e);
        recordFailure(mirror, failure);
        throw failure;
      }
      coordinator.execute(
          "UPDATE strata.mirror SET last_started_at = clock_timestamp() WHERE schema_name = ? AND"
              + " name = ?",
          mirror.name().schema(),
          mirror.name().name());
      long started = System.nanoTime();
      try {
        Optional<Fingerprints.Form> form =
            options.verify()
                ? Optional.of(Fingerprints.formFor(coordinator, resolved.columns()))
                : Optional.empty();
        coordinator.setStatementTimeout(mirror.config().timeout());
        Result result =
            coordinator.inTransaction(
                db -> {
                  long changed = 0;
                  long added = 0;
                  for (int i = 0; i < work.statements().size(); i++) {
                    SqlStatement statement = work.statements().get(i);
                    Failpoints.hit("mirror.before_statement." + i);
                    if (work.tallied().contains(statement)) {
                      // An incremental upsert says how many rows it wrote and how many of them
                      // were new; a delete counts negative.
                      long[] tally =
                          db.queryOne(
                                  statement.sql(),
                                  row -> new long[] {row.getLong(1), row.getLong(2)},
                                  statement.boundValues())
                              .orElseThrow();
                      changed += tally[0];
                      added += tally[1];
                    } else if (work.counted().contains(statement)) {
                      long count = db.update(statement);
                      changed += count;
                      added -= count;
                    } else {
                      db.execute(statement);
                    }
                  }
                  Failpoints.hit("mirror.before_commit");
                  // An incremental refresh knows the copy's size from the last one's; counting a
                  // large copy again would cost more than reading a small change.
                  long rows =
                      work.rowsBefore().isPresent()
                          ? work.rowsBefore().get() + added
                          : db.queryOne(
                                  "SELECT count(*) FROM " + mirror.name().quoted(),
                                  row -> row.getLong(1))
                              .orElse(0L);
                  Optional<String> watermark = newWatermark(db, resolved, work, work.before());
                  Optional<Verification> verification = Optional.empty();
                  if (options.verify()) {
                    verification = Optional.of(fingerprints(db, resolved, form.orElseThrow()));
                    if (!verification.get().equal()) {
                      throw new StrataException(
                          ErrorCode.CHECK_FAILED,
                          "mirror "
                              + mirror.display()
                              + " differs from its source after the refresh: mirror "
                              + verification.get().mirror()
                              + ", source "
                              + verification.get().source()
                              + "; the refresh was rolled back",
                          "run strata mirror refresh "
                              + mirror.display()
                              + " --full, and report it if it persists");
                    }
                  }
                  Duration duration = Duration.ofNanos(System.nanoTime() - started);
                  Optional<Long> changedRows =
                      work.counted().isEmpty() && work.tallied().isEmpty()
                          ? Optional.empty()
                          : Optional.of(changed);
                  db.execute(
                      "UPDATE strata.mirror SET refreshes = refreshes + 1, last_success_at = now(),"
                          + " last_duration_ms = ?, last_rows = ?, last_changed = ?, last_error ="
                          + " NULL, last_error_at = NULL, watermark = ? WHERE schema_name = ? AND"
                          + " name = ?",
                      duration.toMillis(),
                      rows,
                      changedRows.orElse(null),
                      watermark.orElse(null),
                      mirror.name().schema(),
                      mirror.name().name());
                  return new Result(
                      mirror.display(),
                      mirror.mode().label(),
                      work.full(),
                      rows,
                      changedRows,
                      duration,
                      verification,
                      work.notes());
                });
        return result;
      } catch (StrataException e) {
        StrataException failure = sourceFailure(mirror, e);
        recordFailure(mirror, failure);
        throw failure;
      }
    }
  }

  /**
   * A refresh reads its source through the coordinator's foreign server, so a source that stopped
   * answering, or a path to it that broke, shows as the coordinator's error: a statement timeout,
   * or a closed connection. Says that it was the source, and which bound ended the wait.
   */
  static StrataException sourceFailure(Mirror mirror, StrataException e) {
    if (!e.getMessage().startsWith("on server " + dev.strata.connect.Connections.COORDINATOR + ":")
        || !(e.code() == ErrorCode.TIMEOUT || e.code() == ErrorCode.CONNECTION)) {
      return e;
    }
    String source = mirror.config().server();
    String what =
        e.code() == ErrorCode.TIMEOUT
            ? "got no answer from its source "
                + source
                + " within the mirror's timeout ("
                + dev.strata.config.Durations.format(mirror.config().timeout())
                + ", mirrors."
                + mirror.config().entry()
                + ".timeout)"
            : "lost its connection to its source " + source;
    return new StrataException(
        e.code(),
        "the refresh of mirror " + mirror.display() + " " + what + ": " + e.getMessage(),
        "check that server "
            + source
            + " is running and that the coordinator reaches it; readers keep the previous copy,"
            + " and the next refresh catches up",
        e);
  }

  /** The refresh's statements, and which of them count changed rows. */
  /**
   * The refresh's statements. {@code counted} return the rows they changed (deletes among them only
   * in incremental refreshes); {@code tallied} (an incremental upsert) return rows written and rows
   * new; {@code before} is the watermark the refresh started from, {@code rowsBefore} the copy's
   * rows after the last refresh, when this one changes only what it counts.
   */
  private record Work(
      List<SqlStatement> statements,
      List<SqlStatement> counted,
      List<SqlStatement> tallied,
      boolean full,
      Optional<String> watermarkType,
      List<String> notes,
      Optional<String> before,
      Optional<Long> rowsBefore) {
    Work(
        List<SqlStatement> statements,
        List<SqlStatement> counted,
        boolean full,
        Optional<String> watermarkType,
        List<String> notes) {
      this(
          statements,
          counted,
          List.of(),
          full,
          watermarkType,
          notes,
          Optional.empty(),
          Optional.empty());
    }
  }

  /**
   * @param firstFill plan the first refresh of a mirror its creation has not made yet: a full read,
   *     nothing to compare with
   */
  private Work work(
      Database coordinator, Mirrors.Resolved resolved, Options options, boolean firstFill) {
    Mirror mirror = resolved.mirror();
    if (firstFill) {
      return fill(coordinator, resolved, true, new ArrayList<>(), new ArrayList<>(), false);
    }
    CatalogReader catalog = new CatalogReader(coordinator);
    Optional<MirrorState> state = MirrorState.find(coordinator, mirror.name());
    Optional<List<Column>> proxyColumns = catalog.tableColumns(mirror.proxy());
    if (state.isEmpty()
        || proxyColumns.isEmpty()
        || catalog.findRelation(mirror.name()).isEmpty()) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          "mirror " + mirror.display() + " has not been created yet",
          "run strata apply (or strata apply --only mirror) to create it");
    }
    if (!state.get().mode().equals(mirror.mode().label())) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          "mirror "
              + mirror.display()
              + " was made in mode "
              + state.get().mode()
              + ", and the configuration now says "
              + mirror.mode().label(),
          "run strata apply: it remakes the mirror in the new mode");
    }
    List<SqlStatement> statements = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    SchemaChange change = SchemaChange.between(proxyColumns.get(), resolved.columns());
    boolean full = options.full() || mirror.mode() != Mode.INCREMENTAL;
    if (!change.isEmpty()) {
      if (mirror.config().onSchemaChange() == MirrorConfig.OnSchemaChange.FAIL) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "the source of mirror "
                + mirror.display()
                + " ("
                + mirror.remote().display()
                + " on "
                + mirror.server()
                + ") changed shape: "
                + change.describe()
                + "; the previous copy is kept",
            "set mirrors."
                + mirror.config().entry()
                + ".on_schema_change: follow to let the copy follow, or change the source back");
      }
      for (String column : change.removedOrRetyped()) {
        if (resolved.key().contains(column) || state.get().key().contains(column)) {
          throw new StrataException(
              ErrorCode.CHECK_FAILED,
              "the source of mirror "
                  + mirror.display()
                  + " changed its key column "
                  + column
                  + " ("
                  + change.describe()
                  + "); following it would change what identifies a row",
              "drop the mirror from the configuration and add it again (strata apply remakes it)");
        }
      }
      statements.addAll(followStatements(resolved, state.get(), change));
      notes.add("followed a change of the source's columns: " + change.describe());
      full = true;
    }
    boolean populated =
        mirror.mode() == Mode.MATVIEW
            && coordinator
                .queryOne(
                    "SELECT relispopulated FROM pg_catalog.pg_class WHERE oid = ?::regclass",
                    row -> row.getBoolean(1),
                    mirror.name().quoted())
                .orElse(false);
    if (!full && state.get().watermark().isPresent()) {
      return incremental(coordinator, resolved, state.get(), statements, notes);
    }
    return fill(coordinator, resolved, !populated || !change.isEmpty(), statements, notes, true);
  }

  /**
   * A refresh that reads the whole source.
   *
   * @param firstFill a matview not filled yet (or just remade) gets a plain REFRESH
   */
  private Work fill(
      Database coordinator,
      Mirrors.Resolved resolved,
      boolean firstFill,
      List<SqlStatement> statements,
      List<String> notes,
      boolean exists) {
    Mirror mirror = resolved.mirror();
    switch (mirror.mode()) {
      case MATVIEW -> {
        boolean concurrently = !firstFill && !resolved.key().isEmpty();
        if (!concurrently) {
          notes.add(
              firstFill
                  ? "first fill: a plain REFRESH"
                  : "plain REFRESH: readers waited for it (the matview has no unique key)");
        }
        statements.add(MirrorStatements.refreshMatview(mirror, concurrently));
        return new Work(statements, List.of(), true, Optional.empty(), notes);
      }
      case REPLICA -> {
        notes.add("a replica follows the source continuously; nothing to copy");
        return new Work(statements, List.of(), false, Optional.empty(), notes);
      }
      default -> {}
    }
    List<SqlStatement> counted = new ArrayList<>();
    Optional<String> watermarkType = watermarkType(coordinator, resolved);
    statements.add(MirrorStatements.createRows(mirror));
    statements.add(MirrorStatements.loadRows(mirror, resolved.columns(), ""));
    statements.add(MirrorStatements.analyze(MirrorStatements.ROWS));
    if (resolved.key().isEmpty()) {
      List<SqlStatement> replace = MirrorStatements.replaceAll(mirror, resolved.columns());
      statements.addAll(replace);
      counted.add(replace.get(1));
      notes.add("no key: every row was replaced");
      return new Work(statements, counted, true, watermarkType, notes);
    }
    if (exists) {
      counted(
          statements,
          counted,
          MirrorStatements.deleteMissing(mirror, resolved.key(), MirrorStatements.ROWS));
    }
    counted(statements, counted, upsert(coordinator, resolved, false));
    return new Work(statements, counted, true, watermarkType, notes);
  }

  /** An incremental refresh: rows at or past the watermark (less the lookback), upserted. */
  private Work incremental(
      Database coordinator,
      Mirrors.Resolved resolved,
      MirrorState state,
      List<SqlStatement> statements,
      List<String> notes) {
    Mirror mirror = resolved.mirror();
    String column = mirror.config().watermark().orElseThrow();
    String type = watermarkType(coordinator, resolved).orElseThrow();
    String lower = state.watermark().orElseThrow();
    Duration lookback = mirror.config().lookback();
    if (Mirrors.WatermarkKind.of(columnType(resolved, column)).orElseThrow()
            == Mirrors.WatermarkKind.TIME
        && !lookback.isZero()) {
      lower =
          coordinator
              .queryOne(
                  "SELECT (CAST(? AS " + Identifiers.quote(type) + ") - CAST(? AS interval))::text",
                  row -> row.getString(1),
                  lower,
                  lookback.toMillis() + " milliseconds")
              .orElseThrow();
    }
    // Bound with the column's own type, so postgres_fdw sends the condition to the source and
    // only the rows past the watermark travel.
    PGobject bound = new PGobject();
    try {
      bound.setType(type);
      bound.setValue(lower);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    List<SqlStatement> counted = new ArrayList<>();
    statements.add(MirrorStatements.createRows(mirror));
    // Not analyzed: the upsert looks each row up by key, whatever their number.
    statements.add(
        MirrorStatements.loadRows(
            mirror, resolved.columns(), Identifiers.quote(column) + " >= ?", bound));
    SqlStatement upsert = MirrorStatements.tallied(upsert(coordinator, resolved, true));
    statements.add(upsert);
    if (mirror.config().detectDeletes()) {
      statements.add(MirrorStatements.loadKeys(mirror, resolved.key()));
      statements.add(MirrorStatements.analyze(MirrorStatements.KEYS));
      counted(
          statements,
          counted,
          MirrorStatements.deleteMissing(mirror, resolved.key(), MirrorStatements.KEYS));
    }
    return new Work(
        statements,
        counted,
        List.of(upsert),
        false,
        Optional.of(type),
        notes,
        state.watermark(),
        state.lastRows());
  }

  /** A statement whose row count is the rows it changed. */
  private static void counted(
      List<SqlStatement> statements, List<SqlStatement> counted, SqlStatement statement) {
    statements.add(statement);
    counted.add(statement);
  }

  private static SqlStatement upsert(
      Database coordinator, Mirrors.Resolved resolved, boolean fewRows) {
    return MirrorStatements.upsert(
        resolved.mirror(),
        resolved.columns(),
        resolved.key(),
        textCompared(coordinator, resolved.columns()),
        fewRows);
  }

  private static Optional<String> watermarkType(Database coordinator, Mirrors.Resolved resolved) {
    Optional<String> watermark = resolved.mirror().config().watermark();
    if (resolved.mirror().mode() != Mode.INCREMENTAL || watermark.isEmpty()) {
      return Optional.empty();
    }
    return coordinator.queryOne(
        "SELECT t.typname FROM pg_catalog.pg_type t WHERE t.oid = to_regtype(?)",
        row -> row.getString(1),
        columnType(resolved, watermark.get()));
  }

  private static String columnType(Mirrors.Resolved resolved, String column) {
    return resolved.source().column(column).map(Column::type).orElseThrow();
  }

  /**
   * After a refresh of an incremental mirror: the largest watermark read, and never less than the
   * one before unless the whole source was read.
   */
  private static Optional<String> newWatermark(
      Database db, Mirrors.Resolved resolved, Work work, Optional<String> before) {
    if (work.watermarkType().isEmpty()) {
      return Optional.empty();
    }
    String column = Identifiers.quote(resolved.mirror().config().watermark().orElseThrow());
    return db.queryOne(
            "SELECT greatest(max("
                + column
                + "), CAST(? AS "
                + Identifiers.quote(work.watermarkType().get())
                + "))::text FROM "
                + MirrorStatements.ROWS,
            row -> Optional.ofNullable(row.getString(1)),
            work.full() ? null : before.orElse(null))
        .orElse(Optional.empty());
  }

  /** Columns whose type has no default btree equality (json, point, ...): compared as text. */
  private static List<String> textCompared(Database coordinator, List<Column> columns) {
    return coordinator.query(
        """
        SELECT c.name FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS c(name, type, position)
          JOIN pg_catalog.pg_type t ON t.oid = to_regtype(c.type)
        WHERE NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_opclass o JOIN pg_catalog.pg_am m ON m.oid = o.opcmethod
            WHERE m.amname = 'btree' AND o.opcdefault
              AND (o.opcintype = t.oid
                OR (t.typcategory = 'A' AND o.opcintype = 'anyarray'::regtype)
                OR (t.typtype = 'e' AND o.opcintype = 'anyenum'::regtype)
                OR (t.typtype = 'd' AND o.opcintype = t.typbasetype)
                OR (t.typtype = 'c' AND o.opcintype = 'record'::regtype)
                OR (t.typcategory = 'S' AND o.opcintype = 'text'::regtype)))
        ORDER BY c.position""",
        row -> row.getString(1),
        columns.stream().map(Column::name).toArray(String[]::new),
        columns.stream().map(Column::type).toArray(String[]::new));
  }

  /** The statements that make the copy and its proxy match the source's new columns. */
  private static List<SqlStatement> followStatements(
      Mirrors.Resolved resolved, MirrorState state, SchemaChange change) {
    Mirror mirror = resolved.mirror();
    List<SqlStatement> statements = new ArrayList<>();
    if (mirror.mode() == Mode.MATVIEW) {
      // A matview's query names its columns: it is made again over the new proxy.
      statements.add(MirrorStatements.dropLocal(mirror.name(), Mode.MATVIEW.label()));
      statements.add(MirrorStatements.dropProxy(mirror));
      statements.add(MirrorStatements.createProxy(mirror, resolved.columns()));
      statements.addAll(MirrorSetup.localObject(resolved));
      return statements;
    }
    statements.add(MirrorStatements.dropProxy(mirror));
    statements.add(MirrorStatements.createProxy(mirror, resolved.columns()));
    for (String column : change.removedOrRetyped()) {
      statements.add(
          SqlStatement.of(
              "ALTER TABLE "
                  + mirror.name().quoted()
                  + " DROP COLUMN "
                  + Identifiers.quote(column)));
    }
    for (Column column : change.addedOrRetyped()) {
      // Nullable here: the copy's existing rows get their values from the refresh that follows.
      statements.add(
          SqlStatement.of(
              "ALTER TABLE "
                  + mirror.name().quoted()
                  + " ADD COLUMN "
                  + Identifiers.quote(column.name())
                  + " "
                  + column.type()));
    }
    return statements;
  }

  /**
   * The copy's fingerprint and its source's, in one transaction (the caller's): the copy as this
   * transaction sees it, the source through the proxy in the remote snapshot postgres_fdw holds for
   * the transaction.
   *
   * @param form from {@link Fingerprints#formFor}, asked before the transaction (its probe fails
   *     for types without an extended hash, which would abort it)
   */
  static Verification fingerprints(Database db, Mirrors.Resolved resolved, Fingerprints.Form form) {
    Mirror mirror = resolved.mirror();
    List<Column> columns = resolved.columns();
    if (form == Fingerprints.Form.TEXT) {
      for (String setting : Fingerprints.SESSION_SETTINGS) {
        db.execute(setting);
      }
    }
    SqlStatement local =
        Fingerprints.statement(mirror.name(), columns, "false", new Object[0], form);
    SqlStatement source =
        Fingerprints.statement(mirror.proxy(), columns, "false", new Object[0], form);
    Fingerprint mine =
        db.queryOne(local.sql(), Fingerprints::read, local.boundValues()).orElseThrow();
    Fingerprint theirs =
        db.queryOne(source.sql(), Fingerprints::read, source.boundValues()).orElseThrow();
    return new Verification(mine, theirs);
  }

  /**
   * Records a failed refresh on a connection of its own: the refresh's may be the one that broke.
   */
  private void recordFailure(Mirror mirror, StrataException e) {
    try (Database coordinator = coordinator()) {
      coordinator.execute(
          "UPDATE strata.mirror SET last_error = ?, last_error_at = clock_timestamp() WHERE"
              + " schema_name = ? AND name = ?",
          e.getMessage(),
          mirror.name().schema(),
          mirror.name().name());
    } catch (StrataException ignored) {
      // The coordinator itself failed; the error reaches the caller anyway.
      e.addSuppressed(ignored);
    }
  }

  private Database coordinator() {
    return new Database(Connections.COORDINATOR, connections.coordinator());
  }
}
