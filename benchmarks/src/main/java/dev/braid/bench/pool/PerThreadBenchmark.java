package dev.braid.bench.pool;

import dev.braid.pool.PerThread;
import java.util.concurrent.TimeUnit;
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

/**
 * {@link PerThread#get()} against {@link ThreadLocal#get()} for an already-created
 * resource: the price of tracking and disposal on the hot path.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PerThreadBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(2)
@State(Scope.Benchmark)
public class PerThreadBenchmark {

    /** The per-thread resource. */
    public static final class Res {
        long uses;
    }

    private PerThread<Res> perThread;
    private final ThreadLocal<Res> threadLocal = ThreadLocal.withInitial(Res::new);

    @Setup(Level.Trial)
    public void setUp() {
        perThread = PerThread.of(Res::new, r -> { });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        perThread.close();
    }

    @Benchmark
    public long perThread() {
        return ++perThread.get().uses;
    }

    @Benchmark
    public long threadLocal() {
        return ++threadLocal.get().uses;
    }
}
