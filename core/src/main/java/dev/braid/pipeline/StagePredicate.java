package dev.braid.pipeline;

/**
 * The predicate of a {@code filter} stage: keeps an item when it returns {@code true}. It may
 * throw any exception, checked ones included.
 *
 * <pre>{@code
 * StagePredicate<Path> large = p -> Files.size(p) > 1_000_000;   // throws IOException: fits
 * }</pre>
 *
 * <p>Called by the stage's worker threads, concurrently when the stage has more than one
 * worker. An exception it throws is handled by the stage's {@link ErrorPolicy}. An item it
 * rejects counts as filtered in {@link PipelineStats}.
 *
 * @param <T> the type of the items tested
 */
@FunctionalInterface
public interface StagePredicate<T> {

    /**
     * Tests one item.
     *
     * @param item the item, never {@code null}
     * @return {@code true} to pass the item on, {@code false} to drop it (counted as filtered)
     * @throws Exception if the item cannot be tested; the stage's error policy decides what
     *     happens to the item
     */
    boolean test(T item) throws Exception;
}
