package dev.strata.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the network-fault suites measured, one JSON object per line in {@code
 * target/proof/faults-CLASS.jsonl}, for the reliability report ({@code bench/run-proof.sh}). Tests
 * never assert durations: the detection time is recorded here against the configured bound of the
 * wait it hit, and the report shows both.
 */
final class FaultRecords {
  /** Bumped when a field changes meaning; the report reads version 1. */
  static final int SCHEMA_VERSION = 1;

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
  record Fault(
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

  FaultRecords(Class<?> testClass) {
    this.testClass = testClass.getSimpleName();
  }

  String testClass() {
    return testClass;
  }

  synchronized void add(Fault record) {
    records.add(record);
  }

  /** Writes every record to {@code target/proof/faults-CLASS.jsonl}, replacing an older file. */
  synchronized void write() {
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
}
