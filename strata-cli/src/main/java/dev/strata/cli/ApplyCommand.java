package dev.strata.cli;

import dev.strata.connect.Connections;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlan;
import dev.strata.plan.LifecyclePlanner;
import dev.strata.plan.SavedPlan;
import java.io.Console;
import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
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
      "On a terminal, without --yes, the plan is shown and confirmation asked first; what runs is"
          + " then exactly the plan shown, or nothing if the state changed meanwhile.",
      "Given a PLAN file (`strata plan --out FILE`), executes exactly that plan at the clock and"
          + " kinds it was made with, or refuses with what changed and changes nothing. The SQL"
          + " in the file is only compared, never executed: what runs is always planned afresh.",
      "",
      "Examples:",
      "  strata apply --dry-run",
      "  strata plan --out tonight.plan && strata apply tonight.plan"
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
          "Only these action kinds: server, shard, resume, default_rows, premake, archive, retire, cleanup, decommission, mirror, mirror_refresh.")
  List<String> only = List.of();

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress output for moves.")
  boolean quiet;

  @picocli.CommandLine.Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "PLAN",
      description = "A plan saved by `strata plan --out FILE`.")
  java.nio.file.Path planFile;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    // Flags first: a usage error is reported before the configuration is read.
    if (planFile != null && (now != null || !only.isEmpty())) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "a saved plan carries its own clock and kinds: give PLAN or --now/--only, not both");
    }
    LocalDateTime instant = PlanCommand.instant(now, spec);
    Set<String> kinds = LifecycleOutput.parseKinds(only, spec.commandLine());
    Optional<SavedPlan> approved = Optional.ofNullable(planFile).map(SavedPlan::read);
    if (approved.isPresent()) {
      instant = approved.get().clock();
      kinds = LifecycleOutput.parseKinds(approved.get().only(), spec.commandLine());
    }
    Connections connections = new Connections(configOptions.load(spec));
    PrintWriter out = spec.commandLine().getOut();
    LifecycleExecutor executor =
        new LifecycleExecutor(
            connections,
            new ProgressPrinter(spec.commandLine().getErr(), !(quiet || json.enabled)));
    if (dryRun.enabled) {
      LifecyclePlan plan =
          LifecycleExecutor.filter(new LifecyclePlanner(connections).plan(instant), kinds);
      if (approved.isPresent()) {
        List<String> differences = approved.get().differences(executor.snapshot(plan, kinds));
        if (!differences.isEmpty()) {
          throw LifecycleExecutor.outOfDate(differences);
        }
      }
      if (json.enabled) {
        Json.print(spec, LifecycleOutput.applyDocument(plan, executor, null));
      } else {
        out.println(
            "-- dry run: nothing was executed"
                + (approved.isPresent() ? "; " + planFile + " still matches the coordinator" : ""));
        LifecycleOutput.printPlan(out, plan, executor, true);
      }
      return 0;
    }
    Console console = System.console();
    if (approved.isEmpty() && !yes && console != null && !json.enabled) {
      LifecyclePlan plan =
          LifecycleExecutor.filter(new LifecyclePlanner(connections).plan(instant), kinds);
      LifecycleOutput.printPlan(out, plan, executor, false);
      if (plan.actions().isEmpty()) {
        return 0;
      }
      SavedPlan shown = executor.snapshot(plan, kinds);
      String answer = console.readLine("Apply these %d actions? [y/N] ", plan.actions().size());
      if (answer == null || !answer.strip().equalsIgnoreCase("y")) {
        out.println("Nothing was changed.");
        return 0;
      }
      approved = Optional.of(shown);
    }
    AtomicReference<LifecyclePlan> executed = new AtomicReference<>();
    List<LifecycleAction> applied = new ArrayList<>();
    Consumer<LifecyclePlan> beforeRun =
        plan -> {
          executed.set(plan);
          if (!json.enabled) {
            plan.warnings().forEach(w -> out.println("warning: " + w));
            if (plan.actions().isEmpty()) {
              out.println("Nothing to change: the coordinator matches the configuration.");
            }
            out.flush();
          }
        };
    Consumer<LifecycleAction> done =
        action -> {
          applied.add(action);
          if (!json.enabled) {
            out.println("applied: " + action.description() + "  (" + action.reason() + ")");
            out.flush();
          }
        };
    if (approved.isPresent()) {
      executor.apply(approved.get(), beforeRun, done);
    } else {
      executor.apply(instant, kinds, beforeRun, done);
    }
    if (json.enabled) {
      Json.print(spec, LifecycleOutput.applyDocument(executed.get(), executor, applied));
    } else if (!applied.isEmpty()) {
      out.println(applied.size() + (applied.size() == 1 ? " change" : " changes") + " applied.");
    }
    return 0;
  }
}
