package dev.strata.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The PostgreSQL major versions the test kit can start, the binaries each one comes from, and the
 * versions a test run asked for.
 *
 * <p>PostgreSQL {@value #DEFAULT} is the default: its binaries are an ordinary dependency of the
 * test kit, so a plain build starts it without fetching anything else. The older majors come from
 * the same zonky artifact at other versions, pinned in the root pom ({@code
 * postgresNN-binaries.version}) and written into {@code postgres-binaries.properties} by resource
 * filtering, so the pom stays the only place that names them. The build copies those jars into
 * {@code strata-testkit/target/postgres-binaries} only when a run asks for other versions (see
 * docs/reliability-versions.md); {@link PostgresBinaries} finds them there or in the local Maven
 * repository.
 *
 * <p>A run chooses its versions with the system property {@value #SELECTION_PROPERTY}, a
 * comma-separated list such as {@code 14,15,16,17,18}; Maven passes {@code -Dstrata.pg=...} to the
 * tests. Unset, the selection is {@value #DEFAULT} alone.
 */
public final class PostgresVersions {
  /** The major version every server runs unless its {@link ServerSpec} says otherwise. */
  public static final int DEFAULT = 18;

  /** The system property listing the major versions a run asked for. */
  public static final String SELECTION_PROPERTY = "strata.pg";

  private static final Properties BINARIES = loadBinaries();

  private PostgresVersions() {}

  /** Every major version the test kit can start, oldest first. */
  public static List<Integer> supported() {
    List<Integer> versions = new ArrayList<>();
    for (String key : BINARIES.stringPropertyNames()) {
      versions.add(Integer.parseInt(key));
    }
    versions.sort(null);
    return versions;
  }

  /**
   * The zonky binaries version for a major, e.g. {@code 16.15.0} for 16.
   *
   * @throws IllegalArgumentException for a major the test kit has no binaries for
   */
  public static String binariesVersion(int major) {
    String version = BINARIES.getProperty(Integer.toString(major));
    if (version == null) {
      throw new IllegalArgumentException(
          "the test kit has no PostgreSQL " + major + " binaries; it can start " + supported());
    }
    return version;
  }

  /** The versions {@value #SELECTION_PROPERTY} lists, in its order; {@value #DEFAULT} if unset. */
  public static List<Integer> selected() {
    return parse(System.getProperty(SELECTION_PROPERTY, ""));
  }

  /** Whether the run asked for {@code major}. */
  public static boolean isSelected(int major) {
    return selected().contains(major);
  }

  /**
   * Parses a selection such as {@code 14, 16,18}; blank means {@value #DEFAULT}.
   *
   * @throws IllegalArgumentException naming the entry that is not a supported major version
   */
  static List<Integer> parse(String selection) {
    List<Integer> versions = new ArrayList<>();
    for (String part : selection.split(",")) {
      String text = part.strip();
      if (text.isEmpty()) {
        continue;
      }
      int major;
      try {
        major = Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            SELECTION_PROPERTY
                + "="
                + selection
                + ": \""
                + text
                + "\" is not a major version; expected a list such as 14,15,16,17,18",
            e);
      }
      if (!BINARIES.containsKey(text)) {
        throw new IllegalArgumentException(
            SELECTION_PROPERTY
                + "="
                + selection
                + ": the test kit has no PostgreSQL "
                + major
                + " binaries; it can start "
                + supported());
      }
      if (!versions.contains(major)) {
        versions.add(major);
      }
    }
    return versions.isEmpty() ? List.of(DEFAULT) : List.copyOf(versions);
  }

  private static Properties loadBinaries() {
    Properties properties = new Properties();
    try (InputStream in =
        PostgresVersions.class.getResourceAsStream("postgres-binaries.properties")) {
      if (in == null) {
        throw new IllegalStateException(
            "postgres-binaries.properties is missing from the test kit's classes; rebuild"
                + " strata-testkit");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties;
  }
}
