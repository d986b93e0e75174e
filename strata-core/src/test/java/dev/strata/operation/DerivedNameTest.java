package dev.strata.operation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.sql.QualifiedName;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Staging and detached names fit PostgreSQL's 63 bytes and cut only whole characters. */
class DerivedNameTest {
  @Test
  void aLongNameIsCutBeforeTheSuffixAtACharacterBoundary() {
    // 57 bytes: with the suffix the emoji must go, and dropping only half of it would fit.
    String name = "long_" + "l".repeat(48) + "🐘";
    assertThat(name.getBytes(StandardCharsets.UTF_8)).hasSize(57);
    QualifiedName derived = PartitionMover.derivedName(QualifiedName.of("public", name), "_s12_in");
    String text = derived.name();
    assertThat(text.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(63);
    assertThat(text).endsWith("_s12_in").doesNotContain("?");
    assertThat(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .isEqualTo(text);
    assertThat(text.chars().noneMatch(c -> Character.isSurrogate((char) c))).isTrue();
  }

  @Test
  void aShortNameKeepsItsWholeText() {
    assertThat(PartitionMover.derivedName(QualifiedName.of("public", "emp_2024"), "_s3_old").name())
        .isEqualTo("emp_2024_s3_old");
  }
}
