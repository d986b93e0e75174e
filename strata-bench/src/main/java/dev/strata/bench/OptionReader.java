package dev.strata.bench;

/**
 * Reads a benchmark's command line one option at a time, as {@code --name value} or {@code
 * --name=value}, for the options records ({@link BenchmarkOptions}, {@link QueryBenchmarkOptions})
 * to assign in a {@code switch}: both accept the same syntax and report the same errors.
 */
final class OptionReader {
  private final String[] args;
  private int next;
  private String option;
  private String value;

  OptionReader(String... args) {
    this.args = args;
  }

  /**
   * Moves to the next option; false when there is none.
   *
   * @throws IllegalArgumentException when the last option has no value
   */
  boolean next() {
    if (next >= args.length) {
      return false;
    }
    option = args[next++];
    int equals = option.indexOf('=');
    if (option.startsWith("--") && equals > 0) {
      value = option.substring(equals + 1);
      option = option.substring(0, equals);
    } else if (next < args.length) {
      value = args[next++];
    } else {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return true;
  }

  String option() {
    return option;
  }

  String value() {
    return value;
  }

  /**
   * The value as a whole number; {@code _} and {@code ,} between digits are allowed.
   *
   * @param expected what the option takes, for the error, e.g. {@code a whole number of rows}
   */
  long wholeNumber(String expected) {
    try {
      return Long.parseLong(value.replace("_", "").replace(",", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          option + " takes " + expected + ", e.g. 1000000; not \"" + value + "\"", e);
    }
  }

  IllegalArgumentException unknownOption() {
    return new IllegalArgumentException("unknown option " + option);
  }
}
