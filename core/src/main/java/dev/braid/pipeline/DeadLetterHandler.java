package dev.braid.pipeline;

/**
 * Receives the items a stage gave up on, under {@link ErrorPolicy#deadLetter(DeadLetterHandler)}.
 *
 * <pre>{@code
 * Queue<StageFailure> deadLetters = new ConcurrentLinkedQueue<>();
 * ErrorPolicy policy = ErrorPolicy.deadLetter(deadLetters::add);
 * }</pre>
 *
 * <p>Called by the failing stage's workers, concurrently when the stage has more than one
 * worker. If the handler itself throws, the pipeline fails (fail-fast) with that exception,
 * the item's own failure suppressed in it: a dead letter is never dropped silently.
 */
@FunctionalInterface
public interface DeadLetterHandler {

    /**
     * Takes one failed item.
     *
     * @param failure the stage, the item, the error and the number of attempts
     * @throws Exception if the dead letter cannot be stored; this fails the pipeline
     */
    void accept(StageFailure failure) throws Exception;
}
