package dev.strata.plan;

import dev.strata.operation.RangeBounds;
import dev.strata.sql.QualifiedName;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One step of a lifecycle plan: what {@code strata apply} will do, and why. Actions run in the
 * order the plan lists them, each in its own transaction or journaled operation.
 */
public sealed interface LifecycleAction {
  /**
   * A stable name for {@code --only} and JSON: server, shard, premake, default_rows, archive,
   * retire, cleanup, decommission, mirror, mirror_refresh.
   */
  String kind();

  /** What it does, for people. */
  String description();

  /** Why it is due. */
  String reason();

  /** Foreign server, user mapping or extension to create or change. */
  record ServerSetup(SqlAction action) implements LifecycleAction {
    @Override
    public String kind() {
      return "server";
    }

    @Override
    public String description() {
      return action.description();
    }

    @Override
    public String reason() {
      return action.reason();
    }
  }

  /**
   * A change to a sharded table, as statements per server: a shard to create or adopt ({@code
   * shard}), a period created with its shards ({@code premake}), or a period retired with its
   * shards ({@code retire}).
   */
  record ShardChange(String kind, dev.strata.shard.ShardSetup setup) implements LifecycleAction {
    @Override
    public String kind() {
      return kind;
    }

    @Override
    public String description() {
      return setup.description();
    }

    @Override
    public String reason() {
      return setup.reason();
    }
  }

  /** A future (or current) partition to create, by the clock. */
  record CreatePartition(
      QualifiedName table, QualifiedName partition, RangeBounds bounds, String reason)
      implements LifecycleAction {
    @Override
    public String kind() {
      return "premake";
    }

    @Override
    public String description() {
      return "create " + partition.display() + " " + bounds;
    }
  }

  /** Rows in the default partition that belong to a range with no partition yet. */
  record MoveDefaultRows(
      QualifiedName table,
      QualifiedName defaultPartition,
      QualifiedName partition,
      RangeBounds bounds,
      long rows,
      String reason)
      implements LifecycleAction {
    @Override
    public String kind() {
      return "default_rows";
    }

    @Override
    public String description() {
      return "move "
          + rows
          + " rows from "
          + defaultPartition.display()
          + " into new partition "
          + partition.display()
          + " "
          + bounds;
    }
  }

  /** A local partition whose whole range is older than {@code hot}. */
  record Archive(QualifiedName table, QualifiedName partition, String server, String reason)
      implements LifecycleAction {
    @Override
    public String kind() {
      return "archive";
    }

    @Override
    public String description() {
      return "archive " + partition.display() + " to " + server;
    }
  }

  /** A partition whose whole range is older than {@code retention}. */
  record Retire(
      QualifiedName table,
      QualifiedName partition,
      String tier,
      Optional<Path> exportDirectory,
      java.time.LocalDateTime cutoff,
      String reason)
      implements LifecycleAction {
    @Override
    public String kind() {
      return "retire";
    }

    @Override
    public String description() {
      return "retire "
          + partition.display()
          + " ("
          + tier
          + ")"
          + exportDirectory.map(d -> ", exported to " + d + " first").orElse("");
    }
  }

  /** A swapped move whose detached local copy has outlived its grace period. */
  record Cleanup(long operation, QualifiedName partition, String reason)
      implements LifecycleAction {
    @Override
    public String kind() {
      return "cleanup";
    }

    @Override
    public String description() {
      return "drop the detached copy of " + partition.display() + " (operation " + operation + ")";
    }
  }

  /** An unfinished journaled operation, resumed before anything else touches its partition. */
  record Resume(
      long operation, QualifiedName partition, String operationKind, String state, String reason)
      implements LifecycleAction {
    @Override
    public String kind() {
      return "resume";
    }

    @Override
    public String description() {
      return "resume "
          + operationKind
          + " of "
          + partition.display()
          + " (operation "
          + operation
          + ", at "
          + state
          + ")";
    }
  }

  /** A foreign server nothing uses any more, on a table with {@code decommission: true}. */
  record Decommission(String server, List<String> localUsers, String reason)
      implements LifecycleAction {
    @Override
    public String kind() {
      return "decommission";
    }

    @Override
    public String description() {
      return "drop foreign server " + server + " and its user mappings";
    }
  }

  /**
   * A mirror to create, remake, re-index, drop ({@code mirror}) or refresh ({@code
   * mirror_refresh}).
   */
  record MirrorChange(dev.strata.mirror.MirrorChange change) implements LifecycleAction {
    @Override
    public String kind() {
      return change.kind();
    }

    @Override
    public String description() {
      return change.description();
    }

    @Override
    public String reason() {
      return change.reason();
    }
  }
}
