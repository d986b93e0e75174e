package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.operation.Operation;
import dev.strata.operation.OperationKind;
import dev.strata.operation.OperationState;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProgressPrinterTest {
  static final Operation OPERATION =
      new Operation(
          7,
          OperationKind.ARCHIVE,
          QualifiedName.parse("emp"),
          QualifiedName.parse("emp_2024"),
          "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
          "archive_a",
          QualifiedName.parse("emp_2024"),
          QualifiedName.parse("emp_2024_s7_in"),
          QualifiedName.parse("emp_2024_s7_old"),
          OperationState.FROZEN,
          1,
          false,
          OptionalLong.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          OffsetDateTime.now(),
          OffsetDateTime.now());

  @Test
  void aRateOnlyAfterASecondAndTheTotalsLastNeverAStaleLine() {
    StringWriter text = new StringWriter();
    ProgressPrinter printer = new ProgressPrinter(new PrintWriter(text), true, false);
    printer.step(OPERATION, "copying rows");
    printer.copied(10_000, 500_000, 300_000);
    printer.copied(20_000, 1_000_000, 300_000);
    printer.copied(40_000, 2_097_152, 300_000);
    printer.step(OPERATION, "building indexes");
    String[] lines = text.toString().split("\n");
    assertThat(lines[1]).isEqualTo("    3% 10,000 rows, 0.5 MB");
    assertThat(lines[2]).startsWith("  copied 40,000 rows, 2.0 MB in ");
    assertThat(lines[3]).isEqualTo("operation 7: building indexes");
  }
}
