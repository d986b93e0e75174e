package dev.strata.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The dashboard: its static page (HTML, CSS, JavaScript from the jar; nothing from the network) and
 * its live feed, {@code /api/v1/events}, a server-sent event stream that sends the dashboard
 * document as a {@code state} event whenever it changes and at least every {@value
 * #HEARTBEAT_SECONDS} seconds. At most {@value #MAX_STREAMS} streams are open at once; more are
 * answered 503 and the page falls back to polling.
 */
final class Dashboard implements AutoCloseable {
  static final int MAX_STREAMS = 16;
  static final int HEARTBEAT_SECONDS = 15;

  /** The page may load only what this server serves. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
          + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private record Asset(String type, byte[] bytes) {}

  /** The page's files, read from the jar when first asked for. */
  private static final class Assets {
    static final Map<String, Asset> BY_PATH =
        Map.of(
            "/", asset("index.html", "text/html; charset=utf-8"),
            "/index.html", asset("index.html", "text/html; charset=utf-8"),
            "/dashboard.css", asset("dashboard.css", "text/css; charset=utf-8"),
            "/dashboard.js", asset("dashboard.js", "text/javascript; charset=utf-8"));
  }

  private final Object changed = new Object();
  private final AtomicInteger streams = new AtomicInteger();
  private volatile String document = "{}";
  private volatile long version;
  private volatile boolean closed;

  private static Asset asset(String name, String type) {
    try (InputStream in = Dashboard.class.getResourceAsStream("dashboard/" + name)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks the dashboard's " + name);
      }
      return new Asset(type, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Open event streams. */
  int streams() {
    return streams.get();
  }

  /** A new document; streams send it if it differs from the last one. */
  void publish(String next) {
    synchronized (changed) {
      if (next.equals(document)) {
        return;
      }
      document = next;
      version++;
      changed.notifyAll();
    }
  }

  void asset(HttpExchange exchange, String path) throws IOException {
    Asset asset = Assets.BY_PATH.get(path);
    exchange.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
    exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
    StrataService.send(exchange, 200, asset.bytes(), asset.type());
  }

  /** Streams state events until the client goes away or the service stops. */
  void stream(HttpExchange exchange) throws IOException {
    if (streams.incrementAndGet() > MAX_STREAMS) {
      streams.decrementAndGet();
      StrataService.send(
          exchange,
          503,
          "{\"error\": \"too many open event streams\", \"hint\": \"poll /api/v1/dashboard\"}\n",
          "application/json");
      return;
    }
    try {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      out.write(("retry: 2000\n\n").getBytes(StandardCharsets.UTF_8));
      long sent = -1;
      while (!closed) {
        String current;
        long currentVersion;
        synchronized (changed) {
          if (version == sent) {
            changed.wait(TimeUnit.SECONDS.toMillis(HEARTBEAT_SECONDS));
          }
          current = document;
          currentVersion = version;
        }
        if (closed) {
          break;
        }
        // One event; its data lines carry the JSON, which has no raw line breaks of its own
        // once compacted (strings escape them).
        StringBuilder event = new StringBuilder("event: state\n");
        for (String line : current.strip().split("\n", -1)) {
          event.append("data: ").append(line).append('\n');
        }
        event.append('\n');
        out.write(event.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        sent = currentVersion;
      }
      out.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // The page went away.
    } finally {
      streams.decrementAndGet();
    }
  }

  /** Ends every stream. */
  @Override
  public void close() {
    closed = true;
    synchronized (changed) {
      changed.notifyAll();
    }
  }
}
