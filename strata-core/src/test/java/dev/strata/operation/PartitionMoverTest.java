package dev.strata.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The move engine against real servers: round trips, refusals, concurrency and server faults. */
class PartitionMoverTest {
  static final String COLUMNS =
      "(id int NOT NULL, name text NOT NULL, time timestamp NOT NULL, department text, salary numeric(10,2))";
  static TestLayout layout;
  static StrataConfig config;
  static PartitionMover mover;
  static final QualifiedName EMP = QualifiedName.parse("emp");

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("partition_mover_test");
    config = layout.config();
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    mover = new PartitionMover(new Connections(config), MoveProgress.NONE);
    layout.sql(
        layout.main(),
        "CREATE TABLE emp " + COLUMNS + " PARTITION BY RANGE (time)",
        "CREATE TABLE emp_default PARTITION OF emp DEFAULT",
        "CREATE TABLE keyed (id int PRIMARY KEY, time timestamp NOT NULL) PARTITION BY RANGE (id)",
        "CREATE TABLE keyed_1 PARTITION OF keyed FOR VALUES FROM (0) TO (100)");
    for (int year = 2010; year <= 2022; year++) {
      createYear(year, 5_000);
    }
  }

  static void createYear(int year, int rows) {
    layout.sql(
        layout.main(),
        "CREATE TABLE emp_"
            + year
            + " PARTITION OF emp FOR VALUES FROM ('"
            + year
            + "-01-01') TO ('"
            + (year + 1)
            + "-01-01')",
        "INSERT INTO emp SELECT g, 'name ' || g, timestamp '"
            + year
            + "-01-01' + (g % 360) * interval '1 day' + (g % 86400) * interval '1 second',"
            + " CASE WHEN g % 3 = 0 THEN NULL ELSE 'dept ' || (g % 7) END, (g % 1000) * 10.5 FROM generate_series(1, "
            + rows
            + ") g",
        "CREATE INDEX ON emp_" + year + " (time)",
        "CREATE INDEX ON emp_" + year + " (name) WHERE department IS NOT NULL",
        "ANALYZE emp_" + year);
  }

  /** Count and checksum of one year's rows, read through the parent. */
  static String fingerprint(int year) {
    return layout.queryString(
        layout.main(),
        "SELECT count(*) || '/' || coalesce(sum(hashtextextended(t::text, 0)), 0) FROM (SELECT id, name, time, department, salary FROM emp"
            + " WHERE time >= '"
            + year
            + "-01-01' AND time < '"
            + (year + 1)
            + "-01-01') t");
  }

  static String tier(int year) {
    return layout.queryString(
        layout.main(),
        "SELECT coalesce(s.srvname, 'local') FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            + " LEFT JOIN pg_foreign_table f ON f.ftrelid = c.oid LEFT JOIN pg_foreign_server s ON s.oid = f.ftserver"
            + " WHERE i.inhparent = 'emp'::regclass AND c.relname = 'emp_"
            + year
            + "'");
  }

  static QualifiedName partition(int year) {
    return QualifiedName.of("public", "emp_" + year);
  }

  @Test
  void archivesAndRestoresWithIdenticalRows() {
    String before = fingerprint(2010);
    MoveResult archived = mover.archive(EMP, partition(2010), "archive_a", 1);
    assertThat(archived.operation().state()).isEqualTo(OperationState.DONE);
    assertThat(archived.rowsCopied()).isEqualTo(5_000);
    assertThat(tier(2010)).isEqualTo("archive_a");
    assertThat(fingerprint(2010)).isEqualTo(before);
    assertThat(
            layout.queryString(
                layout.archiveA(), "SELECT count(*) FROM pg_indexes WHERE tablename = 'emp_2010'"))
        .isEqualTo("2");
    assertThat(
            layout.queryString(
                layout.main(), "SELECT count(*) FROM pg_class WHERE relname LIKE 'emp_2010_s%'"))
        .isEqualTo("0");
    assertThat(mover.verify(EMP, java.util.Optional.of(partition(2010))))
        .singleElement()
        .satisfies(v -> assertThat(v.ok()).isTrue());

    MoveResult restored = mover.restore(EMP, partition(2010), false, 1);
    assertThat(restored.operation().state()).isEqualTo(OperationState.DONE);
    assertThat(tier(2010)).isEqualTo("local");
    assertThat(fingerprint(2010)).isEqualTo(before);
    assertThat(
            layout.queryString(
                layout.archiveA(), "SELECT count(*) FROM pg_class WHERE relname = 'emp_2010'"))
        .isEqualTo("0");
    layout.sql(layout.main(), "INSERT INTO emp VALUES (-1, 'back home', '2010-06-01', NULL, 1)");
  }

  @Test
  void rowsOfTypesStrataHashesAreHashedInTheStreamOthersInSql() {
    mover.archive(EMP, partition(2018), "archive_a", 1);
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT checksum_form FROM strata.operation WHERE partition_name = 'emp_2018'"))
        .as("emp's types all hash in the stream")
        .isEqualTo("columns");
    assertThat(mover.verify(EMP, java.util.Optional.of(partition(2018))))
        .singleElement()
        .satisfies(v -> assertThat(v.ok()).isTrue());

    // jsonb and interval have no stream hash: the source is fingerprinted in SQL, by record.
    layout.sql(
        layout.main(),
        "CREATE TABLE docs (id int NOT NULL, time timestamp NOT NULL, body jsonb, span interval,"
            + " tags text[]) PARTITION BY RANGE (time)",
        "CREATE TABLE docs_2020 PARTITION OF docs FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
        "INSERT INTO docs SELECT g, timestamp '2020-01-01' + g * interval '1 hour',"
            + " jsonb_build_object('n', g, 'even', g % 2 = 0), g * interval '1 minute',"
            + " ARRAY['t' || g, NULL] FROM generate_series(1, 3000) g");
    QualifiedName docs = QualifiedName.parse("docs");
    QualifiedName docs2020 = QualifiedName.of("public", "docs_2020");
    String before =
        layout.queryString(
            layout.main(),
            "SELECT count(*) || '/' || sum(hashtextextended(d::text, 0)) FROM docs d");
    assertThat(mover.archive(docs, docs2020, "archive_b", 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT checksum_form FROM strata.operation WHERE partition_name = 'docs_2020'"))
        .isEqualTo("record");
    assertThat(mover.verify(docs, java.util.Optional.of(docs2020)))
        .singleElement()
        .satisfies(v -> assertThat(v.ok()).isTrue());
    assertThat(mover.restore(docs, docs2020, false, 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) || '/' || sum(hashtextextended(d::text, 0)) FROM docs d"))
        .isEqualTo(before);
  }

  @Test
  void aCopyThatDiffersFromTheSourceIsNeverSwappedIn() {
    int year = 2040;
    for (String tamper :
        List.of(
            "UPDATE emp_%d SET name = 'tampered' WHERE id = 5",
            "DELETE FROM emp_%d WHERE id = 6",
            "INSERT INTO emp_%d VALUES (-9, 'extra', '%d-02-02', NULL, 1)")) {
      int moving = year++;
      createYear(moving, 5_000);
      String before = fingerprint(moving);
      Failpoints.Observation observation =
          Failpoints.observe(
              name -> {
                if (name.equals("archive.after_indexes")) {
                  layout.sql(layout.archiveA(), tamper.formatted(moving, moving));
                }
              });
      try {
        expect(
            () -> mover.archive(EMP, partition(moving), "archive_a", 1),
            ErrorCode.CHECK_FAILED,
            "verification failed for public.emp_" + moving);
      } finally {
        observation.close();
      }
      assertThat(tier(moving)).as(tamper).isEqualTo("local");
      assertThat(fingerprint(moving)).as(tamper).isEqualTo(before);
      assertThat(triggers()).as(tamper).isZero();
      assertThat(
              layout.queryString(
                  layout.archiveA(),
                  "SELECT count(*) FROM pg_class WHERE relname = 'emp_" + moving + "'"))
          .as(tamper)
          .isEqualTo("0");
      assertThat(
              layout.queryString(
                  layout.main(),
                  "SELECT state FROM strata.operation WHERE partition_name = 'emp_"
                      + moving
                      + "' ORDER BY id DESC LIMIT 1"))
          .isEqualTo("aborted");
    }
  }

  @Test
  void aCopyUnderRowLevelSecurityIsNotSwappedIn() {
    createYear(2043, 500);
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals("archive.after_indexes")) {
                layout.sql(layout.archiveA(), "ALTER TABLE emp_2043 ENABLE ROW LEVEL SECURITY");
              }
            });
    try {
      expect(
          () -> mover.archive(EMP, partition(2043), "archive_a", 1),
          ErrorCode.CHECK_FAILED,
          "row-level security is enabled on the copy");
    } finally {
      observation.close();
    }
    assertThat(tier(2043)).isEqualTo("local");
    layout.sql(layout.archiveA(), "ALTER TABLE emp_2043 DISABLE ROW LEVEL SECURITY");
    assertThat(mover.archive(EMP, partition(2043), "archive_a", 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(tier(2043)).isEqualTo("archive_a");
  }

  @Test
  void verifyReportsRowsChangedOnTheServerAfterTheArchive() {
    mover.archive(EMP, partition(2021), "archive_b", 1);
    assertThat(mover.verify(EMP, java.util.Optional.of(partition(2021))))
        .singleElement()
        .satisfies(v -> assertThat(v.ok()).isTrue());
    layout.sql(layout.archiveB(), "UPDATE emp_2021 SET salary = salary + 1 WHERE id = 11");
    assertThat(mover.verify(EMP, java.util.Optional.of(partition(2021))))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.ok()).isFalse();
              assertThat(v.verdict()).startsWith("MISMATCH");
            });
  }

  @Test
  void copiesInParallelStreams() {
    String before = fingerprint(2011);
    MoveResult archived = mover.archive(EMP, partition(2011), "archive_b", 3);
    assertThat(archived.rowsCopied()).isEqualTo(5_000);
    assertThat(fingerprint(2011)).isEqualTo(before);
    assertThat(tier(2011)).isEqualTo("archive_b");
  }

  @Test
  void lateWritesIntoAnArchivedRangeFailInsteadOfVanishing() {
    mover.archive(EMP, partition(2012), "archive_a", 1);
    assertThatThrownBy(
            () ->
                layout.sql(
                    layout.main(), "INSERT INTO emp VALUES (1, 'late', '2012-05-05', NULL, 1)"))
        .hasMessageContaining("foreign table \"emp_2012\" does not allow inserts");
    assertThatThrownBy(
            () ->
                layout.sql(
                    layout.main(),
                    "UPDATE emp SET salary = 0 WHERE time >= '2012-01-01' AND time < '2012-02-01'"))
        .hasMessageContaining("does not allow updates");
  }

  @Test
  void refusesBeforeChangingAnything() {
    int operationsBefore = operations();
    expect(
        () ->
            mover.archive(
                QualifiedName.parse("keyed"), QualifiedName.parse("keyed_1"), "archive_a", 1),
        ErrorCode.CHECK_FAILED,
        "has a primary key or unique index (keyed_pkey)");
    expect(
        () -> mover.archive(EMP, QualifiedName.parse("emp_default"), "archive_a", 1),
        ErrorCode.INVALID_TARGET,
        "public.emp_default is the default partition");
    expect(
        () -> mover.archive(EMP, partition(2013), "archive_zz", 1),
        ErrorCode.USAGE,
        "no server named \"archive_zz\"");
    expect(
        () -> mover.archive(EMP, partition(1999), "archive_a", 1),
        ErrorCode.INVALID_TARGET,
        "public.emp_1999 is not a partition of public.emp");
    layout.sql(
        layout.archiveB(),
        "CREATE TABLE emp_2013 " + COLUMNS,
        "INSERT INTO emp_2013 VALUES (1, 'theirs', '2013-01-01', NULL, 1)");
    expect(
        () -> mover.archive(EMP, partition(2013), "archive_b", 1),
        ErrorCode.CHECK_FAILED,
        "table public.emp_2013 already exists on server archive_b and no Strata operation owns it");
    assertThat(layout.queryString(layout.archiveB(), "SELECT count(*) FROM emp_2013"))
        .isEqualTo("1");
    mover.archive(EMP, partition(2014), "archive_a", 1);
    expect(
        () -> mover.archive(EMP, partition(2014), "archive_b", 1),
        ErrorCode.INVALID_TARGET,
        "public.emp_2014 is archived on server archive_a, not archive_b");
    assertThat(operations()).isEqualTo(operationsBefore + 1);
    assertThat(tier(2013)).isEqualTo("local");
    assertThat(triggers()).isZero();
  }

  @Test
  void aRerunAfterSuccessIsANoOp() {
    MoveResult archived = mover.archive(EMP, partition(2019), "archive_a", 1);
    int operationsBefore = operations();
    MoveResult again = mover.archive(EMP, partition(2019), "archive_a", 1);
    assertThat(again.nothingToDo())
        .contains(
            "public.emp_2019 is already archived on server archive_a (operation "
                + archived.operation().id()
                + "); nothing to do");
    assertThat(again.operation().state()).isEqualTo(OperationState.DONE);
    MoveResult restored = mover.restore(EMP, partition(2019), false, 1);
    MoveResult restoredAgain = mover.restore(EMP, partition(2019), false, 1);
    assertThat(restoredAgain.nothingToDo())
        .contains(
            "public.emp_2019 is already local (restored by operation "
                + restored.operation().id()
                + "); nothing to do");
    assertThat(mover.restore(EMP, partition(2015), false, 1).nothingToDo())
        .contains("public.emp_2015 is already local; nothing to do");
    assertThat(operations()).isEqualTo(operationsBefore + 1);
    assertThat(tier(2013)).isEqualTo("local");
    assertThat(triggers()).isZero();
  }

  @Test
  void aSecondMoveOfTheSamePartitionFailsAtOnce() throws Exception {
    try (Connection other = layout.main().connect(layout.database);
        var statement = other.createStatement()) {
      statement.execute(
          "SELECT pg_advisory_lock(hashtextextended('strata:partition:public.emp_2015', 0))");
      expect(
          () -> mover.archive(EMP, partition(2015), "archive_a", 1),
          ErrorCode.CHECK_FAILED,
          "public.emp_2015 is being moved by another Strata process");
    }
    assertThat(tier(2015)).isEqualTo("local");
  }

  @Test
  void writersOfOtherPartitionsKeepWorkingAndWritesIntoTheFrozenOneFailLoudly() throws Exception {
    createYear(2030, 200_000);
    AtomicBoolean moving = new AtomicBoolean(true);
    AtomicInteger written = new AtomicInteger();
    AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    AtomicReference<String> frozenError = new AtomicReference<>();
    AtomicInteger writtenDuringCopy = new AtomicInteger(-1);
    Thread writer =
        new Thread(
            () -> {
              try (Connection connection = layout.main().connect(layout.database);
                  var statement = connection.createStatement()) {
                while (moving.get()) {
                  statement.execute("INSERT INTO emp VALUES (1, 'writer', '2018-03-03', NULL, 1)");
                  written.incrementAndGet();
                }
              } catch (Exception e) {
                writerFailure.set(e);
              }
            });
    PartitionMover observed =
        new PartitionMover(
            new Connections(config),
            new MoveProgress() {
              @Override
              public void copied(long rows, long bytes, long expected) {
                if (writtenDuringCopy.get() < 0) {
                  // Proof of overlap: the copy waits (bounded) until the writer of another
                  // partition has written while it runs.
                  int before = written.get();
                  long deadline = System.nanoTime() + 10_000_000_000L;
                  while (written.get() == before && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                  }
                  writtenDuringCopy.set(written.get() - before);
                }
                if (frozenError.get() == null) {
                  try {
                    layout.sql(
                        layout.main(),
                        "INSERT INTO emp VALUES (2, 'too late', '2030-05-05', NULL, 1)");
                    frozenError.set("accepted");
                  } catch (IllegalStateException e) {
                    frozenError.set(e.getMessage());
                  }
                }
              }
            });
    writer.start();
    String before = fingerprint(2030);
    try {
      observed.archive(EMP, partition(2030), "archive_b", 1);
    } finally {
      moving.set(false);
      writer.join(10_000);
    }
    assertThat(writerFailure.get()).isNull();
    assertThat(writtenDuringCopy.get()).as("writes while the copy ran").isPositive();
    assertThat(frozenError.get())
        .contains("partition public.emp_2030 is frozen by Strata operation");
    assertThat(fingerprint(2030)).isEqualTo(before);
  }

  @Test
  void archiveServerStoppedMidCopyThenRerunConverges() {
    createYear(2031, 100_000);
    String before = fingerprint(2031);
    AtomicBoolean stopped = new AtomicBoolean();
    PartitionMover stopping =
        new PartitionMover(
            new Connections(config),
            new MoveProgress() {
              @Override
              public void copied(long rows, long bytes, long expected) {
                if (rows >= 20_000 && stopped.compareAndSet(false, true)) {
                  layout.archiveB().stop();
                }
              }
            });
    try {
      assertThatThrownBy(() -> stopping.archive(EMP, partition(2031), "archive_b", 1))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("operation");
      assertThat(fingerprint(2031)).isEqualTo(before);
      assertThat(tier(2031)).isEqualTo("local");
    } finally {
      layout.archiveB().start();
    }
    MoveResult rerun = mover.archive(EMP, partition(2031), "archive_b", 1);
    assertThat(rerun.operation().state()).isEqualTo(OperationState.DONE);
    assertThat(fingerprint(2031)).isEqualTo(before);
    assertThat(triggers()).isZero();
  }

  @Test
  void archiveBackendTerminatedMidCopyThenRerunConverges() {
    createYear(2032, 100_000);
    String before = fingerprint(2032);
    AtomicBoolean terminated = new AtomicBoolean();
    PartitionMover terminating =
        new PartitionMover(
            new Connections(config),
            new MoveProgress() {
              @Override
              public void copied(long rows, long bytes, long expected) {
                if (rows >= 20_000 && terminated.compareAndSet(false, true)) {
                  layout.sql(
                      layout.archiveA(),
                      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'strata' AND query LIKE 'COPY%'");
                }
              }
            });
    assertThatThrownBy(() -> terminating.archive(EMP, partition(2032), "archive_a", 1))
        .isInstanceOf(StrataException.class);
    assertThat(tier(2032)).isEqualTo("local");
    assertThat(mover.archive(EMP, partition(2032), "archive_a", 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(fingerprint(2032)).isEqualTo(before);
  }

  @Test
  void archiveServerStoppedAtTheSwapFailsTheSwapNotLaterQueries() {
    String before = fingerprint(2016);
    PartitionMover stopping =
        new PartitionMover(
            new Connections(config),
            new MoveProgress() {
              @Override
              public void step(Operation operation, String description) {
                if (description.startsWith("swapping")) {
                  layout.archiveB().stop();
                }
              }
            });
    try {
      assertThatThrownBy(() -> stopping.archive(EMP, partition(2016), "archive_b", 1))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("stopped before step 'swap'");
      assertThat(tier(2016)).isEqualTo("local");
      assertThat(fingerprint(2016)).isEqualTo(before);
    } finally {
      layout.archiveB().start();
    }
    assertThat(mover.archive(EMP, partition(2016), "archive_b", 1).operation().state())
        .isEqualTo(OperationState.DONE);
    assertThat(fingerprint(2016)).isEqualTo(before);
    assertThat(tier(2016)).isEqualTo("archive_b");
  }

  @Test
  void abortRemovesTheFreezeAndOnlyWhatTheOperationOwns() {
    PartitionMover failing =
        new PartitionMover(
            new Connections(config),
            new MoveProgress() {
              @Override
              public void step(Operation operation, String description) {
                if (description.startsWith("building indexes")) {
                  throw new StrataException(ErrorCode.INTERNAL, "simulated failure");
                }
              }
            });
    assertThatThrownBy(() -> failing.archive(EMP, partition(2017), "archive_a", 1))
        .hasMessageContaining("simulated failure");
    assertThat(triggers()).isEqualTo(2);
    assertThatThrownBy(
            () ->
                layout.sql(
                    layout.main(),
                    "DELETE FROM emp WHERE time >= '2017-01-01' AND time < '2017-01-02'"))
        .hasMessageContaining("is frozen by Strata operation");
    Operation unfinished =
        mover.resumable().stream()
            .filter(op -> op.partition().equals(partition(2017)))
            .findFirst()
            .orElseThrow();
    Operation aborted = mover.abort(unfinished.id());
    assertThat(aborted.state()).isEqualTo(OperationState.ABORTED);
    assertThat(triggers()).isZero();
    assertThat(
            layout.queryString(
                layout.archiveA(), "SELECT count(*) FROM pg_class WHERE relname = 'emp_2017'"))
        .isEqualTo("0");
    layout.sql(
        layout.main(),
        "DELETE FROM emp WHERE time >= '2017-01-01' AND time < '2017-01-02' AND id = -5");
    assertThat(mover.abort(unfinished.id()).state()).isEqualTo(OperationState.ABORTED);
  }

  private static int operations() {
    return Integer.parseInt(
        layout.queryString(layout.main(), "SELECT count(*) FROM strata.operation"));
  }

  private static int triggers() {
    return Integer.parseInt(
        layout.queryString(
            layout.main(), "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'strata_freeze%'"));
  }

  private static void expect(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorCode code, String message) {
    assertThatThrownBy(call)
        .isInstanceOf(StrataException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((StrataException) e).code()).isEqualTo(code));
  }
}
