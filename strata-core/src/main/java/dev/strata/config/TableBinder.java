package dev.strata.config;

import dev.strata.config.ConfigNode.Entry;
import dev.strata.config.ConfigNode.Mapping;
import dev.strata.config.ConfigNode.Null;
import dev.strata.config.ConfigNode.Scalar;
import dev.strata.config.ConfigNode.Sequence;
import dev.strata.config.SettingReader.Setting;
import dev.strata.sql.QualifiedName;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Binds {@code tables}: each table's partitioning, its lifecycle policy ({@code hot}, {@code
 * archive_to}, {@code retention}) and the rules that tie them together, such as retention being
 * longer than hot, which a policy that retires partitions before archiving them would break. {@code
 * archive_to} may name only servers defined under {@code servers}; the caller passes their names,
 * so that check runs even when a server's own settings are invalid.
 */
final class TableBinder {
  /** Values YAML gives as numbers or booleans, which no unquoted column name can be. */
  private static final java.util.regex.Pattern NOT_A_NAME =
      java.util.regex.Pattern.compile(
          "[-+]?[0-9][0-9_]*(\\.[0-9]*)?([eE][-+]?[0-9]+)?|(?i:true|false|yes|no|on|off|null|~)");

  static final int DEFAULT_PREMAKE = 2;
  static final int MAXIMUM_PREMAKE = 1000;

  private static final java.util.regex.Pattern SHARD_NAME =
      java.util.regex.Pattern.compile("[a-z0-9_]{1,30}");

  private static final Set<String> FILL_KEYS = Set.of("fill", "max_size_per_server");

  /** A server named by {@code archive_to}, checked once the whole table is read. */
  private record ServerReference(String name, String keyPath, Origin origin) {}

  private final SettingReader reader;
  private final Findings findings;
  private final Path baseDirectory;

  /**
   * @param baseDirectory what a relative {@code export_before_retire} is relative to: the config
   *     file's directory
   */
  TableBinder(SettingReader reader, Findings findings, Path baseDirectory) {
    this.reader = reader;
    this.findings = findings;
    this.baseDirectory = baseDirectory;
  }

  /**
   * The valid tables under {@code tables}, in file order; every problem goes to {@link Findings}.
   *
   * @param serverNames every name written under {@code servers}, valid or not
   */
  Map<QualifiedName, TableConfig> bind(Mapping root, Set<String> serverNames) {
    Map<QualifiedName, TableConfig> tables = new LinkedHashMap<>();
    Optional<Mapping> section =
        reader.section(
            root, "tables", "tables", "one entry per table, keyed by its name, e.g. public.emp");
    if (section.isEmpty()) {
      return tables;
    }
    Map<QualifiedName, Entry> seen = new LinkedHashMap<>();
    for (Entry entry : section.get().entries()) {
      Optional<QualifiedName> name = Optional.empty();
      try {
        name = Optional.of(QualifiedName.parse(entry.key()));
      } catch (IllegalArgumentException e) {
        findings.problem(
            "tables." + entry.key(),
            entry.keyOrigin(),
            e.getMessage() + "; write SCHEMA.NAME, e.g. public.emp");
      }
      String path = "tables." + name.map(QualifiedName::display).orElse(entry.key());
      if (name.isPresent()) {
        Entry earlier = seen.putIfAbsent(name.get(), entry);
        if (earlier != null) {
          findings.problem(
              path,
              entry.keyOrigin(),
              "names the same table as \""
                  + earlier.key()
                  + "\" ("
                  + earlier.keyOrigin().description()
                  + "; a name without a schema means public); keep one entry");
          continue;
        }
      }
      if (!(entry.value() instanceof Mapping table)) {
        findings.problem(
            path,
            entry.value().origin(),
            "must be the table's settings (partition_by, premake, hot, archive_to, ...), not "
                + entry.value().shapeName());
        continue;
      }
      reader.checkKeys(table, ConfigSchema.TABLE, path);
      Optional<TableConfig> config = bindTable(table, path, name, serverNames);
      if (name.isPresent() && config.isPresent()) {
        tables.put(name.get(), config.get());
      }
    }
    return tables;
  }

  private Optional<TableConfig> bindTable(
      Mapping table, String path, Optional<QualifiedName> name, Set<String> serverNames) {
    int problemsBefore = findings.problemCount();
    boolean shardByWritten = table.hasValue("shard_by");
    Optional<PartitionBy> partitionBy =
        shardByWritten && !table.hasValue("partition_by")
            ? Optional.empty()
            : bindPartitionBy(table, path);
    int premake = bindPremake(table, path);
    Optional<Interval> hot = optionalInterval(table, "hot", path);
    List<ServerReference> references = new ArrayList<>();
    Optional<Placement> archiveTo =
        bindPlacement(table, path, partitionBy.map(PartitionBy::interval), references);
    Optional<Interval> retention = optionalInterval(table, "retention", path);
    Optional<Path> exportBeforeRetire = bindExportPath(table, path);
    boolean decommission = bindBoolean(table, "decommission", path, false);
    boolean archivedUpdatable = bindBoolean(table, "archived_updatable", path, false);
    Duration detachedGrace = bindDetachedGrace(table, path);
    List<ServerReference> shardServers = new ArrayList<>();
    Optional<ShardBy> shardBy = bindShardBy(table, path);
    List<String> shardsOn = bindShardsOn(table, path, shardByWritten, shardServers);
    references.addAll(shardServers);
    if (shardByWritten && (table.hasValue("hot") || table.hasValue("archive_to"))) {
      findings.problem(
          path + ".shard_by",
          reader.originOf(path + ".shard_by"),
          "cannot be combined with hot or archive_to: a sharded table's rows are on its shard"
              + " servers already; with partition_by, retention retires whole periods and their"
              + " shards");
    }
    if (shardByWritten && table.hasValue("export_before_retire")) {
      findings.problem(
          path + ".export_before_retire",
          reader.originOf(path + ".export_before_retire"),
          "is not supported for sharded tables yet: a retired period's shards are dropped on"
              + " their servers without an export");
    }
    if (shardByWritten && table.hasValue("retention") && !table.hasValue("partition_by")) {
      findings.problem(
          path + ".retention",
          reader.originOf(path + ".retention"),
          "needs partition_by: retention retires whole periods, and a table sharded without"
              + " partition_by has none");
    }

    boolean hotWritten = table.hasValue("hot");
    boolean archiveToWritten = table.hasValue("archive_to");
    boolean retentionWritten = table.hasValue("retention");
    if (hotWritten && !archiveToWritten) {
      findings.problem(
          path + ".hot",
          reader.originOf(path + ".hot"),
          "is set but archive_to is not: partitions older than hot need a server to go to; add"
              + " archive_to: NAME (a server under servers)");
    }
    if (archiveToWritten && !hotWritten) {
      findings.warning(
          path + ".archive_to",
          reader.originOf(path + ".archive_to"),
          "has no effect without hot, which says when a partition is archived; add e.g. hot: 1"
              + " year");
    }
    if (retentionWritten && !hotWritten && !shardByWritten) {
      findings.problem(
          path + ".retention",
          reader.originOf(path + ".retention"),
          "needs hot: retention retires archived partitions, and without hot none are archived;"
              + " add hot, shorter than retention");
    }
    if (retention.isPresent() && hot.isPresent() && !isLonger(retention.get(), hot.get())) {
      findings.problem(
          path + ".retention",
          reader.originOf(path + ".retention"),
          "is "
              + retention.get()
              + ", not longer than hot ("
              + hot.get()
              + "): partitions would be retired before they are archived; make retention longer"
              + " than hot");
    }
    if (exportBeforeRetire.isPresent() && !retentionWritten) {
      findings.warning(
          path + ".export_before_retire",
          reader.originOf(path + ".export_before_retire"),
          "has no effect without retention: nothing is retired, so nothing is exported");
    }
    for (ServerReference reference : references) {
      if (!serverNames.contains(reference.name())) {
        findings.problem(
            reference.keyPath(),
            reference.origin(),
            "names server \""
                + reference.name()
                + "\", which is not defined under servers"
                + (serverNames.isEmpty()
                    ? "; add it there with its url"
                    : " (defined: " + String.join(", ", serverNames) + ")"),
            Suggestions.closest(reference.name(), serverNames));
      }
    }

    if (findings.problemCount() != problemsBefore
        || name.isEmpty()
        || (partitionBy.isEmpty() && shardBy.isEmpty())) {
      return Optional.empty();
    }
    return Optional.of(
        new TableConfig(
            name.get(),
            partitionBy,
            premake,
            hot,
            archiveTo,
            retention,
            exportBeforeRetire,
            decommission,
            archivedUpdatable,
            detachedGrace,
            shardBy,
            shardsOn));
  }

  /**
   * {@code shard_by: {column: city, method: hash, shards: 8}} or {@code {column: region, method:
   * list, lists: {eu: [de, fr], us: [us]}}}.
   */
  private Optional<ShardBy> bindShardBy(Mapping table, String tablePath) {
    String path = tablePath + ".shard_by";
    if (!table.hasValue("shard_by")) {
      return Optional.empty();
    }
    Optional<Mapping> shardBy =
        reader.section(table, "shard_by", path, "column, method, shards (hash) or lists (list)");
    if (shardBy.isEmpty()) {
      return Optional.empty();
    }
    reader.checkKeys(shardBy.get(), ConfigSchema.SHARD_BY, path);
    Optional<String> column = bindColumnName(shardBy.get(), path, "the shard key column");
    Optional<Setting> methodText = reader.optional(shardBy.get(), "method", path + ".method");
    ShardBy.Method method = ShardBy.Method.HASH;
    if (methodText.isPresent()) {
      reader.record(path + ".method", methodText.get().origin());
      String text = methodText.get().text().strip().toLowerCase(java.util.Locale.ROOT);
      if (text.equals("list")) {
        method = ShardBy.Method.LIST;
      } else if (!text.equals("hash")) {
        findings.problem(
            path + ".method",
            methodText.get().origin(),
            "is \"" + methodText.get().text().strip() + "\"; write hash or list");
        return Optional.empty();
      }
    } else {
      reader.record(path + ".method", Origin.DEFAULT);
    }
    Map<String, List<String>> lists = new LinkedHashMap<>();
    int shards;
    if (method == ShardBy.Method.HASH) {
      if (shardBy.get().hasValue("lists")) {
        findings.problem(
            path + ".lists",
            reader.originOf(path + ".lists"),
            "is for method: list; a hash-sharded table has shards: N");
        return Optional.empty();
      }
      Optional<Setting> count =
          reader.required(
              shardBy.get(),
              "shards",
              path + ".shards",
              "how many hash shards the table starts with, e.g. shards: 8");
      if (count.isEmpty()) {
        return Optional.empty();
      }
      reader.record(path + ".shards", count.get().origin());
      Optional<Long> parsed =
          reader.convert(
              count.get(),
              text -> SettingReader.parseWholeNumber(text, "a whole number ≥ 1, e.g. 8"));
      if (parsed.isEmpty()) {
        return Optional.empty();
      }
      if (parsed.get() < 1 || parsed.get() > ShardBy.MAXIMUM_SHARDS) {
        findings.problem(
            path + ".shards",
            count.get().origin(),
            "is "
                + parsed.get()
                + "; write 1 to "
                + ShardBy.MAXIMUM_SHARDS
                + " (more shards than servers lets rebalance move whole shards; 4 to 16 per server"
                + " is typical)");
        return Optional.empty();
      }
      shards = parsed.get().intValue();
    } else {
      if (shardBy.get().hasValue("shards")) {
        findings.problem(
            path + ".shards",
            reader.originOf(path + ".shards"),
            "is for method: hash; a list-sharded table names its shards under lists");
        return Optional.empty();
      }
      Optional<Map<String, List<String>>> bound = bindLists(shardBy.get(), path + ".lists");
      if (bound.isEmpty()) {
        return Optional.empty();
      }
      lists = bound.get();
      shards = lists.size();
    }
    if (column.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ShardBy(column.get(), method, shards, lists));
  }

  /** {@code lists: {eu: [de, fr], us: [us, ca]}}: shard names to the key values each holds. */
  private Optional<Map<String, List<String>>> bindLists(Mapping shardBy, String path) {
    Optional<Entry> entry = shardBy.entry("lists");
    if (entry.isEmpty() || !(entry.get().value() instanceof Mapping lists)) {
      findings.problem(
          path,
          entry.map(Entry::keyOrigin).orElse(shardBy.origin()),
          "is required for method: list: each shard's name and its key values, e.g. lists: {eu:"
              + " [de, fr], us: [us]}");
      return Optional.empty();
    }
    reader.record(path, entry.get().keyOrigin());
    Map<String, List<String>> result = new LinkedHashMap<>();
    Map<String, String> shardOfValue = new LinkedHashMap<>();
    boolean valid = true;
    for (Entry shard : lists.entries()) {
      String shardPath = path + "." + shard.key();
      if (!SHARD_NAME.matcher(shard.key()).matches()) {
        findings.problem(
            shardPath,
            shard.keyOrigin(),
            "is not a shard name: use lower-case letters, digits and _ (at most 30), e.g. eu");
        valid = false;
        continue;
      }
      List<String> values = new ArrayList<>();
      List<ConfigNode> items =
          shard.value() instanceof Sequence sequence ? sequence.items() : List.of(shard.value());
      for (ConfigNode item : items) {
        if (!(item instanceof Scalar scalar)) {
          findings.problem(
              shardPath, item.origin(), "items must be key values, not " + item.shapeName());
          valid = false;
          continue;
        }
        Optional<Setting> value = reader.substitute(scalar, shardPath);
        if (value.isEmpty()) {
          valid = false;
          continue;
        }
        String text = value.get().text();
        String earlier = shardOfValue.putIfAbsent(text, shard.key());
        if (earlier != null) {
          findings.problem(
              shardPath,
              scalar.origin(),
              "lists \""
                  + text
                  + "\", which shard "
                  + earlier
                  + " already holds; a value belongs to one shard");
          valid = false;
          continue;
        }
        values.add(text);
      }
      if (values.isEmpty() && valid) {
        findings.problem(shardPath, shard.keyOrigin(), "lists no value; give it at least one");
        valid = false;
      }
      result.put(shard.key(), values);
    }
    if (result.isEmpty() && valid) {
      findings.problem(path, entry.get().keyOrigin(), "names no shard; give at least one");
      valid = false;
    }
    return valid ? Optional.of(result) : Optional.empty();
  }

  private Optional<String> bindColumnName(Mapping section, String path, String what) {
    Optional<Setting> column =
        reader.required(section, "column", path + ".column", "name " + what + ", e.g. column: id");
    column.ifPresent(setting -> reader.record(setting.keyPath(), setting.origin()));
    if (column.isEmpty()) {
      return Optional.empty();
    }
    String text = column.get().text().strip();
    if (text.isEmpty()) {
      findings.problem(path + ".column", column.get().origin(), "is empty; name the column");
      return Optional.empty();
    }
    if (NOT_A_NAME.matcher(text).matches()) {
      findings.problem(
          path + ".column",
          column.get().origin(),
          "is " + text + ", which is not a column name; name " + what);
      return Optional.empty();
    }
    return Optional.of(text);
  }

  /** {@code shards_on: [a, b, c]}: required with {@code shard_by}, meaningless without. */
  private List<String> bindShardsOn(
      Mapping table, String tablePath, boolean sharded, List<ServerReference> references) {
    String path = tablePath + ".shards_on";
    Optional<Entry> entry = table.entry("shards_on");
    if (entry.isEmpty() || entry.get().value() instanceof Null) {
      if (sharded) {
        findings.problem(
            path,
            table.entry("shard_by").map(Entry::keyOrigin).orElse(table.origin()),
            "is required with shard_by: the servers that hold the shards, e.g. shards_on:"
                + " [shard_a, shard_b]");
      }
      return List.of();
    }
    if (!sharded) {
      findings.problem(
          path,
          entry.get().keyOrigin(),
          "has no effect without shard_by; add shard_by: {column: ..., method: hash, shards: N}");
      return List.of();
    }
    reader.record(path, entry.get().keyOrigin());
    return serverList(entry.get().value(), path, references).orElse(List.of());
  }

  /**
   * Whether {@code longer} is strictly longer than {@code shorter}. Months and years compare as
   * calendar months (so {@code 12 months} equals {@code 1 year}); other mixes compare by
   * approximate length, which is exact enough to catch a policy that retires before it archives.
   */
  private static boolean isLonger(Interval longer, Interval shorter) {
    Set<Interval.Unit> calendar = EnumSet.of(Interval.Unit.MONTH, Interval.Unit.YEAR);
    if (calendar.contains(longer.unit()) && calendar.contains(shorter.unit())) {
      return months(longer) > months(shorter);
    }
    return longer.approximateMinutes() > shorter.approximateMinutes();
  }

  private static long months(Interval interval) {
    return interval.unit() == Interval.Unit.YEAR ? interval.amount() * 12 : interval.amount();
  }

  private Optional<PartitionBy> bindPartitionBy(Mapping table, String tablePath) {
    String path = tablePath + ".partition_by";
    if (!table.hasValue("partition_by")) {
      findings.problem(
          path,
          table.entry("partition_by").map(Entry::keyOrigin).orElse(table.origin()),
          "is required: the range partition key and the width of one partition, e.g."
              + " partition_by: {column: created_at, interval: 1 month}");
      return Optional.empty();
    }
    Optional<Mapping> partitionBy = reader.section(table, "partition_by", path, "column, interval");
    if (partitionBy.isEmpty()) {
      return Optional.empty();
    }
    reader.checkKeys(partitionBy.get(), ConfigSchema.PARTITION_BY, path);
    Optional<Setting> column =
        reader.required(
            partitionBy.get(),
            "column",
            path + ".column",
            "name the table's range partition key column, e.g. column: created_at");
    column.ifPresent(setting -> reader.record(setting.keyPath(), setting.origin()));
    if (column.isPresent() && column.get().text().isBlank()) {
      findings.problem(path + ".column", column.get().origin(), "is empty; name the column");
      column = Optional.empty();
    } else if (column.isPresent() && NOT_A_NAME.matcher(column.get().text().strip()).matches()) {
      // YAML reads `column: 42` or `column: yes` as a number or a boolean: a slip, not a name.
      findings.problem(
          path + ".column",
          column.get().origin(),
          "is "
              + column.get().text().strip()
              + ", which is not a column name; name the table's range partition key column,"
              + " e.g. column: created_at");
      column = Optional.empty();
    }
    Optional<Setting> intervalText =
        reader.required(
            partitionBy.get(),
            "interval",
            path + ".interval",
            "the width of one partition, e.g. interval: 1 month");
    intervalText.ifPresent(setting -> reader.record(setting.keyPath(), setting.origin()));
    Optional<Interval> interval =
        intervalText.flatMap(setting -> reader.convert(setting, Interval::parse));
    if (column.isEmpty() || interval.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new PartitionBy(column.get().text().strip(), interval.get()));
  }

  private int bindPremake(Mapping table, String tablePath) {
    String path = tablePath + ".premake";
    Optional<Setting> written = reader.optional(table, "premake", path);
    if (written.isEmpty()) {
      reader.record(path, Origin.DEFAULT);
      return DEFAULT_PREMAKE;
    }
    reader.record(path, written.get().origin());
    Optional<Long> premake =
        reader.convert(
            written.get(),
            text -> SettingReader.parseWholeNumber(text, "a whole number ≥ 0, e.g. 2"));
    if (premake.isEmpty()) {
      return DEFAULT_PREMAKE;
    }
    if (premake.get() < 0) {
      findings.problem(
          path,
          written.get().origin(),
          "is negative; write how many future partitions to keep" + " ready, e.g. 2");
      return DEFAULT_PREMAKE;
    }
    if (premake.get() > MAXIMUM_PREMAKE) {
      findings.problem(
          path,
          written.get().origin(),
          "is "
              + premake.get()
              + "; at most "
              + MAXIMUM_PREMAKE
              + " future partitions can be kept ready (each one is a table, and planning slows"
              + " with every partition)");
      return DEFAULT_PREMAKE;
    }
    return premake.get().intValue();
  }

  private Optional<Interval> optionalInterval(Mapping table, String key, String tablePath) {
    String path = tablePath + "." + key;
    Optional<Setting> written = reader.optional(table, key, path);
    reader.record(path, written.map(Setting::origin).orElse(Origin.DEFAULT));
    return written.flatMap(setting -> reader.convert(setting, Interval::parse));
  }

  private Optional<Path> bindExportPath(Mapping table, String tablePath) {
    String path = tablePath + ".export_before_retire";
    Optional<Setting> written = reader.optional(table, "export_before_retire", path);
    reader.record(path, written.map(Setting::origin).orElse(Origin.DEFAULT));
    return written.flatMap(
        setting ->
            reader.convert(
                setting,
                text -> {
                  if (text.isBlank()) {
                    throw new IllegalArgumentException(
                        "is empty; name the directory exports go to, e.g. ./exports");
                  }
                  try {
                    Path directory =
                        text.startsWith("~/")
                            ? Path.of(System.getProperty("user.home")).resolve(text.substring(2))
                            : baseDirectory.resolve(text.strip());
                    directory = directory.normalize();
                    if (Files.exists(directory) && !Files.isDirectory(directory)) {
                      throw new IllegalArgumentException(
                          directory
                              + " is a file, not a directory; name the directory exports go to"
                              + " (Strata creates it when it is missing)");
                    }
                    return directory;
                  } catch (InvalidPathException e) {
                    throw new IllegalArgumentException(
                        "\"" + text + "\" is not a valid path: " + e.getReason(), e);
                  }
                }));
  }

  private boolean bindBoolean(Mapping table, String key, String tablePath, boolean fallback) {
    String path = tablePath + "." + key;
    Optional<Setting> written = reader.optional(table, key, path);
    reader.record(path, written.map(Setting::origin).orElse(Origin.DEFAULT));
    return written
        .flatMap(setting -> reader.convert(setting, SettingReader::parseBoolean))
        .orElse(fallback);
  }

  private Duration bindDetachedGrace(Mapping table, String tablePath) {
    String path = tablePath + ".detached_grace";
    Optional<Setting> written = reader.optional(table, "detached_grace", path);
    reader.record(path, written.map(Setting::origin).orElse(Origin.DEFAULT));
    // "0" alone is unambiguous (zero is zero in every unit); any other number needs its unit.
    return written
        .flatMap(
            setting ->
                reader.convert(
                    setting,
                    text -> text.strip().equals("0") ? Duration.ZERO : Durations.parse(text)))
        .orElse(Duration.ZERO);
  }

  // ---------------------------------------------------------------- archive_to

  /**
   * {@code archive_to} in its four forms: a server name, a list (or comma-separated names), a
   * mapping of period label to server, or {@code {fill: [...], max_size_per_server: SIZE}}.
   */
  private Optional<Placement> bindPlacement(
      Mapping table,
      String tablePath,
      Optional<Interval> interval,
      List<ServerReference> references) {
    String path = tablePath + ".archive_to";
    Optional<Entry> entry = table.entry("archive_to");
    if (entry.isEmpty() || entry.get().value() instanceof Null) {
      reader.record(path, Origin.DEFAULT);
      return Optional.empty();
    }
    ConfigNode node = entry.get().value();
    reader.record(path, node instanceof Scalar ? node.origin() : entry.get().keyOrigin());
    if (node instanceof Mapping mapping) {
      return mapping.keys().contains("fill")
          ? bindFill(mapping, path, references)
          : bindByPeriod(mapping, path, interval, references);
    }
    Optional<List<String>> servers = serverList(node, path, references);
    if (servers.isEmpty()) {
      return Optional.empty();
    }
    if (node instanceof Scalar && servers.get().size() == 1) {
      return Optional.of(new Placement.Single(servers.get().get(0)));
    }
    return Optional.of(new Placement.RoundRobin(servers.get()));
  }

  /** A YAML list of server names, or one value with names separated by commas. */
  private Optional<List<String>> serverList(
      ConfigNode node, String path, List<ServerReference> references) {
    List<ServerReference> found = new ArrayList<>();
    if (node instanceof Scalar scalar) {
      Optional<Setting> setting = reader.substitute(scalar, path);
      if (setting.isEmpty()) {
        return Optional.empty();
      }
      for (String name : setting.get().text().split(",", -1)) {
        found.add(new ServerReference(name.strip(), path, scalar.origin()));
      }
    } else if (node instanceof Sequence list) {
      for (ConfigNode item : list.items()) {
        if (!(item instanceof Scalar scalar)) {
          findings.problem(
              path, item.origin(), "items must be server names, not " + item.shapeName());
          return Optional.empty();
        }
        Optional<Setting> setting = reader.substitute(scalar, path);
        if (setting.isEmpty()) {
          return Optional.empty();
        }
        found.add(new ServerReference(setting.get().text().strip(), path, scalar.origin()));
      }
    } else {
      findings.problem(
          path, node.origin(), "must be a server name or a list of them, not " + node.shapeName());
      return Optional.empty();
    }
    if (found.isEmpty()) {
      findings.problem(path, node.origin(), "is an empty list; name at least one server");
      return Optional.empty();
    }
    Set<String> names = new LinkedHashSet<>();
    boolean valid = true;
    for (ServerReference reference : found) {
      if (reference.name().isEmpty()) {
        findings.problem(path, reference.origin(), "has an empty server name");
        valid = false;
      } else if (!names.add(reference.name())) {
        findings.problem(
            path,
            reference.origin(),
            "names server \"" + reference.name() + "\" twice; list each server once");
        valid = false;
      } else {
        references.add(reference);
      }
    }
    return valid ? Optional.of(List.copyOf(names)) : Optional.empty();
  }

  private Optional<Placement> bindFill(
      Mapping mapping, String path, List<ServerReference> references) {
    for (Entry entry : mapping.entries()) {
      if (!FILL_KEYS.contains(entry.key())) {
        findings.problem(
            path + "." + entry.key(),
            entry.keyOrigin(),
            "is not a key of a fill placement, which has fill (the servers, in order) and"
                + " max_size_per_server",
            Suggestions.closest(entry.key(), FILL_KEYS));
      }
    }
    Optional<List<String>> servers =
        serverList(mapping.entry("fill").orElseThrow().value(), path + ".fill", references);
    Optional<Setting> size =
        reader.required(
            mapping,
            "max_size_per_server",
            path + ".max_size_per_server",
            "a fill placement moves to the next server when the current one would exceed it,"
                + " e.g. max_size_per_server: 500GB");
    Optional<Long> bytes = size.flatMap(setting -> reader.convert(setting, ByteSizes::parse));
    if (bytes.isPresent() && bytes.get() <= 0) {
      findings.problem(
          path + ".max_size_per_server",
          size.get().origin(),
          "must be larger than zero, e.g. 500GB");
      return Optional.empty();
    }
    if (servers.isEmpty() || bytes.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Placement.Fill(servers.get(), bytes.get()));
  }

  private Optional<Placement> bindByPeriod(
      Mapping mapping, String path, Optional<Interval> interval, List<ServerReference> references) {
    if (mapping.entries().isEmpty()) {
      findings.problem(
          path, mapping.origin(), "is an empty mapping; name a server for each period");
      return Optional.empty();
    }
    Map<String, String> serverByPeriod = new LinkedHashMap<>();
    boolean valid = true;
    for (Entry entry : mapping.entries()) {
      String label = entry.key();
      String labelPath = path + "." + label;
      Optional<String> labelProblem = periodLabelProblem(label, interval);
      if (labelProblem.isPresent()) {
        findings.problem(
            labelPath,
            entry.keyOrigin(),
            labelProblem.get(),
            Suggestions.closest(label, FILL_KEYS));
        valid = false;
        continue;
      }
      if (!(entry.value() instanceof Scalar scalar)) {
        findings.problem(
            labelPath,
            entry.value().origin(),
            "must be the name of the server for this period, not " + entry.value().shapeName());
        valid = false;
        continue;
      }
      Optional<Setting> server = reader.substitute(scalar, labelPath);
      if (server.isEmpty()) {
        valid = false;
        continue;
      }
      String name = server.get().text().strip();
      references.add(new ServerReference(name, labelPath, scalar.origin()));
      serverByPeriod.put(label, name);
    }
    return valid ? Optional.of(new Placement.ByPeriod(serverByPeriod)) : Optional.empty();
  }

  /**
   * A period label is the partition's lower bound written at the table's interval: {@code 2023} for
   * years, {@code 2023-04} for months, {@code 2023-04-17} for weeks and days, {@code 2023-04-17
   * 13:00} for hours and minutes. Without a valid interval, any of these is accepted.
   */
  private static Optional<String> periodLabelProblem(String label, Optional<Interval> interval) {
    List<Interval.Unit> units =
        interval.map(value -> List.of(value.unit())).orElse(List.of(Interval.Unit.values()));
    for (Interval.Unit unit : units) {
      if (isPeriodLabel(label, unit)) {
        return Optional.empty();
      }
    }
    if (interval.isEmpty()) {
      return Optional.of(
          "is not a period label; write the partition's lower bound, e.g. 2023, 2023-04 or"
              + " 2023-04-17");
    }
    String example =
        switch (interval.get().unit()) {
          case YEAR -> "2023";
          case MONTH -> "2023-04";
          case WEEK, DAY -> "2023-04-17";
          case HOUR, MINUTE -> "\"2023-04-17 13:00\"";
        };
    return Optional.of(
        "is not a period label for partitions of "
            + interval.get()
            + "; write the partition's lower bound like "
            + example
            + " (or use fill: [...] to fill servers in order)");
  }

  private static boolean isPeriodLabel(String label, Interval.Unit unit) {
    try {
      switch (unit) {
        case YEAR -> {
          return label.matches("\\d{4}");
        }
        case MONTH -> {
          if (!label.matches("\\d{4}-\\d{2}")) {
            return false;
          }
          YearMonth.parse(label);
          return true;
        }
        case WEEK, DAY -> {
          if (!label.matches("\\d{4}-\\d{2}-\\d{2}")) {
            return false;
          }
          LocalDate.parse(label);
          return true;
        }
        case HOUR, MINUTE -> {
          LocalDateTime.parse(
              label,
              DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm")
                  .withResolverStyle(ResolverStyle.STRICT));
          return true;
        }
      }
    } catch (DateTimeParseException e) {
      return false;
    }
    return false;
  }
}
