package dev.braid.pipeline;

/**
 * Where a stage's worker hands a result on: the next stage's {@link Buffer}, or, in ordered
 * mode, a {@link ReorderRing} in front of it. An inlet accounts for the result exactly once
 * in the tally of the worker that finally hands it on or gives it up.
 */
interface Inlet {

    /**
     * Hands on the result of the item with sequence number {@code seq} of the stage's input.
     * A flatMap stage's result is its list of outputs, handed on element by element.
     *
     * @param t the calling worker's tally
     * @return false if the pipeline no longer accepts items (the result was counted failed)
     * @throws InterruptedException if interrupted while waiting for room; the result was
     *         counted failed
     */
    boolean accept(Object result, long seq, Tally t) throws InterruptedException;
}
