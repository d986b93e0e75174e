package dev.strata.cli;

import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlan;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Rendering of lifecycle plans, shared by {@code plan} and {@code apply}. */
public final class LifecycleOutput {
  static final Set<String> KINDS =
      Set.of(
          "server",
          "shard",
          "resume",
          "default_rows",
          "premake",
          "archive",
          "retire",
          "cleanup",
          "decommission",
          "mirror",
          "mirror_refresh");

  private LifecycleOutput() {}

  public static void printPlan(
      PrintWriter out, LifecyclePlan plan, LifecycleExecutor sql, boolean withSql) {
    if (plan.actions().isEmpty()) {
      out.println(
          "Nothing to change: the coordinator matches the configuration (as of "
              + plan.now()
              + " UTC).");
    } else {
      out.println(
          "Plan as of "
              + plan.now()
              + " UTC: "
              + plan.actions().size()
              + (plan.actions().size() == 1 ? " action" : " actions"));
      List<List<String>> statements = withSql ? sql.sql(plan) : List.of();
      for (int i = 0; i < plan.actions().size(); i++) {
        LifecycleAction action = plan.actions().get(i);
        out.printf(
            "%3d. [%s] %s%n       why: %s%n",
            i + 1, action.kind(), action.description(), action.reason());
        if (withSql) {
          statements.get(i).forEach(line -> out.println("       " + line));
        }
      }
    }
    plan.warnings().forEach(w -> out.println("warning: " + w));
    out.flush();
  }

  /**
   * {@code plan --json}: docs/json.md#plan.
   *
   * @param now the clock the plan was made for, in UTC
   * @param savedTo the file given with {@code --out}, or null
   */
  record PlanDocument(
      Instant now, List<PlannedAction> actions, List<String> warnings, String savedTo) {}

  /**
   * @param sql the statements it runs, with {@code --sql}; else null
   */
  record PlannedAction(
      String kind, String description, String reason, Optional<List<String>> sql) {}

  /**
   * {@code apply --json}: docs/json.md#apply. With {@code --dry-run} nothing is applied and every
   * action carries its SQL; without, {@code sql} is null and {@code applied} says which ran.
   */
  record ApplyDocument(
      Instant now, boolean dryRun, List<AppliedAction> actions, List<String> warnings) {}

  record AppliedAction(
      String kind,
      String description,
      String reason,
      boolean applied,
      Optional<List<String>> sql) {}

  static PlanDocument planDocument(
      LifecyclePlan plan, LifecycleExecutor sql, boolean withSql, String savedTo) {
    List<List<String>> statements = withSql ? sql.sql(plan) : List.of();
    List<PlannedAction> actions = new ArrayList<>();
    for (int i = 0; i < plan.actions().size(); i++) {
      LifecycleAction action = plan.actions().get(i);
      actions.add(
          new PlannedAction(
              action.kind(),
              action.description(),
              action.reason(),
              withSql ? Optional.of(statements.get(i)) : Optional.empty()));
    }
    return new PlanDocument(
        plan.now().toInstant(ZoneOffset.UTC), actions, plan.warnings(), savedTo);
  }

  /**
   * @param applied the actions that ran, or null for a dry run (then each carries its SQL)
   */
  static ApplyDocument applyDocument(
      LifecyclePlan plan, LifecycleExecutor sql, List<LifecycleAction> applied) {
    boolean dryRun = applied == null;
    List<List<String>> statements = dryRun ? sql.sql(plan) : List.of();
    List<AppliedAction> actions = new ArrayList<>();
    for (int i = 0; i < plan.actions().size(); i++) {
      LifecycleAction action = plan.actions().get(i);
      actions.add(
          new AppliedAction(
              action.kind(),
              action.description(),
              action.reason(),
              !dryRun && applied.contains(action),
              dryRun ? Optional.of(statements.get(i)) : Optional.empty()));
    }
    return new ApplyDocument(
        plan.now().toInstant(ZoneOffset.UTC), dryRun, actions, plan.warnings());
  }

  static Set<String> parseKinds(List<String> only, picocli.CommandLine commandLine) {
    for (String kind : only) {
      if (!KINDS.contains(kind)) {
        throw new picocli.CommandLine.ParameterException(
            commandLine,
            "--only "
                + kind
                + " is not an action kind; use one of "
                + String.join(", ", new java.util.TreeSet<>(KINDS)));
      }
    }
    return Set.copyOf(only);
  }
}
