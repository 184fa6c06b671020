package dev.braid.pipeline;

/**
 * The function of a {@code map} or {@code flatMap} stage: turns one item into a result, and may
 * throw any exception, checked ones included, so that I/O stages such as {@code ImageIO::read}
 * fit without wrapping.
 *
 * <pre>{@code
 * StageFunction<Path, String> read = Files::readString;   // throws IOException: fits
 * }</pre>
 *
 * <p>A stage function is called by the stage's worker threads, concurrently when the stage
 * has more than one worker; it must be safe for that. An exception it throws is handled by
 * the stage's {@link ErrorPolicy}. It must not return {@code null}: a {@code null} result is
 * a failure of the item ({@link NullPointerException}), handled by the same policy.
 *
 * @param <T> the type of the stage's input items
 * @param <R> the type of its results
 */
@FunctionalInterface
public interface StageFunction<T, R> {

    /**
     * Computes the result for one item.
     *
     * @param item the item, never {@code null}
     * @return the result, never {@code null}
     * @throws Exception if the item cannot be processed; the stage's error policy decides
     *     what happens to the item
     */
    R apply(T item) throws Exception;
}
