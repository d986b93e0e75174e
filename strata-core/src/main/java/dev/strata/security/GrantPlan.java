package dev.strata.security;

import dev.strata.sql.SqlStatement;
import java.util.List;
import java.util.Objects;

/**
 * What {@code strata grants} prints or runs: per server, the statements that give each role Strata
 * involves exactly the rights it needs, and notes on what SQL cannot express (passwords to set,
 * roles that are superusers). No statement carries a password.
 */
public record GrantPlan(List<Section> sections) {
  public GrantPlan {
    sections = List.copyOf(sections);
  }

  /**
   * The statements for one server, run there in one transaction by {@code --apply}.
   *
   * @param server {@code coordinator} or the configured server's name
   * @param statements in order
   * @param notes what the user must do by hand, and why some statements are absent
   */
  public record Section(String server, List<SqlStatement> statements, List<String> notes) {
    public Section {
      Objects.requireNonNull(server, "server");
      statements = List.copyOf(statements);
      notes = List.copyOf(notes);
    }
  }
}
