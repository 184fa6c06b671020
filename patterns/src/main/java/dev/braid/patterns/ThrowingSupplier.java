package dev.braid.patterns;

/**
 * A supplier that may throw a checked exception of type {@code X}. Methods that take one
 * ({@link Retry#call}, {@link Bulkhead#call}) declare {@code throws X}, so a lambda that
 * throws nothing checked needs no {@code try}, and one that throws {@code IOException}
 * propagates it unchanged.
 *
 * <pre>{@code
 * String body = retry.call(() -> http.get(url));   // throws IOException, like http.get
 * }</pre>
 *
 * @param <T> the type of the result
 * @param <X> the checked exception the supplier may throw ({@link RuntimeException} when none)
 */
@FunctionalInterface
public interface ThrowingSupplier<T, X extends Exception> {

    /**
     * Computes a result.
     *
     * @return the result
     * @throws X if the computation fails
     */
    T get() throws X;
}
