package dev.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.config.ConfigLoader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.operation.Failpoints;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.PartitionMover;
import dev.strata.sql.QualifiedName;
import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import dev.strata.testkit.StrataYaml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's headless Chromium driven by Selenium against a running
 * service. The page loads with no console error, the timeline shows every partition with its tier,
 * a running archive's progress bar advances while the copy runs, and doctor's findings are listed.
 * Screenshots go to {@code target/screenshots/}.
 *
 * <p>Needs {@code chromium} and {@code chromedriver} ({@code .ci/run} installs Debian's packages
 * when they are missing). Without them the suite fails under CI and is skipped elsewhere, saying
 * why.
 */
@Tag("browser")
class DashboardBrowserTest {
  static final String DATABASE = "strata_dashboard_test";
  static final String TOKEN = "dashboard-Token-5c8e";
  static final int BIG_ROWS = 200_000;
  static final String HOSTILE = "events_<img src=x onerror=alert(1)>_\"&";
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  static LocalServer main;
  static StrataConfig config;
  static ChromeDriver browser;

  @BeforeAll
  static void setUp() throws Exception {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String why =
          "the browser suite needs "
              + CHROMIUM
              + " and "
              + CHROMEDRIVER
              + " (Debian: apt-get install chromium chromium-driver; .ci/run installs them)";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(why);
      }
      System.out.println("SKIPPED DashboardBrowserTest: " + why);
      Assumptions.abort(why);
    }
    var servers = SharedServers.get();
    main = servers.server(SharedServers.MAIN);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_B, DATABASE);
    try (Connection connection = main.connect(DATABASE);
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE events (id bigint NOT NULL, at timestamp NOT NULL, body text)"
              + " PARTITION BY RANGE (at)");
      for (int month = 1; month <= 8; month++) {
        statement.execute(
            String.format(
                "CREATE TABLE events_2026_%02d PARTITION OF events FOR VALUES FROM ('2026-%02d-01')"
                    + " TO ('2026-%02d-01')",
                month, month, month + 1));
        int rows = month == 3 ? BIG_ROWS : 2_000 * month;
        statement.execute(
            String.format(
                "INSERT INTO events SELECT g, '2026-%02d-01'::timestamp + (g %% 1000) * interval"
                    + " '1 minute', repeat('x', 40) FROM generate_series(1, %d) g",
                month, rows));
      }
      statement.execute("CREATE TABLE events_default PARTITION OF events DEFAULT");
      statement.execute("ANALYZE events");
    }
    config =
        ConfigLoader.builder()
            .environment(Map.of("DASHBOARD_TOKEN", TOKEN))
            .build()
            .loadText(
                StrataYaml.coordinator(main, DATABASE)
                    + "servers:\n"
                    + StrataYaml.server(
                        "archive_a", servers.server(SharedServers.ARCHIVE_A), DATABASE)
                    + StrataYaml.server(
                        "archive_b", servers.server(SharedServers.ARCHIVE_B), DATABASE)
                    + "tables:\n"
                    + "  events: { partition_by: { column: at, interval: 1 month }, premake: 1 }\n"
                    + "serve: { token: \"${env:DASHBOARD_TOKEN}\" }\n",
                "strata.yaml")
            .config();
    Connections connections = new Connections(config);
    new dev.strata.plan.LifecycleExecutor(connections, MoveProgress.NONE)
        .apply(
            java.time.LocalDateTime.parse("2026-08-15T00:00:00"),
            java.util.Set.of("server"),
            plan -> {},
            action -> {});
    PartitionMover mover = new PartitionMover(connections, MoveProgress.NONE);
    QualifiedName events = QualifiedName.of("public", "events");
    mover.archive(events, QualifiedName.of("public", "events_2026_01"), "archive_a", 1);
    mover.archive(events, QualifiedName.of("public", "events_2026_02"), "archive_b", 1);
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void tearDown() {
    if (browser != null) {
      browser.quit();
    }
  }

  static ChromeDriver browser() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1440,1300");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    return new ChromeDriver(service, options);
  }

  @Test
  void theDashboardShowsTiersLiveProgressAndFindings() throws Exception {
    ServeOptions options =
        new ServeOptions(
            "127.0.0.1",
            0,
            Duration.ofHours(1),
            Duration.ofSeconds(2),
            Duration.ofMillis(600),
            Duration.ofSeconds(1),
            Clock.systemUTC(),
            config.serve().token(),
            Optional.empty());
    AtomicLong copied = new AtomicLong();
    // Slow the copy down (5 ms every 100 rows) so that the page sees it run.
    Failpoints.Observation slow =
        Failpoints.observe(
            point -> {
              if (point.equals("archive.copy_rows") && copied.incrementAndGet() % 100 == 0) {
                try {
                  TimeUnit.MILLISECONDS.sleep(5);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            });
    try (StrataService service = new StrataService(new Connections(config), options).start()) {
      StrataServiceTest.await("the service leads", service::isLeader);
      browser = browser();
      // The page re-renders on every poll: an element found in one pass may be gone in the next.
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
      wait.ignoring(StaleElementReferenceException.class);
      browser.get("http://127.0.0.1:" + service.port() + "/");
      wait.until(
          d -> "live".equals(d.findElement(By.id("connection")).getDomAttribute("data-state")));
      assertThat(browser.getTitle()).contains("Strata");

      // The timeline shows every partition the service knows, each with its tier.
      JsonNode status =
          new ObjectMapper().readTree(StrataServiceTest.get(service, "/api/v1/status").body());
      wait.until(
          d -> !d.findElements(By.cssSelector(".partition[data-tier='archive_b']")).isEmpty());
      List<String> expected = new ArrayList<>();
      for (JsonNode table : status.get("tables")) {
        for (JsonNode partition : table.get("partitions")) {
          expected.add(partition.get("name").asText() + "=" + partition.get("tier").asText());
        }
      }
      // Read in one pass of the page (a re-render in between makes the pass stale: it is retried).
      List<String> checked =
          wait.until(
              d -> {
                List<String> seen = new ArrayList<>();
                for (JsonNode table : status.get("tables")) {
                  WebElement section =
                      d.findElement(
                          By.cssSelector(
                              "section.table[data-table='" + table.get("table").asText() + "']"));
                  for (JsonNode partition : table.get("partitions")) {
                    String name = partition.get("name").asText();
                    List<WebElement> shown =
                        section.findElements(
                            By.cssSelector(".partition[data-partition='" + name + "']"));
                    if (shown.size() != 1) {
                      return null;
                    }
                    seen.add(name + "=" + shown.get(0).getDomAttribute("data-tier"));
                  }
                }
                return seen;
              });
      assertThat(checked)
          .as("each partition once on the timeline, with its tier")
          .isEqualTo(expected);
      assertThat(checked)
          .contains(
              "public.events_2026_01=archive_a",
              "public.events_2026_02=archive_b",
              "public.events_2026_03=local");
      screenshot("dashboard-loaded");

      // Servers with their health.
      assertThat(browser.findElements(By.cssSelector("tr.server[data-up='true']")))
          .hasSizeGreaterThanOrEqualTo(3);

      // A running archive's progress advances on the page.
      CompletableFuture<java.net.http.HttpResponse<String>> archive =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return StrataServiceTest.post(
                      service,
                      "/api/v1/archive",
                      TOKEN,
                      "{\"table\": \"events\", \"partition\": \"events_2026_03\","
                          + " \"server\": \"archive_a\"}");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      By running = By.cssSelector(".operation[data-running='true'] progress");
      long first =
          wait.until(
              d -> {
                List<WebElement> bars = d.findElements(running);
                long value = bars.isEmpty() ? 0 : progressValue(bars.get(0));
                return value > 0 ? value : null;
              });
      long later =
          wait.until(
              d -> {
                List<WebElement> bars = d.findElements(running);
                long value = bars.isEmpty() ? 0 : progressValue(bars.get(0));
                return value > first ? value : null;
              });
      System.out.printf("progress bar advanced from %d to %d rows%n", first, later);
      screenshot("dashboard-archiving");
      assertThat(archive.get(120, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      wait.until(
          d ->
              !d.findElements(
                      By.cssSelector(
                          ".partition[data-partition='public.events_2026_03'][data-tier='archive_a']"))
                  .isEmpty());

      // Doctor's findings, with their fixes.
      wait.until(d -> !d.findElements(By.cssSelector("tr.finding")).isEmpty());
      assertThat(browser.findElements(By.cssSelector("tr.finding[data-check]"))).isNotEmpty();
      screenshot("dashboard");

      // A crafted partition name appears: the page shows it as text and makes no element of it.
      try (Connection connection = main.connect(DATABASE);
          Statement statement = connection.createStatement()) {
        statement.execute(
            "CREATE TABLE \""
                + HOSTILE.replace("\"", "\"\"")
                + "\" PARTITION OF events"
                + " FOR VALUES FROM ('2026-09-01') TO ('2026-10-01')");
      }
      String crafted = "public.\"" + HOSTILE.replace("\"", "\"\"") + "\"";
      wait.until(
          d ->
              d.findElements(By.cssSelector(".partition")).stream()
                  .anyMatch(e -> crafted.equals(e.getDomAttribute("data-partition"))));
      assertThat(browser.findElements(By.cssSelector("img[src='x']"))).isEmpty();
      screenshot("dashboard-crafted-name");

      // No console error at any point.
      List<LogEntry> errors =
          browser.manage().logs().get(LogType.BROWSER).getAll().stream()
              .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
              .toList();
      assertThat(errors).as("console errors").isEmpty();
    } finally {
      slow.close();
    }
  }

  static long progressValue(WebElement bar) {
    String value = bar.getDomProperty("value");
    return value == null || value.isBlank() ? 0 : (long) Double.parseDouble(value);
  }

  static void screenshot(String name) throws Exception {
    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
