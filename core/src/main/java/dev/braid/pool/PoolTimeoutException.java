package dev.braid.pool;

/**
 * Thrown by {@link ResourcePool#acquire(java.time.Duration)} when no resource became
 * available within the timeout.
 *
 * <pre>{@code
 * try (Lease<Connection> lease = pool.acquire(Duration.ofSeconds(2))) {
 *     use(lease.get());
 * } catch (PoolTimeoutException e) {
 *     // the pool was exhausted for two seconds
 * }
 * }</pre>
 */
public final class PoolTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what timed out, and after how long
     */
    public PoolTimeoutException(String message) {
        super(message);
    }
}
