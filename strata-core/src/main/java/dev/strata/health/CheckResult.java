package dev.strata.health;

import java.util.Objects;
import java.util.Optional;

/**
 * One finding of {@code strata doctor}.
 *
 * @param check which check
 * @param status its verdict
 * @param subject what it is about: a server, a table, a partition, or {@code configuration}
 * @param evidence what was found, with the figures (never a password)
 * @param fix what to do: SQL to run (and where), a config key to set, or a Strata command; empty
 *     when the status is {@link CheckStatus#OK}
 */
public record CheckResult(
    Check check, CheckStatus status, String subject, String evidence, Optional<String> fix) {
  public CheckResult {
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(evidence, "evidence");
    Objects.requireNonNull(fix, "fix");
    if (status != CheckStatus.OK && fix.isEmpty()) {
      throw new IllegalArgumentException(check.id() + ": a warning or failure needs a fix");
    }
  }

  public static CheckResult ok(Check check, String subject, String evidence) {
    return new CheckResult(check, CheckStatus.OK, subject, evidence, Optional.empty());
  }

  public static CheckResult warn(Check check, String subject, String evidence, String fix) {
    return new CheckResult(check, CheckStatus.WARN, subject, evidence, Optional.of(fix));
  }

  public static CheckResult fail(Check check, String subject, String evidence, String fix) {
    return new CheckResult(check, CheckStatus.FAIL, subject, evidence, Optional.of(fix));
  }
}
