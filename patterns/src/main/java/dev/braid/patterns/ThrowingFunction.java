package dev.braid.patterns;

/**
 * A function that may throw any exception; the per-item function of {@link Parallel}, where
 * an I/O call such as {@code url -> http.get(url)} must fit.
 *
 * <pre>{@code
 * ThrowingFunction<URI, String> download = uri -> http.send(request(uri), ofString()).body();
 * }</pre>
 *
 * @param <T> the type of the input
 * @param <R> the type of the result
 */
@FunctionalInterface
public interface ThrowingFunction<T, R> {

    /**
     * Applies the function.
     *
     * @param input the input
     * @return the result
     * @throws Exception if the function fails
     */
    R apply(T input) throws Exception;
}
