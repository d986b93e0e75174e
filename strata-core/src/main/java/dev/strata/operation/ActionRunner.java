package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.connect.ForeignServerProbe;
import dev.strata.sql.SqlStatement;
import dev.strata.verify.Fingerprint;
import dev.strata.verify.Fingerprints;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes {@link Action}s: the only way a move reaches a server. It opens the sessions the actions
 * name (bulk sessions with the long statement bound), runs transactions (retrying those that say so
 * on lock timeouts), checks expectations, keeps the fingerprints it measures, relays copies, and
 * tells an observer every statement it runs, so tests can hold what ran against what the dry run
 * printed.
 *
 * <p>A failed check throws {@link CheckFailed} with its {@link Action.Failure}; what that means for
 * the operation (roll back, reverse, report) is the caller's to decide.
 */
final class ActionRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ActionRunner.class);
  private static volatile Consumer<Executed> observer;

  /** A statement as it ran: the session and the statement with its values bound. */
  record Executed(Session session, SqlStatement statement) {}

  /** A check that did not hold. */
  static final class CheckFailed extends StrataException {
    private final Action.Failure failure;

    CheckFailed(Action.Failure failure, String message) {
      super(ErrorCode.CHECK_FAILED, message);
      this.failure = failure;
    }

    Action.Failure failure() {
      return failure;
    }
  }

  private final Connections connections;
  private final Database control;
  private final Supplier<Operation> operation;
  private final MoveProgress progress;
  private final Duration bulkStatementTimeout;
  private final Map<Session, Database> sessions = new ConcurrentHashMap<>();
  private final Map<Action.Slot, Fingerprint> measured =
      java.util.Collections.synchronizedMap(new EnumMap<>(Action.Slot.class));
  private final AtomicLong rows = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private volatile long expectedRows = -1;

  /**
   * @param control the coordinator session that holds the operation's lock ({@link
   *     Session#CONTROL})
   * @param operation the operation as the journal has it now (expectations read it)
   */
  ActionRunner(
      Connections connections,
      Database control,
      Supplier<Operation> operation,
      MoveProgress progress,
      Duration bulkStatementTimeout) {
    this.connections = connections;
    this.control = control;
    this.operation = operation;
    this.progress = progress;
    this.bulkStatementTimeout = bulkStatementTimeout;
    sessions.put(Session.CONTROL, control);
  }

  /** Tells {@code listener} every statement any runner executes, until closed. For tests. */
  static Failpoints.Observation observe(Consumer<Executed> listener) {
    observer = listener;
    return () -> observer = null;
  }

  /** Rows and bytes relayed so far by this runner. */
  long rowsCopied() {
    return rows.get();
  }

  long bytesCopied() {
    return bytes.get();
  }

  /** The planner's estimate of the rows to copy, for progress. */
  void expectRows(long estimate) {
    expectedRows = estimate;
  }

  /** A fingerprint measured by this runner. */
  Optional<Fingerprint> measured(Action.Slot slot) {
    return Optional.ofNullable(measured.get(slot));
  }

  void run(List<Action> actions) {
    for (Action action : actions) {
      run(action);
    }
  }

  private void run(Action action) {
    long started = LOG.isDebugEnabled() ? System.nanoTime() : 0;
    runTimed(action);
    if (LOG.isDebugEnabled()
        && !(action instanceof Action.Transaction)
        && !(action instanceof Action.Parallel)) {
      LOG.debug(
          "{} ms: {}",
          String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e6),
          ActionText.summary(action));
    }
  }

  private void runTimed(Action action) {
    if (action instanceof Action.Run run) {
      execute(run.session(), run.statement());
    } else if (action instanceof Action.Expect expect) {
      expect(expect);
    } else if (action instanceof Action.Measure measure) {
      measure(measure);
    } else if (action instanceof Action.Compare compare) {
      compare(compare);
    } else if (action instanceof Action.Transaction transaction) {
      transaction(transaction);
    } else if (action instanceof Action.Parallel parallel) {
      parallel(parallel);
    } else if (action instanceof Action.Relay relay) {
      relay(relay);
    } else if (action instanceof Action.IfTable ifTable) {
      ifTable(ifTable);
    } else if (action instanceof Action.Probe probe) {
      probe(probe);
    } else if (action instanceof Action.BestEffort bestEffort) {
      bestEffort(bestEffort);
    } else if (action instanceof Action.Point point) {
      Failpoints.hit(point.name());
    } else if (action instanceof Action.Await await) {
      await(await.session(), await.condition(), await.bound(), await.what(), await.alive());
    } else if (action instanceof Action.CatchUp catchUp) {
      catchUp(catchUp);
    } else if (action instanceof Action.Choose choose) {
      SqlStatement condition = bind(choose.condition());
      boolean holds =
          session(choose.session())
              .queryOne(condition.sql(), row -> row.getBoolean(1), condition.boundValues())
              .orElse(false);
      tell(choose.session(), condition);
      run(holds ? choose.whenTrue() : choose.whenFalse());
    } else {
      throw new IllegalStateException("unknown action " + action);
    }
  }

  // ---------------------------------------------------------------- statements

  private Database session(Session session) {
    return sessions.computeIfAbsent(
        session,
        s -> {
          Database database =
              new Database(
                  s.server(),
                  s.server().equals(Connections.COORDINATOR)
                      ? connections.coordinator()
                      : connections.server(s.server()));
          if (s.bulk()) {
            database.setStatementTimeout(bulkStatementTimeout);
          }
          return database;
        });
  }

  private void execute(Session session, SqlStatement statement) {
    SqlStatement bound = bind(statement);
    session(session).execute(bound);
    tell(session, bound);
  }

  private SqlStatement bind(SqlStatement statement) {
    return statement.hasDeferred() ? statement.resolved(this::value) : statement;
  }

  /** The value of a {@link RunValue} parameter, from what this run measured. */
  private Object value(SqlStatement.Deferred deferred) {
    if (!(deferred instanceof RunValue value)) {
      throw new IllegalStateException("unknown deferred value " + deferred.describe());
    }
    Fingerprint fingerprint =
        measured(value.slot())
            .orElseThrow(
                () -> new IllegalStateException("nothing measured in " + value.slot() + " yet"));
    return value.checksum() ? fingerprint.checksum().toPlainString() : fingerprint.rows();
  }

  private static void tell(Session session, SqlStatement statement) {
    Consumer<Executed> listening = observer;
    if (listening != null) {
      listening.accept(new Executed(session, statement));
    }
  }

  private void expect(Action.Expect expect) {
    SqlStatement query = bind(expect.query());
    Object found =
        session(expect.session())
            .queryOne(query.sql(), row -> row.getObject(1), query.boundValues())
            .orElse(null);
    tell(expect.session(), query);
    Object wanted;
    switch (expect.expected()) {
      case TRUE -> wanted = Boolean.TRUE;
      case VERIFIED_ROWS -> wanted = operation.get().sourceRows().orElseThrow();
      case ANY_VERIFIED_ROW -> wanted = operation.get().sourceRows().orElseThrow() > 0 ? 1L : 0L;
      default -> {
        Optional<String> marker = operation.get().freezeMarker();
        if (marker.isEmpty()) {
          // An operation journaled before Strata recorded the freeze's identity: nothing to
          // compare with; the cleanup's re-hash still proves the old copy unchanged.
          return;
        }
        wanted = marker.get();
      }
    }
    boolean holds =
        found instanceof Number number && wanted instanceof Number expected
            ? number.longValue() == expected.longValue()
            : Objects.equals(found, wanted);
    if (!holds) {
      throw new CheckFailed(
          expect.failure(),
          switch (expect.failure()) {
            case COUNT_MISMATCH, COPY_MISMATCH ->
                expect.expected() == Action.Expected.ANY_VERIFIED_ROW
                    ? "the coordinator reads no row of the new partition through its foreign"
                        + " server, although "
                        + operation.get().sourceRows().orElseThrow()
                        + " were verified"
                    : "the coordinator sees "
                        + found
                        + " rows in the new partition, the verified copy has "
                        + wanted;
            case ROW_SECURITY ->
                "row-level security is enabled on the copy, so the user mapping's role might see"
                    + " fewer rows than were verified; disable it there (ALTER TABLE ... DISABLE"
                    + " ROW LEVEL SECURITY) and run the command again, or abort the operation";
            case LOCKED -> "another Strata process holds the lock";
            default -> expect.failure() + ": found " + found + ", expected " + wanted;
          });
    }
  }

  private void measure(Action.Measure measure) {
    SqlStatement query = bind(measure.query());
    Fingerprint fingerprint =
        session(measure.session())
            .queryOne(query.sql(), Fingerprints::read, query.boundValues())
            .orElseThrow();
    tell(measure.session(), query);
    measured.put(measure.slot(), fingerprint);
  }

  private void compare(Action.Compare compare) {
    Fingerprint expected = fingerprint(compare.expected());
    Fingerprint actual = fingerprint(compare.actual());
    if (!expected.sameRowsAs(actual) || actual.outOfRange() != 0) {
      throw new CheckFailed(compare.failure(), "expected " + expected + "; found " + actual);
    }
  }

  private Fingerprint fingerprint(Action.Slot slot) {
    if (slot == Action.Slot.VERIFIED) {
      Operation current = operation.get();
      return new Fingerprint(
          current.sourceRows().orElseThrow(),
          Fingerprints.parseChecksum(current.sourceChecksum().orElseThrow()),
          0);
    }
    return measured(slot)
        .orElseThrow(() -> new IllegalStateException("nothing measured in " + slot + " yet"));
  }

  private void transaction(Action.Transaction transaction) {
    Database database = session(transaction.session());
    Runnable attempt =
        () -> {
          if (transaction.ending() == Action.Ending.ROLLBACK) {
            rolledBack(database, transaction);
          } else {
            database.inTransaction(
                db -> {
                  tell(transaction.session(), SqlStatement.of("BEGIN"));
                  run(transaction.actions());
                  return null;
                });
            tell(transaction.session(), SqlStatement.of("COMMIT"));
          }
        };
    if (transaction.ending() == Action.Ending.COMMIT_RETRYING_LOCKS) {
      LockRetries.run(database, attempt);
    } else {
      attempt.run();
    }
  }

  private void rolledBack(Database database, Action.Transaction transaction) {
    Connection connection = database.connection();
    try {
      connection.setAutoCommit(false);
      try {
        tell(transaction.session(), SqlStatement.of("BEGIN"));
        run(transaction.actions());
      } finally {
        connection.rollback();
        connection.setAutoCommit(true);
        tell(transaction.session(), SqlStatement.of("ROLLBACK"));
      }
    } catch (SQLException e) {
      throw database.failure("ROLLBACK", e);
    }
  }

  private void parallel(Action.Parallel parallel) {
    if (parallel.branches().size() == 1) {
      run(parallel.branches().get(0));
      return;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            parallel.branches().size(),
            runnable -> {
              Thread thread = new Thread(runnable, "strata-move");
              thread.setDaemon(true);
              return thread;
            });
    try {
      List<CompletableFuture<Void>> branches = new ArrayList<>();
      for (List<Action> branch : parallel.branches()) {
        branches.add(CompletableFuture.runAsync(() -> run(branch), pool));
      }
      StrataException first = null;
      for (CompletableFuture<Void> branch : branches) {
        try {
          branch.join();
        } catch (CompletionException e) {
          StrataException failure =
              e.getCause() instanceof StrataException strata
                  ? strata
                  : new StrataException(
                      ErrorCode.INTERNAL, "a parallel step failed: " + e.getCause(), null, e);
          if (first == null) {
            first = failure;
          } else {
            first.addSuppressed(failure);
          }
        }
      }
      if (first != null) {
        throw first;
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void relay(Action.Relay relay) {
    Database source = session(relay.source());
    Database target = session(relay.target());
    Operation current = operation.get();
    dev.strata.verify.RowDigest digest =
        relay.digest().map(d -> new dev.strata.verify.RowDigest(d.columns())).orElse(null);
    CopyRelay.Result result =
        CopyRelay.relay(
            source,
            relay.copyOut(),
            target,
            relay.copyIn(),
            connections.config().timeouts().statement(),
            (rowsDelta, bytesDelta) ->
                progress.copied(
                    rows.addAndGet(rowsDelta), bytes.addAndGet(bytesDelta), expectedRows),
            Failpoints.enabled() ? current.kind().label() + ".copy_rows" : null,
            digest);
    if (digest != null) {
      if (digest.rows() != result.rows()) {
        throw new StrataException(
            ErrorCode.INTERNAL,
            "the copy's digest saw "
                + digest.rows()
                + " rows, the server sent "
                + result.rows()
                + "; nothing was swapped",
            "report this; a rerun copies again");
      }
      Fingerprint relayed = new Fingerprint(digest.rows(), digest.checksum(), 0);
      measured.merge(
          relay.digest().orElseThrow().slot(),
          relayed,
          (a, b) ->
              new Fingerprint(
                  a.rows() + b.rows(),
                  a.checksum().add(b.checksum()),
                  a.outOfRange() + b.outOfRange()));
    }
    tell(relay.source(), SqlStatement.of(relay.copyOut()));
    tell(relay.target(), SqlStatement.of(relay.copyIn()));
    LOG.debug("relayed {} rows, {} bytes", result.rows(), result.bytes());
  }

  private void ifTable(Action.IfTable ifTable) {
    CatalogReader catalog = new CatalogReader(session(ifTable.session()));
    if (catalog.findRelation(ifTable.table()).isEmpty()) {
      return;
    }
    if (ifTable.ownerTag().isPresent()) {
      Optional<String> comment = catalog.tableComment(ifTable.table());
      boolean ours = comment.equals(ifTable.ownerTag());
      if (!ours) {
        if (ifTable.refuseOthers()) {
          throw new CheckFailed(
              Action.Failure.NOT_OURS,
              "table "
                  + ifTable.table().display()
                  + " already exists on "
                  + ifTable.session().server()
                  + " and operation "
                  + operation.get().id()
                  + " did not create it");
        }
        return;
      }
    }
    run(ifTable.actions());
  }

  private void probe(Action.Probe probe) {
    ForeignServerProbe.probe(
        session(probe.session()), probe.server(), probe.bound(), Optional.empty());
    tell(probe.session(), SqlStatement.of("BEGIN"));
    ForeignServerProbe.statements(probe.server(), probe.bound(), Optional.empty())
        .forEach(statement -> tell(probe.session(), statement));
    tell(probe.session(), SqlStatement.of("ROLLBACK"));
  }

  private void await(
      Session session, SqlStatement condition, Duration bound, String what, List<Session> alive) {
    SqlStatement query = bind(condition);
    long deadline = System.nanoTime() + bound.toNanos();
    long pause = 5;
    long nextCheck = System.nanoTime();
    while (true) {
      if (System.nanoTime() >= nextCheck) {
        // A server the wait depends on that stopped answering ends the wait now, naming it.
        for (Session watched : alive) {
          session(watched).queryOne("SELECT 1", row -> row.getInt(1));
        }
        nextCheck = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      }
      boolean holds =
          session(session)
              .queryOne(query.sql(), row -> row.getBoolean(1), query.boundValues())
              .orElse(false);
      if (holds) {
        tell(session, query);
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "waited "
                + dev.strata.config.Durations.format(bound)
                + " on "
                + session.server()
                + " for "
                + what
                + ", in vain",
            "see what holds it up on " + session.server() + ", then resume the operation");
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StrataException(ErrorCode.INTERNAL, "interrupted while waiting for " + what);
      }
      pause = Math.min(pause * 2, 100);
    }
  }

  private void catchUp(Action.CatchUp catchUp) {
    SqlStatement message = CatchUps.message();
    String position =
        session(catchUp.source())
            .queryOne(message.sql(), row -> row.getString(1), message.boundValues())
            .orElseThrow();
    tell(catchUp.source(), message);
    await(
        catchUp.target(),
        CatchUps.confirmed(catchUp).resolved(deferred -> position),
        catchUp.bound(),
        "subscription " + catchUp.subscription() + " to apply every change up to " + position,
        List.of(catchUp.source()));
  }

  private void bestEffort(Action.BestEffort bestEffort) {
    try {
      run(bestEffort.actions());
    } catch (StrataException e) {
      LOG.warn("{} failed: {}", bestEffort.what(), e.getMessage());
    }
  }

  @Override
  public void close() {
    sessions.forEach(
        (session, database) -> {
          if (!session.equals(Session.CONTROL)) {
            database.close();
          }
        });
  }
}
