package dev.strata.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.strata.StrataException;
import dev.strata.operation.Failpoints;
import dev.strata.testkit.FaultProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the network-fault suites measured, one JSON object per line in {@code
 * target/proof/faults-CLASS.jsonl}, for the reliability report ({@code bench/run-proof.sh}). Tests
 * never assert durations: the detection time is recorded here against the configured bound of the
 * wait it hit, and the report shows both.
 */
public final class FaultRecords {
  /** Bumped when a field changes meaning; the report reads version 1. */
  public static final int SCHEMA_VERSION = 1;

  /**
   * One fault at one step.
   *
   * @param scenario the operation under fault: archive, restore, move, status, doctor, query
   * @param fault the proxy's fault, e.g. {@code blackhole}
   * @param faultDetail the fault with its parameter, e.g. {@code close-after-65536B}
   * @param step where the fault was switched on
   * @param outcome {@code completed} or {@code failed}
   * @param detectionMs from the fault switched on to the error (or to completion)
   * @param boundMs the configured bound of the wait the fault hit, 0 when there is none
   * @param bound which setting makes the bound, in words
   * @param toleranceMs the margin allowed over the bound (scheduling, the check interval)
   * @param withinBound detection within bound plus tolerance (or, with no bound, the expected
   *     outcome)
   * @param errorCode Strata's error code when it failed
   * @param error the error's message when it failed
   * @param converged for a move left unfinished: whether a rerun finished it with every row; null
   *     when nothing was left unfinished
   * @param rowsLost rows of the partition missing after the rerun (or the completed move)
   * @param rowsDuplicated rows present more than once
   * @param rowsOutOfRange rows outside their partition's bounds
   */
  public record Fault(
      int schemaVersion,
      String testClass,
      String scenario,
      String fault,
      String faultDetail,
      String step,
      String outcome,
      long detectionMs,
      long boundMs,
      String bound,
      long toleranceMs,
      boolean withinBound,
      String errorCode,
      String error,
      Boolean converged,
      long rowsLost,
      long rowsDuplicated,
      long rowsOutOfRange) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  private final String testClass;
  private final List<Fault> records = new ArrayList<>();

  public FaultRecords(Class<?> testClass) {
    this.testClass = testClass.getSimpleName();
  }

  public String testClass() {
    return testClass;
  }

  public synchronized void add(Fault record) {
    records.add(record);
  }

  /** Writes every record to {@code target/proof/faults-CLASS.jsonl}, replacing an older file. */
  public synchronized void write() {
    try {
      Path directory = Files.createDirectories(Path.of("target", "proof"));
      List<String> lines = new ArrayList<>();
      for (Fault record : records) {
        lines.add(JSON.writeValueAsString(record));
      }
      Files.write(
          directory.resolve("faults-" + testClass + ".jsonl"), lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the fault records of " + testClass, e);
    }
  }

  /** A configured bound, in milliseconds (0: none), and which setting makes it, in words. */
  public record Bound(long millis, String text) {}

  /**
   * The configured bound of the wait that ended with {@code failure}, told by the error: the copy's
   * watchdog, a connection attempt, a probe through postgres_fdw, a direct connection's read
   * timeout, or none (a connection that broke fails at once). A blackhole that hits a copy whose
   * rows had all arrived (the kernel buffers a small partition whole) is met by the next step's
   * wait, so the step where the fault was switched on does not tell the bound. A step that runs
   * branches in parallel waits for every branch and reports the first one's error, with the others'
   * suppressed: its bound is the longest of theirs.
   */
  public static Bound boundHit(StrataException failure, Duration connect, Duration statement) {
    Bound longest = boundOf(failure.getMessage(), connect, statement);
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      for (Throwable other : cause.getSuppressed()) {
        Bound bound = boundOf(String.valueOf(other.getMessage()), connect, statement);
        if (bound.millis() > longest.millis()) {
          longest =
              new Bound(bound.millis(), bound.text() + ", the longest of a step's parallel waits");
        }
      }
    }
    return longest;
  }

  static Bound boundOf(String message, Duration connect, Duration statement) {
    if (message.contains("no row moved for")) {
      return new Bound(statement.toMillis(), "timeouts.statement: the copy's watchdog");
    }
    if (message.contains("(timeouts.connect)")) {
      return new Bound(connect.toMillis(), "timeouts.connect");
    }
    if (message.contains("canceling statement due to statement timeout")) {
      return new Bound(
          statement.toMillis(), "timeouts.statement: the server's own statement_timeout");
    }
    if (message.contains("no answer within the read timeout")) {
      return new Bound(
          statement.plusSeconds(5).toMillis(),
          "a direct connection's read timeout: timeouts.statement + 5 s");
    }
    return new Bound(0, "none: a broken connection fails at once");
  }

  /**
   * What an operation did under a fault: its result or its error, whether it reached the failpoint
   * that switched the fault on, and the time from then to its end.
   */
  public record Run<T>(T result, StrataException failure, boolean switched, long detectionMs) {}

  /**
   * Runs {@code operation}, switching {@code proxy} to {@code fault} when the operation first hits
   * {@code failpoint}; the network is healed before this returns.
   */
  public static <T> Run<T> underFault(
      FaultProxy proxy,
      FaultProxy.Fault fault,
      String failpoint,
      java.util.function.Supplier<T> operation) {
    java.util.concurrent.atomic.AtomicBoolean switched =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong switchedAt =
        new java.util.concurrent.atomic.AtomicLong();
    T result = null;
    StrataException failure = null;
    Failpoints.Observation observation =
        Failpoints.observe(
            name -> {
              if (name.equals(failpoint) && switched.compareAndSet(false, true)) {
                switchedAt.set(System.nanoTime());
                proxy.set(fault);
              }
            });
    try {
      result = operation.get();
    } catch (StrataException e) {
      failure = e;
    } finally {
      observation.close();
    }
    long detectionMs =
        java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - switchedAt.get());
    proxy.heal();
    return new Run<>(result, failure, switched.get(), detectionMs);
  }
}
