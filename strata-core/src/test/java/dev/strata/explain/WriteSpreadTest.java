package dev.strata.explain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.explain.ExplainReport.Finding;
import dev.strata.explain.ExplainReport.FindingKind;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.support.TestLayout;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code strata explain} flags writes that span servers, against real servers: {@code readings} is
 * range-partitioned on {@code id}, 0–99 local, 100–199 on archive_a, 200–299 on archive_b (both
 * writable); {@code sharded} is hash-partitioned in two shards on archive_a and archive_b; {@code
 * tiered} has a local partition and a read-only one on archive_a.
 */
class WriteSpreadTest {
  static TestLayout layout;
  static ExplainService service;

  @BeforeAll
  static void setUp() {
    layout = new TestLayout("write_spread_test");
    StrataConfig config = layout.config();
    Connections connections = new Connections(config);
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
    layout.sql(
        layout.archiveA(),
        "CREATE TABLE readings_1 (id int NOT NULL, reading text)",
        "CREATE TABLE sharded_0 (id int NOT NULL, reading text)",
        "CREATE TABLE tiered_old (id int NOT NULL, reading text)");
    layout.sql(
        layout.archiveB(),
        "CREATE TABLE readings_2 (id int NOT NULL, reading text)",
        "CREATE TABLE sharded_1 (id int NOT NULL, reading text)");
    layout.sql(
        layout.main(),
        "CREATE TABLE readings (id int NOT NULL, reading text) PARTITION BY RANGE (id)",
        "CREATE TABLE readings_0 PARTITION OF readings FOR VALUES FROM (0) TO (100)",
        "CREATE FOREIGN TABLE readings_1 PARTITION OF readings FOR VALUES FROM (100) TO (200)"
            + " SERVER archive_a OPTIONS (table_name 'readings_1')",
        "CREATE FOREIGN TABLE readings_2 PARTITION OF readings FOR VALUES FROM (200) TO (300)"
            + " SERVER archive_b OPTIONS (table_name 'readings_2')",
        "CREATE TABLE sharded (id int NOT NULL, reading text) PARTITION BY HASH (id)",
        "CREATE FOREIGN TABLE sharded_0 PARTITION OF sharded"
            + " FOR VALUES WITH (MODULUS 2, REMAINDER 0) SERVER archive_a"
            + " OPTIONS (table_name 'sharded_0')",
        "CREATE FOREIGN TABLE sharded_1 PARTITION OF sharded"
            + " FOR VALUES WITH (MODULUS 2, REMAINDER 1) SERVER archive_b"
            + " OPTIONS (table_name 'sharded_1')",
        "CREATE TABLE tiered (id int NOT NULL, reading text) PARTITION BY RANGE (id)",
        "CREATE TABLE tiered_new PARTITION OF tiered FOR VALUES FROM (100) TO (200)",
        "CREATE FOREIGN TABLE tiered_old PARTITION OF tiered FOR VALUES FROM (0) TO (100)"
            + " SERVER archive_a OPTIONS (table_name 'tiered_old', updatable 'false')");
    service = new ExplainService(connections);
  }

  static Optional<Finding> writeFinding(String sql) {
    ExplainReport report = service.explain(ExplainRequest.of(sql, false));
    List<Finding> found =
        report.findings().stream()
            .filter(finding -> finding.kind() == FindingKind.WRITE_ACROSS_SERVERS)
            .toList();
    assertThat(found).hasSizeLessThanOrEqualTo(1);
    if (!found.isEmpty()) {
      assertThat(report.findings().get(0)).isEqualTo(found.get(0));
    }
    return found.stream().findFirst();
  }

  @Test
  void anUpdateOrDeleteOverPartitionsOnSeveralServersIsFlagged() {
    Finding update = writeFinding("UPDATE readings SET reading = 'x' WHERE id < 150").orElseThrow();

    assertThat(update.servers()).containsExactly("coordinator", "archive_a");
    assertThat(update.relations()).containsExactly("public.readings_0", "public.readings_1");
    assertThat(update.subject()).isEqualTo("UPDATE public.readings_0, public.readings_1");
    assertThat(update.problem())
        .startsWith("the statement writes to partitions on 2 servers (coordinator, archive_a)")
        .contains("postgres_fdw has no two-phase commit");
    assertThat(update.fix()).contains("one statement and transaction per server", "idempotent");

    assertThat(writeFinding("DELETE FROM readings").orElseThrow().servers())
        .containsExactly("coordinator", "archive_a", "archive_b");
    assertThat(writeFinding("UPDATE readings SET reading = 'x' WHERE id >= 100 AND id < 200"))
        .isEmpty();
    assertThat(writeFinding("DELETE FROM readings WHERE id = 250")).isEmpty();
  }

  @Test
  void insertedValuesAreRoutedByTheirKeys() {
    Finding spread =
        writeFinding("INSERT INTO readings VALUES (1, 'a'), (150, 'b'), (151, 'c')").orElseThrow();
    assertThat(spread.servers()).containsExactly("coordinator", "archive_a");
    assertThat(spread.relations()).containsExactly("public.readings_0", "public.readings_1");
    assertThat(spread.problem()).startsWith("the statement writes to partitions on 2 servers");

    assertThat(writeFinding("INSERT INTO readings VALUES (1, 'a'), (2, 'b')")).isEmpty();
    assertThat(
            writeFinding(
                "INSERT INTO public.readings (reading, id) VALUES ('a', 250), ('b', '260'::int)"))
        .isEmpty();
    assertThat(
            writeFinding("INSERT INTO readings (reading, id) VALUES ('a', 250), ('b', +120)")
                .orElseThrow()
                .servers())
        .containsExactly("archive_a", "archive_b");
  }

  @Test
  void hashShardsAreRoutedByPostgresqlsOwnHash() {
    // Keys on the same shard as key 1 and on the other one, as PostgreSQL hashes them.
    String sameShard = keyWhose("=");
    String otherShard = keyWhose("<>");

    assertThat(writeFinding("INSERT INTO sharded VALUES (1, 'a'), (" + sameShard + ", 'b')"))
        .isEmpty();
    Finding spread =
        writeFinding("INSERT INTO sharded VALUES (1, 'a'), (" + otherShard + ", 'b')")
            .orElseThrow();
    assertThat(spread.servers()).containsExactlyInAnyOrder("archive_a", "archive_b");
    assertThat(spread.relations())
        .containsExactlyInAnyOrder("public.sharded_0", "public.sharded_1");
  }

  /** The smallest key above 1 whose shard compares with key 1's by {@code operator}. */
  static String keyWhose(String operator) {
    return layout.queryString(
        layout.main(),
        "SELECT min(k) FROM generate_series(2, 100) k"
            + " WHERE satisfies_hash_partition('sharded'::regclass, 2, 0, k)"
            + " "
            + operator
            + " satisfies_hash_partition('sharded'::regclass, 2, 0, 1)");
  }

  @Test
  void rowsNotKnownUntilTheStatementRunsMayGoAnywhereWritable() {
    Finding select =
        writeFinding("INSERT INTO readings SELECT g, 'x' FROM generate_series(1, 10) g")
            .orElseThrow();
    assertThat(select.servers()).containsExactly("coordinator", "archive_a", "archive_b");
    assertThat(select.problem())
        .startsWith("the rows are routed to partitions when the statement runs")
        .contains("may write to partitions on 3 servers");
    assertThat(select.subject()).isEqualTo("INSERT public.readings");

    Finding expression =
        writeFinding("INSERT INTO readings VALUES (1, 'a'), (abs(-150), 'b')").orElseThrow();
    assertThat(expression.problem()).contains("may write");

    // A read-only foreign partition refuses rows, so the INSERT writes on the coordinator or fails.
    assertThat(writeFinding("INSERT INTO tiered SELECT g, 'x' FROM generate_series(1, 150) g"))
        .isEmpty();
  }

  @Test
  void readsAndWritesOfOneServerAreNotFlagged() {
    assertThat(writeFinding("SELECT count(*) FROM readings")).isEmpty();
    assertThat(writeFinding("INSERT INTO readings_1 VALUES (120, 'x')")).isEmpty();
  }

  @Test
  void aDataModifyingWithCountsEveryWrite() {
    Finding moved =
        writeFinding(
                "WITH gone AS (DELETE FROM readings WHERE id < 50 RETURNING id, reading)"
                    + " INSERT INTO readings SELECT id + 200, reading FROM gone")
            .orElseThrow();
    assertThat(moved.servers()).contains("coordinator", "archive_b");
  }
}
