package dev.strata.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The configuration as written, before validation: a YAML-like tree whose every node remembers its
 * {@link Origin}. The YAML file, the {@code STRATA_*} environment variables and the {@code --set}
 * flags are merged at this level (a later source replaces a node), and only then does {@link
 * ConfigBinder} read typed values from it, so precedence is decided in one place and every problem
 * can name the file line, variable or flag it came from.
 *
 * <p>Scalars are kept as their text: YAML's own typing ({@code on} is a boolean in YAML 1.1, {@code
 * 0x10} an integer) is ignored, and each setting parses its text by its own rules.
 */
sealed interface ConfigNode {
  Origin origin();

  /** "a mapping", "a list", "a single value", "empty": for messages about the wrong shape. */
  String shapeName();

  /** One key of a mapping and its value. */
  record Entry(String key, Origin keyOrigin, ConfigNode value) {
    public Entry {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(keyOrigin, "keyOrigin");
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * A mapping, keys in written order.
   *
   * @param origin where the mapping is attached: the line of the key that holds it (so a missing
   *     required key is reported there), or the file itself for the top level
   */
  record Mapping(List<Entry> entries, Origin origin) implements ConfigNode {
    public Mapping {
      entries = List.copyOf(entries);
      Objects.requireNonNull(origin, "origin");
    }

    static Mapping empty(Origin origin) {
      return new Mapping(List.of(), origin);
    }

    /** The entry for a key; the last one if the key was written twice (already a problem). */
    Optional<Entry> entry(String key) {
      for (int i = entries.size() - 1; i >= 0; i--) {
        if (entries.get(i).key().equals(key)) {
          return Optional.of(entries.get(i));
        }
      }
      return Optional.empty();
    }

    /** Whether the key is written with a value other than YAML null. */
    boolean hasValue(String key) {
      return entry(key).filter(entry -> !(entry.value() instanceof Null)).isPresent();
    }

    Set<String> keys() {
      Set<String> keys = new LinkedHashSet<>();
      entries.forEach(entry -> keys.add(entry.key()));
      return keys;
    }

    /** A copy with {@code key} set to {@code value}: replaced in place, or appended. */
    Mapping with(String key, Origin keyOrigin, ConfigNode value) {
      List<Entry> copy = new ArrayList<>();
      boolean replaced = false;
      for (Entry entry : entries) {
        if (entry.key().equals(key)) {
          if (!replaced) {
            copy.add(new Entry(key, keyOrigin, value));
            replaced = true;
          }
        } else {
          copy.add(entry);
        }
      }
      if (!replaced) {
        copy.add(new Entry(key, keyOrigin, value));
      }
      return new Mapping(copy, origin);
    }

    @Override
    public String shapeName() {
      return "a mapping";
    }
  }

  /** A YAML list. */
  record Sequence(List<ConfigNode> items, Origin origin) implements ConfigNode {
    public Sequence {
      items = List.copyOf(items);
      Objects.requireNonNull(origin, "origin");
    }

    @Override
    public String shapeName() {
      return "a list";
    }
  }

  /** A single value, as its text (before {@code ${...}} substitution). */
  record Scalar(String text, Origin origin) implements ConfigNode {
    public Scalar {
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(origin, "origin");
    }

    @Override
    public String shapeName() {
      return "a single value";
    }
  }

  /**
   * YAML null ({@code key:} with nothing after it, or {@code ~}), or an empty {@code STRATA_*}
   * variable or {@code --set key=}: the setting takes its default.
   */
  record Null(Origin origin) implements ConfigNode {
    public Null {
      Objects.requireNonNull(origin, "origin");
    }

    @Override
    public String shapeName() {
      return "empty";
    }
  }
}
