package dev.braid.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.ratelimit.RateLimiter;
import dev.braid.testkit.ThreadStates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RateLimitedExecutorTest {

    @Test
    void everyTaskTakesAPermitBeforeItRuns() throws Exception {
        RateLimiter limiter = RateLimiter.slidingWindow(3, Duration.ofHours(1));
        List<Integer> ran = new CopyOnWriteArrayList<>();
        CountDownLatch threeRan = new CountDownLatch(3);
        List<Thread> threads = new CopyOnWriteArrayList<>();
        List<Boolean> flagAfter = new CopyOnWriteArrayList<>();
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        // A delegate whose threads the test can watch.
        RateLimitedExecutor executor = RateLimitedExecutor.wrap(task -> {
            Thread t = new Thread(() -> {
                task.run();
                flagAfter.add(Thread.currentThread().isInterrupted());
            });
            threads.add(t);
            t.start();
        }, limiter);
        for (int i = 0; i < 5; i++) {
            int id = i;
            executor.execute(() -> {
                ran.add(id);
                ranOn.add(Thread.currentThread());
                threeRan.countDown();
            });
        }
        assertThat(threeRan.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(limiter.availablePermits()).isZero();
        List<Thread> waiting = new ArrayList<>(threads);
        waiting.removeAll(ranOn);
        assertThat(waiting).hasSize(2);
        for (Thread t : waiting) {
            ThreadStates.awaitParked(t);                 // parked in limiter.acquire()
            t.interrupt();                               // what shutdownNow would do
        }
        for (Thread t : threads) {
            t.join(10_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(ran).hasSize(3);
        assertThat(flagAfter).containsExactlyInAnyOrder(false, false, false, true, true);
    }

    @Test
    void withAPoolTasksRunInPermitOrderAndShutdownNowReleasesWaiters() throws Exception {
        RateLimiter limiter = RateLimiter.slidingWindow(2, Duration.ofHours(1));
        List<Thread> worker = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r);
            worker.add(t);
            return t;
        });
        List<Integer> ran = new CopyOnWriteArrayList<>();
        CountDownLatch twoRan = new CountDownLatch(2);
        try {
            RateLimitedExecutor executor = RateLimitedExecutor.wrap(pool, limiter);
            for (int i = 0; i < 4; i++) {
                int id = i;
                executor.execute(() -> {
                    ran.add(id);
                    twoRan.countDown();
                });
            }
            assertThat(twoRan.await(10, TimeUnit.SECONDS)).isTrue();
            // the 3rd task waits for a permit; the pool thread may first have parked on its
            // empty queue, if it ran tasks 0 and 1 before the 3rd was submitted
            ThreadStates.awaitParkedIn(worker.get(0), RateLimiter.class);
        } finally {
            List<Runnable> never = pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(never).hasSize(1);                 // the 4th; the 3rd was waiting for a permit
        }
        assertThat(ran).containsExactly(0, 1);
    }

    @Test
    void rejectionOfTheDelegateReachesTheSubmitter() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        pool.shutdown();
        RateLimitedExecutor executor = RateLimitedExecutor.wrap(pool, RateLimiter.slidingWindow(1, Duration.ofSeconds(1)));
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> executor.execute(() -> ran.set(true))).isInstanceOf(RejectedExecutionException.class);
        assertThat(ran).isFalse();
    }

    @Test
    void badInputIsRejected() {
        RateLimiter limiter = RateLimiter.slidingWindow(1, Duration.ofSeconds(1));
        assertThatThrownBy(() -> RateLimitedExecutor.wrap(null, limiter)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("delegate");
        assertThatThrownBy(() -> RateLimitedExecutor.wrap(Runnable::run, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("limiter");
        assertThatThrownBy(() -> RateLimitedExecutor.wrap(Runnable::run, limiter).execute(null))
                .isInstanceOf(NullPointerException.class);
    }
}
