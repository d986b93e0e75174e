package dev.strata.operation;

import java.time.Duration;
import java.util.Optional;

/**
 * The outcome of running (or resuming) one move, or of a request that was already fulfilled.
 *
 * @param lastOperation the operation as the journal has it at the end; for a request that was
 *     already fulfilled, the operation that fulfilled it, if Strata did
 * @param nothingToDo why nothing was done, when the partition was already where it was asked to be
 *     (a rerun after success is a no-op, docs/architecture.md: "a rerun of a finished operation is
 *     a no-op")
 * @param rowsCopied rows copied in this run (0 when the copy had already happened)
 * @param bytesCopied bytes copied in this run
 * @param copy time spent copying in this run
 * @param indexes time spent building indexes in this run
 * @param verify time spent verifying in this run (beyond what overlapped the copy)
 * @param swap time of the swap transaction, retries included
 * @param total wall time of this run
 * @param swapAttempts how many times the swap transaction was tried
 */
public record MoveResult(
    Optional<Operation> lastOperation,
    Optional<String> nothingToDo,
    long rowsCopied,
    long bytesCopied,
    Duration copy,
    Duration indexes,
    Duration verify,
    Duration swap,
    Duration total,
    int swapAttempts) {

  /** A run that copied nothing in this process (resumed past the copy, or cleanup only). */
  static MoveResult of(Operation operation) {
    return new MoveResult(
        Optional.of(operation),
        Optional.empty(),
        0,
        0,
        Duration.ZERO,
        Duration.ZERO,
        Duration.ZERO,
        Duration.ZERO,
        Duration.ZERO,
        0);
  }

  /** Nothing to do: {@code why} says where the partition already is. */
  static MoveResult nothingToDo(String why, Optional<Operation> fulfilledBy) {
    return new MoveResult(
        fulfilledBy,
        Optional.of(why),
        0,
        0,
        Duration.ZERO,
        Duration.ZERO,
        Duration.ZERO,
        Duration.ZERO,
        Duration.ZERO,
        0);
  }

  /** The operation; a request fulfilled by hand (no journal entry) has none. */
  public Operation operation() {
    return lastOperation.orElseThrow(
        () -> new IllegalStateException("no operation: " + nothingToDo.orElse("")));
  }
}
