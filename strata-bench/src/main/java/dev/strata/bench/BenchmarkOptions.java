package dev.strata.bench;

import java.nio.file.Path;

/**
 * The archive benchmark's command line: {@code --rows N --out DIR [--seed-rows N]}.
 *
 * @param rows rows per measured partition (every method but the seed's moves this many)
 * @param seedRows rows the seed's method moves: it is so slow that it runs on a slice
 * @param out directory that receives {@code archive.json} and {@code archive.md}
 */
record BenchmarkOptions(long rows, long seedRows, Path out) {
  static final long DEFAULT_ROWS = 1_000_000;
  static final long DEFAULT_SEED_ROWS = 100_000;
  static final long MINIMUM_ROWS = 1_000;

  /** Partitions per row count are generated with {@code generate_series} over {@code int}. */
  static final long MAXIMUM_ROWS = 100_000_000;

  static final String USAGE =
      "usage: ArchiveBenchmark [--rows N] [--seed-rows N] [--out DIR]\n"
          + "  --rows N       rows per measured partition (default 1000000)\n"
          + "  --seed-rows N  rows for the seed's batch_size 1 method (default min(100000, N))\n"
          + "  --out DIR      where archive.json and archive.md go (default bench/results)";

  BenchmarkOptions {
    if (rows < MINIMUM_ROWS || rows > MAXIMUM_ROWS) {
      throw new IllegalArgumentException(
          "--rows must be between " + MINIMUM_ROWS + " and " + MAXIMUM_ROWS + ", not " + rows);
    }
    if (seedRows < 1 || seedRows > rows) {
      throw new IllegalArgumentException(
          "--seed-rows must be between 1 and --rows (" + rows + "), not " + seedRows);
    }
  }

  /**
   * @throws IllegalArgumentException on an unknown option or a bad value, with what was expected
   */
  static BenchmarkOptions parse(String... args) {
    long rows = DEFAULT_ROWS;
    Long seedRows = null;
    Path out = Path.of("bench", "results");
    for (OptionReader options = new OptionReader(args); options.next(); ) {
      switch (options.option()) {
        case "--rows" -> rows = options.wholeNumber("a whole number of rows");
        case "--seed-rows" -> seedRows = options.wholeNumber("a whole number of rows");
        case "--out" -> out = Path.of(options.value());
        default -> throw options.unknownOption();
      }
    }
    return new BenchmarkOptions(
        rows, seedRows != null ? seedRows : Math.min(DEFAULT_SEED_ROWS, rows), out);
  }
}
