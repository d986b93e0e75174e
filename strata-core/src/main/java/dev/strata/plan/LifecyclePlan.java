package dev.strata.plan;

import java.time.LocalDateTime;
import java.util.List;

/**
 * What {@code strata plan} shows and {@code strata apply} executes: the actions in order, and
 * warnings about things Strata will not do by itself.
 *
 * @param now the instant the plan was made for (UTC)
 * @param actions in execution order: server setup, unfinished operations, default-partition rows,
 *     premade partitions, archives and retirements (oldest first), cleanups, decommissions
 * @param warnings conditions that need a person
 */
public record LifecyclePlan(
    LocalDateTime now, List<LifecycleAction> actions, List<String> warnings) {
  public LifecyclePlan {
    actions = List.copyOf(actions);
    warnings = List.copyOf(warnings);
  }
}
