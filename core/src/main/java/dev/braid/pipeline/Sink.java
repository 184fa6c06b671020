package dev.braid.pipeline;

/**
 * Where a pipeline's items end: the consumer given to {@link Pipeline#to(Sink)}, also the
 * action of a {@link Pipeline#peek(String, int, Sink) peek} stage. It may throw any
 * exception, checked ones included.
 *
 * <pre>{@code
 * List<String> out = new ArrayList<>();
 * Sink<String> sink = out::add;            // safe: a pipeline calls its sink from one thread at a time
 * }</pre>
 *
 * <p>A pipeline calls its sink from one worker at a time, in order, each call happening-before
 * the next, so a sink needs no synchronisation of its own. A {@code peek} action is called by
 * the stage's workers, concurrently when the stage has more than one worker. An exception
 * thrown by the sink fails the pipeline (fail-fast); one thrown by a peek action is handled by
 * that stage's {@link ErrorPolicy}.
 *
 * @param <T> the type of the items consumed
 */
@FunctionalInterface
public interface Sink<T> {

    /**
     * Consumes one item.
     *
     * @param item the item, never {@code null}
     * @throws Exception if the item cannot be consumed
     */
    void accept(T item) throws Exception;
}
