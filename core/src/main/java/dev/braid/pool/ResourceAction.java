package dev.braid.pool;

/**
 * An action on a resource that may throw a checked exception: the disposer of a
 * {@link ResourcePool} or a {@link PerThread}, and a pool's reset-on-release hook. A
 * method reference such as {@code Connection::close} fits:
 *
 * <pre>{@code
 * ResourceAction<Connection> disposer = Connection::close;
 * ResourceAction<Connection> reset = c -> c.setAutoCommit(true);
 * }</pre>
 *
 * <p>An exception thrown by a disposer is logged and never propagated from {@code close()}.
 *
 * @param <T> the type of resource
 */
@FunctionalInterface
public interface ResourceAction<T> {

    /**
     * Performs the action on a resource.
     *
     * @param resource the resource, never null
     * @throws Exception if the action fails
     */
    void accept(T resource) throws Exception;
}
