package dev.strata.plan;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.PartitionedTable;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.operation.DefaultRowsMover;
import dev.strata.operation.Failpoints;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.PartitionManager;
import dev.strata.operation.PartitionMover;
import dev.strata.operation.Retirer;
import dev.strata.sql.Identifiers;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Executes a {@link LifecyclePlan} in order. Each action is its own transaction or journaled
 * operation; the first failure stops the run with a message that says which action failed, how many
 * ran before it (they stay done), and that a rerun continues (planning starts again from the
 * catalog and the journal). A session-level advisory lock on the coordinator makes a second
 * concurrent apply fail at once.
 */
public final class LifecycleExecutor {
  private static final String APPLY_LOCK = "strata:apply";

  private final Connections connections;
  private final StrataConfig config;
  private final MoveProgress progress;

  public LifecycleExecutor(Connections connections, MoveProgress progress) {
    this.connections = connections;
    this.config = connections.config();
    this.progress = progress;
  }

  /** Takes the apply lock, plans at {@code now}, and runs the actions of the selected kinds. */
  public List<LifecycleAction> apply(
      java.time.LocalDateTime now,
      Set<String> onlyKinds,
      Consumer<LifecyclePlan> beforeRun,
      Consumer<LifecycleAction> done) {
    return apply(now, onlyKinds, Optional.empty(), beforeRun, done);
  }

  /**
   * Runs exactly the plan that was approved (saved with {@code strata plan --out}, or shown by an
   * interactive apply): takes the apply lock, plans again at the approved plan's clock and kinds,
   * and goes ahead only if the new plan and the state it is made from are the same as the approved
   * ones. Otherwise it changes nothing and says what differs.
   */
  public List<LifecycleAction> apply(
      SavedPlan approved, Consumer<LifecyclePlan> beforeRun, Consumer<LifecycleAction> done) {
    return apply(
        approved.clock(), Set.copyOf(approved.only()), Optional.of(approved), beforeRun, done);
  }

  /** The refusal of an approved plan that no longer matches: nothing was changed. */
  public static StrataException outOfDate(List<String> differences) {
    return new StrataException(
        ErrorCode.CHECK_FAILED,
        "the approved plan no longer matches the coordinator; nothing was changed:\n  "
            + String.join("\n  ", differences),
        "make a new plan (`strata plan --out FILE`), review it, and apply that file");
  }

  /** The plan as it would be saved: every action with its SQL, and the state it is made from. */
  public SavedPlan snapshot(LifecyclePlan plan, Set<String> onlyKinds) {
    try (Database coordinator = new Database(Connections.COORDINATOR, connections.coordinator())) {
      return SavedPlan.of(plan, onlyKinds, this, StateFingerprint.read(config, coordinator));
    }
  }

  private List<LifecycleAction> apply(
      java.time.LocalDateTime now,
      Set<String> onlyKinds,
      Optional<SavedPlan> approved,
      Consumer<LifecyclePlan> beforeRun,
      Consumer<LifecycleAction> done) {
    try (Database control = new Database(Connections.COORDINATOR, connections.coordinator())) {
      boolean locked =
          control
              .queryOne(
                  "SELECT pg_try_advisory_lock(hashtextextended(?, 0))",
                  row -> row.getBoolean(1),
                  APPLY_LOCK)
              .orElse(false);
      if (!locked) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "another `strata apply` is running against this coordinator",
            "wait for it to finish; nothing was changed");
      }
      try {
        LifecyclePlan plan = filter(new LifecyclePlanner(connections).plan(now), onlyKinds);
        if (approved.isPresent()) {
          List<String> differences = approved.get().differences(snapshot(plan, onlyKinds));
          if (!differences.isEmpty()) {
            throw outOfDate(differences);
          }
        }
        beforeRun.accept(plan);
        List<LifecycleAction> applied = new ArrayList<>();
        List<String> failedRefreshes = new ArrayList<>();
        for (LifecycleAction action : plan.actions()) {
          try {
            run(control, action);
          } catch (StrataException e) {
            if (action.kind().equals("mirror_refresh")) {
              // One mirror's source being down must not keep the others stale: the failure is
              // recorded with the mirror (its previous copy kept) and reported at the end.
              failedRefreshes.add(action.description() + ": " + e.getMessage());
              continue;
            }
            throw new StrataException(
                e.code(),
                "apply stopped at \""
                    + action.description()
                    + "\" after "
                    + applied.size()
                    + " of "
                    + plan.actions().size()
                    + " actions (those stay done): "
                    + e.getMessage(),
                continueHint(e.hint()),
                e);
          }
          applied.add(action);
          done.accept(action);
        }
        if (!failedRefreshes.isEmpty()) {
          throw new StrataException(
              ErrorCode.CHECK_FAILED,
              "apply ran "
                  + applied.size()
                  + " of "
                  + plan.actions().size()
                  + " actions; "
                  + failedRefreshes.size()
                  + " mirror refresh(es) failed, their previous copies kept:\n  "
                  + String.join("\n  ", failedRefreshes),
              "strata mirror status shows each error; run strata apply again once the sources"
                  + " answer");
        }
        return applied;
      } finally {
        try {
          control.execute("SELECT pg_advisory_unlock(hashtextextended(?, 0))", APPLY_LOCK);
        } catch (StrataException e) {
          // The session ends with the connection, and the lock with it.
        }
      }
    }
  }

  public static LifecyclePlan filter(LifecyclePlan plan, Set<String> onlyKinds) {
    if (onlyKinds.isEmpty()) {
      return plan;
    }
    return new LifecyclePlan(
        plan.now(),
        plan.actions().stream().filter(a -> onlyKinds.contains(a.kind())).toList(),
        plan.warnings());
  }

  private void run(Database control, LifecycleAction action) {
    if (action instanceof LifecycleAction.ServerSetup setup) {
      ActionExecutor.execute(control, List.of(setup.action()), a -> {});
    } else if (action instanceof LifecycleAction.ShardChange shard) {
      dev.strata.shard.ShardSetups.run(connections, shard.setup());
    } else if (action instanceof LifecycleAction.MirrorChange mirror) {
      new dev.strata.mirror.MirrorExecutor(connections).run(mirror.change());
    } else if (action instanceof LifecycleAction.Resume resume) {
      new PartitionMover(connections, progress).resume(resume.operation());
    } else if (action instanceof LifecycleAction.CreatePartition create) {
      new PartitionManager(connections).create(createPlan(create));
    } else if (action instanceof LifecycleAction.MoveDefaultRows move) {
      PartitionedTable parent = new CatalogReader(control).partitionedTable(move.table());
      DefaultRowsMover.move(
          control, parent, move.defaultPartition(), move.partition(), move.bounds());
    } else if (action instanceof LifecycleAction.Archive archive) {
      new PartitionMover(connections, progress)
          .archive(archive.table(), archive.partition(), archive.server(), 1);
    } else if (action instanceof LifecycleAction.Retire retire) {
      new Retirer(connections, progress)
          .retire(retire.table(), retire.partition(), retire.cutoff(), retire.exportDirectory());
    } else if (action instanceof LifecycleAction.Cleanup cleanup) {
      new PartitionMover(connections, progress).resume(cleanup.operation());
    } else if (action instanceof LifecycleAction.Decommission decommission) {
      control.inTransaction(
          db -> {
            for (SqlStatement statement : decommissionStatements(decommission)) {
              db.execute(statement);
            }
            Failpoints.hit("decommission.before_commit");
            return null;
          });
    }
  }

  static List<SqlStatement> decommissionStatements(LifecycleAction.Decommission decommission) {
    List<SqlStatement> statements = new ArrayList<>();
    for (String user : decommission.localUsers()) {
      statements.add(
          SqlStatement.of(
              "DROP USER MAPPING IF EXISTS FOR "
                  + (user.equals("public") ? "PUBLIC" : Identifiers.quote(user))
                  + " SERVER "
                  + Identifiers.quote(decommission.server())));
    }
    // RESTRICT (the default): fails, and changes nothing, if any foreign table still uses it.
    statements.add(SqlStatement.of("DROP SERVER " + Identifiers.quote(decommission.server())));
    return statements;
  }

  /**
   * The SQL each action of {@code plan} runs, in order, for {@code strata plan --sql} and saved
   * plans: each action rendered as it will run after the ones before it (the journal ids they take,
   * the foreign servers they create).
   */
  public List<List<String>> sql(LifecyclePlan plan) {
    Set<String> serversCreated =
        plan.actions().stream()
            .filter(LifecycleAction.ServerSetup.class::isInstance)
            .map(LifecycleAction::description)
            .flatMap(
                description ->
                    config.servers().keySet().stream()
                        .filter(name -> description.equals(ForeignServerPlanner.creating(name))))
            .collect(Collectors.toSet());
    List<List<String>> rendered = new ArrayList<>();
    int journaled = 0;
    for (LifecycleAction action : plan.actions()) {
      rendered.add(sql(action, new PartitionMover.Ahead(journaled, serversCreated)));
      if (action instanceof LifecycleAction.Archive || action instanceof LifecycleAction.Retire) {
        journaled++;
      }
    }
    return rendered;
  }

  private List<String> sql(LifecycleAction action, PartitionMover.Ahead ahead) {
    if (action instanceof LifecycleAction.ServerSetup setup) {
      return render(setup.action().statements());
    }
    if (action instanceof LifecycleAction.ShardChange shard) {
      return dev.strata.shard.ShardSetups.sql(shard.setup());
    }
    if (action instanceof LifecycleAction.MirrorChange mirror) {
      return new dev.strata.mirror.MirrorExecutor(connections).sql(mirror.change());
    }
    if (action instanceof LifecycleAction.CreatePartition create) {
      List<String> lines = new ArrayList<>(List.of("BEGIN;"));
      lines.addAll(render(createPlan(create).statements()));
      lines.add("COMMIT;");
      return lines;
    }
    if (action instanceof LifecycleAction.MoveDefaultRows move) {
      try (Database coordinator =
          new Database(Connections.COORDINATOR, connections.coordinator())) {
        PartitionedTable parent = new CatalogReader(coordinator).partitionedTable(move.table());
        List<String> lines = new ArrayList<>(List.of("BEGIN;"));
        lines.addAll(
            render(
                DefaultRowsMover.statements(
                    parent, move.defaultPartition(), move.partition(), move.bounds())));
        lines.add("COMMIT;");
        return lines;
      }
    }
    if (action instanceof LifecycleAction.Archive archive) {
      return stepLines(
          new PartitionMover(connections, MoveProgress.NONE)
              .planArchive(archive.table(), archive.partition(), archive.server(), 1, ahead));
    }
    if (action instanceof LifecycleAction.Retire retire) {
      return stepLines(
          new Retirer(connections, MoveProgress.NONE)
              .planRetire(
                  retire.table(),
                  retire.partition(),
                  retire.cutoff(),
                  retire.exportDirectory(),
                  ahead.operationsBefore()));
    }
    if (action instanceof LifecycleAction.Cleanup cleanup) {
      return stepLines(
          new PartitionMover(connections, MoveProgress.NONE).planResume(cleanup.operation()));
    }
    if (action instanceof LifecycleAction.Resume resume) {
      return stepLines(
          new PartitionMover(connections, MoveProgress.NONE).planResume(resume.operation()));
    }
    if (action instanceof LifecycleAction.Decommission decommission) {
      return render(decommissionStatements(decommission));
    }
    return List.of();
  }

  private static List<String> stepLines(List<PartitionMover.PlannedStep> steps) {
    List<String> lines = new ArrayList<>();
    for (PartitionMover.PlannedStep step : steps) {
      lines.add("-- " + step.step());
      lines.addAll(step.lines());
    }
    return lines;
  }

  private PartitionManager.CreatePlan createPlan(LifecycleAction.CreatePartition create) {
    return new PartitionManager(connections)
        .planCreate(
            create.table(),
            create.bounds().from(),
            create.bounds().to(),
            Optional.of(create.partition()));
  }

  private static List<String> render(List<SqlStatement> statements) {
    return statements.stream().map(SqlStatement::render).collect(Collectors.toList());
  }

  StrataConfig config() {
    return config;
  }

  /** The failed action's own advice, then how to go on, unless that advice says so already. */
  private static String continueHint(String hint) {
    String next = "run `strata apply` again to continue from here";
    if (hint == null || hint.isBlank()) {
      return next;
    }
    String stripped = hint.strip();
    if (stripped.contains("`strata apply`")) {
      return stripped;
    }
    return stripped.endsWith(".") ? stripped + " Then " + next + "." : stripped + "; then " + next;
  }
}
