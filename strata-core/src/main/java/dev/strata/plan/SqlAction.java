package dev.strata.plan;

import dev.strata.sql.SqlStatement;
import java.util.List;
import java.util.Objects;

/** An {@link Action} that is just its statements. */
public record SqlAction(
    String kind, String description, String reason, List<SqlStatement> statements)
    implements Action {
  public SqlAction {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(reason, "reason");
    statements = List.copyOf(statements);
  }
}
