package dev.braid.bench.ratelimit;

import com.google.common.util.concurrent.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * tryAcquire throughput of braid's exact sliding window against its peers, each configured
 * as its users would for the same limit.
 *
 * <ul>
 *   <li>{@code plentiful}: a limit no caller can reach (2^19 per millisecond), so every call
 *       is a grant.</li>
 *   <li>{@code saturated}: 1 per hour, already used, so every call is a denial.</li>
 * </ul>
 *
 * <p>Run with {@code -t 1} (uncontended) and {@code -t 2} (two threads on one limiter).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RateLimiterBenchmark {

    static final int PLENTY = 1 << 19; // Bucket4j refills at most 1 token per ns
    static final Duration PLENTY_WINDOW = Duration.ofMillis(1);

    /** Every limiter shared by all benchmark threads. */
    @State(Scope.Benchmark)
    public static class Limiters {
        dev.braid.ratelimit.RateLimiter braidPlentiful;
        dev.braid.ratelimit.RateLimiter braidSaturated;
        RateLimiter guavaPlentiful;
        RateLimiter guavaSaturated;
        Bucket bucket4jPlentiful;
        Bucket bucket4jSaturated;
        AtomicRateLimiter resilience4jPlentiful;
        AtomicRateLimiter resilience4jSaturated;
        DequeRateLimiter dequePlentiful;
        DequeRateLimiter dequeSaturated;
        /** The word that baseline_nanoTimeAndCas CASes: the least state an exact grant writes. */
        final AtomicLong lastGrant = new AtomicLong();

        @Setup
        public void setUp() {
            braidPlentiful = dev.braid.ratelimit.RateLimiter.slidingWindow(PLENTY, PLENTY_WINDOW);
            braidSaturated = dev.braid.ratelimit.RateLimiter.slidingWindow(1, Duration.ofHours(1));
            check(braidSaturated.tryAcquire());

            guavaPlentiful = RateLimiter.create(PLENTY * 1000.0); // per second
            guavaSaturated = RateLimiter.create(1.0 / 3600);
            check(guavaSaturated.tryAcquire());

            // Bucket4j's default synchronisation is its lock-free (CAS on an immutable state) bucket.
            bucket4jPlentiful = Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(PLENTY).refillGreedy(PLENTY, PLENTY_WINDOW).build())
                    .build();
            bucket4jSaturated = Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(1).refillGreedy(1, Duration.ofHours(1)).build())
                    .build();
            check(bucket4jSaturated.tryConsume(1));

            resilience4jPlentiful = new AtomicRateLimiter("plentiful", RateLimiterConfig.custom()
                    .limitForPeriod(PLENTY).limitRefreshPeriod(PLENTY_WINDOW).timeoutDuration(Duration.ZERO).build());
            resilience4jSaturated = new AtomicRateLimiter("saturated", RateLimiterConfig.custom()
                    .limitForPeriod(1).limitRefreshPeriod(Duration.ofHours(1)).timeoutDuration(Duration.ZERO).build());
            check(resilience4jSaturated.acquirePermission());

            dequePlentiful = new DequeRateLimiter(PLENTY, 1, TimeUnit.MILLISECONDS);
            dequeSaturated = new DequeRateLimiter(1, 1, TimeUnit.HOURS);
            check(dequeSaturated.tryAcquire());
        }

        private static void check(boolean granted) {
            if (!granted) {
                throw new IllegalStateException("the first permit must be granted");
            }
        }
    }

    /** The floor every limiter here stands on: one clock reading per call. */
    @Benchmark
    public long baseline_nanoTime() {
        return System.nanoTime();
    }

    /**
     * The floor of an exact grant: one clock reading and one successful CAS of a shared word
     * (read, then CAS to the reading; a lost race is not retried, so with 2 threads it is an
     * upper bound, not a grant).
     */
    @Benchmark
    public boolean baseline_nanoTimeAndCas(Limiters l) {
        long now = System.nanoTime();
        long last = l.lastGrant.get();
        return l.lastGrant.compareAndSet(last, now);
    }

    @Benchmark
    public boolean braid_plentiful(Limiters l) {
        return l.braidPlentiful.tryAcquire();
    }

    @Benchmark
    public boolean guava_plentiful(Limiters l) {
        return l.guavaPlentiful.tryAcquire();
    }

    @Benchmark
    public boolean bucket4j_plentiful(Limiters l) {
        return l.bucket4jPlentiful.tryConsume(1);
    }

    @Benchmark
    public boolean resilience4j_plentiful(Limiters l) {
        return l.resilience4jPlentiful.acquirePermission();
    }

    @Benchmark
    public boolean deque_plentiful(Limiters l) {
        return l.dequePlentiful.tryAcquire();
    }

    @Benchmark
    public boolean braid_saturated(Limiters l) {
        return l.braidSaturated.tryAcquire();
    }

    @Benchmark
    public boolean guava_saturated(Limiters l) {
        return l.guavaSaturated.tryAcquire();
    }

    @Benchmark
    public boolean bucket4j_saturated(Limiters l) {
        return l.bucket4jSaturated.tryConsume(1);
    }

    @Benchmark
    public boolean resilience4j_saturated(Limiters l) {
        return l.resilience4jSaturated.acquirePermission();
    }

    @Benchmark
    public boolean deque_saturated(Limiters l) {
        return l.dequeSaturated.tryAcquire();
    }
}
