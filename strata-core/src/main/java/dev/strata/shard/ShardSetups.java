package dev.strata.shard;

import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.Failpoints;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;

/** Runs a {@link ShardSetup}, and renders it for dry runs: one transaction per server, in order. */
public final class ShardSetups {
  private ShardSetups() {}

  public static void run(Connections connections, ShardSetup setup) {
    for (ServerStatements step : setup.steps()) {
      try (Database database =
          new Database(
              step.server(),
              step.server().equals(Connections.COORDINATOR)
                  ? connections.coordinator()
                  : connections.server(step.server()))) {
        database.inTransaction(
            db -> {
              for (SqlStatement statement : step.statements()) {
                db.execute(statement);
              }
              return null;
            });
      }
      Failpoints.hit(
          "shard.after_"
              + (step.server().equals(Connections.COORDINATOR) ? "coordinator" : "server"));
    }
  }

  /** The statements each server runs, in order, each group marked with its server. */
  public static List<String> sql(ShardSetup setup) {
    List<String> lines = new ArrayList<>();
    for (ServerStatements step : setup.steps()) {
      lines.add("-- on " + step.server());
      lines.add("BEGIN;");
      step.statements().forEach(statement -> lines.add(statement.render()));
      lines.add("COMMIT;");
    }
    return lines;
  }
}
