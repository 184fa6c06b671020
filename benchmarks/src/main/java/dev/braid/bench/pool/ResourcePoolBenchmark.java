package dev.braid.bench.pool;

import dev.braid.pool.Lease;
import dev.braid.pool.ResourcePool;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import stormpot.Allocator;
import stormpot.BasePoolable;
import stormpot.Pool;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * Acquire + release of a pooled resource: braid's {@link ResourcePool} against Stormpot 3.2
 * (BlazePool through {@code Pool.from}), Apache Commons Pool2 {@code GenericObjectPool} and a
 * raw {@link ThreadLocal} (the "pool" many services hand-roll), each configured as its users
 * would: the same maximum size, default options otherwise.
 *
 * <p>Cases: {@code uncontended} (1 thread, pool of 4), {@code contended} (2 threads sharing a
 * pool of 4, as many threads as this machine's cores), {@code oversubscribed} (4 threads, pool
 * of 2: threads wait for each other).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ResourcePoolBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ResourcePoolBenchmark {

    /** The resource of braid, Commons Pool2 and ThreadLocal. */
    public static final class Res {
        long uses;
    }

    /** The same resource for Stormpot, which requires a Poolable. */
    public static final class StormRes extends BasePoolable {
        long uses;

        StormRes(Slot slot) {
            super(slot);
        }
    }

    private static final Timeout STORMPOT_TIMEOUT = new Timeout(10, TimeUnit.SECONDS);
    private static final Duration BRAID_TIMEOUT = Duration.ofSeconds(10);

    /** Three pools of one size, plus the ThreadLocal. */
    public abstract static class Pools {
        ResourcePool<Res> braid;
        Pool<StormRes> stormpot;
        GenericObjectPool<Res> commons;
        final ThreadLocal<Res> threadLocal = ThreadLocal.withInitial(Res::new);

        abstract int size();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            braid = ResourcePool.builder(Res::new).maxSize(size()).build();
            stormpot = Pool.from(new Allocator<StormRes>() {
                @Override
                public StormRes allocate(Slot slot) {
                    return new StormRes(slot);
                }

                @Override
                public void deallocate(StormRes poolable) {
                }
            }).setSize(size()).build();
            commons = new GenericObjectPool<>(new BasePooledObjectFactory<Res>() {
                @Override
                public Res create() {
                    return new Res();
                }

                @Override
                public PooledObject<Res> wrap(Res res) {
                    return new DefaultPooledObject<>(res);
                }
            });
            commons.setMaxTotal(size());
            commons.setMaxIdle(size());
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            braid.close();
            stormpot.shutdown().await(STORMPOT_TIMEOUT);
            commons.close();
        }
    }

    /** Pool of 4. */
    @State(Scope.Benchmark)
    public static class Four extends Pools {
        @Override
        int size() {
            return 4;
        }
    }

    /** Pool of 2, for 4 threads. */
    @State(Scope.Benchmark)
    public static class Two extends Pools {
        @Override
        int size() {
            return 2;
        }
    }

    static long braid(Pools pools) throws InterruptedException {
        try (Lease<Res> lease = pools.braid.acquire(BRAID_TIMEOUT)) {
            return ++lease.get().uses;
        }
    }

    static long stormpot(Pools pools) throws InterruptedException {
        StormRes res = pools.stormpot.claim(STORMPOT_TIMEOUT);
        try {
            return ++res.uses;
        } finally {
            res.release();
        }
    }

    static long commons(Pools pools) throws Exception {
        Res res = pools.commons.borrowObject();
        try {
            return ++res.uses;
        } finally {
            pools.commons.returnObject(res);
        }
    }

    // ---- uncontended: one thread

    @Benchmark
    @Threads(1)
    public long uncontended_braid(Four pools) throws InterruptedException {
        return braid(pools);
    }

    @Benchmark
    @Threads(1)
    public long uncontended_stormpot(Four pools) throws InterruptedException {
        return stormpot(pools);
    }

    @Benchmark
    @Threads(1)
    public long uncontended_commonsPool2(Four pools) throws Exception {
        return commons(pools);
    }

    @Benchmark
    @Threads(1)
    public long uncontended_threadLocal(Four pools) {
        return ++pools.threadLocal.get().uses;
    }

    // ---- contended: two threads, one pool

    @Benchmark
    @Threads(2)
    public long contended_braid(Four pools) throws InterruptedException {
        return braid(pools);
    }

    @Benchmark
    @Threads(2)
    public long contended_stormpot(Four pools) throws InterruptedException {
        return stormpot(pools);
    }

    @Benchmark
    @Threads(2)
    public long contended_commonsPool2(Four pools) throws Exception {
        return commons(pools);
    }

    // ---- oversubscribed: four threads, pool of two

    @Benchmark
    @Threads(4)
    public long oversubscribed_braid(Two pools) throws InterruptedException {
        return braid(pools);
    }

    @Benchmark
    @Threads(4)
    public long oversubscribed_stormpot(Two pools) throws InterruptedException {
        return stormpot(pools);
    }

    @Benchmark
    @Threads(4)
    public long oversubscribed_commonsPool2(Two pools) throws Exception {
        return commons(pools);
    }
}
