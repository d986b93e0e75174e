package dev.strata.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code strata import} treats every field of an export manifest as untrusted: a crafted manifest
 * (the data file untouched, so its sha256 still matches) never runs SQL of its own, never reads a
 * file outside the manifest's directory, and changes nothing.
 */
class ImportTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestLayout layout;
  static Path exports;
  static Path manifest;

  @BeforeAll
  static void setUp() throws Exception {
    layout = new TestLayout("import_test");
    layout.sql(
        layout.main(),
        "CREATE TABLE events (id int NOT NULL, time timestamp NOT NULL) PARTITION BY RANGE (time)",
        "CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
        "CREATE TABLE events_2021 PARTITION OF events FOR VALUES FROM ('2021-01-01') TO ('2022-01-01')",
        "INSERT INTO events SELECT g, timestamp '2020-01-01' + g * interval '1 hour'"
            + " FROM generate_series(1, 500) g");
    exports = Files.createTempDirectory("import-test");
    new Retirer(layout.connections(), MoveProgress.NONE)
        .retire(
            QualifiedName.parse("events"),
            QualifiedName.parse("events_2020"),
            LocalDateTime.parse("2030-01-01T00:00"),
            Optional.of(exports));
    try (Stream<Path> files = Files.list(exports)) {
      manifest =
          files.filter(f -> f.toString().endsWith(".manifest.json")).findFirst().orElseThrow();
    }
  }

  static Stream<Arguments> craftedManifests() {
    return Stream.of(
        Arguments.of(
            "SQL after the bound",
            (Consumer<ObjectNode>)
                m -> m.put("bound", m.get("bound").asText() + "; CREATE TABLE pwned (x int)"),
            "is not valid: bound is"),
        Arguments.of(
            "SQL as a bare bound value",
            (Consumer<ObjectNode>)
                m ->
                    m.put(
                        "bound",
                        "FOR VALUES FROM ('2020-01-01') TO (MAXVALUE) WITH (x); CREATE TABLE pwned (x int); --"),
            "is not valid: bound is"),
        Arguments.of(
            "SQL in a bare value",
            (Consumer<ObjectNode>)
                m ->
                    m.put(
                        "bound",
                        "FOR VALUES FROM (now()) TO ((SELECT 1 FROM pg_sleep(0); CREATE TABLE pwned (x int)))"),
            "is not valid: bound is"),
        Arguments.of(
            "a quote inside a literal",
            (Consumer<ObjectNode>)
                m ->
                    m.put(
                        "bound",
                        "FOR VALUES FROM ('2020-01-01'') TO (''2021-01-01'); CREATE TABLE pwned (x int); --') TO ('2021-01-01')"),
            "is not valid: bound is"),
        Arguments.of(
            "a value that is no timestamp",
            (Consumer<ObjectNode>)
                m ->
                    m.put(
                        "bound",
                        "FOR VALUES FROM ('x''); CREATE TABLE pwned (x int); --') TO ('2021-01-01')"),
            "is not a valid timestamp"),
        Arguments.of(
            "a data file outside the manifest's directory",
            (Consumer<ObjectNode>) m -> m.put("dataFile", "../../../etc/passwd"),
            "dataFile is \"../../../etc/passwd\""),
        Arguments.of(
            "an absolute data file",
            (Consumer<ObjectNode>) m -> m.put("dataFile", "/etc/shadow.copy.gz"),
            "dataFile is \"/etc/shadow.copy.gz\""),
        Arguments.of(
            "SQL in the table name",
            (Consumer<ObjectNode>) m -> m.put("table", "events; DROP TABLE events"),
            "table is \"events; DROP TABLE events\""),
        Arguments.of(
            "SQL in the partition name",
            (Consumer<ObjectNode>) m -> m.put("partition", "x\" PARTITION OF events DEFAULT; --"),
            "partition is"),
        Arguments.of(
            "a column type changed",
            (Consumer<ObjectNode>)
                m -> ((ObjectNode) m.get("columns").get(0)).put("type", "int; DROP TABLE events"),
            "the export's columns"),
        Arguments.of(
            "a checksum that is no number",
            (Consumer<ObjectNode>) m -> m.put("checksum", "1); DROP TABLE events; --"),
            "checksum is"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("craftedManifests")
  void aCraftedManifestIsRefusedAndChangesNothing(
      String description, Consumer<ObjectNode> craft, String message) throws Exception {
    ObjectNode document = (ObjectNode) JSON.readTree(manifest.toFile());
    craft.accept(document);
    Path crafted = manifest.resolveSibling("crafted.manifest.json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(crafted.toFile(), document);
    String before = relations();
    try (Database coordinator =
        new Database(Connections.COORDINATOR, layout.connections().coordinator())) {
      assertThatThrownBy(
              () -> Exports.importFile(coordinator, crafted, Optional.empty(), Optional.empty()))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining(message)
          .satisfies(
              e ->
                  assertThat(((StrataException) e).code())
                      .isIn(ErrorCode.USAGE, ErrorCode.CHECK_FAILED));
    }
    assertThat(relations()).as("nothing was created or dropped").isEqualTo(before);
  }

  @Test
  void theUntouchedManifestImports() {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, layout.connections().coordinator())) {
      Exports.ImportPlan plan =
          Exports.planImport(
              coordinator, manifest, Optional.empty(), Optional.of("events_2020_back"));
      assertThat(plan.statements())
          .contains(
              "CREATE TABLE \"public\".\"events_2020_back\" PARTITION OF \"public\".\"events\""
                  + " FOR VALUES FROM ('2020-01-01 00:00:00') TO ('2021-01-01 00:00:00');");
      Exports.importFile(coordinator, manifest, Optional.empty(), Optional.of("events_2020_back"));
    }
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM events_2020_back"))
        .isEqualTo("500");
  }

  static String relations() {
    return layout.queryString(
        layout.main(),
        "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class"
            + " WHERE relnamespace = 'public'::regnamespace");
  }
}
