package dev.strata.config;

import dev.strata.config.ConfigNode.Entry;
import dev.strata.config.ConfigNode.Mapping;
import dev.strata.config.ConfigNode.Null;
import dev.strata.config.ConfigNode.Scalar;
import dev.strata.config.ConfigNode.Sequence;
import dev.strata.config.MirrorConfig.Mode;
import dev.strata.config.SettingReader.Setting;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Binds {@code mirrors}: each entry's source ({@code from} with {@code table}, or {@code schema}
 * with {@code include}/{@code exclude}), its mode and the settings that belong to that mode. A
 * setting another mode would need (a {@code watermark} on a {@code table} mirror, a {@code refresh}
 * on a {@code replica}) is a problem rather than silently ignored.
 */
final class MirrorBinder {
  private static final java.util.regex.Pattern SCHEMA_NAME =
      java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

  private final SettingReader reader;
  private final Findings findings;

  MirrorBinder(SettingReader reader, Findings findings) {
    this.reader = reader;
    this.findings = findings;
  }

  /**
   * The valid entries under {@code mirrors}, in file order.
   *
   * @param serverNames every name written under {@code servers}, valid or not
   * @param tables the managed tables, which a mirror may not overwrite
   */
  Map<String, MirrorConfig> bind(Mapping root, Set<String> serverNames, Set<QualifiedName> tables) {
    Map<String, MirrorConfig> mirrors = new LinkedHashMap<>();
    Optional<Mapping> section =
        reader.section(
            root,
            "mirrors",
            "mirrors",
            "one entry per local copy, keyed by its name, e.g. ref.customers: {from: crm}");
    if (section.isEmpty()) {
      return mirrors;
    }
    Map<QualifiedName, String> localNames = new LinkedHashMap<>();
    for (Entry entry : section.get().entries()) {
      String path = "mirrors." + entry.key();
      if (!(entry.value() instanceof Mapping mirror)) {
        findings.problem(
            path,
            entry.value().origin(),
            "must be the mirror's settings (from, table or schema, mode, refresh, ...), not "
                + entry.value().shapeName());
        continue;
      }
      reader.checkKeys(mirror, ConfigSchema.MIRROR, path);
      int before = findings.problemCount();
      Optional<MirrorConfig> bound = bindMirror(entry, mirror, path, serverNames);
      if (bound.isEmpty() || findings.problemCount() != before) {
        continue;
      }
      if (bound.get().source() instanceof MirrorConfig.OneTable one) {
        if (tables.contains(one.local())) {
          findings.problem(
              path,
              entry.keyOrigin(),
              "names "
                  + one.local().display()
                  + ", which is also under tables; a mirror is a copy Strata replaces, so give it"
                  + " a name of its own");
          continue;
        }
        String earlier = localNames.putIfAbsent(one.local(), entry.key());
        if (earlier != null) {
          findings.problem(
              path,
              entry.keyOrigin(),
              "names the same local table as mirrors." + earlier + "; keep one entry");
          continue;
        }
      }
      mirrors.put(entry.key(), bound.get());
    }
    return mirrors;
  }

  private Optional<MirrorConfig> bindMirror(
      Entry entry, Mapping mirror, String path, Set<String> serverNames) {
    Optional<Setting> from =
        reader.required(
            mirror,
            "from",
            path + ".from",
            "name the configured server the rows come from, e.g. from: crm");
    from.ifPresent(setting -> reader.record(setting.keyPath(), setting.origin()));
    if (from.isPresent() && !serverNames.contains(from.get().text().strip())) {
      findings.problem(
          path + ".from",
          from.get().origin(),
          "names server \""
              + from.get().text().strip()
              + "\", which is not defined under servers"
              + (serverNames.isEmpty()
                  ? "; add it there with its url"
                  : " (defined: " + String.join(", ", serverNames) + ")"),
          Suggestions.closest(from.get().text().strip(), serverNames));
    }
    Mode mode = bindMode(mirror, path);
    Optional<MirrorConfig.Source> source = bindSource(entry, mirror, path);
    Optional<Duration> refresh = bindRefresh(mirror, path, mode);
    List<String> key = columnList(mirror, "key", path + ".key").orElse(List.of());
    List<MirrorConfig.Index> indexes = bindIndexes(mirror, path + ".indexes");
    Optional<String> watermark =
        reader
            .optional(mirror, "watermark", path + ".watermark")
            .flatMap(setting -> columnName(setting, "the watermark column"));
    boolean incremental = mode == Mode.INCREMENTAL;
    if (incremental && watermark.isEmpty() && !mirror.hasValue("watermark")) {
      findings.problem(
          path + ".watermark",
          mirror.entry("mode").map(Entry::keyOrigin).orElse(mirror.origin()),
          "is required with mode: incremental: the column every insert and update advances, e.g."
              + " watermark: updated_at (a timestamp) or watermark: id (a key that only grows)");
    }
    onlyFor(mirror, path, "watermark", incremental, "incremental");
    onlyFor(mirror, path, "lookback", incremental, "incremental");
    onlyFor(mirror, path, "detect_deletes", incremental, "incremental");
    Duration lookback =
        reader
            .optional(mirror, "lookback", path + ".lookback")
            .flatMap(
                setting ->
                    reader.convert(
                        setting,
                        text -> text.strip().equals("0") ? Duration.ZERO : Durations.parse(text)))
            .orElse(MirrorConfig.DEFAULT_LOOKBACK);
    boolean detectDeletes =
        reader
            .optional(mirror, "detect_deletes", path + ".detect_deletes")
            .flatMap(setting -> reader.convert(setting, SettingReader::parseBoolean))
            .orElse(false);
    MirrorConfig.OnSchemaChange onSchemaChange = bindOnSchemaChange(mirror, path);
    Duration timeout =
        reader
            .optional(mirror, "timeout", path + ".timeout")
            .flatMap(setting -> reader.convert(setting, Durations::parse))
            .orElse(MirrorConfig.DEFAULT_TIMEOUT);
    if (mode == Mode.REPLICA && source.isPresent()) {
      boolean sameName =
          source.get() instanceof MirrorConfig.OneTable one
              ? one.local().equals(one.remote())
              : ((MirrorConfig.SchemaTables) source.get())
                  .localSchema()
                  .equals(((MirrorConfig.SchemaTables) source.get()).remoteSchema());
      if (!sameName) {
        findings.problem(
            path,
            entry.keyOrigin(),
            "is a replica under another name than its source's; PostgreSQL's logical replication"
                + " matches tables by schema and name, so a replica mirror has its source's name"
                + " (write the entry as that name, or use mode: table or incremental)");
      }
    }
    if (from.isEmpty() || source.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new MirrorConfig(
            entry.key(),
            from.get().text().strip(),
            mode,
            source.get(),
            refresh,
            key,
            indexes,
            watermark,
            lookback,
            detectDeletes,
            onSchemaChange,
            timeout));
  }

  private Mode bindMode(Mapping mirror, String path) {
    Optional<Setting> written = reader.optional(mirror, "mode", path + ".mode");
    reader.record(path + ".mode", written.map(Setting::origin).orElse(Origin.DEFAULT));
    if (written.isEmpty()) {
      return Mode.TABLE;
    }
    String text = written.get().text().strip().toLowerCase(Locale.ROOT);
    Optional<Mode> mode = Mode.ofLabel(text);
    if (mode.isEmpty()) {
      findings.problem(
          path + ".mode",
          written.get().origin(),
          "is \""
              + written.get().text().strip()
              + "\"; write matview, table, incremental or replica",
          Suggestions.closest(text, List.of("matview", "table", "incremental", "replica")));
      return Mode.TABLE;
    }
    return mode.get();
  }

  /** {@code table: public.customers} (default: the entry's own name), or {@code schema: public}. */
  private Optional<MirrorConfig.Source> bindSource(Entry entry, Mapping mirror, String path) {
    boolean schemaForm = mirror.hasValue("schema");
    if (schemaForm && mirror.hasValue("table")) {
      findings.problem(
          path + ".schema",
          mirror.entry("schema").get().keyOrigin(),
          "and table are both set; a mirror copies one table (table) or the tables of a schema"
              + " that include and exclude select (schema)");
      return Optional.empty();
    }
    if (!schemaForm) {
      onlyFor(mirror, path, "include", false, "schema");
      onlyFor(mirror, path, "exclude", false, "schema");
      QualifiedName local;
      try {
        local = QualifiedName.parse(entry.key());
      } catch (IllegalArgumentException e) {
        findings.problem(
            path,
            entry.keyOrigin(),
            e.getMessage() + "; write SCHEMA.NAME, the local copy's name, e.g. ref.customers");
        return Optional.empty();
      }
      Optional<Setting> table = reader.optional(mirror, "table", path + ".table");
      reader.record(
          path + ".table",
          table.map(Setting::origin).orElse(Origin.derivedFrom(path, Origin.DEFAULT)));
      if (table.isEmpty()) {
        return Optional.of(new MirrorConfig.OneTable(local, local));
      }
      return reader
          .convert(
              table.get(),
              text -> {
                try {
                  return QualifiedName.parse(text.strip());
                } catch (IllegalArgumentException e) {
                  throw new IllegalArgumentException(
                      e.getMessage() + "; write the table at the server, e.g. public.customers");
                }
              })
          .map(remote -> new MirrorConfig.OneTable(local, remote));
    }
    if (!SCHEMA_NAME.matcher(entry.key()).matches()
        || entry.key().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
            > Identifiers.MAX_IDENTIFIER_BYTES) {
      findings.problem(
          path,
          entry.keyOrigin(),
          "is the local schema the copies go into (with schema:), so it must be a plain schema"
              + " name, e.g. ref");
      return Optional.empty();
    }
    Optional<Setting> schema = reader.optional(mirror, "schema", path + ".schema");
    if (schema.isEmpty()) {
      return Optional.empty();
    }
    reader.record(schema.get().keyPath(), schema.get().origin());
    String remoteSchema = schema.get().text().strip();
    if (remoteSchema.isEmpty()) {
      findings.problem(path + ".schema", schema.get().origin(), "is empty; name the schema");
      return Optional.empty();
    }
    List<String> include = patterns(mirror, "include", path + ".include");
    List<String> exclude = patterns(mirror, "exclude", path + ".exclude");
    return Optional.of(
        new MirrorConfig.SchemaTables(
            entry.key().toLowerCase(Locale.ROOT), remoteSchema, include, exclude));
  }

  private Optional<Duration> bindRefresh(Mapping mirror, String path, Mode mode) {
    Optional<Setting> written = reader.optional(mirror, "refresh", path + ".refresh");
    if (mode == Mode.REPLICA) {
      if (written.isPresent()) {
        findings.problem(
            path + ".refresh",
            written.get().origin(),
            "does not apply to mode: replica, which follows every change at the source as it"
                + " commits; remove it");
      }
      return Optional.empty();
    }
    if (written.isEmpty()) {
      findings.problem(
          path + ".refresh",
          mirror.entry("refresh").map(Entry::keyOrigin).orElse(mirror.origin()),
          "is required: how often the copy is refreshed, e.g. refresh: 15 min (strata apply and"
              + " strata serve refresh a mirror once it is older than this)");
      return Optional.empty();
    }
    reader.record(written.get().keyPath(), written.get().origin());
    Optional<Duration> refresh = reader.convert(written.get(), Durations::parse);
    if (refresh.isPresent() && refresh.get().compareTo(Duration.ofSeconds(1)) < 0) {
      findings.problem(
          path + ".refresh", written.get().origin(), "must be at least 1s, e.g. refresh: 15 min");
      return Optional.empty();
    }
    return refresh;
  }

  private MirrorConfig.OnSchemaChange bindOnSchemaChange(Mapping mirror, String path) {
    Optional<Setting> written =
        reader.optional(mirror, "on_schema_change", path + ".on_schema_change");
    if (written.isEmpty()) {
      return MirrorConfig.OnSchemaChange.FAIL;
    }
    String text = written.get().text().strip().toLowerCase(Locale.ROOT);
    if (text.equals("follow")) {
      return MirrorConfig.OnSchemaChange.FOLLOW;
    }
    if (!text.equals("fail")) {
      findings.problem(
          path + ".on_schema_change",
          written.get().origin(),
          "is \"" + written.get().text().strip() + "\"; write fail or follow");
    }
    return MirrorConfig.OnSchemaChange.FAIL;
  }

  /** A setting that only one mode or form uses is a problem elsewhere, not ignored. */
  private void onlyFor(Mapping mirror, String path, String key, boolean applies, String where) {
    if (!applies && mirror.hasValue(key)) {
      findings.problem(
          path + "." + key,
          mirror.entry(key).get().keyOrigin(),
          where.equals("schema")
              ? "selects tables of a schema; it needs schema: NAME (the schema at the server)"
              : "applies to mode: " + where + " only; remove it or set mode: " + where);
    }
  }

  /**
   * {@code indexes}: a list whose items are a column ({@code email}), columns ({@code "last_name,
   * first_name"} or {@code [last_name, first_name]}), or {@code {columns: [...], using: gist,
   * unique: true}}.
   */
  private List<MirrorConfig.Index> bindIndexes(Mapping mirror, String path) {
    Optional<Entry> entry = mirror.entry("indexes");
    if (entry.isEmpty() || entry.get().value() instanceof Null) {
      return List.of();
    }
    if (!(entry.get().value() instanceof Sequence list)) {
      findings.problem(
          path,
          entry.get().value().origin(),
          "must be a list of indexes, e.g. indexes: [email, \"last_name, first_name\"]");
      return List.of();
    }
    List<MirrorConfig.Index> indexes = new ArrayList<>();
    for (ConfigNode item : list.items()) {
      if (item instanceof Mapping index) {
        reader.checkKeys(index, ConfigSchema.MIRROR_INDEX, path);
        Optional<List<String>> columns = columnList(index, "columns", path + ".columns");
        if (columns.isEmpty() || columns.get().isEmpty()) {
          if (columns.isPresent() || !index.hasValue("columns")) {
            findings.problem(
                path,
                index.origin(),
                "an index needs columns, e.g. {columns: [geom], using: gist}");
          }
          continue;
        }
        String method = "btree";
        Optional<Setting> using = reader.optional(index, "using", path + ".using");
        if (using.isPresent()) {
          method = using.get().text().strip().toLowerCase(Locale.ROOT);
          if (!MirrorConfig.Index.METHODS.contains(method)) {
            findings.problem(
                path + ".using",
                using.get().origin(),
                "is \""
                    + using.get().text().strip()
                    + "\"; write one of "
                    + String.join(", ", MirrorConfig.Index.METHODS));
            continue;
          }
        }
        boolean unique =
            reader
                .optional(index, "unique", path + ".unique")
                .flatMap(setting -> reader.convert(setting, SettingReader::parseBoolean))
                .orElse(false);
        indexes.add(new MirrorConfig.Index(columns.get(), method, unique));
      } else {
        Optional<List<String>> columns = columns(item, path);
        columns
            .filter(c -> !c.isEmpty())
            .ifPresent(c -> indexes.add(new MirrorConfig.Index(c, "btree", false)));
      }
    }
    return indexes;
  }

  private Optional<List<String>> columnList(Mapping mapping, String key, String path) {
    Optional<Entry> entry = mapping.entry(key);
    if (entry.isEmpty() || entry.get().value() instanceof Null) {
      return Optional.empty();
    }
    reader.record(path, entry.get().keyOrigin());
    return columns(entry.get().value(), path);
  }

  /** Column names: a YAML list, or one value with names separated by commas. */
  private Optional<List<String>> columns(ConfigNode node, String path) {
    List<String> names = new ArrayList<>();
    if (node instanceof Scalar scalar) {
      Optional<Setting> setting = reader.substitute(scalar, path);
      if (setting.isEmpty()) {
        return Optional.empty();
      }
      for (String part : setting.get().text().split(",", -1)) {
        Optional<String> name =
            columnName(
                new Setting(path, part, scalar.origin(), Optional.empty(), false), "a column");
        if (name.isEmpty()) {
          return Optional.empty();
        }
        names.add(name.get());
      }
    } else if (node instanceof Sequence list) {
      for (ConfigNode item : list.items()) {
        if (!(item instanceof Scalar scalar)) {
          findings.problem(
              path, item.origin(), "items must be column names, not " + item.shapeName());
          return Optional.empty();
        }
        Optional<String> name =
            reader.substitute(scalar, path).flatMap(s -> columnName(s, "a column"));
        if (name.isEmpty()) {
          return Optional.empty();
        }
        names.add(name.get());
      }
    } else {
      findings.problem(
          path, node.origin(), "must be column names (a list, or names separated by commas)");
      return Optional.empty();
    }
    if (names.stream().distinct().count() != names.size()) {
      findings.problem(path, node.origin(), "names a column twice");
      return Optional.empty();
    }
    return Optional.of(names);
  }

  /** A column as PostgreSQL names it: written as the catalog holds it, checked for length. */
  private Optional<String> columnName(Setting setting, String what) {
    String text = setting.text().strip();
    if (text.isEmpty()) {
      findings.problem(setting.keyPath(), setting.origin(), "has an empty name; name " + what);
      return Optional.empty();
    }
    try {
      Identifiers.validate(text);
    } catch (IllegalArgumentException e) {
      findings.problem(setting.keyPath(), setting.origin(), e.getMessage());
      return Optional.empty();
    }
    return Optional.of(text);
  }

  private List<String> patterns(Mapping mirror, String key, String path) {
    Optional<Entry> entry = mirror.entry(key);
    if (entry.isEmpty() || entry.get().value() instanceof Null) {
      return List.of();
    }
    List<String> patterns = new ArrayList<>();
    List<ConfigNode> items =
        entry.get().value() instanceof Sequence list ? list.items() : List.of(entry.get().value());
    for (ConfigNode item : items) {
      if (!(item instanceof Scalar scalar)) {
        findings.problem(path, item.origin(), "items must be table name patterns, e.g. \"cust*\"");
        continue;
      }
      reader
          .substitute(scalar, path)
          .map(s -> s.text().strip())
          .filter(p -> !p.isEmpty())
          .ifPresent(patterns::add);
    }
    return patterns;
  }
}
