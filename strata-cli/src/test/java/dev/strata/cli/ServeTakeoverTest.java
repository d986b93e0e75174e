package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.SharedServers;
import dev.strata.testkit.StrataYaml;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real {@code strata serve} processes against one coordinator. The leader's scheduled apply
 * archives a partition and is killed with SIGKILL in the middle of the copy (a failpoint holds it
 * there, so the kill lands mid-archive every time); the follower takes over and its next scheduled
 * apply finishes the move: every row on the archive server, the journal done, nothing left frozen.
 */
class ServeTakeoverTest {
  static final String DATABASE = "strata_serve_takeover";
  static final int ROWS = 20_000;
  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  @TempDir static Path scratch;

  @Test
  void theFollowerFinishesAnArchiveItsKilledLeaderLeftMidCopy() throws Exception {
    var servers = SharedServers.get();
    LocalServer main = servers.server(SharedServers.MAIN);
    LocalServer archive = servers.server(SharedServers.ARCHIVE_A);
    SharedServers.freshDatabase(SharedServers.MAIN, DATABASE);
    SharedServers.freshDatabase(SharedServers.ARCHIVE_A, DATABASE);
    main.executeIn(
        DATABASE,
        "CREATE TABLE events (id int NOT NULL, at timestamp NOT NULL, body text)"
            + " PARTITION BY RANGE (at)",
        "CREATE TABLE events_2024_01 PARTITION OF events"
            + " FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
        "INSERT INTO events SELECT g, '2024-01-01'::timestamp + g * interval '1 second', 'row ' || g"
            + " FROM generate_series(1, "
            + ROWS
            + ") g");
    String before =
        main.queryText(DATABASE, "SELECT count(*) || '/' || sum(hashtext(body)) FROM events");
    Path config = scratch.resolve("strata.yaml");
    Files.writeString(
        config,
        StrataYaml.coordinator(main, DATABASE)
            + "servers:\n"
            + StrataYaml.server("archive_a", archive, DATABASE)
            + "tables:\n"
            + "  events: { partition_by: { column: at, interval: 1 month }, premake: 1,"
            + " hot: 3 months, archive_to: archive_a }\n",
        StandardCharsets.UTF_8);

    List<Process> started = new ArrayList<>();
    try {
      // The leader: its archive stalls after 5,000 copied rows, until it is killed.
      Path leaderLog = scratch.resolve("leader.log");
      Process leader = serve(config, leaderLog, "archive.copy_rows=stall@5000");
      started.add(leader);
      await(
          "the leader's scheduled apply is mid-copy",
          () -> read(leaderLog).contains("failpoint archive.copy_rows stalls"));
      assertThat(
              main.queryText(DATABASE, "SELECT state FROM strata.operation WHERE kind = 'archive'"))
          .isNotIn("done", "aborted");

      // The follower starts while the leader holds the lock.
      Path followerLog = scratch.resolve("follower.log");
      Process follower = serve(config, followerLog, "");
      started.add(follower);
      int port = port(followerLog);
      assertThat(get(port, "/api/v1/leader")).contains("\"leader\" : false");

      // kill -9 the leader in the middle of the copy.
      long killed = System.nanoTime();
      leader.destroyForcibly();
      assertThat(leader.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(leader.exitValue()).isEqualTo(137);
      await("the follower leads", () -> get(port, "/api/v1/leader").contains("\"leader\" : true"));
      long tookOver = System.nanoTime();
      await(
          "the new leader's apply finished the archive",
          () -> {
            try {
              return main.queryText(
                          DATABASE, "SELECT relkind FROM pg_class WHERE relname = 'events_2024_01'")
                      .equals("f")
                  && main.queryText(
                          DATABASE,
                          "SELECT string_agg(state, ',') FROM strata.operation"
                              + " WHERE kind = 'archive'")
                      .equals("done");
            } catch (IllegalStateException e) {
              return false;
            }
          });
      System.out.printf(
          "takeover after kill -9: leader again in %d ms (takeover 1500 ms), archive finished"
              + " %d ms after the kill%n",
          (tookOver - killed) / 1_000_000, (System.nanoTime() - killed) / 1_000_000);
      assertThat(
              main.queryText(DATABASE, "SELECT count(*) || '/' || sum(hashtext(body)) FROM events"))
          .isEqualTo(before);
      assertThat(archive.queryText(DATABASE, "SELECT count(*) FROM events_2024_01"))
          .isEqualTo(String.valueOf(ROWS));
      await(
          "the new leader's apply run is journaled as ok",
          () -> {
            try {
              return !main.queryText(
                      DATABASE,
                      "SELECT count(*) FROM strata.service_run WHERE kind = 'apply'"
                          + " AND outcome = 'ok'")
                  .equals("0");
            } catch (IllegalStateException e) {
              return false;
            }
          });
      // Nothing left unfinished, and the table takes writes (the current month is local).
      assertThat(
              main.queryText(
                  DATABASE,
                  "SELECT count(*) FROM strata.operation WHERE state NOT IN ('done', 'aborted')"))
          .isEqualTo("0");
      main.executeIn(DATABASE, "INSERT INTO events VALUES (0, now()::timestamp, 'after')");
      assertThat(main.queryText(DATABASE, "SELECT count(*) FROM events"))
          .isEqualTo(String.valueOf(ROWS + 1));
    } finally {
      for (Process process : started) {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    }
  }

  private static Process serve(Path config, Path log, String failpoints) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command =
        List.of(
            java,
            "-cp",
            classpath,
            StrataCli.class.getName(),
            "serve",
            "-c",
            config.toString(),
            "--listen",
            "127.0.0.1:0",
            "--apply-every",
            "1s",
            "--takeover",
            "1500ms",
            "--snapshot-every",
            "2s");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("STRATA_FAILPOINTS");
    if (!failpoints.isEmpty()) {
      builder.environment().put("STRATA_FAILPOINTS", failpoints);
    }
    File file = log.toFile();
    builder.redirectOutput(file);
    return builder.start();
  }

  private static int port(Path log) throws Exception {
    int[] port = {0};
    await(
        "the process listens",
        () -> {
          Matcher matcher = LISTENING.matcher(read(log));
          if (matcher.find()) {
            port[0] = Integer.parseInt(matcher.group(1));
            return true;
          }
          return false;
        });
    return port[0];
  }

  private static String get(int port, String path) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      return "";
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (java.io.IOException e) {
      return "";
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
