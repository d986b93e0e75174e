package dev.strata.cli;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.plan.SqlAction;
import dev.strata.sql.SqlStatement;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "apply",
    description = {
      "Make the coordinator match strata.yaml.",
      "Creates the postgres_fdw extension, one foreign server per configured server with Strata's"
          + " production defaults (fetch_size, async_capable, connect_timeout, keepalives,"
          + " tcp_user_timeout, statement and lock timeouts through libpq `options`) overridden by"
          + " each server's `fdw:` block, and one user mapping each. Only what differs is changed,"
          + " so a second run changes nothing. Each change runs in its own transaction."
    })
final class ApplyCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    StrataConfig config = configOptions.load(spec);
    PrintWriter out = spec.commandLine().getOut();
    Connections connections = new Connections(config);
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      List<SqlAction> actions = ForeignServerPlanner.plan(config, new CatalogReader(coordinator));
      if (dryRun.enabled || actions.isEmpty()) {
        report(out, actions, false);
        return 0;
      }
      List<SqlAction> applied = new ArrayList<>();
      ActionExecutor.execute(
          coordinator,
          actions,
          action -> {
            applied.add((SqlAction) action);
            if (!json.enabled) {
              out.println("applied: " + action.description() + "  (" + action.reason() + ")");
              out.flush();
            }
          });
      if (json.enabled) {
        report(out, applied, true);
      } else {
        out.println(applied.size() + (applied.size() == 1 ? " change" : " changes") + " applied.");
      }
      return 0;
    }
  }

  private void report(PrintWriter out, List<SqlAction> actions, boolean applied) {
    if (json.enabled) {
      List<Map<String, Object>> items = new ArrayList<>();
      for (SqlAction action : actions) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("kind", action.kind());
        item.put("description", action.description());
        item.put("reason", action.reason());
        item.put("sql", action.statements().stream().map(SqlStatement::render).toList());
        items.add(item);
      }
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("applied", applied);
      document.put("actions", items);
      Json.print(out, document);
      return;
    }
    if (actions.isEmpty()) {
      out.println("Nothing to change: the coordinator matches the configuration.");
      return;
    }
    out.println(
        "-- "
            + actions.size()
            + (actions.size() == 1 ? " change" : " changes")
            + " (dry run: nothing was executed)");
    for (SqlAction action : actions) {
      out.println();
      out.println("-- " + action.description() + ": " + action.reason());
      out.println("BEGIN;");
      out.println(SqlStatement.renderAll(action.statements()));
      out.println("COMMIT;");
    }
  }
}
