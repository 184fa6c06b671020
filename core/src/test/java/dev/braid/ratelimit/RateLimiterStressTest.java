package dev.braid.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.braid.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Eight threads hammer tryAcquire (1 or 2 permits) for two seconds of real time; every
 * grant time is recorded exactly, and the guarantee is checked over every window.
 *
 * <p>Exact recording: the limiter reads its ticker once per call (twice if another thread
 * recorded a later time in between) and records the last reading as the grant time. The
 * ticker below remembers, per thread, its last reading, so after a successful tryAcquire
 * the thread knows the very time the limiter recorded.
 */
class RateLimiterStressTest {

    private static final int THREADS = 8;
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** System time, remembering each thread's last reading. */
    private static final class RecordingTicker implements Ticker {
        private final ThreadLocal<long[]> last = ThreadLocal.withInitial(() -> new long[1]);

        @Override
        public long read() {
            long now = System.nanoTime();
            last.get()[0] = now;
            return now;
        }

        long lastReading() {
            return last.get()[0];
        }
    }

    @Test
    void noWindowEverHoldsMoreThanThePermitsExact() throws Exception {
        hammer(false, 50, Duration.ofMillis(10));
        hammer(false, 3, Duration.ofMillis(1));
    }

    @Test
    void noWindowEverHoldsMoreThanThePermitsApproximate() throws Exception {
        hammer(true, 50, Duration.ofMillis(10));
    }

    private void hammer(boolean approximate, int permits, Duration window) throws Exception {
        RecordingTicker ticker = new RecordingTicker();
        RateLimiter.Builder builder = RateLimiter.builder().permits(permits).window(window).ticker(ticker);
        RateLimiter limiter = (approximate ? builder.approximate() : builder).build();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        long[][] recorded = new long[THREADS][];
        int[] counts = new int[THREADS];
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int index = t;
            Thread thread = new Thread(() -> {
                try {
                    SplittableRandom random = new SplittableRandom(index);
                    long[] mine = new long[1 << 16];
                    int count = 0;
                    start.await();
                    long end = System.nanoTime() + RUN_NANOS;
                    while (System.nanoTime() - end < 0) {
                        int n = random.nextInt(4) == 0 ? Math.min(2, permits) : 1;
                        if (limiter.tryAcquire(n)) {
                            long at = ticker.lastReading();
                            if (count + n > mine.length) {
                                mine = Arrays.copyOf(mine, mine.length * 2);
                            }
                            for (int i = 0; i < n; i++) {
                                mine[count++] = at;
                            }
                        }
                    }
                    recorded[index] = mine;
                    counts[index] = count;
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "hammer-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(failures).isEmpty();
        int total = 0;
        for (int c : counts) {
            total += c;
        }
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < THREADS; t++) {
            System.arraycopy(recorded[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all); // System.nanoTime() readings within one run do not wrap
        assertThat(total).as("the first window's permits at least").isGreaterThanOrEqualTo(permits);
        long windowNanos = window.toNanos();
        for (int i = 0; i + permits < all.length; i++) {
            long span = all[i + permits] - all[i];
            if (span < windowNanos) {
                throw new AssertionError((permits + 1) + " grants within " + span + " ns < window "
                        + windowNanos + " ns, at index " + i + " of " + all.length);
            }
        }
    }
}
