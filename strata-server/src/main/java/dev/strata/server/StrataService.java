package dev.strata.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.health.Doctor;
import dev.strata.health.DoctorOptions;
import dev.strata.health.DoctorReport;
import dev.strata.health.StatusService;
import dev.strata.mirror.MirrorStatus;
import dev.strata.operation.MoveProgress;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
          "/api/v1/doctor");

  /** The largest request body read. */
  private static final int MAX_BODY = 64 * 1024;

  private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(Snapshot.EMPTY);
  private final AtomicReference<Double> lastApplySuccess = new AtomicReference<>(0.0);
  private final AtomicReference<Optional<DoctorReport>> lastDoctor =
      new AtomicReference<>(Optional.empty());
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
    this.leadership = new Leadership(connections);
    this.runs = new ServiceRuns(connections);
    this.metrics = new ServiceMetrics(leadership::isLeader, snapshot::get, lastApplySuccess::get);
    this.mutations = new Mutations(connections, options.token(), options.clock());
  }

  /** Binds the HTTP server and starts the schedule; returns once it answers. */
  public StrataService start() {
    try {
      http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 0);
    } catch (IOException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(),
          "choose another address with --listen HOST:PORT (port 0 picks a free one)");
    }
    http.createContext("/", this::handle);
    http.setExecutor(Executors.newFixedThreadPool(4, daemon("strata-http")));
    http.start();
    long tick = Leadership.interval(options.takeover()).toMillis();
    scheduler.scheduleWithFixedDelay(this::leadershipTick, 0, tick, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(
        this::refreshSnapshot, 0, options.snapshotEvery().toMillis(), TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(
        () -> scheduled("apply", this::apply),
        tick,
        options.applyEvery().toMillis(),
        TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(
        () -> scheduled("doctor", this::doctor),
        tick,
        options.doctorEvery().toMillis(),
        TimeUnit.MILLISECONDS);
    LOG.info("listening on http://{}:{}", options.host(), port());
    return this;
  }

  /** The port the HTTP server listens on. */
  public int port() {
    return http.getAddress().getPort();
  }

  public boolean isLeader() {
    return leadership.isLeader();
  }

  private void leadershipTick() {
    try {
      leadership.tick();
    } catch (RuntimeException e) {
      LOG.warn("leadership check failed: {}", e.getMessage());
    }
  }

  void refreshSnapshot() {
    Snapshot previous = snapshot.get();
    try {
      var status = new StatusService(connections).status(Optional.empty(), false);
      List<MirrorStatus.Row> mirrors = new MirrorStatus(connections).read(false);
      Snapshot next = new Snapshot(Instant.now(), status, mirrors, Optional.empty());
      snapshot.set(next);
      metrics.update(next);
      runs.lastSuccess("apply")
          .ifPresent(at -> lastApplySuccess.set(at.toInstant().toEpochMilli() / 1000.0));
    } catch (RuntimeException e) {
      LOG.warn("reading the deployment failed; serving the previous figures: {}", e.getMessage());
      snapshot.set(
          new Snapshot(
              previous.takenAt(),
              previous.status(),
              previous.mirrors(),
              Optional.of(e.getMessage())));
    }
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
    List<LifecycleAction> applied =
        new LifecycleExecutor(connections, MoveProgress.NONE)
            .apply(
                now, Set.of(), plan -> {}, action -> LOG.info("applied: {}", action.description()));
    refreshSnapshot();
    return applied.size();
  }

  private int doctor() {
    DoctorReport report = new Doctor(connections, DoctorOptions.DEFAULTS).run();
    lastDoctor.set(Optional.of(report));
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

  private List<Map<String, Object>> runsDocument() {
    List<Map<String, Object>> items = new java.util.ArrayList<>();
    for (ServiceRuns.Run run : runs.recent(50)) {
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

  private static void send(HttpExchange exchange, int status, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
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
