package dev.strata.support;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.testkit.LocalServer;
import dev.strata.testkit.PostgresVersions;
import dev.strata.testkit.SharedServers;
import java.util.ArrayList;
import java.util.List;

/**
 * The versions and layouts of the PostgreSQL version matrix, and the servers each one runs on:
 * every version's shared set ({@link SharedServers#get(int)}: {@code main}, {@code archive_a},
 * {@code archive_b}), started on first use and kept until the JVM exits, so a mixed layout borrows
 * servers of the sets of its versions instead of starting more.
 */
public final class MatrixVersions {
  private MatrixVersions() {}

  /** The versions the run selected ({@code -Dstrata.pg}), for {@link VersionMatrix}. */
  public static List<Integer> selected() {
    return PostgresVersions.selected();
  }

  /**
   * A coordinator of one PostgreSQL version with archives of others.
   *
   * @param coordinator the coordinator's major version
   * @param archiveA {@code archive_a}'s
   * @param archiveB {@code archive_b}'s
   */
  public record Mixed(int coordinator, int archiveA, int archiveB) {
    /** The versions of the archives, in order, without repeats. */
    public List<Integer> archives() {
      return archiveA == archiveB ? List.of(archiveA) : List.of(archiveA, archiveB);
    }

    /** {@code 18/14+16}: the coordinator's version, then the archives'. */
    public String label() {
      return coordinator
          + "/"
          + String.join("+", archives().stream().map(String::valueOf).toList());
    }

    @Override
    public String toString() {
      return "coordinator PostgreSQL "
          + coordinator
          + ", archives "
          + String.join(" and ", archives().stream().map(String::valueOf).toList());
    }
  }

  /**
   * The mixed layouts: the newest coordinator with archives of older versions (an upgrade that
   * starts at the coordinator), and the oldest coordinator with an archive of the newest (one that
   * starts at the archives).
   */
  public static List<Mixed> mixed() {
    return List.of(new Mixed(18, 14, 16), new Mixed(14, 18, 18));
  }

  /** A fresh layout on version {@code major}'s shared servers. */
  public static TestLayout layout(String database, int major) {
    return new TestLayout(database, SharedServers.get(major));
  }

  /**
   * A fresh layout of a mixed layout's servers: main of the coordinator's version, archive_a and
   * archive_b of theirs. Skips the test when the run did not select every version it needs.
   */
  public static TestLayout layout(String database, Mixed mixed) {
    List<Integer> needed = new ArrayList<>(List.of(mixed.coordinator()));
    needed.addAll(mixed.archives());
    for (int major : needed) {
      assumeTrue(
          PostgresVersions.isSelected(major),
          mixed + " needs PostgreSQL " + major + ", which this run did not select");
    }
    LocalServer main = SharedServers.get(mixed.coordinator()).server(SharedServers.MAIN);
    LocalServer archiveA = SharedServers.get(mixed.archiveA()).server(SharedServers.ARCHIVE_A);
    LocalServer archiveB = SharedServers.get(mixed.archiveB()).server(SharedServers.ARCHIVE_B);
    return new TestLayout(
        database, SharedServers.get(mixed.coordinator()), main, archiveA, archiveB);
  }
}
