package dev.braid.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.testkit.ThreadStates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PriorityTaskExecutorTest {

    private final List<String> order = new CopyOnWriteArrayList<>();

    /** Occupies the single worker until {@code release} opens; returns once it is running. */
    private static Future<?> block(PriorityTaskExecutor executor, CountDownLatch release) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        Future<?> f = executor.submit(0, () -> {
            running.countDown();
            release.await();
            return null;
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        return f;
    }

    private Runnable record(String name) {
        return () -> order.add(name);
    }

    @Test
    void queuedTasksRunHighestPriorityFirstThenFifo() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (PriorityTaskExecutor executor = PriorityTaskExecutor.create(1)) {
            block(executor, release);
            executor.submit(1, record("low"));
            executor.submit(5, record("high-a"));
            executor.submit(3, record("mid"));
            executor.submit(5, record("high-b"));
            executor.submit(-7, record("negative"));
            assertThat(executor.queuedTasks()).isEqualTo(5);
            release.countDown();
        }
        assertThat(order).containsExactly("high-a", "high-b", "mid", "low", "negative");
    }

    @Test
    void resultsAndFailuresReachTheFuture() throws Exception {
        try (PriorityTaskExecutor executor = PriorityTaskExecutor.create(2)) {
            Future<String> ok = executor.submit(1, () -> "done");
            Future<String> bad = executor.submit(1, () -> {
                throw new java.io.IOException("broken");
            });
            assertThat(ok.get(10, TimeUnit.SECONDS)).isEqualTo("done");
            assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void runsAtMostWorkersTasksAtOnce() throws Exception {
        int workers = 3;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger highest = new AtomicInteger();
        try (PriorityTaskExecutor executor = PriorityTaskExecutor.create(workers)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                futures.add(executor.submit(i % 7, () -> {
                    highest.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    Thread.yield();
                    inside.decrementAndGet();
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(highest.get()).isBetween(1, workers);
    }

    @Test
    void cancellingAQueuedTaskRemovesItAndItNeverRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (PriorityTaskExecutor executor = PriorityTaskExecutor.create(1)) {
            block(executor, release);
            Future<?> doomed = executor.submit(9, record("doomed"));
            executor.submit(1, record("kept"));
            assertThat(doomed.cancel(false)).isTrue();
            assertThat(executor.queuedTasks()).isEqualTo(1);
            assertThatThrownBy(() -> doomed.get()).isInstanceOf(CancellationException.class);
            release.countDown();
        }
        assertThat(order).containsExactly("kept");
    }

    @Test
    void cancelWithInterruptStopsARunningTask() throws Exception {
        try (PriorityTaskExecutor executor = PriorityTaskExecutor.create(1)) {
            CountDownLatch running = new CountDownLatch(1);
            AtomicReference<Throwable> seen = new AtomicReference<>();
            Future<?> f = executor.submit(1, () -> {
                running.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    seen.set(e);
                }
                return null;
            });
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(f.cancel(true)).isTrue();
            executor.shutdown();
            assertThat(executor.awaitTermination(Duration.ofSeconds(10))).isTrue();
            assertThat(seen.get()).isInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void gracefulShutdownRunsQueuedTasksAndRejectsNewOnes() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        PriorityTaskExecutor executor = PriorityTaskExecutor.create(1);
        block(executor, release);
        executor.submit(1, record("queued"));
        executor.shutdown();
        assertThat(executor.isShutdown()).isTrue();
        assertThatThrownBy(() -> executor.submit(1, record("late"))).isInstanceOf(RejectedExecutionException.class);
        assertThat(executor.awaitTermination(Duration.ZERO)).isFalse();
        release.countDown();
        assertThat(executor.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(executor.isTerminated()).isTrue();
        assertThat(order).containsExactly("queued");
    }

    @Test
    void shutdownNowInterruptsRunningAndReturnsUnstartedInPriorityOrder() throws Exception {
        PriorityTaskExecutor executor = PriorityTaskExecutor.create(1);
        AtomicReference<Throwable> seen = new AtomicReference<>();
        CountDownLatch running = new CountDownLatch(1);
        executor.submit(0, () -> {
            running.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                seen.set(e);
            }
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        Future<?> low = executor.submit(1, record("low"));
        Future<?> high = executor.submit(8, record("high"));
        Future<?> cancelled = executor.submit(5, record("cancelled"));
        cancelled.cancel(false);
        List<RunnableFuture<?>> unstarted = executor.shutdownNow();
        assertThat(unstarted).containsExactly((RunnableFuture<?>) high, (RunnableFuture<?>) low);
        assertThat(executor.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(seen.get()).isInstanceOf(InterruptedException.class);
        assertThat(order).isEmpty();
        unstarted.get(0).run(); // handed back unstarted: the caller may still run it
        assertThat(order).containsExactly("high");
        assertThat(high.isDone()).isTrue();
    }

    @Test
    void closeInterruptedShutsDownNowAndRestoresTheFlag() throws Exception {
        PriorityTaskExecutor executor = PriorityTaskExecutor.create(1);
        CountDownLatch running = new CountDownLatch(1);
        executor.submit(0, () -> {
            running.countDown();
            new CountDownLatch(1).await(); // ends only by interrupt
            return null;
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        Future<?> queued = executor.submit(1, record("queued"));
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            executor.close();
            flag.set(Thread.currentThread().isInterrupted());
        });
        closer.start();
        ThreadStates.awaitParked(closer);
        closer.interrupt();
        closer.join(10_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(flag.get()).isTrue();
        assertThat(executor.isTerminated()).isTrue();
        assertThat(queued.isCancelled()).isTrue();
        assertThat(order).isEmpty();
    }

    @Test
    void badInputIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> PriorityTaskExecutor.create(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> PriorityTaskExecutor.create(1, null)).isInstanceOf(NullPointerException.class);
        try (PriorityTaskExecutor executor = PriorityTaskExecutor.create(1)) {
            assertThatThrownBy(() -> executor.submit(1, (Runnable) null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> executor.submit(1, (java.util.concurrent.Callable<?>) null))
                    .isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> executor.awaitTermination(Duration.ofSeconds(-2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-2S");
        }
    }
}
