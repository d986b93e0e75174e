package dev.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.connect.Connections;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Never two leaders: three services against one coordinator, the leader's session ended again and
 * again (as when its process is killed or its network goes), and a watcher asking all three at the
 * same instant whether they may act, thousands of times.
 */
class LeaderElectionTest {
  private static final int TAKEOVERS = 20;

  private static final String HOLDER =
      "SELECT coalesce(max(pid), 0) FROM pg_locks WHERE locktype = 'advisory'"
          + " AND objid = (hashtextextended('strata:serve:leader', 0) & 4294967295)::oid"
          + " AND granted";

  private static String advisoryLocks() {
    try (var connection = StrataServiceTest.main.connect(StrataServiceTest.DATABASE);
        var statement = connection.createStatement();
        var rows =
            statement.executeQuery(
                "SELECT string_agg(concat_ws(' ', classid, objid, objsubid, pid, granted), '; ')"
                    + " FROM pg_locks WHERE locktype = 'advisory'")) {
      rows.next();
      return rows.getString(1);
    } catch (java.sql.SQLException e) {
      return e.toString();
    }
  }

  @Test
  void neverTwoLeadersOverManyTakeovers() throws Exception {
    StrataServiceTest.setUp();
    ServeOptions options =
        new ServeOptions(
            "127.0.0.1",
            0,
            Duration.ofHours(1),
            Duration.ofHours(1),
            Duration.ofMillis(450),
            Duration.ofHours(1),
            Clock.systemUTC(),
            Optional.empty(),
            Optional.empty());
    List<StrataService> services = new ArrayList<>();
    AtomicBoolean watching = new AtomicBoolean(true);
    AtomicLong samples = new AtomicLong();
    AtomicInteger twoAtOnce = new AtomicInteger();
    AtomicInteger changes = new AtomicInteger();
    Thread watcher =
        new Thread(
            () -> {
              int previous = -1;
              while (watching.get()) {
                long now = System.nanoTime();
                int leaders = 0;
                int leader = -1;
                for (int i = 0; i < services.size(); i++) {
                  if (services.get(i).isLeaderAt(now)) {
                    leaders++;
                    leader = i;
                  }
                }
                if (leaders > 1) {
                  twoAtOnce.incrementAndGet();
                }
                if (leaders == 1 && leader != previous) {
                  changes.incrementAndGet();
                  previous = leader;
                }
                samples.incrementAndGet();
                Thread.onSpinWait();
              }
            },
            "leader-watcher");
    try {
      for (int i = 0; i < 3; i++) {
        services.add(new StrataService(new Connections(StrataServiceTest.config), options).start());
      }
      watcher.start();
      StrataServiceTest.await(
          "a leader is chosen", () -> services.stream().anyMatch(StrataService::isLeader));
      List<Long> takeoverMillis = new ArrayList<>();
      for (int round = 0; round < TAKEOVERS; round++) {
        long holder = StrataServiceTest.query(HOLDER);
        long ended = System.nanoTime();
        long terminated =
            StrataServiceTest.query(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory'"
                    + " AND objid = (hashtextextended('strata:serve:leader', 0) & 4294967295)::oid"
                    + " AND granted");
        assertThat(terminated)
            .as("the leader's session was found; advisory locks: " + advisoryLocks())
            .isEqualTo(1);
        // Wait until another session holds the lock and some process acts again (the old leader
        // may act until its lease runs out, which is why the new one waits a lease).
        StrataServiceTest.await(
            "another session takes the lock after takeover " + round,
            () -> {
              long now = StrataServiceTest.query(HOLDER);
              return now > 0 && now != holder;
            });
        StrataServiceTest.await(
            "a leader acts again after takeover " + round,
            () -> services.stream().anyMatch(StrataService::isLeader));
        takeoverMillis.add((System.nanoTime() - ended) / 1_000_000);
      }
      watching.set(false);
      watcher.join();
      takeoverMillis.sort(Long::compare);
      System.out.printf(
          "%d takeovers (takeover 450 ms): median %d ms, max %d ms; %d samples of all three,"
              + " %d leader changes seen%n",
          TAKEOVERS,
          takeoverMillis.get(TAKEOVERS / 2),
          takeoverMillis.get(TAKEOVERS - 1),
          samples.get(),
          changes.get());
      assertThat(samples.get()).isGreaterThan(1000);
      assertThat(twoAtOnce.get()).as("samples with two processes acting at once").isZero();
    } finally {
      watching.set(false);
      services.forEach(StrataService::close);
    }
  }
}
