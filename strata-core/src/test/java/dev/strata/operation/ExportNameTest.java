package dev.strata.operation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.sql.QualifiedName;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An export's file names stay inside the export directory, whatever the partition is called. */
class ExportNameTest {
  static Operation retire(String schema, String partition) {
    return Journal.draft(
        42,
        OperationKind.RETIRE,
        QualifiedName.of("public", "events"),
        QualifiedName.of(schema, partition),
        "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
        "coordinator",
        QualifiedName.of(schema, partition),
        1,
        false,
        Optional.empty(),
        Optional.empty());
  }

  @Test
  void pathSeparatorsAndDotsInNamesCannotLeaveTheDirectory() {
    Path directory = Path.of("/var/exports");
    for (Operation operation :
        new Operation[] {
          retire("public", "../../etc/cron.d/x"), retire("..", "x"), retire(".hidden", "a\\b")
        }) {
      String base = Exports.baseName(operation);
      assertThat(base).doesNotContain("/").doesNotContain("\\").doesNotStartWith(".");
      assertThat(directory.resolve(base + ".copy.gz").normalize().getParent()).isEqualTo(directory);
    }
    assertThat(Exports.baseName(retire("public", "emp_2020"))).isEqualTo("public.emp_2020.op42");
  }
}
