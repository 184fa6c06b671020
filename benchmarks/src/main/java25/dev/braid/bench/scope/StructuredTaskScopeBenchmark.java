package dev.braid.bench.scope;

import dev.braid.scope.Task;
import dev.braid.scope.TaskScope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fork and join of N trivial tasks: braid's {@link TaskScope} against JDK 25's preview
 * {@link StructuredTaskScope} (fail-fast joiner {@code awaitAllSuccessfulOrThrow}, the default of
 * {@code StructuredTaskScope.open()}), both on virtual threads, in one run. Compiled only on JDK
 * 25+ with {@code --enable-preview} (the {@code jdk25} profile of the benchmarks module); the
 * forked JVM gets {@code --enable-preview} too.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
@State(Scope.Benchmark)
public class StructuredTaskScopeBenchmark {

    @Param({"1", "16", "1024"})
    public int tasks;

    private List<Callable<Integer>> callables;

    @Setup
    public void setUp() {
        callables = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            int value = i;
            callables.add(() -> value);
        }
    }

    @Benchmark
    public long braid() throws InterruptedException {
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Integer>> forked = new ArrayList<>(tasks);
            for (Callable<Integer> c : callables) {
                forked.add(scope.fork(c));
            }
            scope.join();
            long sum = 0;
            for (Task<Integer> t : forked) {
                sum += t.resultNow();
            }
            return sum;
        }
    }

    @Benchmark
    public long structuredTaskScope() throws InterruptedException {
        try (var scope = StructuredTaskScope.<Integer>open()) {
            List<StructuredTaskScope.Subtask<Integer>> forked = new ArrayList<>(tasks);
            for (Callable<Integer> c : callables) {
                forked.add(scope.fork(c));
            }
            scope.join();
            long sum = 0;
            for (StructuredTaskScope.Subtask<Integer> t : forked) {
                sum += t.get();
            }
            return sum;
        }
    }
}
