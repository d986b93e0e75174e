package dev.strata.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.health.Doctor;
import dev.strata.health.DoctorOptions;
import dev.strata.health.DoctorReport;
import dev.strata.health.PremakeReadiness;
import dev.strata.health.StatusService;
import dev.strata.mirror.MirrorStatus;
import dev.strata.operation.JournalProgress;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.plan.LifecyclePlanner;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code strata serve}: the long-running form of Strata. Every process answers the HTTP API and
 * {@code /metrics} from a snapshot it reads in the background; the one that holds the leader lock
 * ({@link Leadership}) also runs {@code apply} (premake, archive, retire, mirror refreshes) and
 * doctor on their schedules. Runs are journaled in {@code strata.service_run}; a run that fails is
 * recorded and the next one runs on time: one failure never stops the service.
 *
 * <p>{@code GET} endpoints answer on every process; {@code POST} endpoints ({@link Mutations}) need
 * the configured token and run on the leader only.
 */
public final class StrataService implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(StrataService.class);

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new Jdk8Module())
          // Times as ISO-8601 text, durations as seconds.
          .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private final Connections connections;
  private final ServeOptions options;
  private final String runner;
  private final Leadership leadership;
  private final ServiceRuns runs;
  private final ServiceMetrics metrics;
  private final Mutations mutations;
  private final OperationsFeed feed;
  private final ServerProbes probes;
  private final Dashboard dashboard = new Dashboard();

  /** The endpoints every process answers to GET. */
  static final List<String> READ_ENDPOINTS =
      List.of(
          "/healthz",
          "/readyz",
          "/metrics",
          "/api/v1/leader",
          "/api/v1/status",
          "/api/v1/mirrors",
          "/api/v1/runs",
          "/api/v1/doctor",
          "/api/v1/operations",
          "/api/v1/plan",
          "/api/v1/dashboard",
          "/api/v1/events",
          "/");

  /** The largest request body read. */
  private static final int MAX_BODY = 64 * 1024;

  private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(Snapshot.EMPTY);
  private final AtomicReference<Double> lastApplySuccess = new AtomicReference<>(0.0);
  private final AtomicReference<Optional<DoctorReport>> lastDoctor =
      new AtomicReference<>(Optional.empty());
  private volatile Optional<Instant> lastDoctorAt = Optional.empty();
  private volatile List<Map<String, Object>> operations = List.of();
  private volatile long operationsReadAt;
  private volatile Instant nextApply = Instant.EPOCH;
  private volatile Instant nextDoctor = Instant.EPOCH;
  private final ScheduledExecutorService scheduler =
      Executors.newScheduledThreadPool(
          3,
          runnable -> {
            Thread thread = new Thread(runnable, "strata-serve");
            thread.setDaemon(true);
            return thread;
          });
  private HttpServer http;

  public StrataService(Connections connections, ServeOptions options) {
    this.connections = connections;
    this.options = options;
    this.runner = ManagementFactory.getRuntimeMXBean().getName();
    this.leadership = new Leadership(connections, options.takeover());
    this.feed = new OperationsFeed(connections);
    this.probes = new ServerProbes(connections);
    this.runs = new ServiceRuns(connections);
    this.metrics = new ServiceMetrics(leadership::isLeader, snapshot::get, lastApplySuccess::get);
    this.mutations = new Mutations(connections, options.token(), options.clock());
  }

  /** Binds the HTTP server and starts the schedule; returns once it answers. */
  public StrataService start() {
    InetSocketAddress address = new InetSocketAddress(options.host(), options.port());
    // The certificate and key are read before the port is bound: a wrong file must not leave a
    // bound socket behind that nothing serves.
    Optional<HttpsConfigurator> https =
        options.tls().map(tls -> new HttpsConfigurator(TlsContext.load(tls)));
    try {
      if (https.isPresent()) {
        HttpsServer server = HttpsServer.create(address, 0);
        server.setHttpsConfigurator(https.get());
        http = server;
      } else {
        http = HttpServer.create(address, 0);
      }
    } catch (IOException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(),
          "choose another address with --listen HOST:PORT (port 0 picks a free one)");
    }
    http.createContext("/", this::handle);
    // Event streams hold a thread each (at most Dashboard.MAX_STREAMS); requests use the rest.
    http.setExecutor(
        Executors.newFixedThreadPool(Dashboard.MAX_STREAMS + 8, daemon("strata-http")));
    http.start();
    long tick = Leadership.interval(options.takeover()).toMillis();
    nextApply = Instant.now().plusMillis(tick + Leadership.lease(options.takeover()).toMillis());
    nextDoctor = nextApply;
    scheduler.scheduleWithFixedDelay(this::leadershipTick, 0, tick, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(
        this::refreshSnapshot, 0, options.snapshotEvery().toMillis(), TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(this::pollOperations, 0, 1, TimeUnit.SECONDS);
    if (options.applyAt().isPresent()) {
      scheduleCronApply();
    } else {
      scheduler.scheduleWithFixedDelay(
          () -> {
            scheduled("apply", this::apply);
            nextApply = Instant.now().plus(options.applyEvery());
          },
          tick,
          options.applyEvery().toMillis(),
          TimeUnit.MILLISECONDS);
    }
    scheduler.scheduleWithFixedDelay(
        () -> {
          scheduled("doctor", this::doctor);
          nextDoctor = Instant.now().plus(options.doctorEvery());
        },
        tick,
        options.doctorEvery().toMillis(),
        TimeUnit.MILLISECONDS);
    LOG.info("listening on {}://{}:{}", options.scheme(), options.host(), port());
    return this;
  }

  /** Schedules the next apply at the cron expression's next time (UTC), and so on after it. */
  private void scheduleCronApply() {
    Optional<Instant> next = options.applyAt().orElseThrow().next(Instant.now());
    if (next.isEmpty()) {
      LOG.warn("serve.apply_at {} never fires again: no scheduled apply", options.applyAt().get());
      return;
    }
    nextApply = next.get();
    try {
      scheduler.schedule(
          () -> {
            scheduled("apply", this::apply);
            scheduleCronApply();
          },
          Math.max(0, Duration.between(Instant.now(), next.get()).toMillis()),
          TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // The service is stopping.
    }
  }

  /** The port the HTTP server listens on. */
  public int port() {
    return http.getAddress().getPort();
  }

  public boolean isLeader() {
    return leadership.isLeader();
  }

  /** Whether this process may act at a reading of {@link System#nanoTime} (for tests). */
  boolean isLeaderAt(long nanoTime) {
    return leadership.isLeaderAt(nanoTime);
  }

  private void leadershipTick() {
    try {
      leadership.tick();
    } catch (RuntimeException e) {
      LOG.warn("leadership check failed: {}", e.getMessage());
    }
  }

  /** How long the last background read of the figures took. */
  public Duration lastSnapshotDuration() {
    return Duration.ofNanos(lastSnapshotNanos);
  }

  private volatile long lastSnapshotNanos;

  void refreshSnapshot() {
    Snapshot previous = snapshot.get();
    long started = System.nanoTime();
    try {
      var status = new StatusService(connections).status(Optional.empty(), false);
      List<MirrorStatus.Row> mirrors = new MirrorStatus(connections).read(false);
      Instant nextAt = nextApply.isAfter(Instant.now()) ? nextApply : Instant.now();
      LocalDateTime planTime =
          LocalDateTime.ofInstant(
                  options.clock().instant().plus(Duration.between(Instant.now(), nextAt)),
                  ZoneOffset.UTC)
              .withNano(0);
      List<LifecycleAction> next = List.of();
      Optional<String> planError = Optional.empty();
      try {
        next = new LifecyclePlanner(connections).plan(planTime).actions();
      } catch (RuntimeException e) {
        planError = Optional.of(String.valueOf(e.getMessage()));
      }
      Map<String, PremakeReadiness.Readiness> premake = Map.of();
      try {
        premake = PremakeReadiness.read(connections, planTime);
      } catch (RuntimeException e) {
        LOG.debug("premake readiness not read: {}", e.getMessage());
      }
      Snapshot read =
          new Snapshot(
              Instant.now(),
              status,
              mirrors,
              next,
              nextAt,
              planError,
              retired(),
              premake,
              probes.read(),
              Optional.empty());
      lastSnapshotNanos = System.nanoTime() - started;
      snapshot.set(read);
      metrics.update(read);
      runs.lastSuccess("apply")
          .ifPresent(at -> lastApplySuccess.set(at.toInstant().toEpochMilli() / 1000.0));
    } catch (RuntimeException e) {
      LOG.warn("reading the deployment failed; serving the previous figures: {}", e.getMessage());
      snapshot.set(previous.failed(String.valueOf(e.getMessage())));
    }
    publish();
  }

  private List<Snapshot.Retired> retired() {
    try (dev.strata.connect.Database coordinator =
        new dev.strata.connect.Database(Connections.COORDINATOR, connections.coordinator())) {
      dev.strata.operation.JournalSchema.ensure(coordinator);
      return coordinator.query(
          """
          SELECT parent_schema, parent_name, partition_schema, partition_name, bound, server,
                 finished_at
          FROM strata.operation
          WHERE kind = 'retire' AND state = 'done'
          ORDER BY finished_at, id""",
          row ->
              new Snapshot.Retired(
                  new dev.strata.sql.QualifiedName(row.getString(1), row.getString(2)).display(),
                  new dev.strata.sql.QualifiedName(row.getString(3), row.getString(4)).display(),
                  row.getString(5),
                  row.getString(6),
                  row.getObject(7, java.time.OffsetDateTime.class).toInstant()));
    }
  }

  /**
   * Reads the operations every second while a dashboard watches, else every five: progress for the
   * page, and each operation that finished for the metrics.
   */
  private void pollOperations() {
    long now = System.nanoTime();
    if (dashboard.streams() == 0 && now - operationsReadAt < TimeUnit.SECONDS.toNanos(5)) {
      return;
    }
    operationsReadAt = now;
    try {
      OperationsFeed.Read read = feed.read();
      operations = read.operations();
      read.finished().forEach(metrics::finished);
    } catch (RuntimeException e) {
      LOG.debug("operations not read: {}", e.getMessage());
    }
    publish();
  }

  /** Builds the dashboard document from memory and hands it to the event streams. */
  private void publish() {
    try {
      dashboard.publish(json(dashboardDocument()));
    } catch (RuntimeException e) {
      LOG.warn("dashboard document not built: {}", e.getMessage());
    }
  }

  private Map<String, Object> dashboardDocument() {
    Map<String, Object> schedule = new LinkedHashMap<>();
    schedule.put(
        "apply_every_seconds",
        options.applyAt().isPresent() ? null : options.applyEvery().toMillis() / 1000.0);
    schedule.put("apply_at", options.applyAt().map(Object::toString).orElse(null));
    schedule.put("next_apply_at", leadership.isLeader() ? nextApply.toString() : null);
    schedule.put("doctor_every_seconds", options.doctorEvery().toMillis() / 1000.0);
    schedule.put("next_doctor_at", leadership.isLeader() ? nextDoctor.toString() : null);
    List<Map<String, Object>> recent = recentRuns(10);
    schedule.put(
        "last_apply",
        recent.stream().filter(run -> "apply".equals(run.get("kind"))).findFirst().orElse(null));
    return DashboardDocument.build(
        new DashboardDocument.Inputs(
            snapshot.get(),
            leader(),
            schedule,
            operations,
            lastDoctor.get(),
            lastDoctorAt,
            recent,
            List.copyOf(connections.config().servers().keySet())));
  }

  /** One scheduled run, on the leader only, journaled; a failure is recorded, never thrown. */
  private void scheduled(String kind, java.util.function.Supplier<Integer> work) {
    if (!leadership.isLeader()) {
      return;
    }
    long id;
    try {
      id = runs.start(kind, runner);
    } catch (StrataException e) {
      LOG.warn("{} not started: the coordinator did not answer: {}", kind, e.getMessage());
      metrics.runs(kind, "not_started").increment();
      return;
    }
    try {
      int actions = work.get();
      runs.finish(id, "ok", actions, null);
      metrics.runs(kind, "ok").increment();
    } catch (RuntimeException e) {
      LOG.warn("{} failed: {}", kind, e.getMessage());
      runs.finish(id, "failed", 0, e.getMessage());
      metrics.runs(kind, "failed").increment();
    }
  }

  private int apply() {
    LocalDateTime now = LocalDateTime.now(options.clock().withZone(ZoneOffset.UTC)).withNano(0);
    List<LifecycleAction> applied;
    try (JournalProgress progress =
        new JournalProgress(connections, MoveProgress.NONE, Mutations.PROGRESS_EVERY)) {
      applied =
          new LifecycleExecutor(connections, progress)
              .apply(
                  now,
                  Set.of(),
                  plan -> {},
                  action -> LOG.info("applied: {}", action.description()));
    }
    refreshSnapshot();
    return applied.size();
  }

  private int doctor() {
    DoctorReport report = new Doctor(connections, DoctorOptions.DEFAULTS).run();
    lastDoctor.set(Optional.of(report));
    lastDoctorAt = Optional.of(Instant.now());
    metrics.doctor(report);
    return report.results().size();
  }

  // ---------------------------------------------------------------- HTTP

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      if (exchange.getRequestMethod().equals("POST") && Mutations.ENDPOINTS.contains(path)) {
        byte[] body = exchange.getRequestBody().readNBytes(MAX_BODY + 1);
        Mutations.Answer answer =
            body.length > MAX_BODY
                ? new Mutations.Answer(413, Map.of("error", "the body is larger than 64 KiB"))
                : mutations.handle(
                    path,
                    Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")),
                    leadership.isLeader(),
                    body);
        if (answer.status() == 401) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
        if (answer.status() == 200) {
          refreshSnapshot();
        }
        send(exchange, answer.status(), json(answer.body()));
        return;
      }
      if (!exchange.getRequestMethod().equals("GET")
          && !exchange.getRequestMethod().equals("HEAD")) {
        send(
            exchange,
            405,
            json(
                Map.of(
                    "error",
                    exchange.getRequestMethod() + " " + path + " is not answered",
                    "hint",
                    "GET the read-only endpoints; POST " + Mutations.ENDPOINTS)));
        return;
      }
      switch (path) {
        case "/healthz" -> send(exchange, 200, "ok\n", "text/plain; charset=utf-8");
        case "/readyz" -> ready(exchange);
        case "/metrics" ->
            send(exchange, 200, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
        case "/api/v1/leader" -> send(exchange, 200, json(leader()));
        case "/api/v1/status" -> send(exchange, 200, json(status()));
        case "/api/v1/mirrors" ->
            send(exchange, 200, json(Map.of("mirrors", snapshot.get().mirrors())));
        case "/api/v1/runs" -> send(exchange, 200, json(Map.of("runs", runsDocument())));
        case "/api/v1/doctor" -> send(exchange, 200, json(doctorDocument()));
        case "/api/v1/operations" -> {
          pollOperationsNow();
          send(exchange, 200, json(Map.of("operations", operations)));
        }
        case "/api/v1/plan" -> send(exchange, 200, json(planDocument()));
        case "/api/v1/dashboard" -> send(exchange, 200, json(dashboardDocument()));
        case "/api/v1/events" -> dashboard.stream(exchange);
        case "/", "/index.html", "/dashboard.css", "/dashboard.js" ->
            dashboard.asset(exchange, path);
        default ->
            send(
                exchange,
                404,
                json(
                    Map.of(
                        "error",
                        "no such endpoint: " + path,
                        "endpoints",
                        READ_ENDPOINTS,
                        "post",
                        Mutations.ENDPOINTS)));
      }
    } catch (RuntimeException e) {
      LOG.warn("request {} failed", exchange.getRequestURI().getPath(), e);
      try {
        send(exchange, 500, json(Map.of("error", String.valueOf(e.getMessage()))));
      } catch (IOException | RuntimeException ignored) {
        // The client is gone, or the headers were sent already.
      }
    } finally {
      exchange.close();
    }
  }

  private Map<String, Object> leader() {
    Leadership.State state = leadership.state();
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("leader", state.leader());
    document.put("since", state.since().map(Instant::toString).orElse(null));
    document.put("runner", runner);
    document.put("error", state.error().orElse(null));
    return document;
  }

  private Map<String, Object> status() {
    Snapshot current = snapshot.get();
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("taken_at", current.takenAt().toString());
    document.put("error", current.error().orElse(null));
    document.put("tables", current.status().tables());
    document.put("servers", current.status().servers());
    return document;
  }

  private void pollOperationsNow() {
    operationsReadAt = 0;
    pollOperations();
  }

  private Map<String, Object> planDocument() {
    Snapshot current = snapshot.get();
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("at", current.nextAt().toString());
    document.put("taken_at", current.takenAt().toString());
    document.put("error", current.planError().orElse(null));
    List<Map<String, Object>> actions = new java.util.ArrayList<>();
    for (LifecycleAction action : current.next()) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("kind", action.kind());
      item.put("description", action.description());
      item.put("reason", action.reason());
      actions.add(item);
    }
    document.put("actions", actions);
    return document;
  }

  private List<Map<String, Object>> runsDocument() {
    return recentRuns(50);
  }

  private List<Map<String, Object>> recentRuns(int limit) {
    List<Map<String, Object>> items = new java.util.ArrayList<>();
    List<ServiceRuns.Run> read;
    try {
      read = runs.recent(limit);
    } catch (StrataException e) {
      return items;
    }
    for (ServiceRuns.Run run : read) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("id", run.id());
      item.put("kind", run.kind());
      item.put("runner", run.runner());
      item.put("started_at", run.startedAt().toString());
      item.put("finished_at", run.finishedAt().map(Object::toString).orElse(null));
      item.put("outcome", run.outcome().orElse(null));
      item.put("actions", run.actions().orElse(null));
      item.put("detail", run.detail().orElse(null));
      items.add(item);
    }
    return items;
  }

  private Map<String, Object> doctorDocument() {
    Map<String, Object> document = new LinkedHashMap<>();
    Optional<DoctorReport> report = lastDoctor.get();
    document.put("run", report.isPresent());
    document.put("checks", report.map(DoctorReport::results).orElse(List.of()));
    return document;
  }

  /** Ready when the last snapshot was read and is recent: the coordinator answers. */
  private void ready(HttpExchange exchange) throws IOException {
    Snapshot current = snapshot.get();
    boolean fresh =
        current.error().isEmpty()
            && current
                .takenAt()
                .isAfter(Instant.now().minus(options.snapshotEvery().multipliedBy(3)));
    if (fresh) {
      send(exchange, 200, "ready\n", "text/plain; charset=utf-8");
    } else {
      send(
          exchange,
          503,
          "not ready: " + current.error().orElse("the last snapshot is too old") + "\n",
          "text/plain; charset=utf-8");
    }
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON", e);
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    send(exchange, status, body, "application/json");
  }

  static void send(HttpExchange exchange, int status, String body, String type) throws IOException {
    send(exchange, status, body.getBytes(StandardCharsets.UTF_8), type);
  }

  static void send(HttpExchange exchange, int status, byte[] bytes, String type)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Stops scheduling, lets a running step finish (at most {@code timeouts.statement}), releases the
   * leader lock so another process takes over at once, and stops the HTTP server.
   */
  @Override
  public void close() {
    dashboard.close();
    scheduler.shutdown();
    try {
      scheduler.awaitTermination(
          connections.config().timeouts().statement().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    scheduler.shutdownNow();
    leadership.close();
    if (http != null) {
      http.stop(0);
    }
  }
}
