package dev.braid.bench.patterns;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import dev.braid.patterns.KeyedRateLimiter;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * braid's {@link KeyedRateLimiter} against the obvious peer: a Guava
 * {@code LoadingCache<Integer, com.google.common.util.concurrent.RateLimiter>} with
 * {@code expireAfterAccess(window)}, one Guava token bucket per key, at the same rate
 * (100 per second per key). Guava's limiter is a token bucket and not exact; braid's is an
 * exact sliding window that also caps live keys. Both see a stream of requests on 1,000 keys
 * chosen at random (most requests are over the limit, so most answers are denials: the
 * abusive-client case a keyed limiter exists for), and on one hot key.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar KeyedRateLimiterBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class KeyedRateLimiterBenchmark {

    private static final int KEYS = 1_000;
    private static final int PERMITS = 100;
    private static final Duration WINDOW = Duration.ofSeconds(1);

    private final KeyedRateLimiter<Integer> braid = KeyedRateLimiter.<Integer>builder(PERMITS, WINDOW)
            .maxKeys(100_000).build();
    private final LoadingCache<Integer, com.google.common.util.concurrent.RateLimiter> guava = CacheBuilder.newBuilder()
            .expireAfterAccess(WINDOW)
            .build(CacheLoader.from(k -> com.google.common.util.concurrent.RateLimiter.create(PERMITS)));

    private static Integer randomKey() {
        return ThreadLocalRandom.current().nextInt(KEYS);
    }

    private static final Integer HOT = 7;

    /** braid, 1,000 keys, one thread. */
    @Benchmark
    @Threads(1)
    public boolean braidManyKeys1() {
        return braid.tryAcquire(randomKey());
    }

    /** Guava cache of token buckets, 1,000 keys, one thread. */
    @Benchmark
    @Threads(1)
    public boolean guavaManyKeys1() {
        return guava.getUnchecked(randomKey()).tryAcquire();
    }

    /** braid, 1,000 keys, four threads. */
    @Benchmark
    @Threads(4)
    public boolean braidManyKeys4() {
        return braid.tryAcquire(randomKey());
    }

    /** Guava cache of token buckets, 1,000 keys, four threads. */
    @Benchmark
    @Threads(4)
    public boolean guavaManyKeys4() {
        return guava.getUnchecked(randomKey()).tryAcquire();
    }

    /** braid, one hot key, four threads. */
    @Benchmark
    @Threads(4)
    public boolean braidHotKey4() {
        return braid.tryAcquire(HOT);
    }

    /** Guava cache of token buckets, one hot key, four threads. */
    @Benchmark
    @Threads(4)
    public boolean guavaHotKey4() {
        return guava.getUnchecked(HOT).tryAcquire();
    }
}
