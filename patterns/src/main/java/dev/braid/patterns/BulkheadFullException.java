package dev.braid.patterns;

/**
 * Thrown by {@link Bulkhead#call} when no slot became free within the bulkhead's maximum
 * wait. The call was not made.
 */
public final class BulkheadFullException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message names the bulkhead, its limit and the wait that expired
     */
    public BulkheadFullException(String message) {
        super(message);
    }
}
