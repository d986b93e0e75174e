package dev.strata.cli;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.mirror.MirrorRefresher;
import dev.strata.mirror.MirrorStatus;
import dev.strata.mirror.MirrorVerifier;
import dev.strata.mirror.Mirrors;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "mirror",
    description = {
      "Local copies of tables on other servers (the mirrors: section), kept fresh, verified, with"
          + " their staleness known. `strata apply` creates, changes and drops them as the"
          + " configuration says and refreshes those that are due; these commands refresh, show"
          + " and verify them on demand.",
      "See `strata mirror refresh --help`, `strata mirror status --help`, `strata mirror verify"
          + " --help` and docs/mirrors.md."
    },
    subcommands = {
      MirrorCommand.Refresh.class,
      MirrorCommand.Status.class,
      MirrorCommand.Verify.class
    })
public final class MirrorCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** The mirrors named on the command line, or every configured one. */
  static List<Mirrors.Resolved> select(Mirrors.Resolution resolution, List<String> names) {
    if (names == null || names.isEmpty()) {
      if (resolution.mirrors().isEmpty() && !resolution.problems().isEmpty()) {
        Mirrors.Problem first = resolution.problems().get(0);
        throw new StrataException(ErrorCode.CHECK_FAILED, first.message(), first.hint());
      }
      return resolution.mirrors();
    }
    List<Mirrors.Resolved> selected = new ArrayList<>();
    for (String name : names) {
      selected.add(Mirrors.require(resolution, ConfigOptions.tableName(name)));
    }
    return selected;
  }

  @Command(
      name = "refresh",
      description = {
        "Refresh mirrors now, whether due or not: every configured mirror, or those named.",
        "table and incremental mirrors: one transaction on the coordinator reads the source"
            + " through the mirror's foreign table and applies the difference by key; readers are"
            + " never blocked and see the previous copy until it commits. incremental reads only"
            + " rows at or past the watermark (less lookback). matview: REFRESH MATERIALIZED VIEW"
            + " CONCURRENTLY when it has a key (readers not blocked), plainly otherwise (readers"
            + " wait for it). replica: nothing to copy (it follows the source); a changed source"
            + " shape is still followed.",
        "A failed refresh keeps the previous copy and records the error (strata mirror status,"
            + " strata doctor). Exit code 1 if any mirror failed.",
        "",
        "Example: strata mirror refresh ref.customers --verify"
      })
  static final class Refresh implements Callable<Integer> {
    /** {@code mirror refresh --json}: docs/json.md#mirror-refresh. */
    record Document(List<Refreshed> refreshes) {}

    /**
     * One mirror's refresh: the counts when it succeeded ({@code ok}), the error and hint when it
     * failed; the fields of the other case are null.
     */
    record Refreshed(
        String mirror,
        String mode,
        boolean ok,
        Boolean full,
        Long rows,
        Optional<Long> changed,
        Long durationMs,
        Optional<Long> verifiedRows,
        Optional<String> verifiedChecksum,
        List<String> notes,
        String error,
        String hint) {
      static Refreshed of(String mirror, String mode, MirrorRefresher.Result result) {
        return new Refreshed(
            mirror,
            mode,
            true,
            result.full(),
            result.rows(),
            result.changed(),
            result.duration().toMillis(),
            result.verification().map(v -> v.mirror().rows()),
            result.verification().map(v -> v.mirror().checksum().toPlainString()),
            result.notes(),
            null,
            null);
      }

      static Refreshed failed(String mirror, String mode, StrataException e) {
        return new Refreshed(
            mirror,
            mode,
            false,
            null,
            null,
            Optional.empty(),
            null,
            Optional.empty(),
            Optional.empty(),
            List.of(),
            e.getMessage(),
            e.hint());
      }
    }

    @Mixin ConfigOptions configOptions;
    @Mixin DryRunOption dryRun;
    @Mixin JsonOption json;

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Mirrors (local names).")
    List<String> names;

    @Option(
        names = "--full",
        description =
            "Read the whole source, also for incremental mirrors (and reset the watermark).")
    boolean full;

    @Option(
        names = "--verify",
        description =
            "Compare the new copy with the rows it was read from (count and checksum) before"
                + " committing; a difference rolls the refresh back.")
    boolean verify;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Connections connections = new Connections(configOptions.load(spec));
      List<Mirrors.Resolved> mirrors = select(Mirrors.resolve(connections), names);
      PrintWriter out = spec.commandLine().getOut();
      MirrorRefresher refresher = new MirrorRefresher(connections);
      MirrorRefresher.Options options = new MirrorRefresher.Options(full, verify);
      if (dryRun.enabled && json.enabled) {
        List<DryRuns.Plan> plans = new ArrayList<>();
        for (Mirrors.Resolved mirror : mirrors) {
          List<String> lines = new ArrayList<>();
          lines.add("BEGIN;");
          refresher.plan(mirror, options).stream().map(SqlStatement::render).forEach(lines::add);
          lines.add("COMMIT;");
          plans.add(
              new DryRuns.Plan(
                  "refresh "
                      + mirror.mirror().display()
                      + " ("
                      + mirror.mirror().mode().label()
                      + ")",
                  Optional.empty(),
                  List.of(new DryRuns.Step("one transaction on the coordinator", lines))));
        }
        Json.print(spec, new DryRuns.Document(true, plans));
        return 0;
      }
      if (dryRun.enabled) {
        for (Mirrors.Resolved mirror : mirrors) {
          out.println(
              "-- refresh "
                  + mirror.mirror().display()
                  + " ("
                  + mirror.mirror().mode().label()
                  + "): dry run, nothing was executed; one transaction on the coordinator");
          out.println("BEGIN;");
          refresher.plan(mirror, options).stream().map(SqlStatement::render).forEach(out::println);
          out.println("COMMIT;");
          out.println();
        }
        return 0;
      }
      List<Refreshed> results = new ArrayList<>();
      boolean failed = false;
      for (Mirrors.Resolved mirror : mirrors) {
        String display = mirror.mirror().display();
        String mode = mirror.mirror().mode().label();
        try {
          MirrorRefresher.Result result = refresher.refresh(mirror, options);
          results.add(Refreshed.of(display, mode, result));
          if (!json.enabled) {
            out.println(
                "refreshed "
                    + result.mirror()
                    + " ("
                    + result.mode()
                    + (result.full() ? ", full" : ", incremental")
                    + "): "
                    + result.rows()
                    + " rows"
                    + result.changed().map(c -> ", " + c + " changed").orElse("")
                    + " in "
                    + millis(result.duration())
                    + result.verification().map(v -> "; verified " + rows(v.mirror())).orElse(""));
            result.notes().forEach(note -> out.println("  note: " + note));
          }
        } catch (StrataException e) {
          failed = true;
          results.add(Refreshed.failed(display, mode, e));
          if (!json.enabled) {
            spec.commandLine()
                .getErr()
                .println(
                    "strata: mirror "
                        + mirror.mirror().display()
                        + " was not refreshed: "
                        + e.getMessage()
                        + (e.hint() != null ? "\n  hint: " + e.hint() : ""));
          }
        }
      }
      if (json.enabled) {
        Json.print(spec, new Document(results));
      }
      out.flush();
      return failed ? ErrorCode.CHECK_FAILED.exitCode() : 0;
    }
  }

  @Command(
      name = "status",
      description = {
        "Every mirror the coordinator holds: mode, rows, size, last refresh, its duration and the"
            + " rows it changed, staleness (how old the copy's rows are), the last error, and"
            + " whether the source answers now. A mirror older than twice its refresh interval"
            + " is marked stale. A replica shows its replication lag instead.",
        "",
        "Example: strata mirror status --json"
      })
  public static final class Status implements Callable<Integer> {
    /** {@code mirror status --json}: docs/json.md#mirror-status. */
    record Document(List<Item> mirrors) {}

    /**
     * One mirror. {@code subscription_enabled} and {@code replication_lag_bytes} are null for modes
     * other than {@code replica}.
     */
    record Item(
        String mirror,
        String entry,
        String server,
        String source,
        String mode,
        Optional<Long> rows,
        long bytes,
        Optional<Instant> lastRefresh,
        Optional<Long> lastDurationMs,
        Optional<Long> lastChanged,
        Optional<Long> stalenessSeconds,
        Optional<Long> refreshIntervalSeconds,
        boolean stale,
        boolean configured,
        Optional<String> lastError,
        Optional<Instant> lastErrorAt,
        Optional<Boolean> sourceReachable,
        Optional<Boolean> subscriptionEnabled,
        Optional<Long> replicationLagBytes) {
      static Item of(MirrorStatus.Row row) {
        return new Item(
            row.mirror(),
            row.entry(),
            row.server(),
            row.source(),
            row.mode(),
            row.rows(),
            row.bytes(),
            row.lastRefresh().map(java.time.OffsetDateTime::toInstant),
            row.lastDuration().map(Duration::toMillis),
            row.lastChanged(),
            row.staleness().map(Duration::toSeconds),
            row.refreshInterval().map(Duration::toSeconds),
            row.stale(),
            row.configured(),
            row.lastError(),
            row.lastErrorAt().map(java.time.OffsetDateTime::toInstant),
            row.sourceReachable(),
            row.replica().map(MirrorStatus.Replica::enabled),
            row.replica().flatMap(MirrorStatus.Replica::lagBytes));
      }
    }

    @Mixin ConfigOptions configOptions;
    @Mixin JsonOption json;

    @Option(names = "--no-probe", description = "Do not connect to the source servers.")
    boolean noProbe;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      List<MirrorStatus.Row> rows =
          new MirrorStatus(new Connections(configOptions.load(spec))).read(!noProbe);
      PrintWriter out = spec.commandLine().getOut();
      if (json.enabled) {
        Json.print(spec, new Document(rows.stream().map(Item::of).toList()));
        return 0;
      }
      print(out, rows);
      return 0;
    }

    /** The status as a table, then each mirror's last error. */
    public static void print(PrintWriter out, List<MirrorStatus.Row> rows) {
      if (rows.isEmpty()) {
        out.println("No mirrors on the coordinator. Add them under mirrors: and run strata apply.");
        return;
      }
      TextTable table =
          new TextTable(
                  "mirror",
                  "mode",
                  "source",
                  "rows",
                  "size",
                  "last refresh",
                  "took",
                  "changed",
                  "staleness",
                  "state")
              .alignRight(3, 4, 6, 7, 8);
      for (MirrorStatus.Row row : rows) {
        table.row(
            row.mirror(),
            row.mode(),
            row.server() + ":" + row.source(),
            row.rows().map(Object::toString).orElse(""),
            Sizes.bytes(java.util.OptionalLong.of(row.bytes())),
            row.lastRefresh().map(MirrorCommand::time).orElse("never"),
            row.lastDuration().map(MirrorCommand::millis).orElse(""),
            row.lastChanged().map(Object::toString).orElse(""),
            row.staleness().map(dev.strata.mirror.MirrorState::age).orElse(""),
            state(row));
      }
      table.print(out);
      for (MirrorStatus.Row row : rows) {
        row.lastError()
            .ifPresent(
                error ->
                    out.println(
                        "error of "
                            + row.mirror()
                            + " at "
                            + row.lastErrorAt().map(MirrorCommand::time).orElse("?")
                            + ": "
                            + error));
      }
    }

    private static String state(MirrorStatus.Row row) {
      List<String> notes = new ArrayList<>();
      if (!row.configured()) {
        notes.add("not configured (apply drops it)");
      }
      row.lastError().ifPresent(e -> notes.add("last refresh failed"));
      if (row.stale()) {
        notes.add("STALE");
      }
      row.replica()
          .ifPresent(
              replica -> {
                if (!replica.subscribed()) {
                  notes.add("no subscription");
                } else if (!replica.enabled()) {
                  notes.add("subscription disabled");
                }
                replica.lagBytes().ifPresent(lag -> notes.add("lag " + lag + " B"));
              });
      row.sourceReachable().filter(up -> !up).ifPresent(up -> notes.add("source unreachable"));
      return notes.isEmpty() ? "ok" : String.join(", ", notes);
    }
  }

  @Command(
      name = "verify",
      description = {
        "Compare a mirror with its source: row count and checksum, both taken at one point (one"
            + " coordinator transaction at REPEATABLE READ; the source read through the mirror's"
            + " foreign table in the one snapshot postgres_fdw holds for it). Rows are hashed"
            + " column by column as `strata verify` does; nothing is written.",
        "A table, incremental or matview mirror differs from its source when the source changed"
            + " since the last refresh; the output says when that was. `strata mirror refresh"
            + " NAME --verify` checks a new copy against exactly the rows it was read from.",
        "Exit code 0 when equal, 1 when they differ.",
        "",
        "Example: strata mirror verify ref.customers"
      })
  static final class Verify implements Callable<Integer> {
    /** {@code mirror verify --json}: docs/json.md#mirror-verify. Checksums as decimal text. */
    record Document(
        String mirror,
        boolean equal,
        long mirrorRows,
        String mirrorChecksum,
        long sourceRows,
        String sourceChecksum,
        Optional<Instant> lastRefresh) {}

    @Mixin ConfigOptions configOptions;
    @Mixin JsonOption json;

    @Parameters(index = "0", paramLabel = "NAME", description = "The mirror (its local name).")
    String name;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Connections connections = new Connections(configOptions.load(spec));
      QualifiedName mirror = ConfigOptions.tableName(name);
      Mirrors.Resolved resolved = Mirrors.require(Mirrors.resolve(connections), mirror);
      MirrorRefresher.Verification verification = new MirrorVerifier(connections).verify(resolved);
      Optional<MirrorStatus.Row> status =
          new MirrorStatus(connections)
              .read(false).stream()
                  .filter(row -> row.mirror().equals(mirror.display()))
                  .findFirst();
      PrintWriter out = spec.commandLine().getOut();
      if (json.enabled) {
        Json.print(
            spec,
            new Document(
                mirror.display(),
                verification.equal(),
                verification.mirror().rows(),
                verification.mirror().checksum().toPlainString(),
                verification.source().rows(),
                verification.source().checksum().toPlainString(),
                status
                    .flatMap(MirrorStatus.Row::lastRefresh)
                    .map(java.time.OffsetDateTime::toInstant)));
      } else {
        out.println(
            (verification.equal() ? "equal: " : "DIFFERENT: ")
                + mirror.display()
                + " has "
                + rows(verification.mirror())
                + "; its source "
                + resolved.mirror().remote().display()
                + " on "
                + resolved.mirror().server()
                + " has "
                + rows(verification.source()));
        if (!verification.equal()) {
          out.println(
              "the mirror was last refreshed "
                  + status
                      .flatMap(MirrorStatus.Row::staleness)
                      .map(age -> dev.strata.mirror.MirrorState.age(age) + " ago")
                      .orElse("never")
                  + "; changes at the source since then are expected to differ. Run strata mirror"
                  + " refresh "
                  + mirror.display()
                  + " --verify to check a new copy against the rows it was read from.");
        }
      }
      return verification.equal() ? 0 : ErrorCode.CHECK_FAILED.exitCode();
    }
  }

  /** A fingerprint as mirrors report it: rows and checksum (bounds mean nothing here). */
  public static String rows(dev.strata.verify.Fingerprint fingerprint) {
    return fingerprint.rows() + " rows, checksum " + fingerprint.checksum().toPlainString();
  }

  private static final java.time.format.DateTimeFormatter TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssxxx");

  static String time(java.time.OffsetDateTime at) {
    return at.format(TIME);
  }

  public static String millis(Duration duration) {
    return duration.toMillis() < 10_000
        ? duration.toMillis() + " ms"
        : String.format(java.util.Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}
