package dev.strata.mirror;

import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A change {@code strata apply} makes to a mirror: create, remake, re-index or drop it ({@code
 * mirror}), or refresh it because it is due ({@code mirror_refresh}).
 *
 * @param kind {@code mirror} or {@code mirror_refresh}
 * @param mirror the local copy
 * @param description what it does, for people
 * @param reason why it is due
 * @param steps statements, each step one transaction on one server, in order
 * @param refresh a refresh to run after the steps (a new copy's first fill, a due refresh)
 */
public record MirrorChange(
    String kind,
    QualifiedName mirror,
    String description,
    String reason,
    List<Step> steps,
    Optional<Mirrors.Resolved> refresh) {
  public MirrorChange {
    Objects.requireNonNull(kind, "kind");
    steps = List.copyOf(steps);
    Objects.requireNonNull(refresh, "refresh");
  }

  /**
   * Statements run in one transaction.
   *
   * @param session {@code coordinator} or a configured server's name
   */
  public record Step(String session, List<SqlStatement> statements) {
    public Step {
      statements = List.copyOf(statements);
    }
  }
}
