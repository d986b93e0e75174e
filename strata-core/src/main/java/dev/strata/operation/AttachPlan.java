package dev.strata.operation;

import dev.strata.sql.SqlStatement;
import java.util.List;

/**
 * The checked outcome of planning an attach: what will be attached, warnings found on the way, and
 * the exact statements, executed in one coordinator transaction.
 */
public record AttachPlan(
    AttachRequest request, List<Item> items, List<String> warnings, List<SqlStatement> statements) {
  public AttachPlan {
    items = List.copyOf(items);
    warnings = List.copyOf(warnings);
    statements = List.copyOf(statements);
  }

  /** One remote table, checked: its row count on the server and the normalised bounds. */
  public record Item(String localName, String remoteTable, RangeBounds bounds, long remoteRows) {}
}
