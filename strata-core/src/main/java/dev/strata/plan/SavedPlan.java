package dev.strata.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.strata.ErrorCode;
import dev.strata.FileErrors;
import dev.strata.StrataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A plan as it was shown or saved ({@code strata plan --out FILE}), so that {@code strata apply}
 * executes exactly what the user approved: every action with its SQL as printed, the clock it was
 * planned at, and a fingerprint of the state it was planned from. Applying it plans again, under
 * the apply lock, and goes ahead only if the new plan and the state are the same; otherwise it
 * changes nothing and says what differs.
 *
 * <p>No secret is written: statements carry a password only as its source ({@code ${env:NAME}}),
 * and the state fingerprint covers the configuration as {@code config show} prints it, passwords
 * masked.
 *
 * @param format {@link #FORMAT}
 * @param now the clock the plan was made at, ISO ({@code 2026-02-01T00:00})
 * @param only the action kinds it was limited to ({@code --only}); empty for all
 * @param state the digest of the {@link StateFingerprint} it was made from
 * @param stateLines what that digest covers, to say what changed
 * @param actions what it does, in order
 * @param warnings what planning warned about
 */
public record SavedPlan(
    String format,
    String now,
    List<String> only,
    String state,
    List<String> stateLines,
    List<PlannedAction> actions,
    List<String> warnings) {
  public static final String FORMAT = "strata-plan-1";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public SavedPlan {
    Objects.requireNonNull(format, "format");
    only = only == null ? List.of() : List.copyOf(new java.util.TreeSet<>(only));
    stateLines = stateLines == null ? List.of() : List.copyOf(stateLines);
    actions = actions == null ? List.of() : List.copyOf(actions);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  /** One action as printed: its kind, what it does, why, and its statements. */
  public record PlannedAction(String kind, String description, String reason, List<String> sql) {
    public PlannedAction {
      sql = sql == null ? List.of() : List.copyOf(sql);
    }
  }

  static SavedPlan of(
      LifecyclePlan plan,
      java.util.Set<String> only,
      LifecycleExecutor renderer,
      StateFingerprint state) {
    List<PlannedAction> actions = new ArrayList<>();
    List<List<String>> sql = renderer.sql(plan);
    for (int i = 0; i < plan.actions().size(); i++) {
      LifecycleAction action = plan.actions().get(i);
      actions.add(
          new PlannedAction(action.kind(), action.description(), action.reason(), sql.get(i)));
    }
    return new SavedPlan(
        FORMAT,
        plan.now().toString(),
        List.copyOf(only),
        state.digest(),
        state.lines(),
        actions,
        plan.warnings());
  }

  /** The clock the plan was made at. */
  public LocalDateTime clock() {
    return LocalDateTime.parse(now);
  }

  /** Writes the plan to {@code file}, atomically (a temporary file renamed into place). */
  public void write(Path file) {
    try {
      Path partial = file.resolveSibling(file.getFileName() + ".partial");
      JSON.writeValue(partial.toFile(), this);
      Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "cannot write the plan to " + file + ": " + FileErrors.describe(file, e),
          "name a file in a directory you can write to");
    }
  }

  /** A plan file is a few kilobytes; anything this large was not written by Strata. */
  private static final long MAX_BYTES = 16L << 20;

  public static SavedPlan read(Path file) {
    SavedPlan plan;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new StrataException(
            ErrorCode.USAGE,
            file + " is " + Files.size(file) + " bytes, too large to be a Strata plan",
            "give a file that `strata plan --out FILE` wrote");
      }
      plan = JSON.readValue(file.toFile(), SavedPlan.class);
    } catch (IOException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "cannot read the plan " + file + ": " + FileErrors.describe(file, e),
          "give a file that `strata plan --out FILE` wrote");
    }
    if (plan == null
        || !FORMAT.equals(plan.format())
        || plan.now() == null
        || plan.state() == null) {
      throw new StrataException(
          ErrorCode.USAGE,
          file + " is not a Strata plan (expected format " + FORMAT + ")",
          "give a file that `strata plan --out FILE` wrote");
    }
    try {
      plan.clock();
    } catch (java.time.format.DateTimeParseException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          file + " has no valid planning time (now: " + plan.now() + ")",
          "give a file that `strata plan --out FILE` wrote");
    }
    return plan;
  }

  /**
   * What differs between this plan and {@code current}, made from the same clock: empty when
   * nothing does.
   */
  public List<String> differences(SavedPlan current) {
    List<String> differences = new ArrayList<>();
    if (!state.equals(current.state())) {
      java.util.Set<String> then = new java.util.LinkedHashSet<>(stateLines);
      java.util.Set<String> now = new java.util.LinkedHashSet<>(current.stateLines());
      List<String> gone = stateLines.stream().filter(line -> !now.contains(line)).toList();
      List<String> added =
          current.stateLines().stream().filter(line -> !then.contains(line)).toList();
      if (gone.isEmpty() && added.isEmpty()) {
        differences.add("the state it was made from changed");
      }
      gone.forEach(line -> differences.add("no longer: " + line));
      added.forEach(line -> differences.add("now: " + line));
    }
    int shared = Math.min(actions.size(), current.actions().size());
    for (int i = 0; i < shared; i++) {
      PlannedAction then = actions.get(i);
      PlannedAction now = current.actions().get(i);
      if (!then.equals(now)) {
        differences.add(
            "action "
                + (i + 1)
                + " was \""
                + then.description()
                + "\", is now \""
                + now.description()
                + "\""
                + (then.description().equals(now.description()) ? " with other SQL" : ""));
      }
    }
    for (int i = shared; i < actions.size(); i++) {
      differences.add(
          "action " + (i + 1) + " \"" + actions.get(i).description() + "\" is no longer planned");
    }
    for (int i = shared; i < current.actions().size(); i++) {
      differences.add(
          "action "
              + (i + 1)
              + " \""
              + current.actions().get(i).description()
              + "\" is planned now");
    }
    return differences;
  }
}
