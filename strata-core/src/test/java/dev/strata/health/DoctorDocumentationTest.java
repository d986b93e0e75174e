package dev.strata.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** README's "strata doctor" section lists every check and the exit codes. */
class DoctorDocumentationTest {
  @Test
  void readmeListsEveryCheckAndTheExitCodes() throws IOException {
    Path readme = Path.of("..", "README.md");
    assertThat(readme).as("run from the strata-core module directory").exists();
    String text = Files.readString(readme);
    String section = text.substring(text.indexOf("## strata doctor"));
    for (Check check : Check.values()) {
      assertThat(section).as(check.id()).contains("| `" + check.id() + "` |");
    }
    assertThat(section).contains("**`0`** every check ok", "**`1`** any check failed", "**`3`**");
  }
}
