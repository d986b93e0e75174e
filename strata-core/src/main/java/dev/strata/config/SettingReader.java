package dev.strata.config;

import dev.strata.config.ConfigNode.Entry;
import dev.strata.config.ConfigNode.Mapping;
import dev.strata.config.ConfigNode.Null;
import dev.strata.config.ConfigNode.Scalar;
import dev.strata.config.ConfigSchema.Keys;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads values out of the merged {@link ConfigNode} tree for the binders, turning every way a value
 * can be wrong into a problem in {@link Findings} instead of an exception: a key the schema does
 * not know, a mapping where a value belongs, a failed {@code ${env:...}} substitution, a value its
 * parser rejects. Each method returns empty after reporting, so the caller carries on and the user
 * sees every problem in one run.
 *
 * <p>It also keeps the origin of every effective value, which the binders record as they decide
 * between written value, derived value and default.
 */
final class SettingReader {
  /**
   * One value read from the tree, after substitution.
   *
   * @param keyPath where it sits, for problems
   * @param text the value with references replaced
   * @param origin where it was written
   * @param secretSource the reference, when the whole value was exactly one ({@code ${env:X}})
   * @param hasReference whether any {@code ${...}} was substituted
   */
  record Setting(
      String keyPath,
      String text,
      Origin origin,
      Optional<String> secretSource,
      boolean hasReference) {}

  private final Findings findings;
  private final ValueSubstitution substitution;
  private final Map<String, Origin> origins = new LinkedHashMap<>();

  SettingReader(Findings findings, ValueSubstitution substitution) {
    this.findings = findings;
    this.substitution = substitution;
  }

  /** Reports keys the schema does not know at this level, with the closest known key. */
  void checkKeys(Mapping mapping, Keys shape, String path) {
    Set<String> allowed = shape.children().keySet();
    for (Entry entry : mapping.entries()) {
      String key = entry.key();
      if (allowed.contains(key) || key.equals("<<")) {
        continue;
      }
      findings.problem(
          path.isEmpty() ? key : path + "." + key,
          entry.keyOrigin(),
          "is not a setting"
              + (path.isEmpty() ? "" : " of " + path)
              + "; allowed: "
              + String.join(", ", allowed),
          Suggestions.closest(key, allowed));
    }
  }

  /** A nested mapping; empty when absent or null, and a problem when it is something else. */
  Optional<Mapping> section(Mapping parent, String key, String path, String contents) {
    Optional<Entry> entry = parent.entry(key);
    if (entry.isEmpty() || entry.get().value() instanceof Null) {
      return Optional.empty();
    }
    if (entry.get().value() instanceof Mapping mapping) {
      return Optional.of(mapping);
    }
    findings.problem(
        path,
        entry.get().value().origin(),
        "must be a mapping (" + contents + "), not " + entry.get().value().shapeName());
    return Optional.empty();
  }

  /**
   * A value that must be written: when absent or null, a problem saying "is required; " and {@code
   * whatToWrite}, reported at the key's line (or the enclosing mapping's when the key is missing).
   */
  Optional<Setting> required(Mapping parent, String key, String path, String whatToWrite) {
    if (!parent.hasValue(key)) {
      findings.problem(
          path,
          parent.entry(key).map(Entry::keyOrigin).orElse(parent.origin()),
          "is required; " + whatToWrite);
      return Optional.empty();
    }
    return optional(parent, key, path);
  }

  /** A single value; empty when absent or null, or (with a problem) when it is not a value. */
  Optional<Setting> optional(Mapping parent, String key, String path) {
    Optional<Entry> entry = parent.entry(key);
    if (entry.isEmpty() || entry.get().value() instanceof Null) {
      return Optional.empty();
    }
    if (entry.get().value() instanceof Scalar scalar) {
      return substitute(scalar, path);
    }
    findings.problem(
        path,
        entry.get().value().origin(),
        "must be a single value, not " + entry.get().value().shapeName());
    return Optional.empty();
  }

  Optional<Setting> substitute(Scalar scalar, String path) {
    try {
      ValueSubstitution.Substituted substituted = substitution.substitute(scalar.text());
      return Optional.of(
          new Setting(
              path,
              substituted.value(),
              scalar.origin(),
              substituted.soleReference(),
              substituted.hasReference()));
    } catch (IllegalArgumentException e) {
      findings.problem(path, scalar.origin(), e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Applies a parser that throws {@link IllegalArgumentException}; its message becomes the problem.
   */
  <T> Optional<T> convert(Setting setting, Function<String, T> parser) {
    try {
      return Optional.of(parser.apply(setting.text()));
    } catch (IllegalArgumentException e) {
      findings.problem(setting.keyPath(), setting.origin(), e.getMessage());
      return Optional.empty();
    }
  }

  static long parseWholeNumber(String text, String expected) {
    String stripped = text.strip();
    if (!stripped.matches("-?\\d{1,18}")) {
      throw new IllegalArgumentException("expected " + expected + "; got \"" + stripped + "\"");
    }
    return Long.parseLong(stripped);
  }

  static boolean parseBoolean(String text) {
    String lower = text.strip().toLowerCase(Locale.ROOT);
    if (lower.equals("true")) {
      return true;
    }
    if (lower.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException("expected true or false; got \"" + text.strip() + "\"");
  }

  /** Notes where the effective value at {@code path} came from. */
  void record(String path, Origin origin) {
    origins.put(path, origin);
  }

  Origin originOf(String path) {
    return origins.getOrDefault(path, Origin.DEFAULT);
  }

  /** The origin of a value taken from the setting at {@code sourcePath}. */
  Origin derived(String sourcePath) {
    return Origin.derivedFrom(sourcePath, originOf(sourcePath));
  }

  /** Every recorded origin, by key path, as {@link Origins} holds them. */
  Origins origins() {
    Map<String, String> descriptions = new LinkedHashMap<>();
    origins.forEach((path, origin) -> descriptions.put(path, origin.description()));
    return new Origins(descriptions);
  }
}
