package dev.strata.cli;

import dev.strata.connect.Connections;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlan;
import dev.strata.plan.LifecyclePlanner;
import java.io.Console;
import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "apply",
    description = {
      "Make the coordinator match strata.yaml: execute the plan (see `strata plan`).",
      "Foreign servers and user mappings come first, with Strata's production defaults"
          + " (fetch_size, async_capable, connect_timeout, keepalives, tcp_user_timeout, statement"
          + " and lock timeouts through libpq `options`) overridden by each server's `fdw:` block;"
          + " then each table's policy: default-partition rows, premade partitions, archives and"
          + " retirements (oldest first), cleanups and decommissions. Each action is its own"
          + " transaction or journaled operation; the first failure stops the run and says what"
          + " state things are in; a rerun continues. A second apply right after changes nothing.",
      "On a terminal, without --yes, the plan is shown and confirmation asked first."
    })
final class ApplyCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Option(
      names = "--now",
      paramLabel = "TIME",
      description = "Act as of this instant (UTC), e.g. 2026-02-01 (default: the clock).")
  String now;

  @Option(
      names = {"-y", "--yes"},
      description = "Do not ask for confirmation.")
  boolean yes;

  @Option(
      names = "--only",
      split = ",",
      paramLabel = "KIND",
      description =
          "Only these action kinds: server, resume, default_rows, premake, archive, retire, cleanup, decommission.")
  List<String> only = List.of();

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress output for moves.")
  boolean quiet;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    // Flags first: a usage error is reported before the configuration is read.
    LocalDateTime instant = PlanCommand.instant(now, spec);
    Set<String> kinds = LifecycleOutput.parseKinds(only, spec.commandLine());
    Connections connections = new Connections(configOptions.load(spec));
    PrintWriter out = spec.commandLine().getOut();
    LifecycleExecutor executor =
        new LifecycleExecutor(
            connections,
            new ProgressPrinter(spec.commandLine().getErr(), !(quiet || json.enabled)));
    if (dryRun.enabled) {
      LifecyclePlan plan =
          LifecycleExecutor.filter(new LifecyclePlanner(connections).plan(instant), kinds);
      if (json.enabled) {
        Json.print(out, LifecycleOutput.document(plan, executor, true, null));
      } else {
        out.println("-- dry run: nothing was executed");
        LifecycleOutput.printPlan(out, plan, executor, true);
      }
      return 0;
    }
    Console console = System.console();
    if (!yes && console != null && !json.enabled) {
      LifecyclePlan plan =
          LifecycleExecutor.filter(new LifecyclePlanner(connections).plan(instant), kinds);
      LifecycleOutput.printPlan(out, plan, executor, false);
      if (plan.actions().isEmpty()) {
        return 0;
      }
      String answer = console.readLine("Apply these %d actions? [y/N] ", plan.actions().size());
      if (answer == null || !answer.strip().equalsIgnoreCase("y")) {
        out.println("Nothing was changed.");
        return 0;
      }
    }
    AtomicReference<LifecyclePlan> executed = new AtomicReference<>();
    List<LifecycleAction> applied = new ArrayList<>();
    executor.apply(
        instant,
        kinds,
        plan -> {
          executed.set(plan);
          if (!json.enabled) {
            plan.warnings().forEach(w -> out.println("warning: " + w));
            if (plan.actions().isEmpty()) {
              out.println("Nothing to change: the coordinator matches the configuration.");
            }
            out.flush();
          }
        },
        action -> {
          applied.add(action);
          if (!json.enabled) {
            out.println("applied: " + action.description() + "  (" + action.reason() + ")");
            out.flush();
          }
        });
    if (json.enabled) {
      Json.print(out, LifecycleOutput.document(executed.get(), executor, false, applied));
    } else if (!applied.isEmpty()) {
      out.println(applied.size() + (applied.size() == 1 ? " change" : " changes") + " applied.");
    }
    return 0;
  }
}
