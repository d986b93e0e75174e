package dev.strata.operation;

import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a step of a move does, as data. Steps build actions from what they read when they are
 * planned; {@link ActionRunner} executes them and {@link ActionText} renders them for a dry run, so
 * a dry run is, statement for statement, what runs (the shape Liquibase gives its changes: each
 * change generates its statements once, and only the executor differs).
 *
 * <p>Whatever a move decides while it runs is an action too: a check whose failure stops the move
 * ({@link Expect}, {@link Compare}), a table that may or may not exist yet ({@link IfTable}), work
 * that may fail without stopping the move ({@link BestEffort}). Nothing else reaches a server.
 */
public sealed interface Action {

  /** One statement on a session. */
  record Run(Session session, SqlStatement statement) implements Action {
    public Run {
      Objects.requireNonNull(session, "session");
      Objects.requireNonNull(statement, "statement");
    }
  }

  /**
   * A query returning one value, which must equal what the run expects; otherwise the move stops
   * with {@code failure}.
   */
  record Expect(Session session, SqlStatement query, Expected expected, Failure failure)
      implements Action {}

  /**
   * A fingerprint query (count, checksum, rows out of range); its result is kept in {@code slot}.
   */
  record Measure(Session session, SqlStatement query, Slot slot) implements Action {}

  /** Two fingerprints must hold the same rows, and {@code actual} no row out of range. */
  record Compare(Slot expected, Slot actual, Failure failure) implements Action {}

  /** The actions inside one transaction on one session. */
  record Transaction(Session session, List<Action> actions, Ending ending) implements Action {
    public Transaction {
      actions = List.copyOf(actions);
    }
  }

  /** How a {@link Transaction} ends. */
  enum Ending {
    COMMIT,
    /** Committed; tried again, with backoff, while it fails on {@code lock_timeout}. */
    COMMIT_RETRYING_LOCKS,
    /** Always rolled back: a check that must leave nothing behind. */
    ROLLBACK
  }

  /** Branches that run at the same time, each on sessions of its own. */
  record Parallel(List<List<Action>> branches) implements Action {
    public Parallel {
      branches = branches.stream().map(List::copyOf).toList();
    }
  }

  /**
   * Binary COPY out of one session streamed into COPY in on another. With {@code digest}, Strata
   * hashes each row as it passes ({@link dev.strata.verify.RowDigest}) and adds the rows'
   * fingerprint to the digest's slot: the source's fingerprint without a second scan of it.
   */
  record Relay(
      Session source, String copyOut, Session target, String copyIn, Optional<Digest> digest)
      implements Action {}

  /** Where a {@link Relay} keeps the fingerprint of the rows it relayed, and how it hashes them. */
  record Digest(Slot slot, List<dev.strata.verify.ColumnHash> columns) {
    public Digest {
      columns = List.copyOf(columns);
    }
  }

  /**
   * {@code actions} run only when {@code table} exists on the session's server and, with {@code
   * ownerTag}, carries it as its comment; a table that exists with another comment stops the move
   * with {@link Failure#NOT_OURS} when {@code refuseOthers}, and is passed over otherwise.
   */
  record IfTable(
      Session session,
      QualifiedName table,
      Optional<String> ownerTag,
      boolean refuseOthers,
      List<Action> actions)
      implements Action {
    public IfTable {
      actions = List.copyOf(actions);
    }
  }

  /**
   * A query through the coordinator's foreign server for {@code server}, bounded by {@code bound}
   * ({@link dev.strata.connect.ForeignServerProbe}): a server that does not answer stops the move
   * naming it, instead of a later statement waiting for it without a deadline.
   */
  record Probe(Session session, String server, java.time.Duration bound) implements Action {}

  /** Work whose failure is logged and passed over (statistics), described by {@code what}. */
  record BestEffort(String what, List<Action> actions) implements Action {
    public BestEffort {
      actions = List.copyOf(actions);
    }
  }

  /**
   * {@code condition} (a query returning one boolean) asked again and again on {@code session}
   * until it is true; stops the move when {@code bound} passes first, naming {@code what} it waited
   * for, or as soon as a server of {@code alive} (asked about once a second) does not answer.
   */
  record Await(
      Session session,
      SqlStatement condition,
      java.time.Duration bound,
      String what,
      List<Session> alive)
      implements Action {
    public Await {
      alive = List.copyOf(alive);
    }
  }

  /**
   * A logical replication subscription catches up with its publisher: a WAL record written and
   * committed on {@code source} (a logical message; a session outside any open transaction), then
   * {@code subscription} on {@code target} asked until it has confirmed WAL at or past it. Every
   * change committed on the source before the message has then been applied on the target.
   */
  record CatchUp(Session source, Session target, String subscription, java.time.Duration bound)
      implements Action {}

  /**
   * {@code whenTrue} or {@code whenFalse}, by the value of {@code condition} on {@code session}.
   */
  record Choose(
      Session session, SqlStatement condition, List<Action> whenTrue, List<Action> whenFalse)
      implements Action {
    public Choose {
      whenTrue = List.copyOf(whenTrue);
      whenFalse = List.copyOf(whenFalse);
    }
  }

  /** A named point where tests act (see {@link Failpoints}); not a statement. */
  record Point(String name) implements Action {}

  /** What an {@link Expect} compares its query's value with. */
  enum Expected {
    /** {@code true}. */
    TRUE,
    /** The row count the journal recorded as verified. */
    VERIFIED_ROWS,
    /** 1 when the journal recorded rows as verified, 0 when it recorded none. */
    ANY_VERIFIED_ROW,
    /** The freeze triggers' identity the journal recorded at the freeze. */
    FREEZE_MARKER
  }

  /** Where a {@link Measure} keeps a fingerprint, and what a {@link Compare} reads. */
  enum Slot {
    /** The source, measured while it is copied; journaled with the copy. */
    SOURCE,
    /** The copy, measured after it is indexed. */
    TARGET,
    /** The old copy, measured before it is dropped. */
    OLD_COPY,
    /** What the journal recorded as verified (the source's fingerprint). */
    VERIFIED
  }

  /** Why a check stopped a move; the runner decides what that means for the operation. */
  enum Failure {
    /** Another process moves the same partition. */
    LOCKED,
    /** The coordinator counts another number of rows than were verified. */
    COUNT_MISMATCH,
    /** The freeze triggers changed since the freeze. */
    FREEZE_CHANGED,
    /** The copy does not hold the source's rows, or the coordinator would not serve them. */
    COPY_MISMATCH,
    /** Row-level security is enabled on the copy: a role may see fewer rows than were verified. */
    ROW_SECURITY,
    /** The old copy changed after verification. */
    OLD_COPY_CHANGED,
    /** A table of the name the move needs exists and the operation did not create it. */
    NOT_OURS
  }
}
