package dev.strata.operation;

import java.time.Duration;

/**
 * The outcome of running (or resuming) one move.
 *
 * @param operation the operation as the journal has it at the end
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
    Operation operation,
    long rowsCopied,
    long bytesCopied,
    Duration copy,
    Duration indexes,
    Duration verify,
    Duration swap,
    Duration total,
    int swapAttempts) {}
