package dev.strata.config;

import dev.strata.config.ConfigNode.Entry;
import dev.strata.config.ConfigNode.Mapping;
import dev.strata.config.ConfigNode.Null;
import dev.strata.config.ConfigNode.Scalar;
import dev.strata.config.ConfigSchema.Entries;
import dev.strata.config.ConfigSchema.Keys;
import dev.strata.config.ConfigSchema.Leaf;
import dev.strata.config.ConfigSchema.Shape;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Lays {@code STRATA_*} environment variables and then {@code --set key.path=value} flags over the
 * tree read from the file, each replacing the node at its key path. Applying them in that order
 * gives the documented precedence: flags over environment over file, with defaults filled in later
 * by the binder for whatever is still missing.
 *
 * <p>An environment variable names its path in upper case with {@code __} between levels ({@code
 * STRATA_SERVERS__ARCHIVE_2024__PASSWORD}); keys match without regard to case, and a table's dot
 * may be written as {@code _} ({@code STRATA_TABLES__PUBLIC_EMP__HOT}). A flag names it with dots
 * ({@code tables.public.emp.hot}). Both can only change servers and tables the file defines: a
 * server or table is more than one setting, and half of one from a variable is more likely a stale
 * variable than intent. A variable that matches no setting is a warning (the environment is shared
 * with other tools); a flag that matches none is an error (the user just typed it).
 *
 * <p>An empty value ({@code STRATA_COORDINATOR__PASSWORD=} or {@code --set coordinator.password=})
 * unsets the setting, so its default applies.
 */
final class SettingOverlays {
  static final String ENVIRONMENT_PREFIX = "STRATA_";

  /** Names the config file; read by the command line, not a setting. */
  static final String CONFIG_FILE_VARIABLE = "STRATA_CONFIG";

  private SettingOverlays() {}

  private sealed interface Resolution {}

  private record Found(List<String> keys) implements Resolution {}

  private record NotFound(String reason, Optional<String> suggestion) implements Resolution {}

  private enum Style {
    ENVIRONMENT,
    FLAG
  }

  static Mapping applyEnvironment(
      Mapping root, Map<String, String> environment, Findings findings) {
    Mapping result = root;
    for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
      String name = variable.getKey();
      if (!name.startsWith(ENVIRONMENT_PREFIX) || name.equals(CONFIG_FILE_VARIABLE)) {
        continue;
      }
      Origin origin = Origin.environment(name);
      List<String> segments =
          Arrays.asList(name.substring(ENVIRONMENT_PREFIX.length()).split("__", -1));
      String writtenPath = String.join(".", segments).toLowerCase(Locale.ROOT);
      Resolution resolution = resolve(result, segments, Style.ENVIRONMENT);
      if (resolution instanceof NotFound notFound) {
        findings.warning(
            writtenPath,
            origin,
            "this variable matches no setting and is ignored: " + notFound.reason(),
            notFound.suggestion());
      } else if (resolution instanceof Found found) {
        result = set(result, found.keys(), valueNode(variable.getValue(), origin), origin);
      }
    }
    return result;
  }

  static Mapping applyFlags(Mapping root, Map<String, String> overrides, Findings findings) {
    Mapping result = root;
    for (Map.Entry<String, String> flag : new TreeMap<>(overrides).entrySet()) {
      String path = flag.getKey().strip();
      List<String> segments = Arrays.asList(path.split("\\.", -1));
      Resolution resolution = resolve(result, segments, Style.FLAG);
      if (resolution instanceof NotFound notFound) {
        findings.problem(
            path,
            Origin.FLAG,
            "--set names no setting: " + notFound.reason(),
            notFound.suggestion());
      } else if (resolution instanceof Found found) {
        result = set(result, found.keys(), valueNode(flag.getValue(), Origin.FLAG), Origin.FLAG);
      }
    }
    return result;
  }

  private static ConfigNode valueNode(String value, Origin origin) {
    return value == null || value.isEmpty() ? new Null(origin) : new Scalar(value, origin);
  }

  private static Resolution resolve(Mapping root, List<String> segments, Style style) {
    Shape shape = ConfigSchema.ROOT;
    ConfigNode node = root;
    List<String> keys = new ArrayList<>();
    int index = 0;
    while (index < segments.size()) {
      String segment = segments.get(index);
      String parent = keys.isEmpty() ? "the top level" : String.join(".", keys);
      if (segment.isEmpty()) {
        return new NotFound(
            "it has an empty key"
                + (style == Style.ENVIRONMENT
                    ? "; separate levels with exactly two underscores"
                    : "; separate levels with single dots"),
            Optional.empty());
      }
      if (shape instanceof Keys level) {
        Optional<String> key =
            level.children().keySet().stream()
                .filter(candidate -> candidate.equalsIgnoreCase(segment))
                .findFirst();
        if (key.isEmpty()) {
          return new NotFound(
              "\"" + segment.toLowerCase(Locale.ROOT) + "\" is not a key of " + parent,
              Suggestions.closest(segment, level.children().keySet()));
        }
        keys.add(key.get());
        shape = level.children().get(key.get());
        node = child(node, key.get());
        index++;
      } else if (shape instanceof Entries entries) {
        Mapping existing = node instanceof Mapping mapping ? mapping : Mapping.empty(root.origin());
        Optional<Match> match = matchEntry(existing, entries.kind(), segments, index, style);
        if (match.isEmpty()) {
          String what =
              switch (entries.kind()) {
                case SERVERS -> "server";
                case TABLES -> "table";
                case MIRRORS -> "mirror";
              };
          return new NotFound(
              "the file defines no "
                  + what
                  + " \""
                  + segment
                  + "\" (environment variables and --set can change the settings of "
                  + what
                  + "s the file defines, not add new ones)",
              Suggestions.closest(segment, existing.keys()));
        }
        keys.add(match.get().key());
        shape = entries.entry();
        node = child(node, match.get().key());
        index += match.get().segmentsUsed();
      } else {
        return new NotFound(
            parent + " is a single setting; it has no key \"" + segment + "\"", Optional.empty());
      }
    }
    if (!(shape instanceof Leaf)) {
      String parent = keys.isEmpty() ? "the top level" : String.join(".", keys);
      return new NotFound(
          parent + " is a group of settings; name one of its keys", Optional.empty());
    }
    return new Found(keys);
  }

  private record Match(String key, int segmentsUsed) {}

  private static Optional<Match> matchEntry(
      Mapping entries, Entries.Kind kind, List<String> segments, int index, Style style) {
    String segment = segments.get(index);
    if (kind == Entries.Kind.SERVERS || style == Style.ENVIRONMENT) {
      for (String key : entries.keys()) {
        if (key.equalsIgnoreCase(segment)
            || (kind != Entries.Kind.SERVERS
                && (environmentForm(key).equals(environmentForm(segment))
                    || parse(key)
                        .map(
                            name ->
                                environmentForm(name.display()).equals(environmentForm(segment)))
                        .orElse(false)))) {
          return Optional.of(new Match(key, 1));
        }
      }
      return Optional.empty();
    }
    // A flag writes a table as it is written in SQL, so "public.emp" spans two dotted segments and
    // "emp" one; try the longer reading first, comparing parsed names ("Emp" is "emp").
    for (int used = Math.min(2, segments.size() - index); used >= 1; used--) {
      String written = String.join(".", segments.subList(index, index + used));
      Optional<QualifiedName> wanted = parse(written);
      for (String key : entries.keys()) {
        if (key.equals(written) || (wanted.isPresent() && parse(key).equals(wanted))) {
          return Optional.of(new Match(key, used));
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<QualifiedName> parse(String tableName) {
    try {
      return Optional.of(QualifiedName.parse(tableName));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Upper case, and every character a variable name cannot hold replaced by {@code _}. */
  private static String environmentForm(String text) {
    return text.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
  }

  private static ConfigNode child(ConfigNode node, String key) {
    if (node instanceof Mapping mapping) {
      return mapping.entry(key).map(Entry::value).orElse(new Null(mapping.origin()));
    }
    return new Null(node.origin());
  }

  private static Mapping set(Mapping mapping, List<String> keys, ConfigNode value, Origin origin) {
    String key = keys.get(0);
    if (keys.size() == 1) {
      return mapping.with(key, origin, value);
    }
    Optional<Entry> existing = mapping.entry(key);
    Mapping child =
        existing.map(Entry::value).orElse(null) instanceof Mapping nested
            ? nested
            : Mapping.empty(origin);
    Origin keyOrigin = existing.map(Entry::keyOrigin).orElse(origin);
    return mapping.with(key, keyOrigin, set(child, keys.subList(1, keys.size()), value, origin));
  }
}
