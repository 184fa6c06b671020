package dev.braid.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Blocking, timed and async callers (some of which cancel) share one limiter in real time.
 * Everyone must be served (no lost wake-up, no stuck queue), and the total granted over the
 * run can never exceed what the window allows: permits * (elapsed / window + 1).
 */
class RateLimiterMixedStressTest {

    private static final int PERMITS = 5;
    private static final Duration WINDOW = Duration.ofMillis(10);
    private static final int ROUNDS = 40;

    @Test
    void mixedCallersAreAllServedAndNeverOverGranted() throws Exception {
        RateLimiter limiter = RateLimiter.slidingWindow(PERMITS, WINDOW);
        AtomicLong granted = new AtomicLong();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CyclicBarrier start = new CyclicBarrier(5);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int seed = t;
            threads.add(new Thread(() -> run(failures, start, () -> {
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < ROUNDS; i++) {
                    int n = 1 + random.nextInt(2);
                    limiter.acquire(n);
                    granted.addAndGet(n);
                }
            }), "blocking-" + t));
        }
        threads.add(new Thread(() -> run(failures, start, () -> {
            for (int i = 0; i < ROUNDS; i++) {
                if (limiter.tryAcquire(1, Duration.ofMillis(15))) {
                    granted.incrementAndGet();
                }
            }
        }), "timed"));
        threads.add(new Thread(() -> run(failures, start, () -> {
            SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < ROUNDS; i++) {
                CompletableFuture<Void> future = limiter.acquireAsync();
                if (random.nextBoolean() && future.cancel(false)) {
                    continue; // gave up its place: consumed nothing
                }
                future.get(30, TimeUnit.SECONDS); // granted, or granted before the cancel
                granted.incrementAndGet();
            }
        }), "async"));
        long began = System.nanoTime();
        for (Thread thread : threads) {
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(thread.isAlive()).as("%s was never served", thread.getName()).isFalse();
        }
        long elapsed = System.nanoTime() - began;
        assertThat(failures).isEmpty();
        long allowed = PERMITS * (elapsed / WINDOW.toNanos() + 1);
        assertThat(granted.get()).isPositive().isLessThanOrEqualTo(allowed);
        // Nobody is left in the queue: the whole limit comes back one window later.
        await().atMost(Duration.ofSeconds(5)).until(() -> limiter.availablePermits() == PERMITS);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void run(List<Throwable> failures, CyclicBarrier start, Body body) {
        try {
            start.await();
            body.run();
        } catch (Throwable e) {
            failures.add(e);
        }
    }
}
