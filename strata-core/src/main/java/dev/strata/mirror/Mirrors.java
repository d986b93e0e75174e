package dev.strata.mirror;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.catalog.Column;
import dev.strata.config.MirrorConfig;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves the {@code mirrors} entries against their servers: a {@code schema} entry becomes one
 * mirror per table its patterns select, and every mirror gets its source's columns and its key (the
 * configured one, or the source's primary key). Each server is read on one direct connection,
 * bounded by {@code timeouts}; a server that cannot be read leaves its mirrors unresolved, with the
 * reason, and the others are unaffected.
 */
public final class Mirrors {
  /**
   * A mirror with what its source says about it.
   *
   * @param key the key a refresh merges by; empty: the copy has none, and is replaced whole
   */
  public record Resolved(Mirror mirror, SourceTable source, List<String> key) {
    public Resolved {
      key = List.copyOf(key);
    }

    public List<Column> columns() {
      return source.columns();
    }
  }

  /** A mirror (or a whole entry) that could not be resolved, and why. */
  public record Problem(String entry, String server, String message, String hint) {}

  /** Every mirror of the configuration, resolved or not. */
  public record Resolution(List<Resolved> mirrors, List<Problem> problems) {
    public Resolution {
      mirrors = List.copyOf(mirrors);
      problems = List.copyOf(problems);
    }

    public Optional<Resolved> find(QualifiedName name) {
      return mirrors.stream().filter(m -> m.mirror().name().equals(name)).findFirst();
    }
  }

  private Mirrors() {}

  public static Resolution resolve(Connections connections) {
    StrataConfig config = connections.config();
    Map<String, List<MirrorConfig>> byServer = new LinkedHashMap<>();
    config
        .mirrors()
        .values()
        .forEach(m -> byServer.computeIfAbsent(m.server(), s -> new ArrayList<>()).add(m));
    List<Resolved> resolved = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (Map.Entry<String, List<MirrorConfig>> server : byServer.entrySet()) {
      Database source;
      try {
        source = new Database(server.getKey(), connections.server(server.getKey()));
      } catch (StrataException e) {
        for (MirrorConfig mirror : server.getValue()) {
          problems.add(
              new Problem(
                  mirror.entry(),
                  server.getKey(),
                  "server " + server.getKey() + " cannot be reached: " + e.getMessage(),
                  e.hint() != null ? e.hint() : "check the server, then run the command again"));
        }
        continue;
      }
      try (source) {
        for (MirrorConfig mirror : server.getValue()) {
          try {
            resolveEntry(source, mirror, resolved, problems);
          } catch (StrataException e) {
            problems.add(
                new Problem(
                    mirror.entry(),
                    server.getKey(),
                    e.getMessage(),
                    e.hint() != null ? e.hint() : "check the server, then run the command again"));
          }
        }
      }
    }
    return new Resolution(resolved, problems);
  }

  private static void resolveEntry(
      Database source, MirrorConfig config, List<Resolved> resolved, List<Problem> problems) {
    if (config.source() instanceof MirrorConfig.OneTable one) {
      Optional<SourceTable> table = SourceTable.read(source, one.remote());
      if (table.isEmpty()) {
        problems.add(
            new Problem(
                config.entry(),
                config.server(),
                "server " + config.server() + " has no table " + one.remote().display(),
                "check mirrors." + config.entry() + ".table (default: the entry's own name)"));
        return;
      }
      resolveTable(new Mirror(one.local(), one.remote(), config), table.get(), resolved, problems);
      return;
    }
    MirrorConfig.SchemaTables schema = (MirrorConfig.SchemaTables) config.source();
    List<String> names =
        SourceTable.tablesOf(source, schema.remoteSchema()).stream()
            .filter(schema::selects)
            .toList();
    if (names.isEmpty()) {
      problems.add(
          new Problem(
              config.entry(),
              config.server(),
              "no table of schema "
                  + schema.remoteSchema()
                  + " on "
                  + config.server()
                  + " matches include "
                  + schema.include()
                  + (schema.exclude().isEmpty() ? "" : " and not exclude " + schema.exclude()),
              "check mirrors." + config.entry() + ".schema, include and exclude"));
      return;
    }
    for (String name : names) {
      QualifiedName remote = QualifiedName.of(schema.remoteSchema(), name);
      SourceTable.read(source, remote)
          .ifPresent(
              table ->
                  resolveTable(
                      new Mirror(QualifiedName.of(schema.localSchema(), name), remote, config),
                      table,
                      resolved,
                      problems));
    }
  }

  private static void resolveTable(
      Mirror mirror, SourceTable source, List<Resolved> resolved, List<Problem> problems) {
    MirrorConfig config = mirror.config();
    String where = "mirrors." + config.entry();
    List<String> key = config.key().isEmpty() ? source.primaryKey() : config.key();
    for (String column : key) {
      Optional<Column> found = source.column(column);
      if (found.isEmpty()) {
        problems.add(
            problem(
                mirror,
                "its key column " + column + " is not a column of " + source.name().display(),
                "fix " + where + ".key"));
        return;
      }
      if (!found.get().notNull()) {
        problems.add(
            problem(
                mirror,
                "its key column "
                    + column
                    + " may be NULL at the source, so it cannot identify every row",
                "name NOT NULL columns in "
                    + where
                    + ".key, or make the column NOT NULL at the source"));
        return;
      }
    }
    for (MirrorConfig.Index index : config.indexes()) {
      for (String column : index.columns()) {
        if (source.column(column).isEmpty()) {
          problems.add(
              problem(
                  mirror,
                  "index column " + column + " is not a column of " + source.name().display(),
                  "fix " + where + ".indexes"));
          return;
        }
      }
    }
    if (config.mode() == MirrorConfig.Mode.INCREMENTAL) {
      if (key.isEmpty()) {
        problems.add(
            problem(
                mirror,
                "mode incremental needs a key to upsert changed rows by, and "
                    + source.name().display()
                    + " has no primary key",
                "set " + where + ".key: [COLUMN, ...] (NOT NULL columns that identify a row)"));
        return;
      }
      String watermark = config.watermark().orElseThrow();
      Optional<Column> column = source.column(watermark);
      if (column.isEmpty()) {
        problems.add(
            problem(
                mirror,
                "its watermark column "
                    + watermark
                    + " is not a column of "
                    + source.name().display(),
                "fix " + where + ".watermark"));
        return;
      }
      if (WatermarkKind.of(column.get().type()).isEmpty()) {
        problems.add(
            problem(
                mirror,
                "its watermark column "
                    + watermark
                    + " is "
                    + column.get().type()
                    + "; a watermark must be a timestamp, a date or an integer that grows",
                "name such a column in " + where + ".watermark"));
        return;
      }
    }
    resolved.add(new Resolved(mirror, source, key));
  }

  private static Problem problem(Mirror mirror, String message, String hint) {
    return new Problem(
        mirror.config().entry(),
        mirror.server(),
        "mirror " + mirror.display() + ": " + message,
        hint);
  }

  /** How a watermark column's values are compared and stepped back by {@code lookback}. */
  enum WatermarkKind {
    TIME,
    NUMBER;

    static Optional<WatermarkKind> of(String type) {
      String lower = type.toLowerCase(Locale.ROOT);
      if (lower.startsWith("timestamp") || lower.equals("date")) {
        return Optional.of(TIME);
      }
      if (List.of("smallint", "integer", "bigint").contains(lower) || lower.startsWith("numeric")) {
        return Optional.of(NUMBER);
      }
      return Optional.empty();
    }
  }

  /** The resolved mirror named {@code name}, or a usage error naming the configured ones. */
  public static Resolved require(Resolution resolution, QualifiedName name) {
    Optional<Resolved> found = resolution.find(name);
    if (found.isPresent()) {
      return found.get();
    }
    for (Problem problem : resolution.problems()) {
      if (problem.message().contains(name.display()) || problem.entry().equals(name.display())) {
        throw new StrataException(ErrorCode.CHECK_FAILED, problem.message(), problem.hint());
      }
    }
    throw new StrataException(
        ErrorCode.USAGE,
        "no mirror named " + name.display() + " in the configuration",
        resolution.mirrors().isEmpty()
            ? "add it under `mirrors:` in strata.yaml"
            : "configured mirrors: "
                + String.join(
                    ", ", resolution.mirrors().stream().map(r -> r.mirror().display()).toList()));
  }
}
