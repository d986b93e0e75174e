package dev.strata.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The problems and warnings met while loading one configuration. Every stage of the loader (reader,
 * environment and flag overlays, binder) adds to the same instance, so the user sees all of them at
 * once and the loader throws a single {@link ConfigException} at the end.
 */
final class Findings {
  private final List<ConfigProblem> problems = new ArrayList<>();
  private final List<ConfigProblem> warnings = new ArrayList<>();

  void problem(String keyPath, Origin origin, String message) {
    problems.add(ConfigProblem.of(keyPath, origin.description(), message));
  }

  void problem(String keyPath, Origin origin, String message, Optional<String> suggestion) {
    problems.add(new ConfigProblem(keyPath, origin.description(), message, suggestion));
  }

  void warning(String keyPath, Origin origin, String message) {
    warnings.add(ConfigProblem.of(keyPath, origin.description(), message));
  }

  void warning(String keyPath, Origin origin, String message, Optional<String> suggestion) {
    warnings.add(new ConfigProblem(keyPath, origin.description(), message, suggestion));
  }

  /** Adds another stage's problems and warnings after this one's. */
  void append(Findings other) {
    problems.addAll(other.problems);
    warnings.addAll(other.warnings);
  }

  boolean hasProblems() {
    return !problems.isEmpty();
  }

  int problemCount() {
    return problems.size();
  }

  List<ConfigProblem> problems() {
    return List.copyOf(problems);
  }

  List<String> warnings() {
    return warnings.stream().map(ConfigProblem::describe).toList();
  }
}
