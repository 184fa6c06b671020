package dev.braid.jcstress.pool;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.braid.pool.Lease;
import dev.braid.pool.PoolTimeoutException;
import dev.braid.pool.ResourcePool;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Claims of {@link ResourcePool}: no resource is ever leased to two holders at once, every
 * resource is disposed exactly once when a release or an acquire races close, and no resource
 * is lost when a release races a waiter that gives up. Actors never block for long: they use
 * {@code acquire(Duration.ZERO)} ("do not wait") or a short bounded wait.
 */
public final class ResourcePoolStress {

    private ResourcePoolStress() {
    }

    /** A resource that records who holds it. */
    static final class Marked {
        final AtomicReference<Object> holder = new AtomicReference<>();
    }

    /** A lease taken without waiting, or null if no resource was free. */
    static Lease<Marked> tryTake(ResourcePool<Marked> pool) {
        try {
            return pool.acquire(Duration.ZERO);
        } catch (PoolTimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** 1 if a lease was taken and its resource was unmarked (now marked by {@code me}), 0 if none was free, -1 if it was marked: two holders. */
    static int takeAndMark(ResourcePool<Marked> pool, Object me) {
        Lease<Marked> lease = tryTake(pool);
        if (lease == null) {
            return 0;
        }
        return lease.get().holder.compareAndSet(null, me) ? 1 : -1;
    }

    /** Two threads try to take the pool's last (only) idle resource without waiting: exactly one wins. */
    @JCStressTest
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The first actor won the resource; the second found none free.")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The second actor won the resource; the first found none free.")
    @Outcome(expect = FORBIDDEN, desc = "Both held the resource, or neither got the idle resource: not exactly one winner.")
    @State
    public static class LastFreeResource {
        private final ResourcePool<Marked> pool = ResourcePool.builder(Marked::new).maxSize(1).minIdle(1).build();

        @Actor
        public void first(II_Result r) {
            r.r1 = takeAndMark(pool, new Object());
        }

        @Actor
        public void second(II_Result r) {
            r.r2 = takeAndMark(pool, new Object());
        }
    }

    /**
     * A thread takes and returns the only resource, then takes it again through its affinity
     * fast path, while another thread scans for it. Neither returns it at the end: never two
     * holders, and the resource is never lost (one of them holds it).
     */
    @JCStressTest
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The affine thread holds the resource; the stealer found it taken.")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The stealer holds the resource; the affine thread found it taken.")
    @Outcome(expect = FORBIDDEN, desc = "Two holders at once, or nobody holds the only resource.")
    @State
    public static class AffinityVersusStealer {
        private final ResourcePool<Marked> pool = ResourcePool.builder(Marked::new).maxSize(1).minIdle(1).build();

        @Actor
        public void affine(II_Result r) {
            Object me = new Object();
            Lease<Marked> first = tryTake(pool);
            if (first != null) {
                if (!first.get().holder.compareAndSet(null, me)) {
                    r.r1 = -1;
                    return;
                }
                first.get().holder.set(null);
                first.close(); // the pool now remembers this thread's slot
            }
            r.r1 = takeAndMark(pool, me);
        }

        @Actor
        public void stealer(II_Result r) {
            r.r2 = takeAndMark(pool, new Object());
        }
    }

    /** A leased resource is returned while another thread closes the pool: it is disposed exactly once, and the pool terminates. */
    @JCStressTest
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The resource was disposed once and the pool reports itself closed and empty.")
    @Outcome(expect = FORBIDDEN, desc = "The resource was disposed twice or never, or the pool never terminated.")
    @State
    public static class ReleaseVersusClose {
        private final AtomicInteger disposals = new AtomicInteger();
        private final ResourcePool<Marked> pool = ResourcePool.builder(Marked::new).maxSize(1)
                .disposer(m -> disposals.incrementAndGet()).build();
        private final Lease<Marked> lease = tryTake(pool);

        @Actor
        public void release() {
            lease.close();
        }

        @Actor
        public void close() {
            pool.close();
        }

        @Arbiter
        public void check(II_Result r) {
            r.r1 = disposals.get();
            try {
                r.r2 = pool.awaitClose(Duration.ZERO) ? 1 : 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r.r2 = -1;
            }
        }
    }

    /** An idle resource is taken while another thread closes the pool: disposed exactly once whoever wins. */
    @JCStressTest
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The resource was disposed once and the pool terminated.")
    @Outcome(expect = FORBIDDEN, desc = "The resource was disposed twice or never, or the pool never terminated.")
    @State
    public static class AcquireVersusClose {
        private final AtomicInteger disposals = new AtomicInteger();
        private final ResourcePool<Marked> pool = ResourcePool.builder(Marked::new).maxSize(1).minIdle(1)
                .disposer(m -> disposals.incrementAndGet()).build();

        @Actor
        public void acquire() {
            try {
                Lease<Marked> lease = tryTake(pool);
                if (lease != null) {
                    lease.close();
                }
            } catch (IllegalStateException closed) {
                // the pool closed first: fine
            }
        }

        @Actor
        public void close() {
            pool.close();
        }

        @Arbiter
        public void check(II_Result r) {
            r.r1 = disposals.get();
            try {
                r.r2 = pool.awaitClose(Duration.ZERO) ? 1 : 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r.r2 = -1;
            }
        }
    }

    /**
     * A waiter with a short timeout races the release of the only resource: whether the
     * waiter got it or timed out, the resource is not lost (the arbiter can take it).
     */
    @JCStressTest
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The waiter was handed the resource and returned it.")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The waiter timed out; the released resource stayed in the pool.")
    @Outcome(expect = FORBIDDEN, desc = "The resource was lost between the release and the giving-up waiter.")
    @State
    public static class ReleaseVersusTimedOutWaiter {
        private final ResourcePool<Marked> pool = ResourcePool.builder(Marked::new).maxSize(1).build();
        private final Lease<Marked> lease = tryTake(pool);

        @Actor
        public void waiter(II_Result r) {
            try {
                pool.acquire(Duration.ofNanos(20_000)).close();
                r.r1 = 1;
            } catch (PoolTimeoutException e) {
                r.r1 = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r.r1 = -1;
            }
        }

        @Actor
        public void release() {
            lease.close();
        }

        @Arbiter
        public void check(II_Result r) {
            Lease<Marked> last = tryTake(pool);
            r.r2 = last == null ? 0 : 1;
        }
    }
}
