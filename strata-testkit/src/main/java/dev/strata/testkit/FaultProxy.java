package dev.strata.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of one server, on loopback, that misbehaves on request: the network faults
 * of the proof suite. Point Strata's config (and so the coordinator's foreign server) at {@link
 * #port()} and every connection to the server, Strata's own and postgres_fdw's, goes through it.
 *
 * <p>{@link #set} switches the fault for the connections already open and for new ones:
 *
 * <ul>
 *   <li>{@link Fault#pass()}: bytes flow unchanged;
 *   <li>{@link Fault#delay}: each chunk waits before it is passed on (latency, both ways);
 *   <li>{@link Fault#throttle}: at most so many bytes a second each way;
 *   <li>{@link Fault#reset()}: every open connection is reset (RST), new ones are reset on accept;
 *   <li>{@link Fault#blackhole()}: a half-open peer: connections are accepted and kept open, but
 *       nothing passes either way, not even a close, until the fault changes. The kernel still
 *       acknowledges data and keepalives, as it does for a server whose processes stopped;
 *   <li>{@link Fault#closeAfter}: each connection is closed (FIN) once that many more bytes have
 *       passed through it, counted from the moment the fault is set.
 * </ul>
 *
 * <p>One thread per direction per connection, with blocking sockets: the proxy serves tests with a
 * handful of connections, and blocking reads make "hold everything" trivially right.
 */
public final class FaultProxy implements AutoCloseable {
  /** What the proxy does to the bytes. */
  public sealed interface Fault {
    static Fault pass() {
      return Pass.INSTANCE;
    }

    static Fault delay(Duration perChunk) {
      return new Delay(perChunk);
    }

    static Fault throttle(long bytesPerSecond) {
      return new Throttle(bytesPerSecond);
    }

    static Fault reset() {
      return Reset.INSTANCE;
    }

    static Fault blackhole() {
      return Blackhole.INSTANCE;
    }

    static Fault closeAfter(long bytes) {
      return new CloseAfter(bytes);
    }

    /** A short name for reports: {@code blackhole}, {@code close-after-4096} ... */
    String describe();
  }

  enum Pass implements Fault {
    INSTANCE;

    @Override
    public String describe() {
      return "pass";
    }
  }

  enum Reset implements Fault {
    INSTANCE;

    @Override
    public String describe() {
      return "reset";
    }
  }

  enum Blackhole implements Fault {
    INSTANCE;

    @Override
    public String describe() {
      return "blackhole";
    }
  }

  record Delay(Duration perChunk) implements Fault {
    Delay {
      if (perChunk.isNegative()) {
        throw new IllegalArgumentException("a delay cannot be negative: " + perChunk);
      }
    }

    @Override
    public String describe() {
      return "delay-" + perChunk.toMillis() + "ms";
    }
  }

  record Throttle(long bytesPerSecond) implements Fault {
    Throttle {
      if (bytesPerSecond <= 0) {
        throw new IllegalArgumentException("a throttle needs a positive rate: " + bytesPerSecond);
      }
    }

    @Override
    public String describe() {
      return "throttle-" + bytesPerSecond + "Bps";
    }
  }

  record CloseAfter(long bytes) implements Fault {
    CloseAfter {
      if (bytes < 0) {
        throw new IllegalArgumentException("a byte count cannot be negative: " + bytes);
      }
    }

    @Override
    public String describe() {
      return "close-after-" + bytes + "B";
    }
  }

  private static final int CHUNK = 8192;

  private final String name;
  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final Object lock = new Object();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile Fault fault = Fault.pass();
  private volatile long generation;
  private volatile boolean closed;

  private FaultProxy(String name, InetSocketAddress target) throws IOException {
    this.name = name;
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-" + name + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy on a free loopback port that forwards to {@code targetHost:targetPort}. */
  public static FaultProxy start(String name, String targetHost, int targetPort) {
    try {
      return new FaultProxy(name, new InetSocketAddress(targetHost, targetPort));
    } catch (IOException e) {
      throw new IllegalStateException("cannot open a loopback port for fault proxy " + name, e);
    }
  }

  /** A proxy in front of {@code server}. */
  public static FaultProxy in(LocalServer server) {
    return start(server.name(), server.host(), server.port());
  }

  public String host() {
    return LocalServer.HOST;
  }

  public int port() {
    return listener.getLocalPort();
  }

  public Fault fault() {
    return fault;
  }

  /** Connections accepted since the proxy started. */
  public int acceptedConnections() {
    return accepted.get();
  }

  /** Connections open now. */
  public int openConnections() {
    return links.size();
  }

  /** Switches to {@code next}, for open connections and new ones alike. */
  public void set(Fault next) {
    Objects.requireNonNull(next, "fault");
    synchronized (lock) {
      fault = next;
      generation++;
      lock.notifyAll();
    }
    if (next instanceof Reset) {
      for (Link link : links) {
        link.reset();
      }
    }
  }

  /** Back to passing bytes unchanged. */
  public void heal() {
    set(Fault.pass());
  }

  @Override
  public void close() {
    closed = true;
    synchronized (lock) {
      lock.notifyAll();
    }
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Link link : links) {
      link.reset();
    }
  }

  @Override
  public String toString() {
    return "FaultProxy[" + name + " :" + port() + " -> " + target + ", " + fault.describe() + "]";
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      if (fault instanceof Reset) {
        abort(client);
        continue;
      }
      Socket server = new Socket();
      try {
        server.connect(target, 10_000);
      } catch (IOException e) {
        abort(client);
        closeQuietly(server);
        continue;
      }
      Link link = new Link(client, server);
      links.add(link);
      link.start();
    }
  }

  /** One proxied connection: client to server and back. */
  private final class Link {
    final Socket client;
    final Socket server;
    final AtomicInteger pumpsLeft = new AtomicInteger(2);
    long countedGeneration = -1;
    long passedSinceFault;

    Link(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void start() {
      startPump(client, server, "up");
      startPump(server, client, "down");
    }

    private void startPump(Socket from, Socket to, String direction) {
      Thread thread =
          new Thread(
              () -> pump(from, to), "fault-proxy-" + name + "-" + direction + "-" + from.getPort());
      thread.setDaemon(true);
      thread.start();
    }

    private void pump(Socket from, Socket to) {
      byte[] buffer = new byte[CHUNK];
      try (InputStream in = from.getInputStream()) {
        OutputStream out = to.getOutputStream();
        while (true) {
          int read = in.read(buffer);
          if (!holdWhileBlackholed()) {
            return;
          }
          if (read < 0) {
            to.shutdownOutput();
            return;
          }
          if (!forward(buffer, read, out)) {
            return;
          }
        }
      } catch (IOException e) {
        // reset or closed by the other pump, by a fault or by the peer: the link ends
        reset();
      } finally {
        if (pumpsLeft.decrementAndGet() == 0) {
          closeQuietly(client);
          closeQuietly(server);
          links.remove(this);
        }
      }
    }

    /** Waits while the fault is a blackhole; false when the proxy closed meanwhile. */
    private boolean holdWhileBlackholed() {
      synchronized (lock) {
        while (fault instanceof Blackhole && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }
        return !closed;
      }
    }

    /** Passes {@code length} bytes on under the current fault; false when the link was closed. */
    private boolean forward(byte[] buffer, int length, OutputStream out) throws IOException {
      int offset = 0;
      while (offset < length) {
        if (!holdWhileBlackholed()) {
          return false;
        }
        Fault now = fault;
        int slice = length - offset;
        if (now instanceof Delay delay) {
          sleep(delay.perChunk().toMillis());
        } else if (now instanceof Throttle throttle) {
          slice = (int) Math.max(1, Math.min(slice, throttle.bytesPerSecond() / 10));
          sleep(1000L * slice / throttle.bytesPerSecond());
        } else if (now instanceof CloseAfter closeAfter) {
          long left = allowance(closeAfter);
          if (left <= 0) {
            closeBoth();
            return false;
          }
          slice = (int) Math.min(slice, left);
        } else if (now instanceof Reset) {
          reset();
          return false;
        }
        out.write(buffer, offset, slice);
        out.flush();
        if (now instanceof CloseAfter) {
          count(slice);
        }
        offset += slice;
      }
      return true;
    }

    private long allowance(CloseAfter closeAfter) {
      synchronized (this) {
        if (countedGeneration != generation) {
          countedGeneration = generation;
          passedSinceFault = 0;
        }
        return closeAfter.bytes() - passedSinceFault;
      }
    }

    private synchronized void count(int bytes) {
      passedSinceFault += bytes;
    }

    void reset() {
      abort(client);
      abort(server);
    }

    void closeBoth() {
      closeQuietly(client);
      closeQuietly(server);
    }
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes with RST instead of FIN. */
  private static void abort(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // already closed
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
