package dev.strata.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.ConfigSchema.Entries;
import dev.strata.config.ConfigSchema.Keys;
import dev.strata.config.ConfigSchema.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** docs/configuration.md lists every key, and the fdw table agrees with the registry. */
class ConfigurationDocumentTest {
  private static final Path DOCUMENT = Path.of("..", "docs", "configuration.md");

  private static String document() throws IOException {
    assertThat(DOCUMENT).as("run from the strata-core module directory").exists();
    return Files.readString(DOCUMENT);
  }

  @Test
  void everyKeyIsDocumented() throws IOException {
    String document = document();
    assertKeysDocumented(ConfigSchema.ROOT, document);
  }

  private static void assertKeysDocumented(Shape shape, String document) {
    if (shape instanceof Keys keys) {
      for (Map.Entry<String, Shape> child : keys.children().entrySet()) {
        boolean documented =
            document.contains("." + child.getKey() + "`")
                || document.contains("." + child.getKey() + ".")
                || document.contains("`" + child.getKey() + "`");
        assertThat(documented).as(child.getKey()).isTrue();
        assertKeysDocumented(child.getValue(), document);
      }
    } else if (shape instanceof Entries entries) {
      assertKeysDocumented(entries.entry(), document);
    }
  }

  @Test
  void fdwTableShowsEachRegistryDefault() throws IOException {
    String document = document();
    for (FdwOptions.FdwOption option : FdwOptions.all()) {
      Optional<String> row =
          document
              .lines()
              .filter(line -> line.startsWith("| `" + option.name() + "` |"))
              .findFirst();
      assertThat(row).as(option.name()).isPresent();
      String defaultColumn = row.get().split(" \\| ")[2];
      if (option.strataDefault().isPresent()) {
        assertThat(defaultColumn)
            .as(option.name())
            .contains("`" + option.strataDefault().get() + "`");
      } else {
        assertThat(defaultColumn).as(option.name()).isIn("—", "from `url`");
      }
    }
  }
}
