package dev.strata.bench;

import java.util.List;
import java.util.function.Function;

/**
 * The command-line contract of the benchmark mains, which bench/*.sh rely on: {@code --help} or
 * {@code -h} prints the usage and exits 0; options that do not parse print the error and the usage
 * and exit 2; a run that fails prints the exception and exits 1.
 */
final class BenchmarkRun {
  /** A benchmark, run once with its parsed options. */
  @FunctionalInterface
  interface Benchmark<O> {
    void run(O options) throws Exception;
  }

  private BenchmarkRun() {}

  /**
   * @param usage printed for {@code --help} and after a bad option
   * @param parse the options from {@code args}; throws {@link IllegalArgumentException} when they
   *     are wrong, with what was expected
   * @param name what failed, for the message on failure (e.g. {@code archive benchmark})
   */
  static <O> void main(
      String[] args,
      String usage,
      Function<String[], O> parse,
      String name,
      Benchmark<O> benchmark) {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(usage);
      return;
    }
    O options;
    try {
      options = parse.apply(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(usage);
      System.exit(2);
      return;
    }
    try {
      benchmark.run(options);
    } catch (Exception e) {
      System.err.println(name + " failed: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }
}
