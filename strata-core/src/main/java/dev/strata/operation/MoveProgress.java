package dev.strata.operation;

/**
 * What a move reports while it runs. The command line draws a progress bar on a terminal and prints
 * periodic lines otherwise; tests and the library default ignore it.
 */
public interface MoveProgress {
  MoveProgress NONE = new MoveProgress() {};

  /** A protocol step begins. */
  default void step(Operation operation, String description) {}

  /**
   * Rows were copied.
   *
   * @param rowsSoFar rows copied in this run
   * @param bytesSoFar bytes copied in this run
   * @param expectedRows the planner's estimate of the total, or -1 when unknown
   */
  default void copied(long rowsSoFar, long bytesSoFar, long expectedRows) {}
}
