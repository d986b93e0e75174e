package dev.strata.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionBoundTest {
  @Test
  void parsesEveryKindPostgresPrints() {
    var range =
        (PartitionBound.Range)
            PartitionBound.parse(
                "FOR VALUES FROM ('2024-01-01 00:00:00') TO ('2025-01-01 00:00:00')");
    assertThat(range.from())
        .extracting(PartitionBound.BoundValue::text)
        .containsExactly("2024-01-01 00:00:00");
    assertThat(range.to().get(0).quoted()).isTrue();

    var open =
        (PartitionBound.Range)
            PartitionBound.parse("FOR VALUES FROM (MINVALUE, 5) TO (10, MAXVALUE)");
    assertThat(open.from().get(0).isMinValue()).isTrue();
    assertThat(open.to().get(1).isMaxValue()).isTrue();

    var list =
        (PartitionBound.ListBound) PartitionBound.parse("FOR VALUES IN ('it''s', 'b', NULL)");
    assertThat(list.values())
        .extracting(PartitionBound.BoundValue::text)
        .containsExactly("it's", "b", "NULL");

    var hash =
        (PartitionBound.Hash) PartitionBound.parse("FOR VALUES WITH (modulus 4, remainder 3)");
    assertThat(hash.modulus()).isEqualTo(4);
    assertThat(hash.remainder()).isEqualTo(3);

    assertThat(PartitionBound.parse("DEFAULT")).isInstanceOf(PartitionBound.Default.class);
  }

  @Test
  void refusesAnythingButABoundAndRendersSqlFromTheParsedValues() {
    for (String crafted :
        List.of(
            "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01'); CREATE TABLE pwned (x int)",
            "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') --",
            "FOR VALUES FROM (now()) TO ('2025-01-01')",
            "FOR VALUES FROM (1) TO (2) OR 1=1",
            "FOR VALUES FROM (1); DROP TABLE t; --) TO (2)",
            "FOR VALUES FROM (1, 2) TO (3)",
            "FOR VALUES WITH (modulus 4, remainder 1); DROP TABLE t",
            "FOR VALUES FROM ('unterminated) TO (2)")) {
      assertThatThrownBy(() -> PartitionBound.parse(crafted))
          .as(crafted)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(PartitionBound.parse("FOR VALUES FROM ('it''s') TO (MAXVALUE)").sql())
        .isEqualTo("FOR VALUES FROM ('it''s') TO (MAXVALUE)");
    assertThat(PartitionBound.parse("FOR VALUES FROM (-1.5e3) TO (20)").sql())
        .isEqualTo("FOR VALUES FROM (-1.5e3) TO (20)");
    assertThat(PartitionBound.parse("FOR VALUES IN (true, NULL, 'a')").sql())
        .isEqualTo("FOR VALUES IN (true, NULL, 'a')");
    assertThat(PartitionBound.parse("FOR VALUES WITH (modulus 8, remainder 3)").sql())
        .isEqualTo("FOR VALUES WITH (modulus 8, remainder 3)");
  }

  @Test
  void ordersNumbersNumericallyAndKeywordsAtTheEnds() {
    List<PartitionBound> bounds =
        new ArrayList<>(
            List.of(
                PartitionBound.parse("DEFAULT"),
                PartitionBound.parse("FOR VALUES FROM (100) TO (1000)"),
                PartitionBound.parse("FOR VALUES FROM (MINVALUE) TO (-5)"),
                PartitionBound.parse("FOR VALUES FROM (20) TO (100)"),
                PartitionBound.parse("FOR VALUES FROM (-5) TO (20)")));
    bounds.sort(PartitionBound.KEY_ORDER);
    assertThat(bounds)
        .extracting(PartitionBound::expression)
        .containsExactly(
            "FOR VALUES FROM (MINVALUE) TO (-5)",
            "FOR VALUES FROM (-5) TO (20)",
            "FOR VALUES FROM (20) TO (100)",
            "FOR VALUES FROM (100) TO (1000)",
            "DEFAULT");
  }
}
