package dev.braid.pool;

/**
 * A snapshot of a {@link ResourcePool}'s counters, from {@link ResourcePool#stats()}.
 * The fields are read one after the other while the pool runs, so they are mutually
 * consistent only when the pool is quiescent.
 *
 * <pre>{@code
 * PoolStats stats = pool.stats();
 * metrics.gauge("pool.leased", stats.leased());
 * }</pre>
 *
 * @param size resources that exist now (idle, leased, or being validated or reset)
 * @param idle resources that are free to be leased
 * @param leased resources that are currently leased
 * @param waiters threads waiting in {@code acquire}
 * @param created resources created since the pool was built
 * @param disposed resources disposed since the pool was built
 * @param failedCreations factory calls that threw
 */
public record PoolStats(int size, int idle, int leased, int waiters, long created, long disposed,
                        long failedCreations) {
}
