package dev.strata.demo;

import dev.strata.cli.MirrorCommand;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.mirror.MirrorRefresher;
import dev.strata.mirror.MirrorStatus;
import dev.strata.mirror.MirrorVerifier;
import dev.strata.mirror.Mirrors;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.util.Set;

/**
 * The mirror part of {@code strata demo} (seed 003): apply creates and fills the mirrors, status
 * shows them, a change at the source makes them stale, a verified refresh brings them back.
 */
final class MirrorDemo {
  private MirrorDemo() {}

  static void run(PrintWriter out, StrataConfig config, LocalDateTime now)
      throws InterruptedException {
    Connections connections = new Connections(config);
    section(out, "strata apply --only server,mirror: the proxy, the copies, their first fill");
    new LifecycleExecutor(connections, MoveProgress.NONE)
        .apply(
            now,
            Set.of("server", "mirror"),
            plan -> {},
            action -> out.println("  applied: " + action.description()));

    section(out, "A change at the crm server: 10 customers move, 5 arrive, 3 leave");
    String source = "crm";
    try (var crm = new dev.strata.connect.Database(source, connections.server(source))) {
      crm.execute("UPDATE customers SET city = 'Nairobi', updated_at = now() WHERE id <= 10");
      crm.execute(
          "INSERT INTO customers (id, name, email, city) SELECT g, 'Customer ' || g, NULL,"
              + " 'Hanoi' FROM generate_series(1001, 1005) g");
      crm.execute("DELETE FROM customers WHERE id BETWEEN 998 AND 1000");
    }
    // Long enough for the staleness column to show the copies lag the source.
    Thread.sleep(2_000);
    section(out, "strata mirror status: the copies are 2 s older than the source's change");
    MirrorCommand.Status.print(out, new MirrorStatus(connections).read(true));
    Mirrors.Resolution resolution = Mirrors.resolve(connections);
    Mirrors.Resolved table = Mirrors.require(resolution, QualifiedName.parse("ref.customers"));
    MirrorRefresher.Verification stale = new MirrorVerifier(connections).verify(table);
    out.println(
        "  strata mirror verify ref.customers: "
            + (stale.equal() ? "equal" : "DIFFERENT")
            + " (mirror "
            + MirrorCommand.rows(stale.mirror())
            + "; source "
            + MirrorCommand.rows(stale.source())
            + ")");

    section(out, "strata mirror refresh --verify: one transaction each, readers never blocked");
    MirrorRefresher refresher = new MirrorRefresher(connections);
    for (Mirrors.Resolved mirror : resolution.mirrors()) {
      MirrorRefresher.Result result =
          refresher.refresh(mirror, new MirrorRefresher.Options(false, true));
      out.println(
          "  refreshed "
              + result.mirror()
              + " ("
              + result.mode()
              + "): "
              + result.rows()
              + " rows"
              + result.changed().map(c -> ", " + c + " changed").orElse("")
              + " in "
              + MirrorCommand.millis(result.duration())
              + result
                  .verification()
                  .map(
                      v -> "; verified against the rows it read: " + MirrorCommand.rows(v.mirror()))
                  .orElse(""));
    }
    section(out, "strata mirror status: fresh again");
    MirrorCommand.Status.print(out, new MirrorStatus(connections).read(true));
    out.flush();
  }

  private static void section(PrintWriter out, String title) {
    out.println();
    out.println("== " + title);
    out.flush();
  }
}
