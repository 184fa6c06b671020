package dev.braid.scope;

/**
 * Base of the unchecked exceptions a {@link TaskScope} throws for the outcome of its
 * children: {@link TaskFailedException} and {@link ScopeTimeoutException}. Thrown as itself
 * only by {@link TaskScope#asCompleted(java.util.List) asCompleted}'s {@code next()} when the
 * waiting thread is interrupted (its cause is then the {@link InterruptedException} and the
 * interrupt flag is set again).
 *
 * <pre>{@code
 * try {
 *     List<String> bodies = Tasks.gather(fetches);
 * } catch (ScopeException e) {          // a fetch failed or the scope timed out
 *     log.warn("fetch round failed", e);
 * }
 * }</pre>
 */
public sealed class ScopeException extends RuntimeException permits TaskFailedException, ScopeTimeoutException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message the detail message
     * @param cause the cause, may be null
     */
    ScopeException(String message, Throwable cause) {
        super(message, cause);
    }
}
