package dev.strata.bench;

import java.nio.file.Path;

/**
 * The query benchmark's command line: {@code --rows N --runs N --out DIR}.
 *
 * @param rows rows per year (each of 2023, 2024 and 2025 gets this many)
 * @param runs measured runs per query and configuration, after the warm-up
 * @param out directory that receives {@code query.json} and {@code query.md}
 */
record QueryBenchmarkOptions(long rows, int runs, Path out) {
  static final long DEFAULT_ROWS = 1_000_000;
  static final int DEFAULT_RUNS = 7;
  static final long MINIMUM_ROWS = 1_000;

  /** Rows are generated with {@code generate_series} over {@code int}. */
  static final long MAXIMUM_ROWS = 100_000_000;

  static final int MAXIMUM_RUNS = 50;

  static final String USAGE =
      "usage: QueryBenchmark [--rows N] [--runs N] [--out DIR]\n"
          + "  --rows N   rows per year, three years on three servers (default 1000000)\n"
          + "  --runs N   measured runs per query and configuration (default 7, at most 50)\n"
          + "  --out DIR  where query.json and query.md go (default bench/results)";

  QueryBenchmarkOptions {
    if (rows < MINIMUM_ROWS || rows > MAXIMUM_ROWS) {
      throw new IllegalArgumentException(
          "--rows must be between " + MINIMUM_ROWS + " and " + MAXIMUM_ROWS + ", not " + rows);
    }
    if (runs < 1 || runs > MAXIMUM_RUNS) {
      throw new IllegalArgumentException(
          "--runs must be between 1 and " + MAXIMUM_RUNS + ", not " + runs);
    }
  }

  /**
   * @throws IllegalArgumentException on an unknown option or a bad value, with what was expected
   */
  static QueryBenchmarkOptions parse(String... args) {
    long rows = DEFAULT_ROWS;
    long runs = DEFAULT_RUNS;
    Path out = Path.of("bench", "results");
    for (OptionReader options = new OptionReader(args); options.next(); ) {
      switch (options.option()) {
        case "--rows" -> rows = options.wholeNumber("a whole number");
        case "--runs" -> runs = options.wholeNumber("a whole number");
        case "--out" -> out = Path.of(options.value());
        default -> throw options.unknownOption();
      }
    }
    if (runs > MAXIMUM_RUNS) {
      throw new IllegalArgumentException(
          "--runs must be between 1 and " + MAXIMUM_RUNS + ", not " + runs);
    }
    return new QueryBenchmarkOptions(rows, (int) runs, out);
  }
}
