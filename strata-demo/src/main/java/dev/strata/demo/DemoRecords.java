package dev.strata.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Where a demo's embedded servers are recorded, so that none outlives its demo unnoticed.
 *
 * <p>The servers are PostgreSQL processes started by {@code pg_ctl}: they are not children the JVM
 * waits for, so a demo killed with SIGKILL (no shutdown hook runs) leaves them running, holding
 * ports and memory. Before it starts a server, a demo writes a record naming its process (pid and
 * start time, so a recycled pid is not taken for it) and its servers' base directory, twice: in the
 * demo directory ({@value #RECORD}) and in {@code $TMPDIR/strata-demo-$USER/} (one file per demo
 * process). The next demo reads the latter and stops the servers of every demo whose process is
 * gone; {@code strata demo --stop --dir D} stops those under {@code D}.
 *
 * <p>A server is found by its {@code postmaster.pid} (first line the postmaster's pid, second its
 * data directory) and stopped as {@code pg_ctl stop -m fast} would: SIGINT, then SIGQUIT (immediate
 * shutdown) if it has not exited within {@link #FAST_SHUTDOWN}, then SIGKILL. The pid is only
 * signalled while the file still names it, the process is alive and runs {@code postgres}.
 */
final class DemoRecords {
  /** The servers' data directories are {@code BASE/servers/NAME}. */
  static final String SERVERS = "servers";

  /** The record in the demo directory. */
  static final String RECORD = "strata-demo.properties";

  static final Duration FAST_SHUTDOWN = Duration.ofSeconds(30);
  static final Duration IMMEDIATE_SHUTDOWN = Duration.ofSeconds(10);

  private final Path registry;

  private DemoRecords(Path registry) {
    this.registry = registry;
  }

  /** The records under {@code $TMPDIR/strata-demo-$USER} (else the JVM's temporary directory). */
  static DemoRecords in(Map<String, String> environment) {
    String temporary = environment.get("TMPDIR");
    if (temporary == null || temporary.isBlank()) {
      temporary = System.getProperty("java.io.tmpdir");
    }
    String user = environment.getOrDefault("USER", System.getProperty("user.name"));
    return new DemoRecords(Path.of(temporary).resolve("strata-demo-" + user));
  }

  Path registry() {
    return registry;
  }

  /** One demo: the process that runs it and where its servers live. */
  record Demo(long pid, Instant processStart, Path base, boolean temporary) {
    static Demo current(Path base, boolean temporary) {
      ProcessHandle self = ProcessHandle.current();
      return new Demo(
          self.pid(), self.info().startInstant().orElse(Instant.EPOCH), base, temporary);
    }

    boolean running() {
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .map(
              handle -> handle.info().startInstant().map(processStart::equals).orElse(Boolean.TRUE))
          .orElse(false);
    }

    Properties properties() {
      Properties properties = new Properties();
      properties.setProperty("pid", Long.toString(pid));
      properties.setProperty("process_start", processStart.toString());
      properties.setProperty("directory", base.toString());
      properties.setProperty("temporary", Boolean.toString(temporary));
      return properties;
    }

    static Optional<Demo> read(Path file) {
      Properties properties = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        properties.load(in);
        return Optional.of(
            new Demo(
                Long.parseLong(properties.getProperty("pid")),
                Instant.parse(properties.getProperty("process_start")),
                Path.of(properties.getProperty("directory")),
                Boolean.parseBoolean(properties.getProperty("temporary"))));
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
    }
  }

  /** A server that was running and what stopping it took. */
  record Stopped(String name, long pid, String port, Path dataDirectory, String how) {
    String describe() {
      return name + " (pid " + pid + ", port " + port + ", " + dataDirectory + "): " + how;
    }
  }

  /** Records {@code demo} in its directory and in the registry, before any server starts. */
  void register(Demo demo) {
    write(demo.base().resolve(RECORD), demo);
    if (trustedRegistry(true)) {
      write(registry.resolve(demo.pid() + ".properties"), demo);
    }
  }

  /**
   * Whether the registry is this user's own directory, created {@code rwx------} if missing. The
   * temporary directory is shared: a registry another user made could name other directories to
   * stop servers in or to delete, so one this user does not own is not read or written.
   */
  private boolean trustedRegistry(boolean create) {
    try {
      if (!Files.exists(registry, LinkOption.NOFOLLOW_LINKS)) {
        if (!create) {
          return false;
        }
        Files.createDirectories(
            registry,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      return Files.isDirectory(registry, LinkOption.NOFOLLOW_LINKS)
          && Files.getOwner(registry, LinkOption.NOFOLLOW_LINKS)
              .getName()
              .equals(System.getProperty("user.name"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** Forgets {@code demo} after its servers were stopped by the demo itself. */
  void unregister(Demo demo) {
    try {
      Files.deleteIfExists(registry.resolve(demo.pid() + ".properties"));
      Files.deleteIfExists(demo.base().resolve(RECORD));
    } catch (IOException e) {
      // A stale record is harmless: the next demo finds its servers stopped and removes it.
    }
  }

  /**
   * Stops the servers of every recorded demo whose process is gone, removes its record, and deletes
   * its directory if the demo had made it temporary. Demos still running are left alone.
   */
  List<Stopped> stopOrphans() {
    List<Stopped> stopped = new ArrayList<>();
    if (!trustedRegistry(false)) {
      return stopped;
    }
    List<Path> files;
    try (Stream<Path> listing = Files.list(registry)) {
      files = listing.filter(f -> f.toString().endsWith(".properties")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the demo records in " + registry, e);
    }
    for (Path file : files) {
      Optional<Demo> demo = Demo.read(file);
      if (demo.isPresent() && demo.get().running()) {
        continue;
      }
      demo.ifPresent(
          orphan -> {
            stopped.addAll(stopServers(orphan.base()));
            // Only a directory the demo made and recorded itself in is deleted.
            if (orphan.temporary() && Files.exists(orphan.base().resolve(RECORD))) {
              deleteRecursively(orphan.base());
            }
          });
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // Tried again by the next demo.
      }
    }
    return stopped;
  }

  /** Stops every server still running under a demo directory's {@value #SERVERS} directory. */
  static List<Stopped> stopServers(Path base) {
    Path servers = base.resolve(SERVERS);
    List<Stopped> stopped = new ArrayList<>();
    if (!Files.isDirectory(servers)) {
      return stopped;
    }
    List<Path> dataDirectories;
    try (Stream<Path> listing = Files.list(servers)) {
      dataDirectories =
          listing.filter(d -> Files.exists(d.resolve("postmaster.pid"))).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the demo's servers in " + servers, e);
    }
    for (Path dataDirectory : dataDirectories) {
      stop(dataDirectory).ifPresent(stopped::add);
    }
    return stopped;
  }

  /** Stops the postmaster that {@code dataDirectory/postmaster.pid} names, if it runs. */
  static Optional<Stopped> stop(Path dataDirectory) {
    Optional<PostmasterPid> found = PostmasterPid.read(dataDirectory);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    PostmasterPid postmaster = found.get();
    Optional<ProcessHandle> handle = ProcessHandle.of(postmaster.pid());
    if (handle.isEmpty() || !handle.get().isAlive() || !isPostgres(handle.get())) {
      return Optional.empty();
    }
    String name = dataDirectory.getFileName().toString();
    String how;
    if (signalAndWait(postmaster.pid(), "INT", handle.get(), FAST_SHUTDOWN)) {
      how = "stopped (fast shutdown)";
    } else if (signalAndWait(postmaster.pid(), "QUIT", handle.get(), IMMEDIATE_SHUTDOWN)) {
      how = "stopped (immediate shutdown after " + FAST_SHUTDOWN.toSeconds() + " s)";
    } else {
      handle.get().descendants().forEach(ProcessHandle::destroyForcibly);
      handle.get().destroyForcibly();
      how = "killed (SIGKILL: it ignored SIGINT and SIGQUIT)";
    }
    return Optional.of(
        new Stopped(
            name, postmaster.pid(), postmaster.port(), dataDirectory.toAbsolutePath(), how));
  }

  /** The first lines of {@code postmaster.pid} (PostgreSQL's miscinit.c writes them). */
  record PostmasterPid(long pid, Path dataDirectory, String port) {
    static Optional<PostmasterPid> read(Path dataDirectory) {
      try {
        List<String> lines =
            Files.readAllLines(dataDirectory.resolve("postmaster.pid"), StandardCharsets.UTF_8);
        if (lines.size() < 4) {
          return Optional.empty();
        }
        return Optional.of(
            new PostmasterPid(
                Long.parseLong(lines.get(0).strip()),
                Path.of(lines.get(1).strip()),
                lines.get(3).strip()));
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
    }
  }

  /**
   * Whether the process runs PostgreSQL's server binary; where the system does not say (no {@code
   * /proc} access), the live pid named by the data directory's own pid file is taken as its
   * postmaster, as {@code pg_ctl} does.
   */
  private static boolean isPostgres(ProcessHandle handle) {
    return handle
        .info()
        .command()
        .map(command -> Path.of(command).getFileName().toString().startsWith("postgres"))
        .orElse(true);
  }

  private static boolean signalAndWait(
      long pid, String signal, ProcessHandle handle, Duration wait) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
      }
      handle.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !handle.isAlive();
    } catch (IOException | java.util.concurrent.ExecutionException e) {
      return !handle.isAlive();
    }
  }

  private static void write(Path file, Demo demo) {
    try {
      Files.createDirectories(file.getParent());
      Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
      try (OutputStream out = Files.newOutputStream(temporary)) {
        demo.properties().store(out, "strata demo: its process and its servers' directory");
      }
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the demo's servers in " + file, e);
    }
  }

  private static void deleteRecursively(Path directory) {
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
                  // Best effort: the directory was temporary.
                }
              });
    } catch (IOException e) {
      // Best effort, as above.
    }
  }
}
