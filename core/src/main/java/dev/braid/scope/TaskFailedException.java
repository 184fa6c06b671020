package dev.braid.scope;

/**
 * A child of a scope failed. The {@linkplain #getCause() cause} is the first failure; failures
 * of other children that ended later are {@linkplain #getSuppressed() suppressed} (unlike JDK
 * 25's {@code StructuredTaskScope}, which drops them). Cancellations the scope caused are never
 * reported as failures.
 *
 * <pre>{@code
 * try (TaskScope scope = TaskScope.open()) {
 *     scope.fork(() -> charge(card));
 *     scope.fork(() -> reserve(stock));
 *     scope.join();
 * } catch (TaskFailedException e) {
 *     if (e.getCause() instanceof PaymentDeclined) { ... }
 * }
 * }</pre>
 */
public final class TaskFailedException extends ScopeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message the detail message
     * @param cause the first failure
     */
    TaskFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
