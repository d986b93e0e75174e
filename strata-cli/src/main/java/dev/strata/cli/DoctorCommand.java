package dev.strata.cli;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.health.CheckResult;
import dev.strata.health.CheckStatus;
import dev.strata.health.Doctor;
import dev.strata.health.DoctorOptions;
import dev.strata.health.DoctorReport;
import dev.strata.plan.Periods;
import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "doctor",
    description = {
      "Check the deployment against the production checklist and say how to fix what is wrong.",
      "Connectivity (direct and through each foreign server, with latency), foreign-server options,"
          + " every archived partition (remote table, columns, CHECK constraint, rows out of bounds,"
          + " row count against the journal), table layout (gaps, default partition, premake,"
          + " unique indexes), leftovers (unused remote tables, detached copies, unfinished"
          + " operations), the archives' hygiene (idle transactions, the mapped role's rights) and"
          + " statistics. Each finding is ok, warn or fail, with its evidence and its fix. It"
          + " changes nothing."
    },
    footer = {
      "",
      "Exit codes: 0 every check ok, 1 any check failed, 3 warnings but no failure, 2 usage or"
          + " configuration error.",
      "The checks are listed in README.md (\"strata doctor\")."
    })
final class DoctorCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin JsonOption json;

  @Option(
      names = "--deep",
      description =
          "Also hash every archived partition's rows and compare with the journal's checksum"
              + " (reads every remote row, like strata verify).")
  boolean deep;

  @Option(
      names = "--now",
      paramLabel = "TIMESTAMP",
      description =
          "The clock for the premake check, e.g. 2031-06-01 or 2031-06-01T12:00 (default: the"
              + " coordinator's clock).")
  String now;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    DoctorOptions options = DoctorOptions.DEFAULTS.withDeep(deep).withNow(parseNow());
    DoctorReport report = new Doctor(new Connections(configOptions.load(spec)), options).run();
    PrintWriter out = spec.commandLine().getOut();
    if (json.enabled) {
      Json.print(spec, Document.of(report));
    } else {
      print(out, report);
    }
    return report.exitCode();
  }

  private Optional<LocalDateTime> parseNow() {
    if (now == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Periods.parseNow(now));
    } catch (DateTimeParseException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "--now " + now + " is not a date or a date and time",
          "write it as 2031-06-01, 2031-06-01T12:00 or 2031-06-01T12:00:00Z (read as UTC)");
    }
  }

  /** {@code doctor --json}: docs/json.md#doctor. */
  record Document(String status, int exitCode, Summary summary, List<Check> checks) {
    static Document of(DoctorReport report) {
      return new Document(
          report.status().label(),
          report.exitCode(),
          new Summary(
              report.count(CheckStatus.OK),
              report.count(CheckStatus.WARN),
              report.count(CheckStatus.FAIL)),
          report.results().stream().map(Check::of).toList());
    }
  }

  record Summary(long ok, long warn, long fail) {}

  record Check(String check, String status, String subject, String evidence, Optional<String> fix) {
    static Check of(CheckResult result) {
      return new Check(
          result.check().id(),
          result.status().label(),
          result.subject(),
          result.evidence(),
          result.fix());
    }
  }

  static void print(PrintWriter out, DoctorReport report) {
    for (CheckResult result : report.results()) {
      out.println(
          String.format(
              java.util.Locale.ROOT,
              "%-4s  %-27s %s",
              result.status().label(),
              result.check().id(),
              result.subject()));
      out.println("      " + result.evidence());
      result.fix().ifPresent(fix -> out.println("      fix: " + fix));
    }
    out.println();
    List<String> counts =
        List.of(
            report.count(CheckStatus.OK) + " ok",
            report.count(CheckStatus.WARN)
                + (report.count(CheckStatus.WARN) == 1 ? " warning" : " warnings"),
            report.count(CheckStatus.FAIL)
                + (report.count(CheckStatus.FAIL) == 1 ? " failure" : " failures"));
    out.println(report.results().size() + " checks: " + String.join(", ", counts) + ".");
  }
}
