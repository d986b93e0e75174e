package dev.strata.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.support.TestLayout;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CatalogReaderTest {
  static TestLayout layout;
  static Database coordinator;
  static CatalogReader catalog;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("catalog_reader_test");
    layout.sql(
        layout.archiveA(),
        "CREATE TABLE remote_2023 (id int NOT NULL, at timestamp NOT NULL, note text)",
        "INSERT INTO remote_2023 SELECT g, '2023-06-01', 'x' FROM generate_series(1, 10) g");
    layout.sql(
        layout.main(),
        "CREATE EXTENSION postgres_fdw",
        "CREATE SERVER archive_a FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '"
            + layout.archiveA().port()
            + "', dbname '"
            + layout.database
            + "', fetch_size '5000')",
        "CREATE USER MAPPING FOR postgres SERVER archive_a OPTIONS (user 'postgres', password 'never-read-me')",
        "CREATE TABLE events (id int NOT NULL, at timestamp NOT NULL, note text) PARTITION BY RANGE (at)",
        "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"
            + " PARTITION BY LIST (note)",
        "CREATE TABLE events_default PARTITION OF events DEFAULT",
        "CREATE FOREIGN TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')"
            + " SERVER archive_a OPTIONS (table_name 'remote_2023')",
        "INSERT INTO events VALUES (1, '2024-05-01', 'a'), (2, '2030-01-01', 'b')",
        "ANALYZE events_2024",
        "CREATE TABLE \"Mixed Case\" (k int, \"Välue\" text) PARTITION BY LIST (\"Välue\")",
        "CREATE TABLE \"Mixed Case_ab\" PARTITION OF \"Mixed Case\" FOR VALUES IN ('a', 'it''s')",
        "CREATE TABLE hashed (k int NOT NULL PRIMARY KEY) PARTITION BY HASH (k)",
        "CREATE TABLE hashed_1 PARTITION OF hashed FOR VALUES WITH (modulus 2, remainder 1)",
        "CREATE TABLE hashed_0 PARTITION OF hashed FOR VALUES WITH (modulus 2, remainder 0)",
        "CREATE TABLE plain (k int)");
    coordinator = new Database(Connections.COORDINATOR, layout.connections().coordinator());
    catalog = new CatalogReader(coordinator);
  }

  @AfterAll
  static void tearDown() {
    coordinator.close();
  }

  @Test
  void readsRangePartitionsInKeyOrderWithTiersAndTheDefaultLast() {
    PartitionedTable events = catalog.partitionedTable(QualifiedName.parse("events"));
    assertThat(events.strategy()).isEqualTo(PartitionStrategy.RANGE);
    assertThat(events.keyColumns()).containsExactly("at");
    assertThat(events.columns())
        .containsExactly(
            new Column("id", "integer", true),
            new Column("at", "timestamp without time zone", true),
            new Column("note", "text", false));
    assertThat(events.partitions())
        .extracting(p -> p.name().name())
        .containsExactly("events_2023", "events_2024", "events_2025", "events_default");

    Partition archived = events.partitions().get(0);
    assertThat(archived.tier()).isInstanceOf(Tier.Foreign.class);
    Tier.Foreign foreign = archived.foreign().orElseThrow();
    assertThat(foreign.server()).isEqualTo("archive_a");
    assertThat(foreign.remoteSchema()).isEqualTo("public");
    assertThat(foreign.remoteTable()).isEqualTo("remote_2023");
    assertThat(archived.localSizeBytes()).isEmpty();

    Partition local = events.partitions().get(1);
    assertThat(local.isLocal()).isTrue();
    assertThat(local.estimatedRows()).hasValue(1);
    assertThat(local.localSizeBytes()).isPresent();
    assertThat(((PartitionBound.Range) local.bound()).from().get(0).text())
        .isEqualTo("2024-01-01 00:00:00");

    assertThat(events.partitions().get(2).subPartitioned()).isTrue();
    assertThat(events.partitions().get(3).isDefault()).isTrue();
    assertThat(events.uniqueIndexes()).isEmpty();
  }

  @Test
  void readsListAndHashPartitionsAndUniqueIndexes() {
    PartitionedTable mixed = catalog.partitionedTable(QualifiedName.parse("\"Mixed Case\""));
    assertThat(mixed.strategy()).isEqualTo(PartitionStrategy.LIST);
    assertThat(mixed.keyColumns()).containsExactly("Välue");
    var bound = (PartitionBound.ListBound) mixed.partitions().get(0).bound();
    assertThat(bound.values())
        .extracting(PartitionBound.BoundValue::text)
        .containsExactly("a", "it's");

    PartitionedTable hashed = catalog.partitionedTable(QualifiedName.parse("hashed"));
    assertThat(hashed.strategy()).isEqualTo(PartitionStrategy.HASH);
    assertThat(hashed.partitions())
        .extracting(p -> p.name().name())
        .containsExactly("hashed_0", "hashed_1");
    assertThat(hashed.uniqueIndexes()).containsExactly("hashed_pkey");
  }

  @Test
  void listsOnlyTopLevelPartitionedTables() {
    assertThat(catalog.partitionedTables())
        .containsExactly(
            QualifiedName.of("public", "Mixed Case"),
            QualifiedName.of("public", "events"),
            QualifiedName.of("public", "hashed"));
  }

  @Test
  void explainsMissingAndNonPartitionedTables() {
    assertThatThrownBy(() -> catalog.partitionedTable(QualifiedName.parse("nope")))
        .isInstanceOf(StrataException.class)
        .hasMessage("table public.nope does not exist on the coordinator")
        .extracting(e -> ((StrataException) e).code())
        .isEqualTo(ErrorCode.INVALID_TARGET);
    assertThatThrownBy(() -> catalog.partitionedTable(QualifiedName.parse("plain")))
        .hasMessage("public.plain is not a partitioned table (it is a plain table)");
    assertThatThrownBy(() -> catalog.partitionedTable(QualifiedName.parse("\"mixed case\"")))
        .extracting(e -> ((StrataException) e).hint())
        .asString()
        .contains("public.Mixed Case");
  }

  @Test
  void readsForeignServersAndMappingsWithoutPasswords() {
    ForeignServer server = catalog.server().foreignServer("archive_a").orElseThrow();
    assertThat(server.wrapper()).isEqualTo("postgres_fdw");
    assertThat(server.options())
        .containsEntry("fetch_size", "5000")
        .containsEntry("host", "127.0.0.1");
    List<UserMapping> mappings = catalog.server().userMappings();
    assertThat(mappings).hasSize(1);
    assertThat(mappings.get(0).options()).containsOnlyKeys("user");
    assertThat(mappings.get(0).hasPassword()).isTrue();
    assertThat(mappings.toString()).doesNotContain("never-read-me");
    assertThat(
            catalog
                .server()
                .mappingPasswordEquals(
                    "archive_a", "postgres", dev.strata.secret.Secret.of("never-read-me", "test")))
        .isTrue();
    assertThat(
            catalog
                .server()
                .mappingPasswordEquals(
                    "archive_a", "postgres", dev.strata.secret.Secret.of("other", "test")))
        .isFalse();
  }

  @Test
  void countsRowsExactlyAndMeasuresRemoteTablesOnTheirServer() {
    assertThat(catalog.data().exactRowCount(QualifiedName.parse("events_2023"))).isEqualTo(10);
    try (Database remote = new Database("archive_a", layout.connections().server("archive_a"))) {
      CatalogReader remoteCatalog = new CatalogReader(remote);
      assertThat(
              remoteCatalog
                  .data()
                  .tableSize(QualifiedName.parse("remote_2023"))
                  .orElseThrow()
                  .totalBytes())
          .isPositive();
      assertThat(remoteCatalog.tableColumns(QualifiedName.parse("remote_2023")).orElseThrow())
          .hasSize(3);
      assertThat(remoteCatalog.tableColumns(QualifiedName.parse("missing"))).isEmpty();
    }
  }
}
