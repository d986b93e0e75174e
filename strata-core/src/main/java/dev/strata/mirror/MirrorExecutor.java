package dev.strata.mirror;

import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.Failpoints;
import dev.strata.operation.JournalSchema;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs a {@link MirrorChange}: its steps, each one transaction, then its refresh. */
public final class MirrorExecutor {
  private final Connections connections;

  public MirrorExecutor(Connections connections) {
    this.connections = connections;
  }

  public Optional<MirrorRefresher.Result> run(MirrorChange change) {
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      JournalSchema.ensure(coordinator);
    }
    int step = 0;
    for (MirrorChange.Step each : change.steps()) {
      try (Database session = session(each.session())) {
        session.inTransaction(
            db -> {
              for (SqlStatement statement : each.statements()) {
                db.execute(statement);
              }
              return null;
            });
      }
      Failpoints.hit("mirror.step." + ++step);
    }
    return change
        .refresh()
        .map(r -> new MirrorRefresher(connections).refresh(r, MirrorRefresher.Options.DEFAULT));
  }

  /** The statements, rendered, for dry runs and {@code strata plan --sql}. */
  public List<String> sql(MirrorChange change) {
    List<String> lines = new ArrayList<>();
    for (MirrorChange.Step step : change.steps()) {
      lines.add("-- on " + step.session());
      lines.add("BEGIN;");
      step.statements().forEach(s -> lines.add(s.render()));
      lines.add("COMMIT;");
    }
    if (change.refresh().isPresent()) {
      lines.add("-- on " + Connections.COORDINATOR + ": refresh");
      lines.add("BEGIN;");
      MirrorRefresher refresher = new MirrorRefresher(connections);
      // A change with steps creates or remakes the copy: its refresh is a first fill.
      (change.steps().isEmpty()
              ? refresher.plan(change.refresh().get(), MirrorRefresher.Options.DEFAULT)
              : refresher.planFirstFill(change.refresh().get()))
          .forEach(s -> lines.add(s.render()));
      lines.add("COMMIT;");
    }
    return lines;
  }

  private Database session(String name) {
    return name.equals(Connections.COORDINATOR)
        ? new Database(name, connections.coordinator())
        : new Database(name, connections.server(name));
  }
}
