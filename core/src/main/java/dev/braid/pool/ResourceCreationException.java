package dev.braid.pool;

/**
 * Thrown by {@link ResourcePool#acquire()} and {@link PerThread#get()} when the
 * {@link ResourceFactory} failed; the factory's exception is the {@linkplain #getCause()
 * cause}. A failed creation does not shrink a pool: the slot is created again by a later
 * acquirer.
 *
 * <pre>{@code
 * try (Lease<Connection> lease = pool.acquire()) {
 *     use(lease.get());
 * } catch (ResourceCreationException e) {
 *     log.warn("database unreachable", e.getCause());
 * }
 * }</pre>
 */
public final class ResourceCreationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what could not be created
     * @param cause the factory's exception
     */
    public ResourceCreationException(String message, Throwable cause) {
        super(message, cause);
    }
}
