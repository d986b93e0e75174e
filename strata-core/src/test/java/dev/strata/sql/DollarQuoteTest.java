package dev.strata.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.secret.Secret;
import org.junit.jupiter.api.Test;

class DollarQuoteTest {
  @Test
  void picksATagThatCannotEndTheQuoteEarly() {
    assertThat(DollarQuote.quote("BEGIN NULL; END")).isEqualTo("$strata$BEGIN NULL; END$strata$");
    assertThat(DollarQuote.quote("x $strata$ y")).isEqualTo("$strata1$x $strata$ y$strata1$");
    assertThat(DollarQuote.quote("x $strata$ $strata1$")).startsWith("$strata2$");
    // A body ending in "$strata" would be closed by the first "$" of "$strata$".
    assertThat(DollarQuote.quote("role_$strata")).isEqualTo("$strata1$role_$strata$strata1$");
  }

  @Test
  void copyDataIsOneEscapedLineAndRendersMasked() {
    assertThat(SecretChannel.copyLine("a\\b\tc\nd\re")).isEqualTo("a\\\\b\\tc\\nd\\re\n");
    assertThat(SecretChannel.copyLine("\\.")).isEqualTo("\\\\.\n");
    SqlStatement copy = SqlStatement.copyIn("COPY t FROM STDIN", Secret.of("hunter2", "${env:P}"));
    assertThat(copy.render()).isEqualTo("COPY t FROM STDIN;  -- data: ******** (${env:P})");
    assertThat(copy.copyData()).contains("hunter2\n");
  }
}
