package dev.strata.cli;

import dev.strata.connect.Connections;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlan;
import dev.strata.plan.LifecyclePlanner;
import dev.strata.plan.Periods;
import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "plan",
    description = {
      "Show what `strata apply` would do, in order, with a reason for each action; change nothing.",
      "Compares the config's policies with the catalog and the journal: foreign servers and user"
          + " mappings to create or change; unfinished operations to resume; rows in default"
          + " partitions to move into proper partitions; partitions to premake by the clock;"
          + " partitions to archive (whole range older than hot); partitions to retire (whole range"
          + " older than retention); detached copies past their grace period; servers to"
          + " decommission; and warnings.",
      "With --out FILE the plan is also saved, with its SQL and a fingerprint of the state it was"
          + " made from; `strata apply FILE` then executes exactly that plan, or refuses and changes"
          + " nothing if anything it was made from has changed.",
      "",
      "Examples:",
      "  strata plan --now 2026-02-01 --sql",
      "  strata plan --out tonight.plan && strata apply tonight.plan"
    })
final class PlanCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin JsonOption json;

  @Option(
      names = "--now",
      paramLabel = "TIME",
      description = "Plan as of this instant (UTC), e.g. 2026-02-01 (default: the clock).")
  String now;

  @Option(names = "--sql", description = "Show the SQL of each action.")
  boolean sql;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Also save the plan to FILE (JSON, no secrets) for `strata apply FILE`.")
  java.nio.file.Path out;

  @Option(
      names = "--only",
      split = ",",
      paramLabel = "KIND",
      description =
          "Only these action kinds: server, shard, resume, default_rows, premake, archive, retire, cleanup, decommission, mirror, mirror_refresh.")
  List<String> only = List.of();

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    // Flags first: a usage error is reported before the configuration is read.
    java.time.LocalDateTime instant = instant(now, spec);
    java.util.Set<String> kinds = LifecycleOutput.parseKinds(only, spec.commandLine());
    Connections connections = new Connections(configOptions.load(spec));
    LifecyclePlan plan =
        LifecycleExecutor.filter(new LifecyclePlanner(connections).plan(instant), kinds);
    LifecycleExecutor renderer = new LifecycleExecutor(connections, MoveProgress.NONE);
    PrintWriter printer = spec.commandLine().getOut();
    if (out != null) {
      renderer.snapshot(plan, kinds).write(out);
    }
    if (json.enabled) {
      Json.print(
          spec,
          LifecycleOutput.planDocument(plan, renderer, sql, out == null ? null : out.toString()));
    } else {
      LifecycleOutput.printPlan(printer, plan, renderer, sql);
      if (out != null) {
        printer.println(
            "Saved to " + out + "; `strata apply " + out + "` executes exactly this plan.");
      }
    }
    printer.flush();
    return 0;
  }

  static LocalDateTime instant(String text, picocli.CommandLine.Model.CommandSpec spec) {
    if (text == null) {
      return LocalDateTime.now(ZoneOffset.UTC).withNano(0);
    }
    try {
      return Periods.parseNow(text);
    } catch (java.time.format.DateTimeParseException e) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--now "
              + text
              + " is not a date or time; write e.g. 2026-02-01 or 2026-02-01T12:00:00Z");
    }
  }
}
