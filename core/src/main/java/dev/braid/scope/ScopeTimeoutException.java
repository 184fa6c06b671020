package dev.braid.scope;

/**
 * A scope reached its deadline (or timeout, counted from {@link TaskScope#open(java.time.Duration)
 * open}) while children were still running; the scope cancelled its non-shielded children.
 * Results of children that finished stay readable. Failures that happened after the deadline
 * are {@linkplain #getSuppressed() suppressed}.
 *
 * <pre>{@code
 * try {
 *     String quote = Tasks.withTimeout(Duration.ofMillis(200), () -> fetchQuote(symbol));
 * } catch (ScopeTimeoutException e) {
 *     quote = cachedQuote(symbol);
 * }
 * }</pre>
 */
public final class ScopeTimeoutException extends ScopeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message the detail message
     */
    ScopeTimeoutException(String message) {
        super(message, null);
    }
}
