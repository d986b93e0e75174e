package dev.strata.mirror;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.MirrorConfig.Mode;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.ShardMover;
import dev.strata.sql.QualifiedName;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compares the configured mirrors with those the coordinator records ({@code strata.mirror}) and
 * lists the changes that make them equal: a new mirror is created and filled, one whose mode,
 * source or key changed is made again, one whose indexes changed gets them, one no longer
 * configured is dropped, and one older than its {@code refresh} interval is refreshed. A mirror
 * whose server cannot be read is left as it is and reported: an unreachable source never causes a
 * drop.
 */
public final class MirrorPlanner {
  private final Connections connections;

  public MirrorPlanner(Connections connections) {
    this.connections = connections;
  }

  /** The changes, and what could not be planned. */
  public record Plan(List<MirrorChange> changes, List<String> warnings) {}

  public Plan plan(Database coordinator) {
    StrataConfig config = connections.config();
    List<MirrorChange> changes = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    List<MirrorState> states = MirrorState.all(coordinator);
    if (config.mirrors().isEmpty() && states.isEmpty()) {
      return new Plan(changes, warnings);
    }
    Mirrors.Resolution resolution = Mirrors.resolve(connections);
    resolution
        .problems()
        .forEach(problem -> warnings.add(problem.message() + "; " + problem.hint()));
    Map<QualifiedName, MirrorState> recorded = new LinkedHashMap<>();
    states.forEach(state -> recorded.put(state.name(), state));
    CatalogReader catalog = new CatalogReader(coordinator);
    OffsetDateTime now =
        coordinator
            .queryOne("SELECT now()", row -> row.getObject(1, OffsetDateTime.class))
            .orElseThrow();
    String installation = ShardMover.installationTag(coordinator);
    Set<String> subscriptions =
        new HashSet<>(
            coordinator.query(
                "SELECT subname FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM"
                    + " pg_catalog.pg_database WHERE datname = current_database())",
                row -> row.getString(1)));
    Set<QualifiedName> configured = new HashSet<>();
    for (Mirrors.Resolved resolved : resolution.mirrors()) {
      Mirror mirror = resolved.mirror();
      configured.add(mirror.name());
      Optional<MirrorState> state = Optional.ofNullable(recorded.get(mirror.name()));
      boolean exists = catalog.findRelation(mirror.name()).isPresent();
      if (state.isEmpty()) {
        if (exists) {
          warnings.add(
              "mirror "
                  + mirror.display()
                  + ": a relation of that name exists and Strata did not make it; rename it or"
                  + " give the mirror another name (Strata never replaces what it did not make)");
          continue;
        }
        changes.add(create(resolved, installation, "not on the coordinator yet"));
        continue;
      }
      Optional<String> remake = remakeReason(resolved, state.get(), exists);
      if (remake.isEmpty()
          && mirror.mode() == Mode.REPLICA
          && !subscriptions.contains(MirrorSetup.replicationName(installation, mirror.name()))) {
        remake = Optional.of("its subscription is missing");
      }
      if (remake.isPresent()) {
        List<MirrorChange.Step> steps =
            new ArrayList<>(MirrorSetup.drop(state.get(), installation));
        steps.addAll(MirrorSetup.create(resolved, installation, source(mirror)));
        changes.add(
            new MirrorChange(
                "mirror",
                mirror.name(),
                "remake mirror " + mirror.display() + " (" + mirror.mode().label() + ")",
                remake.get(),
                steps,
                firstFill(resolved)));
        continue;
      }
      List<String> wanted = MirrorSetup.indexNames(mirror);
      if (!wanted.equals(state.get().indexes())) {
        changes.add(indexes(resolved, state.get(), wanted));
      }
      if (mirror.mode() != Mode.REPLICA) {
        Duration interval = mirror.config().refresh().orElseThrow();
        Optional<OffsetDateTime> last = state.get().lastSuccessAt();
        if (last.isEmpty() || !last.get().plus(interval).isAfter(now)) {
          changes.add(
              new MirrorChange(
                  "mirror_refresh",
                  mirror.name(),
                  "refresh mirror " + mirror.display() + " (" + mirror.mode().label() + ")",
                  last.isEmpty()
                      ? "never refreshed"
                      : "last refreshed "
                          + MirrorState.age(Duration.between(last.get(), now))
                          + " ago; refresh: every "
                          + MirrorState.age(interval),
                  List.of(),
                  Optional.of(resolved)));
        }
      }
    }
    Set<String> unresolvedEntries = new HashSet<>();
    resolution.problems().forEach(problem -> unresolvedEntries.add(problem.entry()));
    for (MirrorState state : states) {
      if (configured.contains(state.name())) {
        continue;
      }
      boolean entryKept = config.mirrors().containsKey(state.entry());
      if (entryKept && unresolvedEntries.contains(state.entry())) {
        // Its server could not be read: whether the table is still selected is unknown.
        continue;
      }
      changes.add(
          new MirrorChange(
              "mirror",
              state.name(),
              "drop mirror " + state.name().display() + " (" + state.mode() + ")",
              entryKept
                  ? "mirrors." + state.entry() + " no longer selects " + state.remote().display()
                  : "mirrors." + state.entry() + " is no longer in the configuration",
              MirrorSetup.drop(state, installation),
              Optional.empty()));
    }
    return new Plan(changes, warnings);
  }

  private MirrorChange create(Mirrors.Resolved resolved, String installation, String reason) {
    Mirror mirror = resolved.mirror();
    return new MirrorChange(
        "mirror",
        mirror.name(),
        "create mirror "
            + mirror.display()
            + " of "
            + mirror.remote().display()
            + " on "
            + mirror.server()
            + " ("
            + mirror.mode().label()
            + ")",
        reason,
        MirrorSetup.create(resolved, installation, source(mirror)),
        firstFill(resolved));
  }

  /** A replica is filled by its subscription; every other mode by a first refresh. */
  private static Optional<Mirrors.Resolved> firstFill(Mirrors.Resolved resolved) {
    return resolved.mirror().mode() == Mode.REPLICA ? Optional.empty() : Optional.of(resolved);
  }

  private static Optional<String> remakeReason(
      Mirrors.Resolved resolved, MirrorState state, boolean exists) {
    Mirror mirror = resolved.mirror();
    if (!exists) {
      return Optional.of("the copy is missing from the coordinator");
    }
    if (!state.mode().equals(mirror.mode().label())) {
      return Optional.of("mode changed from " + state.mode() + " to " + mirror.mode().label());
    }
    if (!state.server().equals(mirror.server()) || !state.remote().equals(mirror.remote())) {
      return Optional.of(
          "source changed from "
              + state.remote().display()
              + " on "
              + state.server()
              + " to "
              + mirror.remote().display()
              + " on "
              + mirror.server());
    }
    if (!state.key().equals(resolved.key())) {
      return Optional.of("key changed from " + state.key() + " to " + resolved.key());
    }
    return Optional.empty();
  }

  private static MirrorChange indexes(
      Mirrors.Resolved resolved, MirrorState state, List<String> wanted) {
    Mirror mirror = resolved.mirror();
    List<dev.strata.sql.SqlStatement> statements = new ArrayList<>();
    for (String index : state.indexes()) {
      if (!wanted.contains(index)) {
        statements.add(MirrorStatements.dropIndex(mirror.name(), index));
      }
    }
    for (var index : mirror.config().indexes()) {
      if (!state.indexes().contains(MirrorStatements.indexName(mirror, index))) {
        statements.add(MirrorStatements.createIndex(mirror, index));
      }
    }
    statements.add(MirrorStatements.recordIndexes(mirror.name(), wanted));
    return new MirrorChange(
        "mirror",
        mirror.name(),
        "change the indexes of mirror " + mirror.display(),
        "indexes changed: " + state.indexes() + " → " + wanted,
        List.of(new MirrorChange.Step(Connections.COORDINATOR, statements)),
        Optional.empty());
  }

  private dev.strata.config.ConnectionConfig source(Mirror mirror) {
    return connections.config().server(mirror.server()).connection();
  }
}
