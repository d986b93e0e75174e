package dev.strata.operation;

import dev.strata.sql.SqlStatement;

/** The statements of an {@link Action.CatchUp}. */
final class CatchUps {
  /** The WAL position written on the source, filled in when the catch-up runs. */
  static final SqlStatement.Deferred POSITION =
      new SqlStatement.Deferred() {
        @Override
        public String describe() {
          return "the position the message was written at";
        }
      };

  private CatchUps() {}

  /**
   * A logical message in a transaction of its own, on a session outside the cut-over's: its commit
   * flushes the WAL up to it, so the walsender passes it at once (and then tells the subscriber how
   * far it got); a message left in a partly filled WAL page could wait seconds for a flush. The
   * subscriber is sent nothing: the subscription does not ask for messages.
   */
  static SqlStatement message() {
    return SqlStatement.of(
        "SELECT pg_catalog.pg_logical_emit_message(true, 'strata', 'cut-over')::text");
  }

  /** True once the subscription's worker has confirmed WAL at or past the message. */
  static SqlStatement confirmed(Action.CatchUp catchUp) {
    return SqlStatement.of(
        "SELECT coalesce(bool_or(latest_end_lsn >= CAST(? AS pg_lsn)), false)"
            + " FROM pg_catalog.pg_stat_subscription WHERE subname = ? AND relid IS NULL",
        POSITION,
        catchUp.subscription());
  }
}
