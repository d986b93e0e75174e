package dev.strata.cli;

import dev.strata.connect.Connections;
import dev.strata.security.GrantPlan;
import dev.strata.security.GrantPlanner;
import dev.strata.sql.SqlStatement;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "grants",
    description = {
      "Print (or run) least-privilege SQL for every role Strata involves, on both sides.",
      "On each server: the user mapping's role gets SELECT on the archived tables (write rights"
          + " only where a partition is writable) and loses write rights on read-only ones; Strata's"
          + " own role gets what archiving and checking need. On the coordinator: no USAGE on the"
          + " foreign servers for PUBLIC, USAGE for Strata's role, and an application read-only"
          + " role with SELECT on the managed tables.",
      "Roles it creates get no password: Strata never invents or prints one, and says which to set."
    })
final class GrantsCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin JsonOption json;

  @Option(
      names = "--apply",
      description =
          "Run the statements, each server's in one transaction, as Strata's role there (which"
              + " must be allowed to grant them); each statement is printed as it runs.")
  boolean apply;

  @Option(
      names = "--read-role",
      paramLabel = "ROLE",
      description =
          "Name of the application read-only role on the coordinator (default: "
              + GrantPlanner.DEFAULT_READ_ROLE
              + ").")
  String readRole = GrantPlanner.DEFAULT_READ_ROLE;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    try {
      dev.strata.sql.Identifiers.validate(readRole);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--read-role '" + readRole + "' is not a role name: " + e.getMessage());
    }
    GrantPlanner planner = new GrantPlanner(new Connections(configOptions.load(spec)), readRole);
    GrantPlan plan = planner.plan();
    PrintWriter out = spec.commandLine().getOut();
    if (!apply) {
      if (json.enabled) {
        Json.print(spec, Document.of(plan, false));
      } else {
        print(out, plan);
      }
      return 0;
    }
    planner.apply(
        plan,
        server -> {
          if (!json.enabled) {
            out.println("-- on " + server);
            out.flush();
          }
        },
        statement -> {
          if (!json.enabled) {
            out.println(statement.render());
            out.flush();
          }
        });
    if (json.enabled) {
      Json.print(spec, Document.of(plan, true));
    } else {
      plan.sections().stream()
          .flatMap(
              section ->
                  section.notes().stream()
                      .map(note -> "-- note (" + section.server() + "): " + note))
          .forEach(out::println);
      out.println("Grants applied.");
    }
    return 0;
  }

  /** {@code grants --json}: docs/json.md#grants. */
  record Document(boolean applied, List<Section> servers) {
    static Document of(GrantPlan plan, boolean applied) {
      return new Document(
          applied,
          plan.sections().stream()
              .map(
                  section ->
                      new Section(
                          section.server(),
                          section.statements().stream().map(SqlStatement::render).toList(),
                          section.notes()))
              .toList());
    }
  }

  record Section(String server, List<String> sql, List<String> notes) {}

  private static void print(PrintWriter out, GrantPlan plan) {
    out.println("-- least-privilege grants (not executed; strata grants --apply runs them)");
    for (GrantPlan.Section section : plan.sections()) {
      out.println();
      out.println("-- on " + section.server());
      for (String note : section.notes()) {
        out.println("-- note: " + note);
      }
      if (section.statements().isEmpty()) {
        out.println("-- nothing to grant");
        continue;
      }
      out.println("BEGIN;");
      out.println(SqlStatement.renderAll(section.statements()));
      out.println("COMMIT;");
    }
  }
}
