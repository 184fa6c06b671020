package dev.braid.pool;

/**
 * Tells whether a pooled resource is still usable before it is handed out, for example
 * {@code c -> c.isValid(1)} for a JDBC connection:
 *
 * <pre>{@code
 * ResourceValidator<Connection> validator = c -> c.isValid(1);
 * }</pre>
 *
 * <p>A resource for which the validator returns {@code false} or throws is disposed and
 * replaced by a new one.
 *
 * @param <T> the type of resource
 */
@FunctionalInterface
public interface ResourceValidator<T> {

    /**
     * Checks a resource.
     *
     * @param resource the resource, never null
     * @return {@code true} if the resource may be handed out
     * @throws Exception if the check itself fails, which counts as invalid
     */
    boolean isValid(T resource) throws Exception;
}
