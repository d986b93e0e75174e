package dev.strata.health;

import java.util.List;

/**
 * What {@code strata doctor} found, in report order (see {@link Check}). The exit code is part of
 * the command's interface: {@value #EXIT_OK} when every check is ok, {@value #EXIT_FAILURES} when
 * any failed, {@value #EXIT_WARNINGS} when there are warnings but no failure.
 */
public record DoctorReport(List<CheckResult> results) {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURES = 1;
  public static final int EXIT_WARNINGS = 3;

  public DoctorReport {
    results = List.copyOf(results);
  }

  /** The worst status found; {@link CheckStatus#OK} for an empty report. */
  public CheckStatus status() {
    return results.stream().map(CheckResult::status).max(Enum::compareTo).orElse(CheckStatus.OK);
  }

  public long count(CheckStatus status) {
    return results.stream().filter(result -> result.status() == status).count();
  }

  public int exitCode() {
    return switch (status()) {
      case OK -> EXIT_OK;
      case WARN -> EXIT_WARNINGS;
      case FAIL -> EXIT_FAILURES;
    };
  }

  /** The results of one check. */
  public List<CheckResult> of(Check check) {
    return results.stream().filter(result -> result.check() == check).toList();
  }
}
