package dev.strata.cli;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.config.Durations;
import dev.strata.connect.Connections;
import dev.strata.server.ServeOptions;
import dev.strata.server.StrataService;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "serve",
    description = {
      "Run Strata as a service: every process answers an HTTP API and Prometheus metrics; the one holding the coordinator's leader lock (an advisory lock on its own"
          + " session) also runs `apply` (premake, archive, retire, due mirror refreshes) and doctor"
          + " on a schedule. Start several for availability: when the leader dies, another takes"
          + " over within --takeover. Runs are journaled in strata.service_run.",
      "Endpoints: GET / (the dashboard), /healthz, /readyz, /metrics, /api/v1/leader,"
          + " /api/v1/status, /api/v1/mirrors, /api/v1/runs, /api/v1/doctor, /api/v1/operations,"
          + " /api/v1/plan, /api/v1/dashboard, /api/v1/events; POST /api/v1/apply, archive, move,"
          + " restore, resume, abort (these need serve.token as a bearer token, and run on the"
          + " leader). The figures come from a snapshot read every --snapshot-every, so a scrape"
          + " never waits for a server. Settings: serve: in strata.yaml, overridden by these flags.",
      "Stop with SIGTERM or Ctrl-C: scheduling stops, a running step finishes, the leader lock is"
          + " released so that another process takes it at once. HTTPS: serve.tls in strata.yaml.",
      "",
      "Examples:",
      "  strata serve -c strata.yaml --listen 127.0.0.1:7432 --apply-every 10min",
      "  strata serve -c strata.yaml --apply-at '0 2 * * *'    # apply at 02:00 UTC, doctor every 5min"
    })
final class ServeCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description =
          "Where the HTTP API listens (default: serve.listen, else 127.0.0.1:7432: loopback only)."
              + " POST endpoints need serve.token; without one the API is read-only.")
  String listen;

  @Option(
      names = "--apply-every",
      paramLabel = "DURATION",
      description = "How often the leader runs apply (default: serve.apply_every, else 10min).")
  String applyEvery;

  @Option(
      names = "--apply-at",
      paramLabel = "CRON",
      description =
          "Run apply at the times of a five-field cron expression in UTC instead, e.g. '0 2 * * *'"
              + " for 02:00 every day (default: serve.apply_at).")
  String applyAt;

  @Option(
      names = "--doctor-every",
      paramLabel = "DURATION",
      description = "How often the leader runs doctor (default: serve.doctor_every, else 5min).")
  String doctorEvery;

  @Option(
      names = "--takeover",
      paramLabel = "DURATION",
      description =
          "The longest the coordinator goes without a leader after the leader dies (default:"
              + " serve.takeover, else 15s).")
  String takeover;

  @Option(
      names = "--snapshot-every",
      paramLabel = "DURATION",
      description =
          "How often the status behind the API and metrics is read again (default:"
              + " serve.snapshot_every, else 30s).")
  String snapshotEvery;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    dev.strata.config.StrataConfig config = configOptions.load(spec);
    dev.strata.config.ServeConfig serve = config.serve();
    String listen = this.listen != null ? this.listen : serve.listen();
    int colon = listen.lastIndexOf(':');
    int port;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (colon <= 0 || port < 0 || port > 65535) {
      throw new StrataException(
          ErrorCode.USAGE,
          "--listen " + listen + " is not HOST:PORT",
          "write e.g. --listen 127.0.0.1:7432 (port 0 picks a free one)");
    }
    ServeOptions options =
        new ServeOptions(
            listen.substring(0, colon),
            port,
            duration("--apply-every", applyEvery, serve.applyEvery()),
            duration("--doctor-every", doctorEvery, serve.doctorEvery()),
            duration("--takeover", takeover, serve.takeover()),
            duration("--snapshot-every", snapshotEvery, serve.snapshotEvery()),
            Clock.systemUTC(),
            serve.token(),
            serve.tls(),
            applyAt(serve.applyAt()));
    StrataService service = new StrataService(new Connections(config), options).start();
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "strata serve: listening on "
            + options.scheme()
            + "://"
            + options.host()
            + ":"
            + service.port()
            + " (metrics at /metrics; "
            + (serve.token().isPresent()
                ? "POST endpoints need the token from " + serve.token().get().source()
                : "read-only: no serve.token")
            + "); stop with Ctrl-C or SIGTERM");
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  service.close();
                  stopped.countDown();
                },
                "strata-serve-stop"));
    stopped.await();
    return 0;
  }

  private java.util.Optional<dev.strata.config.CronSchedule> applyAt(
      java.util.Optional<dev.strata.config.CronSchedule> configured) {
    if (applyAt != null && applyEvery != null) {
      throw new StrataException(
          ErrorCode.USAGE,
          "--apply-at and --apply-every both say when to run apply",
          "give one of them: a cron expression (--apply-at) or an interval (--apply-every)");
    }
    if (applyEvery != null) {
      return java.util.Optional.empty();
    }
    if (applyAt == null) {
      return configured;
    }
    try {
      return java.util.Optional.of(dev.strata.config.CronSchedule.parse(applyAt));
    } catch (IllegalArgumentException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "--apply-at " + e.getMessage(),
          "write five fields in UTC, e.g. --apply-at '0 2 * * *' (02:00 daily) or '*/10 * * * *'");
    }
  }

  private static Duration duration(String option, String text, Duration configured) {
    if (text == null) {
      return configured;
    }
    try {
      Duration duration = Durations.parse(text);
      if (duration.isZero()) {
        throw new IllegalArgumentException("must be more than zero");
      }
      return duration;
    } catch (IllegalArgumentException e) {
      throw new StrataException(
          ErrorCode.USAGE, option + " " + text + ": " + e.getMessage(), "write e.g. 10min or 30s");
    }
  }
}
