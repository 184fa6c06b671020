package dev.braid.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The strided ring of {@link ExactWindow}, and grant times that never go backwards. */
class ExactWindowTest {

    private static final long WINDOW = Duration.ofMillis(1).toNanos();

    private static List<Integer> limits() {
        List<Integer> limits = new ArrayList<>();
        for (int n = 1; n <= 300; n++) {
            limits.add(n);
        }
        limits.add(1 << 16);
        limits.add(255_255);    // 3 * 5 * 7 * 11 * 13 * 17
        limits.add(360_360);    // divisible by 8, 9 and 10: the stride is 11
        limits.add(1 << 19);    // the benchmark's limit
        return limits;
    }

    private static int circularDistance(int a, int b, int n) {
        int d = Math.abs(a - b);
        return Math.min(d, n - d);
    }

    @Test
    void successiveGrantsVisitEverySlotExactlyOncePerCycleOneCacheLineApart() {
        for (int n : limits()) {
            ExactWindow window = new ExactWindow(n, WINDOW, 0L);
            int stride = window.stride();
            // Two full cycles of single grants at times 1, 2, ...: after each cycle every slot
            // holds exactly one of that cycle's times.
            for (int cycle = 0; cycle < 2; cycle++) {
                long first = 1L + (long) cycle * n;
                for (int k = 0; k < n; k++) {
                    window.commit(1, first + k);
                }
                int[] slotOfGrant = new int[n];
                java.util.Arrays.fill(slotOfGrant, -1);
                for (int slot = 0; slot < n; slot++) {
                    long t = window.timeInSlot(slot);
                    assertThat(t).as("limit %d, cycle %d: slot %d holds a time of this cycle", n, cycle, slot)
                            .isBetween(first, first + n - 1);
                    int k = (int) (t - first);
                    assertThat(slotOfGrant[k]).as("limit %d: grant %d written twice", n, k).isEqualTo(-1);
                    slotOfGrant[k] = slot;
                }
                if (n >= 17 && n != 18) {
                    assertThat(stride).as("limit %d", n).isGreaterThanOrEqualTo(ExactWindow.MIN_STRIDE);
                    for (int k = 0; k + 1 < n; k++) {
                        assertThat(circularDistance(slotOfGrant[k], slotOfGrant[k + 1], n))
                                .as("limit %d: grants %d and %d share a cache line", n, k, k + 1)
                                .isGreaterThanOrEqualTo(ExactWindow.MIN_STRIDE);
                    }
                } else {
                    assertThat(stride).as("limit %d: no stride in [8, n - 8] is coprime with it", n).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void aTickerGoingBackwardsNeverRecordsAnEarlierGrantTime() {
        AtomicLong now = new AtomicLong(1_000 * WINDOW);  // a broken ticker: it can go back
        RateLimiter limiter = RateLimiter.builder().permits(2).window(Duration.ofNanos(WINDOW))
                .ticker(now::get).build();
        long t = now.addAndGet(2 * WINDOW);                 // all permits free at t - w/2 too
        assertThat(limiter.tryAcquire()).isTrue();          // at t
        now.set(t - WINDOW / 2);
        assertThat(limiter.tryAcquire()).isTrue();          // read at t - w/2, recorded at t
        now.set(t + WINDOW / 2);
        // Recorded at t - w/2, the second grant would be a window old now and two more would
        // fit: three grants in [t, t + w). Recorded at t, nothing fits.
        assertThat(limiter.tryAcquire(2)).isFalse();
        assertThat(limiter.availablePermits()).isZero();
        now.set(t + WINDOW);                                // both leave together
        assertThat(limiter.availablePermits()).isEqualTo(2);
    }
}
