package dev.braid.bench.scope;

import dev.braid.scope.Task;
import dev.braid.scope.TaskScope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fork and join of N trivial tasks: braid's {@link TaskScope} against raw threads started and
 * joined, {@code ExecutorService.invokeAll}, and {@code CompletableFuture.supplyAsync} +
 * {@code allOf}, in one run. The score is the time for all N; divide by N for per-task cost.
 *
 * <ul>
 * <li>{@code braid}: {@code TaskScope.open()} with its default threads (virtual on 21+, the
 *     library's shared pool on 17).</li>
 * <li>{@code braidSharedPool}: the same with {@code executor(sharedCachedPool)}: braid's
 *     bookkeeping on warm threads.</li>
 * <li>{@code rawThreads}: N threads from the per-task factory (virtual on 21+, platform on 17),
 *     started and joined.</li>
 * <li>{@code invokeAllCachedPool}: {@code invokeAll} on a shared, warm
 *     {@code Executors.newCachedThreadPool()}.</li>
 * <li>{@code invokeAllPerTask}: {@code invokeAll} on a thread-per-task executor (virtual on 21+;
 *     on 17 a cached pool of its own, so a second warm-pool peer).</li>
 * <li>{@code completableFutureAllOf}: {@code supplyAsync} on the same thread-per-task executor,
 *     then {@code allOf(...).join()}.</li>
 * <li>{@code braidRendezvous} and {@code invokeAllCachedPoolRendezvous}: N tasks that each wait
 *     until all N have started, so N threads must run at once: the price of the fan-out of
 *     blocking calls a scope exists for, next to the trivial tasks above.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ScopeForkJoinBenchmark {

    @Param({"1", "16", "1024"})
    public int tasks;

    private ExecutorService cachedPool;
    private ExecutorService perTask;
    private List<Callable<Integer>> callables;

    @Setup(Level.Trial)
    public void setUp() {
        cachedPool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        perTask = PerTaskThreads.perTaskExecutor();
        List<Callable<Integer>> list = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            int value = i;
            list.add(() -> value);
        }
        callables = List.copyOf(list);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        cachedPool.shutdown();
        perTask.shutdown();
        cachedPool.awaitTermination(10, TimeUnit.SECONDS);
        perTask.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Benchmark
    public long braid() throws InterruptedException {
        try (TaskScope scope = TaskScope.open()) {
            return forkJoin(scope);
        }
    }

    @Benchmark
    public long braidSharedPool() throws InterruptedException {
        try (TaskScope scope = TaskScope.builder().executor(cachedPool).open()) {
            return forkJoin(scope);
        }
    }

    private long forkJoin(TaskScope scope) throws InterruptedException {
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

    /** Every task waits until all N have started: how fast N threads get going at once. */
    @Benchmark
    public long braidRendezvous() throws InterruptedException {
        CountDownLatch all = new CountDownLatch(tasks);
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < tasks; i++) {
                scope.fork(() -> {
                    all.countDown();
                    all.await();
                    return 1;
                });
            }
            scope.join();
        }
        return all.getCount();
    }

    /** {@link #braidRendezvous()} on {@code invokeAll} and the warm cached pool. */
    @Benchmark
    public long invokeAllCachedPoolRendezvous() throws InterruptedException, ExecutionException {
        CountDownLatch all = new CountDownLatch(tasks);
        List<Callable<Integer>> list = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            list.add(() -> {
                all.countDown();
                all.await();
                return 1;
            });
        }
        return sum(cachedPool.invokeAll(list));
    }

    @Benchmark
    public long rawThreads() throws InterruptedException {
        int[] results = new int[tasks];
        Thread[] threads = new Thread[tasks];
        for (int i = 0; i < tasks; i++) {
            int index = i;
            Callable<Integer> c = callables.get(i);
            threads[i] = PerTaskThreads.factory().newThread(() -> {
                try {
                    results[index] = c.call();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            threads[i].start();
        }
        long sum = 0;
        for (int i = 0; i < tasks; i++) {
            threads[i].join();
            sum += results[i];
        }
        return sum;
    }

    @Benchmark
    public long invokeAllCachedPool() throws InterruptedException, ExecutionException {
        return sum(cachedPool.invokeAll(callables));
    }

    @Benchmark
    public long invokeAllPerTask() throws InterruptedException, ExecutionException {
        return sum(perTask.invokeAll(callables));
    }

    private static long sum(List<Future<Integer>> futures) throws InterruptedException, ExecutionException {
        long sum = 0;
        for (Future<Integer> f : futures) {
            sum += f.get();
        }
        return sum;
    }

    @Benchmark
    public long completableFutureAllOf() {
        List<CompletableFuture<Integer>> futures = new ArrayList<>(tasks);
        for (Callable<Integer> c : callables) {
            Supplier<Integer> s = () -> {
                try {
                    return c.call();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            futures.add(CompletableFuture.supplyAsync(s, perTask));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).join();
        long sum = 0;
        for (CompletableFuture<Integer> f : futures) {
            sum += f.join();
        }
        return sum;
    }
}
