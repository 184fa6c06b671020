package dev.braid.pool;

/**
 * Creates a resource for a {@link ResourcePool} or a {@link PerThread}. Unlike
 * {@link java.util.function.Supplier} it may throw a checked exception, so that a JDBC
 * connection factory fits:
 *
 * <pre>{@code
 * ResourceFactory<Connection> factory = () -> DriverManager.getConnection(url);
 * }</pre>
 *
 * <p>An exception thrown here reaches the caller that needed the resource wrapped in a
 * {@link ResourceCreationException}.
 *
 * @param <T> the type of resource
 */
@FunctionalInterface
public interface ResourceFactory<T> {

    /**
     * Creates a new resource.
     *
     * @return the new resource, never null
     * @throws Exception if the resource cannot be created
     */
    T create() throws Exception;
}
