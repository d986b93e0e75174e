package dev.strata.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A set of named PostgreSQL servers (each of its spec's version, 18 by default), each in its own
 * data directory under one base directory, listening on a free loopback port. Used by {@code strata
 * demo} and by every test.
 *
 * <p>Servers start in parallel: {@code initdb} dominates start-up and is single-threaded, so two
 * cores start three servers in about the time of two. {@link #close()} stops every server that is
 * still running and, unless the set was started with {@code keepData}, deletes the base directory.
 */
public final class LocalServers implements AutoCloseable {
  private static final long START_TIMEOUT_SECONDS = 120;

  private final Path baseDirectory;
  private final boolean keepData;
  private final Map<String, LocalServer> servers;
  private final Thread shutdownHook;

  private LocalServers(Path baseDirectory, boolean keepData, Map<String, LocalServer> servers) {
    this.baseDirectory = baseDirectory;
    this.keepData = keepData;
    this.servers = servers;
    this.shutdownHook = new Thread(this::stopAllQuietly, "strata-local-servers-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts one server per spec, in parallel, under {@code baseDirectory} (created if missing). If
   * any server fails to start, the others are stopped and the first failure is thrown.
   */
  public static LocalServers start(Path baseDirectory, boolean keepData, List<ServerSpec> specs) {
    RootCheck.ensureServersCanRun();
    try {
      Files.createDirectories(baseDirectory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + baseDirectory, e);
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, specs.size()));
    try {
      Map<String, Future<LocalServer>> futures = new LinkedHashMap<>();
      for (ServerSpec spec : specs) {
        if (futures.containsKey(spec.name())) {
          throw new IllegalArgumentException("duplicate server name " + spec.name());
        }
        Path dataDirectory = baseDirectory.resolve(spec.name());
        futures.put(spec.name(), pool.submit(() -> LocalServer.create(spec, dataDirectory)));
      }
      Map<String, LocalServer> started = new LinkedHashMap<>();
      RuntimeException failure = null;
      for (Map.Entry<String, Future<LocalServer>> entry : futures.entrySet()) {
        try {
          started.put(
              entry.getKey(), entry.getValue().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          failure = firstOf(failure, asRuntime(entry.getKey(), e.getCause()));
        } catch (TimeoutException e) {
          entry.getValue().cancel(true);
          failure =
              firstOf(
                  failure,
                  new IllegalStateException(
                      "server "
                          + entry.getKey()
                          + " did not start within "
                          + START_TIMEOUT_SECONDS
                          + " s"));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failure = firstOf(failure, new IllegalStateException("interrupted while starting", e));
        }
      }
      if (failure != null) {
        started.values().forEach(LocalServer::stopQuietly);
        throw failure;
      }
      return new LocalServers(baseDirectory, keepData, started);
    } finally {
      pool.shutdownNow();
    }
  }

  private static RuntimeException firstOf(RuntimeException current, RuntimeException next) {
    if (current == null) {
      return next;
    }
    current.addSuppressed(next);
    return current;
  }

  private static RuntimeException asRuntime(String name, Throwable cause) {
    if (cause instanceof RuntimeException runtime) {
      return runtime;
    }
    return new IllegalStateException("server " + name + " failed to start: " + cause, cause);
  }

  public LocalServer server(String name) {
    LocalServer server = servers.get(name);
    if (server == null) {
      throw new NoSuchElementException("no local server named " + name + "; have " + names());
    }
    return server;
  }

  public Collection<LocalServer> all() {
    return servers.values();
  }

  public List<String> names() {
    return new ArrayList<>(servers.keySet());
  }

  public Path baseDirectory() {
    return baseDirectory;
  }

  /** Starts one more server in this set (used when a tour or test needs a new archive). */
  public LocalServer add(ServerSpec spec) {
    if (servers.containsKey(spec.name())) {
      throw new IllegalArgumentException("duplicate server name " + spec.name());
    }
    LocalServer server = LocalServer.create(spec, baseDirectory.resolve(spec.name()));
    servers.put(spec.name(), server);
    return server;
  }

  private void stopAllQuietly() {
    servers.values().parallelStream().forEach(LocalServer::stopQuietly);
  }

  @Override
  public void close() {
    stopAllQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // Already inside shutdown: the hook runs or has run; nothing to remove.
    }
    if (!keepData) {
      deleteRecursively(baseDirectory);
    }
  }

  static void deleteRecursively(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      paths
          .sorted((a, b) -> b.getNameCount() - a.getNameCount())
          .forEach(
              path -> {
                try {
                  Files.deleteIfExists(path);
                } catch (IOException e) {
                  // Best effort: a file still held by a dying process is left for the OS.
                }
              });
    } catch (IOException e) {
      // Best effort, as above.
    }
  }
}
