package dev.braid.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.patterns.KeyedRateLimiter.Overflow;
import dev.braid.testkit.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class KeyedRateLimiterTest {

    private static final Duration WINDOW = Duration.ofSeconds(1);

    private final ManualTicker ticker = new ManualTicker();

    private KeyedRateLimiter.Builder<String> builder(int permits) {
        return KeyedRateLimiter.<String>builder(permits, WINDOW).ticker(ticker);
    }

    @Test
    void eachKeyHasItsOwnSlidingWindow() {
        KeyedRateLimiter<String> limiter = builder(3).build();
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a", 2)).isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
        assertThat(limiter.tryAcquire("b", 3)).isTrue();
        assertThat(limiter.tryAcquire("b")).isFalse();
        ticker.advance(WINDOW.minusNanos(1));
        assertThat(limiter.tryAcquire("a")).isFalse();
        ticker.advance(1);                                  // half-open: g + window is allowed
        assertThat(limiter.tryAcquire("a", 3)).isTrue();
        assertThat(limiter.liveKeys()).isEqualTo(2);
    }

    @Test
    void keyIdleForAWholeWindowIsDroppedAndComesBackFresh() {
        KeyedRateLimiter<String> limiter = builder(2).build();
        assertThat(limiter.tryAcquire("idle", 2)).isTrue();
        assertThat(limiter.tryAcquire("busy", 2)).isTrue();
        ticker.advance(Duration.ofMillis(900));
        assertThat(limiter.tryAcquire("busy")).isFalse();   // a denial is an access too
        ticker.advance(Duration.ofMillis(100));             // "idle" untouched for one window
        limiter.cleanUp();
        assertThat(limiter.isLive("idle")).isFalse();
        assertThat(limiter.isLive("busy")).isTrue();
        assertThat(limiter.liveKeys()).isEqualTo(1);
        assertThat(limiter.tryAcquire("idle", 2)).isTrue(); // a fresh limiter: the old grants are a window old
        assertThat(limiter.tryAcquire("idle")).isFalse();
        assertThat(limiter.liveKeys()).isEqualTo(2);
    }

    @Test
    void expiredButUncollectedEntryIsReplacedWithoutLeakingACount() {
        KeyedRateLimiter<String> limiter = builder(1).maxKeys(1).build();
        assertThat(limiter.tryAcquire("k")).isTrue();
        ticker.advance(WINDOW);
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire("k")).isEqualTo(i == 0);
            assertThat(limiter.liveKeys()).isEqualTo(1);
        }
        ticker.advance(WINDOW);
        assertThat(limiter.tryAcquire("other")).isTrue();   // "k" expired: room for one key
        assertThat(limiter.liveKeys()).isEqualTo(1);
    }

    @Test
    void newKeysAreDeniedAtTheCapByDefaultWhileKnownKeysWork() {
        KeyedRateLimiter<String> limiter = builder(5).maxKeys(2).build();
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("b")).isTrue();
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.tryAcquire("spray-" + i)).isFalse();
        }
        assertThat(limiter.liveKeys()).isEqualTo(2);
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("b")).isTrue();
        ticker.advance(Duration.ofMillis(600));
        assertThat(limiter.tryAcquire("a")).isTrue();        // keeps "a" live
        ticker.advance(Duration.ofMillis(400));             // "b" idle for a window
        assertThat(limiter.tryAcquire("spray-0")).isTrue();  // the cap frees a slot for it
        assertThat(limiter.tryAcquire("spray-1")).isFalse();
        assertThat(limiter.liveKeys()).isEqualTo(2);
    }

    @Test
    void shareOverflowMetersAllNewKeysTogether() {
        KeyedRateLimiter<String> limiter = builder(2).maxKeys(1).overflow(Overflow.SHARE).build();
        assertThat(limiter.tryAcquire("a", 2)).isTrue();
        assertThat(limiter.tryAcquire("x")).isTrue();
        assertThat(limiter.tryAcquire("y")).isTrue();
        assertThat(limiter.tryAcquire("z")).isFalse();      // x, y and z share 2 per window
        assertThat(limiter.tryAcquire("a")).isFalse();      // "a" keeps its own limit
        assertThat(limiter.liveKeys()).isEqualTo(1);
    }

    @Test
    void allowOverflowFailsOpen() {
        KeyedRateLimiter<String> limiter = builder(1).maxKeys(1).overflow(Overflow.ALLOW).build();
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire("new")).isTrue();
        }
        assertThat(limiter.liveKeys()).isEqualTo(1);
    }

    @Test
    void approximateModeNeverAdmitsMoreThanTheLimit() {
        KeyedRateLimiter<String> limiter = builder(10).approximate().build();
        int granted = 0;
        for (int i = 0; i < 100; i++) {
            if (limiter.tryAcquire("k")) {
                granted++;
            }
        }
        assertThat(granted).isBetween(1, 10);
    }

    /** Many threads race to create distinct keys: the cap is never exceeded. */
    @Test
    void capIsExactUnderRacingNewKeys() throws Exception {
        int threads = 8;
        int maxKeys = 10;
        KeyedRateLimiter<String> limiter = builder(1).maxKeys(maxKeys).build();
        AtomicInteger admitted = new AtomicInteger();
        CyclicBarrier go = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 500; i++) {
                        if (limiter.tryAcquire(id + "-" + i)) {
                            admitted.incrementAndGet();
                        }
                        assertThat(limiter.liveKeys()).isLessThanOrEqualTo(maxKeys);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(admitted).hasValue(maxKeys);
        assertThat(limiter.liveKeys()).isEqualTo(maxKeys);
    }

    /**
     * Threads hammer a few keys in phases; between phases the test moves the clock a quarter
     * window and sometimes lets keys go idle. Per key, any four consecutive phases (one
     * window) must hold at most {@code permits} grants.
     */
    @Test
    void neverMoreThanPermitsPerKeyPerWindowUnderContentionAndExpiry() throws Exception {
        int permits = 5;
        int keys = 3;
        int threads = 4;
        int phases = 60;
        KeyedRateLimiter<Integer> limiter = KeyedRateLimiter.<Integer>builder(permits, WINDOW)
                .ticker(ticker).maxKeys(keys).build();
        AtomicIntegerArray grants = new AtomicIntegerArray(phases * keys);
        CyclicBarrier phaseStart = new CyclicBarrier(threads + 1);
        CyclicBarrier phaseEnd = new CyclicBarrier(threads + 1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int p = 0; p < phases; p++) {
                        phaseStart.await();
                        boolean idlePhase = p % 10 >= 5; // keys go idle for more than a window
                        if (!idlePhase) {
                            for (int i = 0; i < 20; i++) {
                                int key = i % keys;
                                if (limiter.tryAcquire(key)) {
                                    grants.incrementAndGet(p * keys + key);
                                }
                            }
                        }
                        phaseEnd.await();
                    }
                    return null;
                }));
            }
            for (int p = 0; p < phases; p++) {
                phaseStart.await(1, TimeUnit.MINUTES);
                phaseEnd.await(1, TimeUnit.MINUTES);
                ticker.advance(WINDOW.dividedBy(4));
                if (p % 7 == 0) {
                    limiter.cleanUp();
                }
            }
            for (Future<?> f : futures) {
                f.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        int total = 0;
        for (int key = 0; key < keys; key++) {
            for (int p = 0; p + 4 <= phases; p++) {
                int inWindow = 0;
                for (int q = p; q < p + 4; q++) {
                    inWindow += grants.get(q * keys + key);
                }
                assertThat(inWindow).as("key %d, phases %d..%d", key, p, p + 3).isLessThanOrEqualTo(permits);
            }
            for (int p = 0; p < phases; p++) {
                total += grants.get(p * keys + key);
            }
        }
        assertThat(total).isPositive();
    }

    @Test
    void badInputIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> KeyedRateLimiter.builder(0, WINDOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> KeyedRateLimiter.builder(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> KeyedRateLimiter.builder(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> KeyedRateLimiter.builder(1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> KeyedRateLimiter.builder(1, Duration.ofNanos(10)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0.00000001S");
        assertThatThrownBy(() -> builder(1).maxKeys(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> builder(1).overflow(null)).isInstanceOf(NullPointerException.class);
        KeyedRateLimiter<String> limiter = builder(3).build();
        assertThatThrownBy(() -> limiter.tryAcquire(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> limiter.tryAcquire("k", 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4");
        assertThatThrownBy(() -> limiter.tryAcquire("k", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThat(limiter.liveKeys()).isZero();
    }
}
