package dev.strata.plan;

import dev.strata.sql.SqlStatement;
import java.util.List;

/**
 * One change Strata will make on the coordinator: a description for people, a reason, and the exact
 * statements, run in one transaction.
 */
public interface Action {
  /** What the action does, e.g. {@code create foreign server archive_2024}. */
  String description();

  /** Why it is needed, e.g. {@code not on the coordinator} or {@code fetch_size differs}. */
  String reason();

  /** Statements, executed in this order in one transaction. */
  List<SqlStatement> statements();
}
