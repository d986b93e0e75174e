package dev.strata.operation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.sql.QualifiedName;
import org.junit.jupiter.api.Test;

class PartitionNamesTest {
  private static final QualifiedName EMP = QualifiedName.of("public", "emp");

  @Test
  void namesCalendarPartitionsByTheirPeriod() {
    assertThat(PartitionNames.forRange(EMP, "2025-01-01 00:00:00", "2026-01-01 00:00:00").name())
        .isEqualTo("emp_2025");
    assertThat(PartitionNames.forRange(EMP, "2025-03-01", "2025-04-01").name())
        .isEqualTo("emp_2025_03");
    assertThat(
            PartitionNames.forRange(EMP, "2025-03-14 00:00:00+00", "2025-03-15 00:00:00+00").name())
        .isEqualTo("emp_2025_03_14");
  }

  @Test
  void namesOtherRangesByTheirBounds() {
    assertThat(PartitionNames.forRange(EMP, "100", "200").name()).isEqualTo("emp_100_200");
    assertThat(PartitionNames.forRange(EMP, "MINVALUE", "2020-01-01").name())
        .isEqualTo("emp_minvalue_20200101");
    assertThat(PartitionNames.forRange(QualifiedName.of("public", "x".repeat(60)), "1", "2").name())
        .hasSize(63);
  }
}
