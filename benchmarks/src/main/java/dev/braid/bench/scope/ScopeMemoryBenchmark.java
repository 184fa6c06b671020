package dev.braid.bench.scope;

import dev.braid.scope.TaskScope;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory of many parked children: N children that all park on one latch until every one
 * has started, in a braid scope and as raw threads from the per-task factory. Run with
 * {@code -prof gc}: the difference of {@code gc.alloc.rate.norm} between the two, divided by
 * N, is what braid allocates per child beyond the thread itself (task object, listener and
 * thread-local bookkeeping), all of it live while the child is parked.
 *
 * <p>Meant for JDK 21+ (virtual threads). On JDK 17 the children are platform threads: run it
 * there with {@code -p children=1000} if at all.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@State(Scope.Benchmark)
public class ScopeMemoryBenchmark {

    @Param({"100000"})
    public int children;

    @Benchmark
    public int braid() throws InterruptedException {
        CountDownLatch allParked = new CountDownLatch(children);
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < children; i++) {
                scope.fork(() -> {
                    allParked.countDown();
                    release.await();
                    return null;
                });
            }
            allParked.await();
            release.countDown();
            scope.join();
        }
        return children;
    }

    @Benchmark
    public int rawThreads() throws InterruptedException {
        CountDownLatch allParked = new CountDownLatch(children);
        CountDownLatch release = new CountDownLatch(1);
        Thread[] threads = new Thread[children];
        for (int i = 0; i < children; i++) {
            threads[i] = PerTaskThreads.factory().newThread(() -> {
                allParked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            threads[i].start();
        }
        allParked.await();
        release.countDown();
        for (Thread t : threads) {
            t.join();
        }
        return children;
    }
}
