package dev.strata.health;

import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionBound;
import dev.strata.catalog.PartitionStrategy;
import dev.strata.catalog.PartitionedTable;
import dev.strata.config.Interval;
import dev.strata.config.ServerConfig;
import dev.strata.config.StrataConfig;
import dev.strata.config.TableConfig;
import dev.strata.operation.Operation;
import dev.strata.operation.OperationState;
import dev.strata.plan.Periods;
import dev.strata.secret.Secret;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Checks that need only the coordinator: the layout of partitioned tables (gaps, the default
 * partition, partitions made ahead by the clock, unique indexes that forbid archiving), what the
 * journal left behind (detached copies, unfinished operations), the foreign partitions' statistics,
 * and where the configuration's passwords come from.
 */
final class CoordinatorChecks {
  /** Key types the premake check understands: periods of the clock. */
  private static final List<String> TIME_TYPES =
      List.of("date", "timestamp without time zone", "timestamp with time zone");

  private static final DateTimeFormatter BOUND =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  private final StrataConfig config;
  private final CoordinatorSnapshot snapshot;
  private final CatalogReader coordinator;
  private final DoctorOptions options;

  CoordinatorChecks(
      StrataConfig config,
      CoordinatorSnapshot snapshot,
      CatalogReader coordinator,
      DoctorOptions options) {
    this.config = config;
    this.snapshot = snapshot;
    this.coordinator = coordinator;
    this.options = options;
  }

  List<CheckResult> run() {
    List<CheckResult> results = new ArrayList<>();
    for (PartitionedTable table : snapshot.tables()) {
      gaps(table).ifPresent(results::add);
      defaultRows(table).ifPresent(results::add);
      Optional<TableConfig> configured = config.findTable(table.name());
      if (configured.isPresent()) {
        results.add(uniqueIndex(table, configured.get()));
      }
      statistics(table).ifPresent(results::add);
    }
    for (TableConfig table : config.tables().values()) {
      if (table.partitionBy().isPresent()) {
        results.add(premake(table));
      }
    }
    results.addAll(journal());
    results.addAll(adoptions());
    results.addAll(roleTimeouts());
    return results;
  }

  // ---------------------------------------------------------------- sessions

  /**
   * The roles whose queries reach servers through postgres_fdw are the user mappings' local roles
   * (PUBLIC: every role). On PostgreSQL 16 and later postgres_fdw connects without enforcing the
   * foreign server's {@code connect_timeout}, and a server whose processes stopped still has its
   * kernel acknowledge data and keepalives; only the coordinator session's {@code
   * statement_timeout} (or a cancel) ends such a wait. Strata bounds its own sessions; the
   * application's roles need a setting of their own.
   */
  private List<CheckResult> roleTimeouts() {
    List<CheckResult> results = new ArrayList<>();
    // transaction_timeout exists from PostgreSQL 17: an older coordinator refuses the setting.
    int major = snapshot.version().major();
    java.util.Set<String> roles = new java.util.TreeSet<>();
    snapshot.userMappings().forEach(mapping -> roles.add(mapping.localUser()));
    Optional<String> fromFile = Optional.empty();
    boolean fileRead = false;
    for (String role : roles) {
      boolean everyone = role.equalsIgnoreCase("public");
      Optional<String> fromRole =
          coordinator.server().roleSetting(everyone ? "" : role, "statement_timeout");
      String source;
      String value;
      if (fromRole.isPresent()) {
        value = fromRole.get();
        source = everyone ? "set for the database" : "set for " + role + " or the database";
      } else {
        if (!fileRead) {
          fromFile = coordinator.server().fileSetting("statement_timeout");
          fileRead = true;
        }
        value = fromFile.orElse("0");
        source = "from the coordinator's configuration file";
      }
      String subject = everyone ? "PUBLIC" : role;
      if (!value.equals("0")) {
        results.add(
            CheckResult.ok(
                Check.FDW_ROLE_TIMEOUTS, subject, "statement_timeout " + value + ", " + source));
        continue;
      }
      String target =
          everyone
              ? "DATABASE " + Identifiers.quote(currentDatabase())
              : "ROLE " + Identifiers.quote(role);
      results.add(
          CheckResult.warn(
              Check.FDW_ROLE_TIMEOUTS,
              subject,
              (everyone ? "roles using the PUBLIC user mapping have" : role + " has")
                  + " no statement_timeout on the coordinator: a query that reaches a server that"
                  + " stopped answering waits until it is cancelled ("
                  + (major >= 16
                      ? "postgres_fdw does not enforce connect_timeout on PostgreSQL 16 and later"
                      : "connect_timeout bounds only a new connection")
                  + ", and keepalives do not fire while the server's host is up)",
              "on the coordinator: ALTER "
                  + target
                  + " SET statement_timeout = '5min' (a bound longer than its longest query)"
                  + (major >= 17
                      ? "; also ALTER "
                          + target
                          + " SET transaction_timeout = '10min', the only bound on a COMMIT that"
                          + " waits for a server"
                      : "")));
    }
    return results;
  }

  private String currentDatabase() {
    return coordinator.server().currentDatabase();
  }

  // ---------------------------------------------------------------- layout

  private Optional<CheckResult> gaps(PartitionedTable table) {
    if (table.strategy() != PartitionStrategy.RANGE || table.keyColumns().size() != 1) {
      return Optional.empty();
    }
    List<PartitionBound.Range> ranges = ranges(table);
    if (ranges.isEmpty()) {
      return Optional.empty();
    }
    List<String> gaps = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    for (int i = 1; i < ranges.size(); i++) {
      PartitionBound.BoundValue end = ranges.get(i - 1).to().get(0);
      PartitionBound.BoundValue start = ranges.get(i).from().get(0);
      if (!end.equals(start)) {
        gaps.add("[" + end.text() + ", " + start.text() + ")");
        fixes.add(
            "strata partition create "
                + table.name().display()
                + " --from '"
                + end.text()
                + "' --to '"
                + start.text()
                + "'");
      }
    }
    if (gaps.isEmpty()) {
      return Optional.of(
          CheckResult.ok(
              Check.LAYOUT_GAPS,
              table.name().display(),
              ranges.size() + " range partitions, no gap between them"));
    }
    boolean hasDefault = table.partitions().stream().anyMatch(Partition::isDefault);
    return Optional.of(
        CheckResult.warn(
            Check.LAYOUT_GAPS,
            table.name().display(),
            "no partition covers "
                + String.join(", ", gaps)
                + (hasDefault
                    ? ": rows in that range go to the default partition"
                    : ": inserting a row in that range fails"),
            String.join("; ", fixes)));
  }

  private static List<PartitionBound.Range> ranges(PartitionedTable table) {
    List<PartitionBound.Range> ranges = new ArrayList<>();
    for (Partition partition : table.partitions()) {
      if (partition.bound() instanceof PartitionBound.Range range) {
        ranges.add(range);
      }
    }
    return ranges;
  }

  private Optional<CheckResult> defaultRows(PartitionedTable table) {
    Optional<Partition> defaultPartition =
        table.partitions().stream().filter(Partition::isDefault).findFirst();
    if (defaultPartition.isEmpty()) {
      return table.strategy() == PartitionStrategy.HASH
          ? Optional.empty()
          : Optional.of(
              CheckResult.ok(
                  Check.LAYOUT_DEFAULT_ROWS, table.name().display(), "no default partition"));
    }
    if (!defaultPartition.get().isLocal()) {
      return Optional.empty();
    }
    QualifiedName name = defaultPartition.get().name();
    long rows = coordinator.data().exactRowCount(name);
    if (rows == 0) {
      return Optional.of(
          CheckResult.ok(
              Check.LAYOUT_DEFAULT_ROWS, table.name().display(), name.display() + " is empty"));
    }
    String range = "";
    if (table.keyColumns().size() == 1 && table.column(table.keyColumns().get(0)).isPresent()) {
      range =
          coordinator
              .data()
              .keyRange(name, table.keyColumns().get(0))
              .map(r -> " (keys from " + r.get(0) + " to " + r.get(1) + ")")
              .orElse("");
    }
    return Optional.of(
        CheckResult.warn(
            Check.LAYOUT_DEFAULT_ROWS,
            table.name().display(),
            "the default partition "
                + name.display()
                + " holds "
                + rows
                + (rows == 1 ? " row" : " rows")
                + range
                + ": they belong in partitions that do not exist, and creating a partition for"
                + " their range fails until they are moved",
            "in one transaction on the coordinator: ALTER TABLE "
                + table.name().quoted()
                + " DETACH PARTITION "
                + name.quoted()
                + "; create the missing partitions (strata partition create); INSERT INTO "
                + table.name().quoted()
                + " SELECT * FROM "
                + name.quoted()
                + "; TRUNCATE "
                + name.quoted()
                + "; ALTER TABLE "
                + table.name().quoted()
                + " ATTACH PARTITION "
                + name.quoted()
                + " DEFAULT"));
  }

  private CheckResult uniqueIndex(PartitionedTable table, TableConfig configured) {
    if (table.uniqueIndexes().isEmpty()) {
      return CheckResult.ok(
          Check.LAYOUT_UNIQUE_INDEX,
          table.name().display(),
          "no primary key or unique index on the parent");
    }
    String evidence =
        table.name().display()
            + " has "
            + String.join(", ", table.uniqueIndexes())
            + ": PostgreSQL refuses foreign partitions under a parent with a primary key or"
            + " unique index, so none of its partitions can be archived";
    String fix =
        "on the coordinator: drop it from the parent (ALTER TABLE "
            + table.name().quoted()
            + " DROP CONSTRAINT "
            + Identifiers.quote(table.uniqueIndexes().get(0))
            + ", or DROP INDEX when it is not a constraint) and enforce uniqueness per local"
            + " partition with a unique index on each (they must include the partition key)";
    boolean archives =
        configured.hot().isPresent() || configured.archiveTo().isPresent() || configured.sharded();
    return archives
        ? CheckResult.fail(Check.LAYOUT_UNIQUE_INDEX, table.name().display(), evidence, fix)
        : CheckResult.warn(Check.LAYOUT_UNIQUE_INDEX, table.name().display(), evidence, fix);
  }

  /**
   * The period containing the clock and {@code premake} more must be covered by partitions. The
   * periods' bounds and the partitions' bounds are compared as epoch seconds computed by the
   * coordinator, so a {@code timestamptz} key is read in the coordinator's time zone, as an insert
   * would be.
   */
  private CheckResult premake(TableConfig table) {
    String subject = table.name().display();
    Optional<PartitionedTable> found =
        snapshot.tables().stream().filter(t -> t.name().equals(table.name())).findFirst();
    if (found.isEmpty()) {
      return CheckResult.fail(
          Check.LAYOUT_PREMAKE,
          subject,
          "tables."
              + subject
              + " is in the config, but the coordinator has no partitioned table "
              + subject,
          "create it (CREATE TABLE ... PARTITION BY RANGE ("
              + table.range().column()
              + ")) or remove tables."
              + subject
              + " from the config");
    }
    PartitionedTable parent = found.get();
    Optional<Column> key = parent.column(table.range().column());
    if (key.isEmpty() || !parent.keyColumns().equals(List.of(table.range().column()))) {
      return CheckResult.fail(
          Check.LAYOUT_PREMAKE,
          subject,
          subject
              + " is partitioned by "
              + parent.keyDefinition()
              + ", not by tables."
              + subject
              + ".partition_by.column "
              + table.range().column(),
          "set tables." + subject + ".partition_by.column to the table's range key column");
    }
    if (!TIME_TYPES.contains(key.get().type())) {
      return CheckResult.ok(
          Check.LAYOUT_PREMAKE,
          subject,
          "key "
              + key.get().name()
              + " is "
              + key.get().type()
              + ": premake applies to date and time keys");
    }
    LocalDateTime now = options.now().orElse(snapshot.clock());
    Interval interval = table.range().interval();
    List<LocalDateTime[]> periods = periods(now, interval, table.premake() + 1);
    boolean[] covered = coverage(coordinator, parent, key.get(), periods);
    List<String> missing = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    for (int i = 0; i < periods.size(); i++) {
      if (!covered[i]) {
        String from = periods.get(i)[0].format(BOUND).replace(" 00:00:00", "");
        String to = periods.get(i)[1].format(BOUND).replace(" 00:00:00", "");
        missing.add("[" + from + ", " + to + ")");
        fixes.add(
            "strata partition create " + subject + " --from '" + from + "' --to '" + to + "'");
      }
    }
    String policy =
        "premake "
            + table.premake()
            + " at "
            + interval
            + " by the clock ("
            + now.format(BOUND)
            + ")";
    if (missing.isEmpty()) {
      return CheckResult.ok(
          Check.LAYOUT_PREMAKE,
          subject,
          policy + ": the current period and the next " + table.premake() + " have partitions");
    }
    return CheckResult.warn(
        Check.LAYOUT_PREMAKE,
        subject,
        policy
            + ": no partition for "
            + String.join(", ", missing)
            + " (rows for them go to the default partition or fail)",
        String.join("; ", fixes));
  }

  /**
   * The period containing {@code now} and the {@code count - 1} after it, each as {@code [start,
   * end)}: the same periods {@code strata plan} premakes ({@link Periods}).
   */
  static List<LocalDateTime[]> periods(LocalDateTime now, Interval interval, int count) {
    List<LocalDateTime[]> periods = new ArrayList<>();
    LocalDateTime current = Periods.periodStart(now, interval);
    for (int i = 0; i < count; i++) {
      LocalDateTime start = Periods.plus(current, interval, i);
      periods.add(new LocalDateTime[] {start, Periods.plus(start, interval, 1)});
    }
    return periods;
  }

  /**
   * Which of {@code periods} the partitions of {@code parent} cover. The periods' bounds and the
   * partitions' bounds are compared as epoch seconds computed by the coordinator, so a {@code
   * timestamptz} key is read in the coordinator's time zone, as an insert would be.
   */
  static boolean[] coverage(
      CatalogReader coordinator,
      PartitionedTable parent,
      Column key,
      List<LocalDateTime[]> periods) {
    List<PartitionBound.Range> ranges = ranges(parent);
    List<String> values = new ArrayList<>();
    for (LocalDateTime[] period : periods) {
      values.add(period[0].format(BOUND));
      values.add(period[1].format(BOUND));
    }
    for (PartitionBound.Range range : ranges) {
      values.add(boundText(range.from().get(0)));
      values.add(boundText(range.to().get(0)));
    }
    List<Double> epochs = coordinator.server().epochSeconds(key.type(), values);
    List<double[]> spans = new ArrayList<>();
    int offset = periods.size() * 2;
    for (int i = 0; i < ranges.size(); i++) {
      spans.add(
          new double[] {
            bound(ranges.get(i).from().get(0), epochs.get(offset + 2 * i)),
            bound(ranges.get(i).to().get(0), epochs.get(offset + 2 * i + 1))
          });
    }
    spans.sort((a, b) -> Double.compare(a[0], b[0]));
    boolean[] covered = new boolean[periods.size()];
    for (int i = 0; i < periods.size(); i++) {
      covered[i] = isCovered(spans, epochs.get(2 * i), epochs.get(2 * i + 1));
    }
    return covered;
  }

  private static String boundText(PartitionBound.BoundValue value) {
    return value.isMinValue() || value.isMaxValue() ? "epoch" : value.text();
  }

  private static double bound(PartitionBound.BoundValue value, Double epoch) {
    if (value.isMinValue()) {
      return Double.NEGATIVE_INFINITY;
    }
    if (value.isMaxValue()) {
      return Double.POSITIVE_INFINITY;
    }
    return epoch == null ? Double.NEGATIVE_INFINITY : epoch;
  }

  /** Whether the union of {@code ranges} (sorted by start) covers {@code [start, end)}. */
  private static boolean isCovered(List<double[]> ranges, double start, double end) {
    double reached = start;
    for (double[] range : ranges) {
      if (range[0] <= reached && range[1] > reached) {
        reached = range[1];
        if (reached >= end) {
          return true;
        }
      }
    }
    return reached >= end;
  }

  // ---------------------------------------------------------------- statistics

  private Optional<CheckResult> statistics(PartitionedTable table) {
    List<Partition> foreign = table.partitions().stream().filter(p -> !p.isLocal()).toList();
    if (foreign.isEmpty()) {
      return Optional.empty();
    }
    List<String> never = new ArrayList<>();
    for (Partition partition : foreign) {
      OptionalLong tuples =
          snapshot.reltuples().getOrDefault(partition.name().display(), OptionalLong.empty());
      if (tuples.isEmpty() || tuples.getAsLong() < 0) {
        never.add(partition.name().display());
      }
    }
    if (never.isEmpty()) {
      return Optional.of(
          CheckResult.ok(
              Check.STATISTICS_ANALYZED,
              table.name().display(),
              "all " + foreign.size() + " foreign partitions have statistics"));
    }
    return Optional.of(
        CheckResult.warn(
            Check.STATISTICS_ANALYZED,
            table.name().display(),
            "never analyzed on the coordinator: "
                + String.join(", ", never)
                + " (PostgreSQL does not analyze foreign tables by itself, so the planner guesses"
                + " their size)",
            "strata analyze "
                + table.name().display()
                + " (or ANALYZE each of them on the coordinator)"));
  }

  // ---------------------------------------------------------------- journal leftovers

  private List<CheckResult> journal() {
    List<CheckResult> results = new ArrayList<>();
    OffsetDateTime now = OffsetDateTime.now();
    List<String> detached = new ArrayList<>();
    List<String> resumes = new ArrayList<>();
    List<CheckResult> unfinished = new ArrayList<>();
    for (Operation operation : snapshot.operations()) {
      String what =
          "operation "
              + operation.id()
              + " ("
              + operation.kind().label()
              + " of "
              + operation.partition().display()
              + (operation.kind().label().equals("archive") ? " to " : " from ")
              + operation.server()
              + ")";
      if (operation.state() == OperationState.SWAPPED) {
        boolean due = operation.dropAfter().map(at -> !at.isAfter(now)).orElse(true);
        if (due && coordinator.findRelation(operation.detachedName()).isPresent()) {
          detached.add(
              operation.detachedName().display()
                  + " of "
                  + what
                  + operation.dropAfter().map(at -> ", due since " + at.withNano(0)).orElse(""));
          resumes.add("strata resume " + operation.id());
        }
        continue;
      }
      if (operation.state().isTerminal()) {
        continue;
      }
      if (coordinator.server().advisoryLockHeld(partitionLockKey(operation.partition()))) {
        unfinished.add(
            CheckResult.ok(
                Check.ORPHAN_OPERATION,
                operation.partition().display(),
                what + " is running (" + operation.state().label() + ")"));
        continue;
      }
      boolean frozen = !operation.state().isBefore(OperationState.FROZEN);
      String evidence =
          what
              + " stopped at state "
              + operation.state().label()
              + operation.lastError().map(e -> " after: " + firstLine(e)).orElse("")
              + (frozen
                  ? "; the partition is frozen: writes into its range fail until the operation is"
                      + " finished or aborted"
                  : "; nothing is frozen, but its tables may be left on both sides");
      String fix =
          "strata resume "
              + operation.id()
              + " to finish it, or strata abort "
              + operation.id()
              + " to roll it back";
      unfinished.add(
          frozen
              ? CheckResult.fail(
                  Check.ORPHAN_OPERATION, operation.partition().display(), evidence, fix)
              : CheckResult.warn(
                  Check.ORPHAN_OPERATION, operation.partition().display(), evidence, fix));
    }
    if (detached.isEmpty()) {
      results.add(
          CheckResult.ok(
              Check.ORPHAN_DETACHED_COPY,
              "coordinator",
              "no detached copy is kept past its grace period"));
    } else {
      results.add(
          CheckResult.warn(
              Check.ORPHAN_DETACHED_COPY,
              "coordinator",
              "detached local copies kept past their grace period (detached_grace): "
                  + String.join(", ", detached),
              String.join("; ", resumes) + " (drops them and finishes the operations)"));
    }
    if (unfinished.isEmpty()) {
      results.add(
          CheckResult.ok(
              Check.ORPHAN_OPERATION, "coordinator", "no unfinished operation in the journal"));
    } else {
      results.addAll(unfinished);
    }
    return results;
  }

  /**
   * Tables {@code strata adopt} left half done. Capture triggers without a running adoption fail:
   * every write keeps adding to the change log, and TRUNCATE is refused, until the adoption is
   * finished or aborted.
   */
  private List<CheckResult> adoptions() {
    List<CheckResult> results = new ArrayList<>();
    for (var half : coordinator.plainTables().halfAdopted()) {
      String subject = half.table().display();
      if (coordinator.server().advisoryLockHeld(dev.strata.adopt.AdoptLock.key(half.table()))) {
        results.add(
            CheckResult.ok(
                Check.ORPHAN_ADOPTION,
                subject,
                "strata adopt is running"
                    + half.journal()
                        .map(j -> " (adoption " + j[0] + ", " + j[1] + ")")
                        .orElse("")));
        continue;
      }
      List<String> left = new ArrayList<>();
      half.journal().ifPresent(j -> left.add("adoption " + j[0] + " stopped at state " + j[1]));
      if (half.capturing()) {
        left.add("capture triggers on the table (writes are logged, TRUNCATE is refused)");
      }
      if (half.newTable()) {
        left.add("the table " + subject + "_strata_new");
      }
      String fix =
          half.journal()
              .map(
                  j ->
                      "strata adopt "
                          + subject
                          + " --by "
                          + j[2]
                          + " --interval '"
                          + j[3]
                          + "' --keys "
                          + j[4]
                          + " to finish it, or strata adopt "
                          + subject
                          + " --abort to undo it")
              .orElse(
                  "no journal entry owns them: drop them by hand (DROP TRIGGER"
                      + " strata_adopt_capture ON "
                      + subject
                      + ", DROP TABLE "
                      + subject
                      + "_strata_new) after checking");
      String evidence = String.join("; ", left);
      results.add(
          half.capturing()
              ? CheckResult.fail(Check.ORPHAN_ADOPTION, subject, evidence, fix)
              : CheckResult.warn(Check.ORPHAN_ADOPTION, subject, evidence, fix));
    }
    if (results.isEmpty()) {
      results.add(CheckResult.ok(Check.ORPHAN_ADOPTION, "coordinator", "no table is half adopted"));
    }
    return results;
  }

  /** The key of the partition's advisory lock; the same text as the move engine's OperationLock. */
  static String partitionLockKey(QualifiedName partition) {
    return "strata:partition:" + partition.schema() + "." + partition.name();
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  // ---------------------------------------------------------------- configuration

  /** Passwords written in the configuration text (or given with --set) instead of referenced. */
  static CheckResult passwordSources(StrataConfig config) {
    List<String> literal = new ArrayList<>();
    config
        .coordinator()
        .password()
        .filter(CoordinatorChecks::isLiteral)
        .ifPresent(p -> literal.add("coordinator.password"));
    for (ServerConfig server : config.servers().values()) {
      server
          .connection()
          .password()
          .filter(CoordinatorChecks::isLiteral)
          .ifPresent(p -> literal.add("servers." + server.name() + ".password"));
      if (!server.mapping().password().equals(server.connection().password())) {
        server
            .mapping()
            .password()
            .filter(CoordinatorChecks::isLiteral)
            .ifPresent(p -> literal.add("servers." + server.name() + ".mapping.password"));
      }
    }
    if (literal.isEmpty()) {
      return CheckResult.ok(
          Check.SECURITY_PASSWORD_SOURCE,
          "configuration",
          "every password comes from ${env:...}, ${file:...}, a STRATA_ variable or .pgpass");
    }
    return CheckResult.warn(
        Check.SECURITY_PASSWORD_SOURCE,
        "configuration",
        String.join(", ", literal)
            + (literal.size() == 1 ? " is" : " are")
            + " written in the configuration (or given with --set), where backups, version control"
            + " and the process list can show it",
        "write password: \"${env:NAME}\" or \"${file:/run/secrets/NAME}\" instead, or leave the key"
            + " out and use ~/.pgpass");
  }

  private static boolean isLiteral(Secret secret) {
    return secret.source().equals(Secret.LITERAL_SOURCE)
        || secret.source().equals(Secret.FLAG_SOURCE);
  }
}
