package dev.braid.pool;

/**
 * The exclusive use of one pooled resource, from {@link ResourcePool#acquire()} until
 * {@link #close()} or {@link #invalidate()}. Use it in try-with-resources:
 *
 * <pre>{@code
 * try (Lease<Connection> lease = pool.acquire(Duration.ofSeconds(2))) {
 *     lease.get().createStatement().execute(sql);
 * }
 * }</pre>
 *
 * <p><b>Thread-safety:</b> a lease may be used and closed from any thread; {@code close()}
 * and {@code invalidate()} are idempotent and may race each other: exactly one of them
 * returns the resource, the others do nothing. Holding the resource beyond {@code close()}
 * is a bug that the pool cannot detect once the resource has been leased again.
 *
 * <p><b>Memory consistency effects:</b> actions of the holder before {@code close()}
 * <i>happen-before</i> the next holder of the same resource obtains its lease.
 *
 * @param <T> the type of resource
 */
public sealed interface Lease<T> extends AutoCloseable permits PooledLease {

    /**
     * Returns the leased resource.
     *
     * @return the resource, never null
     * @throws IllegalStateException if this lease was closed or invalidated
     */
    T get();

    /**
     * Returns the resource to its pool; it is reset (if the pool has a reset hook) before
     * the next holder sees it. Calling it again, or after {@link #invalidate()}, does
     * nothing. Never blocks and never throws a checked exception.
     */
    @Override
    void close();

    /**
     * Discards the resource: it is disposed and its slot in the pool is filled with a new
     * resource when next needed. Use it when the resource is known to be broken. Calling it
     * after {@link #close()} or again does nothing.
     */
    void invalidate();
}
