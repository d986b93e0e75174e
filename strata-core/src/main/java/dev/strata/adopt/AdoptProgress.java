package dev.strata.adopt;

/** What an adoption reports while it runs; the command line prints it, tests ignore it. */
public interface AdoptProgress {
  AdoptProgress NONE = new AdoptProgress() {};

  /** A step begins. */
  default void step(long adoptionId, String description) {}

  /** Rows copied so far in this run, of about {@code expectedRows} (-1 when unknown). */
  default void copied(long rowsSoFar, long expectedRows) {}
}
