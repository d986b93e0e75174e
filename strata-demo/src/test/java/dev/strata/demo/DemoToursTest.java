package dev.strata.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tours, run in process as {@code strata demo} runs them in its second JVM, and what happens to
 * the servers of a demo killed with SIGKILL.
 */
class DemoToursTest {
  @Test
  void printsTheSeedsPerYearTableAndTheTour(@TempDir Path directory) {
    DemoRun run =
        DemoRun.run(
            Map.of("TMPDIR", directory.toString()), "--dir", directory.resolve("demo").toString());
    assertThat(run.exitCode()).as(run.toString()).isZero();
    String out = run.out();
    assertThat(out)
        .contains(" 2023 |              4 |   79250.00 | 2023-02-10 08:45:00 | 2023-12-01 15:45:00")
        .contains(" 2024 |              4 |   85000.00 | 2024-03-15 09:00:00 | 2024-11-05 11:20:00")
        .contains(" 2025 |              3 |  102333.33 | 2025-04-12 10:00:00 | 2025-10-08 14:30:00")
        .contains("= seed 000's expected output");
    assertThat(out)
        .contains("Foreign Scan on public.emp_2024")
        .contains("Remote SQL: SELECT")
        .doesNotContain("emp_2023 emp_");
    assertThat(out)
        .containsPattern("emp_2023 +\\| archive_2023 +\\| +12 ")
        .containsPattern("emp_2024 +\\| archive_2024 +\\| +13 ")
        .containsPattern("emp_2025 +\\| local \\(main\\) +\\| +14 ");
    assertThat(out).contains("Table public.emp").contains("Servers");
    assertThat(out)
        .contains("[archive] archive public.emp_2025 to archive_2025")
        .contains("[retire] retire public.emp_2023 (archive_2023), exported to")
        .contains("[decommission] drop foreign server archive_2023 and its user mappings")
        .contains(
            "applied: create public.emp_2028 FROM ('2028-01-01 00:00:00') TO ('2029-01-01 00:00:00')")
        .contains("= 2024 and 2025 identical before and after the move")
        .contains("a late write into archived 2025 fails instead of vanishing")
        .contains("again: nothing left to do\n  0 actions")
        .contains("strata move emp emp_2024 --to archive_2025")
        .contains(
            "streamed from archive_2024 to archive_2025 without passing through the coordinator")
        .contains("= the same answer; emp_2024 is now read from archive_2025")
        .contains("= the same answer as before apply");
    assertThat(out)
        .contains("applied: create mirror ref.customers of public.customers on crm (table)")
        .contains("applied: create mirror ref.customers_mv of public.customers on crm (matview)")
        .contains("strata mirror verify ref.customers: DIFFERENT (mirror 1000 rows")
        .contains("refreshed ref.customers (table): 1002 rows, 18 changed")
        .contains("refreshed ref.customers_mv (matview): 1002 rows")
        .containsPattern("ref\\.customers +\\| table +\\| crm:public\\.customers +\\| 1002 \\|");
    assertThat(out)
        .containsPattern(
            "public.emp_2025 \\| FROM \\('2025-01-01 00:00:00'\\) TO \\('2026-01-01 00:00:00'\\) \\| archive_2025 ");
    assertThat(directory.resolve("demo/exports")).isDirectoryContaining("glob:**.manifest.json");
    assertThat(directory.resolve("demo/strata.yaml")).exists();
  }

  @Test
  void theNextDemoStopsTheServersOfAKilledDemoThenTheShardingTourKeepsItsAnswer(
      @TempDir Path directory) throws Exception {
    Map<String, String> environment = Map.of("TMPDIR", directory.toString());
    Path killed = directory.resolve("killed");
    List<Long> orphans;
    try (DemoProcess demo =
        DemoProcess.start(
            environment,
            DemoProcess.java(DemoMain.class.getName(), "--keep", "--dir", killed.toString()))) {
      demo.awaitOutput("started in", Duration.ofMinutes(3));
      demo.kill9();
      orphans = OrphanedServersTest.runningPostmasters(killed);
      assertThat(orphans).as(demo.output()).hasSize(3);
    }

    DemoRun run =
        DemoRun.run(environment, "--shards", "--dir", directory.resolve("demo").toString());
    assertThat(run.exitCode()).as(run.toString()).isZero();
    String out = run.out();
    assertThat(out)
        .startsWith("Stopped 3 demo servers left running by an earlier demo that was killed:\n")
        .containsPattern("  archive_2023 \\(pid \\d+, port \\d+, " + killed.resolve("servers"))
        .contains("): stopped (fast shutdown)");
    assertThat(OrphanedServersTest.runningPostmasters(killed)).isEmpty();
    assertThat(orphans).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isEmpty());
    assertThat(out)
        .contains("[shard] create shard public.temperatures_shard_0_of_6 on shard_a")
        .contains("Aggregate\n   ->  Foreign Scan on temperatures_shard_")
        .contains("copying with logical replication")
        .contains("all are present once")
        .contains("shard_split of public.temperatures_shard_")
        .contains("to server shard_d: done")
        .contains("Done: the same answer");
    assertThat(out.split("= identical to the answer before any move", -1)).hasSize(4);
    // The killed demo's record was removed with its servers, the finished demo's by itself.
    assertThat(DemoRecords.in(environment).registry()).isEmptyDirectory();
  }
}
