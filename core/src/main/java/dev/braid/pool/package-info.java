/**
 * Per-thread resources and a bounded, thread-affine resource pool.
 *
 * <ul>
 *   <li>{@link dev.braid.pool.ResourcePool}: a bounded pool; {@code acquire()} returns a
 *       {@link dev.braid.pool.Lease} to close; a platform thread gets back the resource it
 *       used last without contention; validation, reset-on-release, expiry, leak detection.
 *   <li>{@link dev.braid.pool.PerThread}: exactly one resource per platform thread, all of
 *       them disposed on close or when their thread dies.
 * </ul>
 *
 * <p>Factories, disposers and validators ({@link dev.braid.pool.ResourceFactory},
 * {@link dev.braid.pool.ResourceAction}, {@link dev.braid.pool.ResourceValidator}) may throw
 * checked exceptions, so that JDBC connections and other checked-exception APIs fit:
 *
 * <pre>{@code
 * try (ResourcePool<Connection> pool = ResourcePool.builder(() -> DriverManager.getConnection(url))
 *         .maxSize(8).disposer(Connection::close).validator(c -> c.isValid(1)).build();
 *      Lease<Connection> lease = pool.acquire(Duration.ofSeconds(2))) {
 *     lease.get().createStatement().execute(sql);
 * }
 * }</pre>
 *
 * <p>On virtual threads neither type keeps a ThreadLocal per thread: the pool takes its shared
 * path, and {@code PerThread.get()} refuses them.
 */
package dev.braid.pool;
