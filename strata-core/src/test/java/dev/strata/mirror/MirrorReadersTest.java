package dev.strata.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.sql.QualifiedName;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Readers of a 500,000-row mirror while a full refresh replaces 1% of it: every count they see is
 * the old copy's or the new one's, never an empty or partial copy. How long a read waited is
 * measured and printed, not asserted. Slow (two full refreshes of 500,000 rows): CI runs it.
 */
@Tag("slow")
class MirrorReadersTest {
  static final int ROWS = 500_000;

  @Test
  void readersSeeTheOldOrTheNewCopyWholeDuringFullRefreshes() throws Exception {
    MirrorFixture fixture = new MirrorFixture("mirror_readers_test", ROWS);
    StrataConfig config =
        fixture.config(
            "  ref.customers: { from: crm, table: customers, mode: table, refresh: 1 h }\n"
                + "  ref.customers_mv: { from: crm, table: customers, mode: matview, refresh: 1 h }\n");
    fixture.apply(config);
    for (String mirror : List.of("ref.customers", "ref.customers_mv")) {
      long before = Long.parseLong(fixture.query(fixture.main, "SELECT count(*) FROM " + mirror));
      fixture.crm(
          "DELETE FROM customers WHERE id % 200 = 0",
          "UPDATE customers SET city = 'moved' WHERE id % 200 = 1");
      long after = Long.parseLong(fixture.query(fixture.crm, "SELECT count(*) FROM customers"));
      Set<Long> seen = ConcurrentHashMap.newKeySet();
      AtomicLong slowest = new AtomicLong();
      AtomicLong reads = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> readers = new ArrayList<>();
      List<Throwable> failures = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Thread reader =
            new Thread(
                () -> {
                  try (Connection connection = fixture.main.connect(fixture.database);
                      Statement statement = connection.createStatement()) {
                    while (!stop.get()) {
                      long started = System.nanoTime();
                      try (ResultSet rows =
                          statement.executeQuery("SELECT count(*) FROM " + mirror)) {
                        rows.next();
                        seen.add(rows.getLong(1));
                      }
                      slowest.accumulateAndGet(
                          (System.nanoTime() - started) / 1_000_000, Math::max);
                      reads.incrementAndGet();
                    }
                  } catch (Exception e) {
                    synchronized (failures) {
                      failures.add(e);
                    }
                  }
                });
        reader.start();
        readers.add(reader);
      }
      Connections connections = new Connections(config);
      MirrorRefresher.Result result =
          new MirrorRefresher(connections)
              .refresh(
                  Mirrors.require(Mirrors.resolve(connections), QualifiedName.parse(mirror)),
                  MirrorRefresher.Options.DEFAULT);
      Thread.sleep(200);
      stop.set(true);
      for (Thread reader : readers) {
        reader.join();
      }
      System.out.printf(
          "%s: refresh %d ms (%d rows, changed %s); %d reads, slowest %d ms; counts seen %s%n",
          mirror,
          result.duration().toMillis(),
          result.rows(),
          result.changed().map(Object::toString).orElse("n/a"),
          reads.get(),
          slowest.get(),
          seen);
      assertThat(failures).isEmpty();
      assertThat(seen).isSubsetOf(before, after).contains(after);
      assertThat(fixture.contents(fixture.main, mirror))
          .isEqualTo(fixture.contents(fixture.crm, "customers"));
    }
  }
}
