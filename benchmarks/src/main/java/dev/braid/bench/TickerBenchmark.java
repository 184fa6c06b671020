package dev.braid.bench;

import dev.braid.time.Ticker;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of reading time through {@link Ticker#system()} against calling
 * {@link System#nanoTime()} directly: the indirection every limiter and deadline pays.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar TickerBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TickerBenchmark {

    private final Ticker ticker = Ticker.system();

    /** The peer: the JDK call itself. */
    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }

    /** braid: the same call through the {@code Ticker} interface. */
    @Benchmark
    public long systemTicker() {
        return ticker.read();
    }
}
