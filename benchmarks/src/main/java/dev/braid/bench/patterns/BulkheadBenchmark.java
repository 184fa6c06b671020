package dev.braid.bench.patterns;

import dev.braid.patterns.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * braid's {@link Bulkhead} against Resilience4j's {@code SemaphoreBulkhead}, configured the
 * same way: fair waiting (Resilience4j's default), the same limit and maximum wait.
 * <ul>
 *   <li>{@code *Free}: limit 8, never reached: the cost of entering and leaving.</li>
 *   <li>{@code *Contended}: limit 2 with 4 threads and a 1 s maximum wait, so callers queue
 *       and hand slots over (no rejection: the work is a few hundred nanoseconds).</li>
 * </ul>
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar BulkheadBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BulkheadBenchmark {

    private static final int WORK_TOKENS = 50;

    private final Bulkhead braidFree = Bulkhead.of(8, Duration.ZERO);
    private final Bulkhead braidContended = Bulkhead.of(2, Duration.ofSeconds(1));
    private final io.github.resilience4j.bulkhead.Bulkhead r4jFree = io.github.resilience4j.bulkhead.Bulkhead.of(
            "free", BulkheadConfig.custom().maxConcurrentCalls(8).maxWaitDuration(Duration.ZERO).build());
    private final io.github.resilience4j.bulkhead.Bulkhead r4jContended = io.github.resilience4j.bulkhead.Bulkhead.of(
            "contended", BulkheadConfig.custom().maxConcurrentCalls(2).maxWaitDuration(Duration.ofSeconds(1)).build());

    private static long work() {
        Blackhole.consumeCPU(WORK_TOKENS);
        return 1L;
    }

    private static final Supplier<Long> WORK = BulkheadBenchmark::work;

    /** braid, limit never reached, one thread. */
    @Benchmark
    @Threads(1)
    public long braidFree1() throws InterruptedException {
        return braidFree.call(BulkheadBenchmark::work);
    }

    /** Resilience4j, limit never reached, one thread. */
    @Benchmark
    @Threads(1)
    public long r4jFree1() {
        return r4jFree.executeSupplier(WORK);
    }

    /** braid, limit never reached, four threads. */
    @Benchmark
    @Threads(4)
    public long braidFree4() throws InterruptedException {
        return braidFree.call(BulkheadBenchmark::work);
    }

    /** Resilience4j, limit never reached, four threads. */
    @Benchmark
    @Threads(4)
    public long r4jFree4() {
        return r4jFree.executeSupplier(WORK);
    }

    /** braid, limit 2, four threads queueing. */
    @Benchmark
    @Threads(4)
    public long braidContended4() throws InterruptedException {
        return braidContended.call(BulkheadBenchmark::work);
    }

    /** Resilience4j, limit 2, four threads queueing. */
    @Benchmark
    @Threads(4)
    public long r4jContended4() {
        return r4jContended.executeSupplier(WORK);
    }
}
