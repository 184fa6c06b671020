package dev.braid.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.testkit.ThreadStates;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The JDK 17 scope pool: no task waits behind a blocked one, nothing lost, idle threads end. */
@Timeout(120)
class WorkerPoolTest {

    private static final long KEEP_ALIVE = TimeUnit.SECONDS.toNanos(2);

    private final List<Thread> made = Collections.synchronizedList(new ArrayList<>());
    private final AtomicReference<Throwable> uncaught = new AtomicReference<>();
    private final AtomicInteger names = new AtomicInteger();
    private final ThreadFactory factory = r -> {
        Thread t = new Thread(r, "worker-pool-test-" + names.incrementAndGet());
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((thread, e) -> uncaught.set(e));
        made.add(t);
        return t;
    };

    @AfterEach
    void everyWorkerEndsOnceItsKeepAlivePasses() throws InterruptedException {
        List<Thread> threads;
        synchronized (made) {
            threads = new ArrayList<>(made);
        }
        for (Thread t : threads) {
            t.join(TimeUnit.NANOSECONDS.toMillis(KEEP_ALIVE) + 10_000);
            assertThat(t.isAlive()).as("%s ended after the keep-alive", t.getName()).isFalse();
        }
    }

    @ParameterizedTest(name = "spin {0} ns")
    @ValueSource(longs = {0, 20_000})
    void aTaskNeverWaitsForOneThatBlocks(long spinNanos) throws InterruptedException {
        WorkerPool pool = new WorkerPool(factory, KEEP_ALIVE, spinNanos);
        int n = 64;
        CountDownLatch all = new CountDownLatch(n); // each task blocks until all n run at once
        CountDownLatch met = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            pool.execute(() -> {
                all.countDown();
                try {
                    if (all.await(30, TimeUnit.SECONDS)) {
                        met.countDown();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertThat(met.await(60, TimeUnit.SECONDS)).as("all %d tasks ran at the same time", n).isTrue();
        assertThat(made).hasSizeGreaterThanOrEqualTo(n);
    }

    @Test
    void everyTaskRunsExactlyOnceWithManySubmitters() throws InterruptedException {
        WorkerPool pool = new WorkerPool(factory, KEEP_ALIVE, 20_000);
        int submitters = 4;
        int each = 25_000;
        AtomicIntegerArray runs = new AtomicIntegerArray(submitters * each);
        CountDownLatch done = new CountDownLatch(submitters * each);
        List<Thread> producers = new ArrayList<>();
        for (int s = 0; s < submitters; s++) {
            int base = s * each;
            producers.add(new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    int slot = base + i;
                    pool.execute(() -> {
                        runs.incrementAndGet(slot);
                        done.countDown();
                    });
                }
            }));
        }
        producers.forEach(Thread::start);
        for (Thread p : producers) {
            p.join();
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < runs.length(); i++) {
            assertThat(runs.get(i)).as("runs of task %d", i).isEqualTo(1);
        }
    }

    /**
     * Each submit races the only worker going idle after the previous task (no spinning): a
     * submit that reads "someone is searching" just before that worker stops searching must
     * still be seen by its re-check of the queue, or the task is stranded.
     */
    @Test
    void aTaskSubmittedAsTheLastWorkerGoesIdleIsNeverStranded() throws InterruptedException {
        WorkerPool pool = new WorkerPool(factory, KEEP_ALIVE, 0);
        for (int i = 0; i < 100_000; i++) {
            CountDownLatch ran = new CountDownLatch(1);
            pool.execute(ran::countDown);
            assertThat(ran.await(10, TimeUnit.SECONDS)).as("task %d ran", i).isTrue();
        }
    }

    @Test
    void anIdleWorkerIsReusedAndTheNextTaskDoesNotSeeAnInterruptLeftByTheLastOne()
            throws InterruptedException {
        WorkerPool pool = new WorkerPool(factory, KEEP_ALIVE, 0);
        Ran first = run(pool, true); // leaves an interrupt, as a cancel racing the task's end would
        ThreadStates.awaitParked(first.thread); // idle in the pool
        Ran second = run(pool, false);
        assertThat(second.thread).isSameAs(first.thread);
        assertThat(second.interrupted).isFalse();
        assertThat(made).hasSize(1);
    }

    /** The same, for a worker that takes the next task while still searching (never parked). */
    @Test
    void aSearchingWorkerTakesTheNextTaskWithoutTheInterruptLeftByTheLastOne() throws InterruptedException {
        WorkerPool pool = new WorkerPool(factory, KEEP_ALIVE, TimeUnit.SECONDS.toNanos(3)); // stays searching
        Ran first = run(pool, true);
        awaitUntil(() -> pool.searchingCount() == 1); // back to searching, spinning for 3 s
        Ran second = run(pool, false);
        assertThat(second.thread).isSameAs(first.thread); // the searcher took it: nobody was woken
        assertThat(second.interrupted).isFalse();
        assertThat(made).hasSize(1);
    }

    /** What a task saw of its thread. */
    private static final class Ran {
        volatile Thread thread;
        volatile boolean interrupted;
    }

    /** Runs one task on {@code pool} and waits for it; it interrupts itself if asked to. */
    private static Ran run(WorkerPool pool, boolean interruptItself) throws InterruptedException {
        Ran ran = new Ran();
        CountDownLatch done = new CountDownLatch(1);
        pool.execute(() -> {
            ran.thread = Thread.currentThread();
            ran.interrupted = Thread.currentThread().isInterrupted();
            if (interruptItself) {
                Thread.currentThread().interrupt();
            }
            done.countDown();
        });
        assertThat(done.await(10, TimeUnit.SECONDS)).as("the task ran").isTrue();
        return ran;
    }

    @Test
    void aThrowingTaskReachesTheHandlerAndItsWorkerCarriesOn() throws InterruptedException {
        WorkerPool pool = new WorkerPool(factory, KEEP_ALIVE, 0);
        IllegalStateException boom = new IllegalStateException("boom");
        AtomicReference<Thread> thrower = new AtomicReference<>();
        pool.execute(() -> {
            thrower.set(Thread.currentThread());
            throw boom;
        });
        awaitUntil(() -> thrower.get() != null);
        ThreadStates.awaitParked(thrower.get()); // back in the pool, not dead
        assertThat(uncaught.get()).isSameAs(boom);
        assertThat(thrower.get().isAlive()).isTrue();
        CountDownLatch ran = new CountDownLatch(1);
        AtomicReference<Thread> next = new AtomicReference<>();
        pool.execute(() -> {
            next.set(Thread.currentThread());
            ran.countDown();
        });
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(next.get()).isSameAs(thrower.get());
    }

    @Test
    void aWorkerThatCannotStartRejectsTheTaskAndThePoolStaysUsable() throws InterruptedException {
        AtomicBoolean fail = new AtomicBoolean(true);
        ThreadFactory flaky = r -> {
            if (fail.get()) {
                throw new OutOfMemoryError("unable to create native thread (simulated)");
            }
            return factory.newThread(r);
        };
        WorkerPool pool = new WorkerPool(flaky, KEEP_ALIVE, 0);
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> pool.execute(() -> ran.set(true)))
                .isInstanceOf(OutOfMemoryError.class).hasMessageContaining("simulated");
        assertThat(pool.threadCount()).isZero();
        fail.set(false);
        CountDownLatch next = new CountDownLatch(1);
        pool.execute(next::countDown); // the failed start left no phantom searcher behind
        assertThat(next.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).as("the rejected task never runs").isFalse();
    }

    @Test
    void badArgumentsAreRejectedWithTheirValue() {
        assertThatThrownBy(() -> new WorkerPool(null, 1, 0)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("factory");
        assertThatThrownBy(() -> new WorkerPool(factory, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
        assertThatThrownBy(() -> new WorkerPool(factory, 1, -5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-5");
        WorkerPool pool = new WorkerPool(factory, KEEP_ALIVE, 0);
        assertThatThrownBy(() -> pool.execute(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("task");
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition within 10 s").isNegative();
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
