package dev.strata.shard;

import dev.strata.sql.SqlStatement;
import java.util.List;
import java.util.Objects;

/** Statements that run in one transaction on one server (or the coordinator). */
public record ServerStatements(String server, List<SqlStatement> statements) {
  public ServerStatements {
    Objects.requireNonNull(server, "server");
    statements = List.copyOf(statements);
  }

  public static ServerStatements of(String server, List<String> statements) {
    return new ServerStatements(server, statements.stream().map(SqlStatement::of).toList());
  }
}
