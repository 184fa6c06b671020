/**
 * braid core: scoped task groups, exact sliding-window rate limiting, bounded
 * producer/consumer pipelines, per-thread resources and thread-affine pools.
 *
 * <p>Only the pattern packages are exported; {@code dev.braid.internal} is an
 * implementation detail and may change in any release.
 */
module dev.braid.core {
    requires org.slf4j;

    exports dev.braid.time;
    exports dev.braid.scope;
    exports dev.braid.ratelimit;
    exports dev.braid.pipeline;
    exports dev.braid.pool;
}
