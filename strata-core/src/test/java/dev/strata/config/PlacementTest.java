package dev.strata.config;

import static dev.strata.config.ConfigTesting.MINIMAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.sql.QualifiedName;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The forms of {@code archive_to}. */
class PlacementTest {
  private static String table(String interval, String archiveTo) {
    return MINIMAL
        + """
        servers:
          archive_2023: {url: "postgresql://archive1/archive_db"}
          archive_2024: {url: "postgresql://archive2/archive_db"}
        tables:
          emp:
            partition_by: {column: time, interval: %s}
            hot: 1 year
            archive_to: %s
        """
            .formatted(interval, archiveTo);
  }

  private static Placement placement(String interval, String archiveTo) {
    return ConfigTesting.config(table(interval, archiveTo))
        .findTable(QualifiedName.of("public", "emp"))
        .orElseThrow()
        .archiveTo()
        .orElseThrow();
  }

  @Test
  void singleServer() {
    assertThat(placement("1 year", "archive_2024")).isEqualTo(new Placement.Single("archive_2024"));
  }

  @Test
  void listIsRoundRobin() {
    assertThat(placement("1 year", "[archive_2024, archive_2023]"))
        .isEqualTo(new Placement.RoundRobin(List.of("archive_2024", "archive_2023")));
  }

  @Test
  void mappingOfPeriodsIsByPeriod() {
    assertThat(placement("1 year", "{2023: archive_2023, 2024: archive_2024}"))
        .isEqualTo(new Placement.ByPeriod(Map.of("2023", "archive_2023", "2024", "archive_2024")));
    assertThat(placement("1 month", "{2024-01: archive_2024}"))
        .isEqualTo(new Placement.ByPeriod(Map.of("2024-01", "archive_2024")));
    assertThat(placement("1 day", "{2024-02-29: archive_2024}"))
        .isEqualTo(new Placement.ByPeriod(Map.of("2024-02-29", "archive_2024")));
  }

  @Test
  void fillWithSizeCap() {
    assertThat(
            placement(
                "1 month", "{fill: [archive_2023, archive_2024], max_size_per_server: 500GB}"))
        .isEqualTo(
            new Placement.Fill(List.of("archive_2023", "archive_2024"), 500L * 1024 * 1024 * 1024));
  }

  @Test
  void periodLabelsMustMatchTheInterval() {
    ConfigProblem problem = ConfigTesting.problem(table("1 month", "{2023-02-30: archive_2023}"));

    assertThat(problem.keyPath()).isEqualTo("tables.public.emp.archive_to.2023-02-30");
    assertThat(problem.message())
        .startsWith("is not a period label for partitions of 1 month")
        .contains("2023-04");
  }

  @Test
  void misspelledFillIsSuggested() {
    assertThat(ConfigTesting.problem(table("1 month", "{fil: [archive_2023]}")).suggestion())
        .contains("fill");
  }

  @Test
  void fillNeedsASizeWithAUnit() {
    assertThat(ConfigTesting.problem(table("1 month", "{fill: [archive_2023]}")).keyPath())
        .isEqualTo("tables.public.emp.archive_to.max_size_per_server");
    assertThat(
            ConfigTesting.problem(
                    table("1 month", "{fill: [archive_2023], max_size_per_server: 500}"))
                .message())
        .isEqualTo("\"500\" has no unit; write it with one, e.g. \"500GB\"");
  }

  @Test
  void serverListedTwiceIsAnError() {
    assertThat(ConfigTesting.problem(table("1 year", "[archive_2023, archive_2023]")).message())
        .isEqualTo("names server \"archive_2023\" twice; list each server once");
  }

  @Test
  void emptyListIsAnError() {
    assertThat(ConfigTesting.problem(table("1 year", "[]")).message())
        .isEqualTo("is an empty list; name at least one server");
  }

  @Test
  void unknownServerInAPeriodMapIsReportedAtItsPeriod() {
    ConfigProblem problem = ConfigTesting.problem(table("1 year", "{2023: archive_2032}"));

    assertThat(problem.keyPath()).isEqualTo("tables.public.emp.archive_to.2023");
    assertThat(problem.suggestion()).contains("archive_2023");
  }
}
