package dev.strata.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.strata.testkit.PostgresVersions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.TestAbortedException;

/**
 * Records each version-matrix test's outcome by layout and suite, and rewrites {@code
 * postgres-versions.json} in the proof directory (system property {@code strata.proof.directory},
 * set by the build to {@code target/proof}) after every test, so the file is complete whenever the
 * run ends and a report can aggregate it. The file holds this JVM's run only.
 *
 * <p>Shape: {@code {schema_version, generated_at, selected_versions, binaries: {"14": "14.24.0",
 * ...}, results: [{layout, coordinator_version, archive_versions, suite, tests, passed, failed,
 * skipped, failures: [{test, message}]}]}}; {@code layout} is the version ({@code "16"}) or a mixed
 * layout ({@code "18/14+16"}: coordinator, then archives).
 */
public final class MatrixResults implements InvocationInterceptor {
  private static final Map<String, Row> ROWS = new TreeMap<>();
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT);

  /** One layout and suite. */
  record Row(
      String layout,
      int coordinatorVersion,
      List<Integer> archiveVersions,
      String suite,
      int tests,
      int passed,
      int failed,
      int skipped,
      List<Failure> failures) {}

  record Failure(String test, String message) {}

  record Document(
      int schemaVersion,
      String generatedAt,
      List<Integer> selectedVersions,
      Map<String, String> binaries,
      List<Row> results) {}

  @Override
  public void interceptTestTemplateMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    Method method = invocationContext.getExecutable();
    Object argument = invocationContext.getArguments().get(0);
    String suite =
        AnnotationSupport.findAnnotation(method, VersionMatrix.class)
            .map(VersionMatrix::suite)
            .or(
                () ->
                    AnnotationSupport.findAnnotation(method, MixedVersions.class)
                        .map(MixedVersions::suite))
            .orElseThrow();
    String test = method.getDeclaringClass().getSimpleName() + "." + method.getName();
    try {
      invocation.proceed();
      record(argument, suite, test, Outcome.PASSED, null);
    } catch (TestAbortedException skipped) {
      record(argument, suite, test, Outcome.SKIPPED, null);
      throw skipped;
    } catch (Throwable failure) {
      record(argument, suite, test, Outcome.FAILED, failure);
      throw failure;
    }
  }

  private enum Outcome {
    PASSED,
    FAILED,
    SKIPPED
  }

  private static synchronized void record(
      Object argument, String suite, String test, Outcome outcome, Throwable failure) {
    String layout;
    int coordinator;
    List<Integer> archives;
    if (argument instanceof MatrixVersions.Mixed mixed) {
      layout = mixed.label();
      coordinator = mixed.coordinator();
      archives = mixed.archives();
    } else {
      int major = (Integer) argument;
      layout = Integer.toString(major);
      coordinator = major;
      archives = List.of(major);
    }
    String key = String.format("%-12s %s", layout, suite);
    Row row =
        ROWS.getOrDefault(
            key, new Row(layout, coordinator, archives, suite, 0, 0, 0, 0, List.of()));
    List<Failure> failures = new ArrayList<>(row.failures());
    if (outcome == Outcome.FAILED) {
      String message = String.valueOf(failure.getMessage()).strip();
      failures.add(new Failure(test, message.length() > 500 ? message.substring(0, 500) : message));
    }
    ROWS.put(
        key,
        new Row(
            layout,
            coordinator,
            archives,
            suite,
            row.tests() + 1,
            row.passed() + (outcome == Outcome.PASSED ? 1 : 0),
            row.failed() + (outcome == Outcome.FAILED ? 1 : 0),
            row.skipped() + (outcome == Outcome.SKIPPED ? 1 : 0),
            failures));
    write();
  }

  private static void write() {
    Map<String, String> binaries = new LinkedHashMap<>();
    for (int major : PostgresVersions.supported()) {
      binaries.put(Integer.toString(major), PostgresVersions.binariesVersion(major));
    }
    Document document =
        new Document(
            1,
            Instant.now().toString(),
            PostgresVersions.selected(),
            binaries,
            new ArrayList<>(ROWS.values()));
    Path directory = Path.of(System.getProperty("strata.proof.directory", "target/proof"));
    try {
      Files.createDirectories(directory);
      Path file = directory.resolve("postgres-versions.json");
      Path partial = directory.resolve("postgres-versions.json.partial");
      JSON.writeValue(partial.toFile(), document);
      Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the version matrix results to " + directory, e);
    }
  }
}
