package dev.strata.cli;

import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlan;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  static Map<String, Object> document(
      LifecyclePlan plan, LifecycleExecutor sql, boolean withSql, List<LifecycleAction> applied) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("now", plan.now().toString());
    List<Map<String, Object>> actions = new ArrayList<>();
    List<List<String>> statements = withSql ? sql.sql(plan) : List.of();
    for (int i = 0; i < plan.actions().size(); i++) {
      LifecycleAction action = plan.actions().get(i);
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("kind", action.kind());
      item.put("description", action.description());
      item.put("reason", action.reason());
      if (applied != null) {
        item.put("applied", applied.contains(action));
      }
      if (withSql) {
        item.put("sql", statements.get(i));
      }
      actions.add(item);
    }
    document.put("actions", actions);
    document.put("warnings", plan.warnings());
    return document;
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
