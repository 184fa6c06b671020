package dev.braid.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.testkit.ManualTicker;
import dev.braid.testkit.ThreadStates;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    private final ManualTicker ticker = new ManualTicker(1_000 * SECOND);

    private RateLimiter limiter(int permits, Duration window) {
        return RateLimiter.builder().permits(permits).window(window).ticker(ticker).build();
    }

    // ---- bad input ----------------------------------------------------------------------

    @Test
    void rejectsBadLimitsNamingTheValue() {
        assertThatThrownBy(() -> RateLimiter.slidingWindow(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": 0");
        assertThatThrownBy(() -> RateLimiter.slidingWindow(-3, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-3");
        assertThatThrownBy(() -> RateLimiter.slidingWindow(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> RateLimiter.slidingWindow(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> RateLimiter.slidingWindow(1, Duration.ofNanos(999_999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0.000999999S");
        assertThatThrownBy(() -> RateLimiter.slidingWindow(1, Duration.ofDays(366)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT8784H");
        assertThatThrownBy(() -> RateLimiter.slidingWindow(1, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("window");
        assertThatThrownBy(() -> RateLimiter.builder().ticker(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("ticker");
        assertThatThrownBy(() -> RateLimiter.slidingWindow((1 << 24) + 1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16777217");
        assertThatThrownBy(() -> RateLimiter.builder().window(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("permits");
        assertThatThrownBy(() -> RateLimiter.builder().permits(1).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("window");
        // The approximate mode has no per-permit memory, so no such cap.
        assertThat(RateLimiter.approximateSlidingWindow(Integer.MAX_VALUE, Duration.ofSeconds(1)).tryAcquire(5))
                .isTrue();
    }

    @Test
    void rejectsBadRequestsNamingTheValue() {
        RateLimiter limiter = limiter(5, Duration.ofSeconds(1));
        assertThatThrownBy(() -> limiter.tryAcquire(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": 0");
        assertThatThrownBy(() -> limiter.tryAcquire(6))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit 5: 6");
        assertThatThrownBy(() -> limiter.acquire(6))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6");
        assertThatThrownBy(() -> limiter.acquireAsync(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> limiter.tryAcquire(1, Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.005S");
        assertThatThrownBy(() -> limiter.tryAcquire(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("timeout");
        assertThat(limiter.availablePermits()).isEqualTo(5); // nothing consumed by bad calls
    }

    // ---- the window ---------------------------------------------------------------------

    @Test
    void grantsUpToTheLimitThenDeniesUntilTheOldestLeavesTheWindow() {
        RateLimiter limiter = limiter(3, Duration.ofSeconds(1));
        assertThat(limiter.availablePermits()).isEqualTo(3);
        assertThat(limiter.tryAcquire()).isTrue();
        ticker.advance(300 * MILLI);
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.tryAcquire()).isFalse();
        assertThat(limiter.availablePermits()).isZero();
        ticker.advance(700 * MILLI - 1);
        assertThat(limiter.tryAcquire()).as("1 ns before the first grant leaves").isFalse();
        ticker.advance(1);
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(limiter.tryAcquire()).as("half-open: exactly one window later").isTrue();
        assertThat(limiter.tryAcquire()).isFalse();
        ticker.advance(300 * MILLI);
        assertThat(limiter.availablePermits()).isEqualTo(2);
    }

    @Test
    void aMultiPermitRequestNeedsItsOldestNGrantsOutOfTheWindow() {
        RateLimiter limiter = limiter(4, Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire(1)).isTrue();
        ticker.advance(500 * MILLI);
        assertThat(limiter.tryAcquire(3)).isTrue();
        assertThat(limiter.tryAcquire(1)).isFalse();
        ticker.advance(500 * MILLI);
        assertThat(limiter.tryAcquire(2)).as("only one grant has left the window").isFalse();
        assertThat(limiter.tryAcquire(1)).isTrue();
        ticker.advance(500 * MILLI);
        assertThat(limiter.tryAcquire(4)).as("one grant is still inside").isFalse();
        assertThat(limiter.tryAcquire(3)).isTrue();
    }

    @Test
    void comparesReadingsByDifferenceAcrossTheTickerWrapAround() {
        ManualTicker wrapping = new ManualTicker(Long.MAX_VALUE - 500 * MILLI);
        RateLimiter limiter = RateLimiter.builder().permits(2).window(Duration.ofSeconds(1)).ticker(wrapping).build();
        assertThat(limiter.tryAcquire(2)).isTrue();
        wrapping.advance(999 * MILLI); // now past Long.MAX_VALUE, negative
        assertThat(wrapping.read()).isNegative();
        assertThat(limiter.tryAcquire()).isFalse();
        assertThat(limiter.availablePermits()).isZero();
        wrapping.advance(MILLI);
        assertThat(limiter.availablePermits()).isEqualTo(2);
        assertThat(limiter.tryAcquire(2)).isTrue();
    }

    // ---- blocking: the waits ------------------------------------------------------------

    @Test
    void acquireWaitsExactlyUntilTheSlotFrees() throws InterruptedException {
        TickingParker parker = new TickingParker(ticker);
        RateLimiter limiter = RateLimiter.builder().permits(2).window(Duration.ofSeconds(1))
                .ticker(ticker).parker(parker).build();
        limiter.acquire();
        ticker.advance(250 * MILLI);
        limiter.acquire();
        assertThat(parker.takeWaits()).isEmpty();
        limiter.acquire();
        assertThat(parker.takeWaits()).containsExactly(750 * MILLI);
        limiter.acquire();
        assertThat(parker.takeWaits()).containsExactly(250 * MILLI);
        limiter.acquire(2);
        assertThat(parker.takeWaits()).as("both of the last two must leave").containsExactly(SECOND);
    }

    @Test
    void timedTryAcquireIsPredictive() throws InterruptedException {
        TickingParker parker = new TickingParker(ticker);
        RateLimiter limiter = RateLimiter.builder().permits(1).window(Duration.ofSeconds(1))
                .ticker(ticker).parker(parker).build();
        assertThat(limiter.tryAcquire(Duration.ZERO)).isTrue();
        long before = ticker.read();
        assertThat(limiter.tryAcquire(Duration.ofMillis(999))).as("cannot be granted in time").isFalse();
        assertThat(ticker.read()).as("returned at once, no wait").isEqualTo(before);
        assertThat(parker.takeWaits()).isEmpty();
        assertThat(limiter.tryAcquire(Duration.ZERO)).isFalse();
        assertThat(limiter.tryAcquire(Duration.ofSeconds(1))).isTrue();
        assertThat(parker.takeWaits()).containsExactly(SECOND);
    }

    @Test
    void predictionCountsTheWaitersAhead() throws Exception {
        RateLimiter limiter = limiter(1, Duration.ofSeconds(10));
        assertThat(limiter.tryAcquire()).isTrue();
        Thread head = startAcquire(limiter, 1, new CopyOnWriteArrayList<>());
        ThreadStates.awaitParked(head);
        // head gets its permit at 10 s at the earliest, so this one at 20 s.
        long before = System.nanoTime();
        assertThat(limiter.tryAcquire(Duration.ofSeconds(19))).isFalse();
        assertThat(System.nanoTime() - before).as("no real wait either").isLessThan(5 * SECOND);
        head.interrupt();
        head.join();
    }

    @Test
    void theApproximateModeWaitsAtMostOneBucketLongerThanTheExactOne() throws InterruptedException {
        TickingParker parker = new TickingParker(ticker);
        RateLimiter limiter = RateLimiter.builder().permits(2).window(Duration.ofMillis(1_600))
                .ticker(ticker).parker(parker).approximate().build(); // buckets of 100 ms
        assertThat(limiter.isApproximate()).isTrue();
        limiter.acquire(2);
        assertThat(limiter.tryAcquire()).isFalse();
        assertThat(limiter.availablePermits()).isZero();
        limiter.acquire();
        // Exact would wait 1.6 s; the approximate mode waits for the whole first bucket to leave.
        assertThat(parker.takeWaits()).containsExactly(1_700 * MILLI);
        ticker.advance(1_600 * MILLI);
        assertThat(limiter.availablePermits()).as("the 1.7 s grant is in a counted bucket").isEqualTo(1);
    }

    // ---- blocking: FIFO, no barging, giving up --------------------------------------------

    @Test
    void waitersAreServedInArrivalOrderAndNobodyBarges() throws Exception {
        RateLimiter limiter = limiter(1, Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire()).isTrue();
        List<String> served = new CopyOnWriteArrayList<>();
        Thread first = startAcquire(limiter, 1, served);
        ThreadStates.awaitParked(first);
        Thread second = startAcquire(limiter, 1, served);
        ThreadStates.awaitParked(second);
        Thread third = startAcquire(limiter, 1, served);
        ThreadStates.awaitParked(third);

        ticker.advance(SECOND);
        assertThat(limiter.tryAcquire()).as("a permit is free but waiters come first").isFalse();
        assertThat(limiter.availablePermits()).isZero();
        LockSupport.unpark(first); // the head would wake by itself after one real second
        first.join();
        assertThat(served).containsExactly(first.getName());
        ThreadStates.awaitParked(second);

        ticker.advance(SECOND);
        LockSupport.unpark(third); // a spurious wake of a waiter that is not head changes nothing
        LockSupport.unpark(second);
        second.join();
        ThreadStates.awaitParked(third);
        assertThat(served).containsExactly(first.getName(), second.getName());

        ticker.advance(SECOND);
        LockSupport.unpark(third);
        third.join();
        assertThat(served).containsExactly(first.getName(), second.getName(), third.getName());
        assertThat(limiter.availablePermits()).isZero();
        ticker.advance(SECOND);
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void aBigRequestAtTheHeadIsNotOvertakenByASmallOne() throws Exception {
        RateLimiter limiter = limiter(2, Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire()).isTrue();
        ticker.advance(500 * MILLI);
        assertThat(limiter.tryAcquire()).isTrue();
        List<String> served = new CopyOnWriteArrayList<>();
        Thread big = startAcquire(limiter, 2, served);
        ThreadStates.awaitParked(big);
        Thread small = startAcquire(limiter, 1, served);
        ThreadStates.awaitParked(small);
        ticker.advance(500 * MILLI); // one slot free: small would fit, big not yet
        LockSupport.unpark(small);
        LockSupport.unpark(big);
        ThreadStates.awaitParked(small);
        ThreadStates.awaitParked(big);
        assertThat(served).isEmpty();
        ticker.advance(500 * MILLI);
        LockSupport.unpark(big);
        big.join();
        assertThat(served).containsExactly(big.getName());
        ticker.advance(SECOND);
        LockSupport.unpark(small);
        small.join();
        assertThat(served).containsExactly(big.getName(), small.getName());
    }

    @Test
    void anInterruptedWaiterLeavesNoTrace() throws Exception {
        RateLimiter limiter = limiter(2, Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire(2)).isTrue();
        List<String> served = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread head = startAcquire(limiter, 1, served);
        ThreadStates.awaitParked(head);
        Thread behind = new Thread(() -> {
            try {
                limiter.acquire(2);
                served.add("behind");
            } catch (InterruptedException e) {
                failure.set(e);
            }
        }, "behind");
        behind.start();
        ThreadStates.awaitParked(behind);

        behind.interrupt();
        behind.join();
        assertThat(failure.get()).isInstanceOf(InterruptedException.class);
        head.interrupt();
        head.join();
        assertThat(served).isEmpty();
        ticker.advance(SECOND);
        assertThat(limiter.availablePermits()).as("neither consumed anything").isEqualTo(2);
        assertThat(limiter.tryAcquire(2)).isTrue();
    }

    @Test
    void anInterruptBeforeTheCallThrowsWithoutConsuming() {
        RateLimiter limiter = limiter(1, Duration.ofSeconds(1));
        Thread.currentThread().interrupt();
        assertThatThrownBy(limiter::acquire).isInstanceOf(InterruptedException.class);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> limiter.tryAcquire(Duration.ofSeconds(1))).isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).isFalse();
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void aTimedOutWaiterLeavesNoTrace() throws Exception {
        RateLimiter limiter = limiter(2, Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire(2)).isTrue();
        List<String> served = new CopyOnWriteArrayList<>();
        Thread head = startAcquire(limiter, 2, served);
        ThreadStates.awaitParked(head);
        // head gets both at 1 s at the earliest, so this one's slot frees at 2 s at the earliest.
        assertThat(limiter.tryAcquire(1, Duration.ofMillis(1_999))).isFalse();
        AtomicBoolean timedResult = new AtomicBoolean(true);
        Thread timed = new Thread(() -> {
            try {
                timedResult.set(limiter.tryAcquire(1, Duration.ofMillis(2_500)));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }, "timed");
        timed.start();
        ThreadStates.awaitParked(timed);

        ticker.advance(2_500 * MILLI); // past timed's deadline; head's permits are free
        LockSupport.unpark(timed);
        timed.join();
        assertThat(timedResult).isFalse();
        LockSupport.unpark(head);
        head.join();
        assertThat(served).containsExactly(head.getName());
        ticker.advance(SECOND); // head's two grants (at 2.5 s) leave the window
        assertThat(limiter.availablePermits()).as("the timed-out waiter consumed nothing").isEqualTo(2);
    }

    // ---- async --------------------------------------------------------------------------

    @Test
    void acquireAsyncCompletesWhenTheSlotFreesWithNoThreadParked() {
        ManualScheduler scheduler = new ManualScheduler(ticker);
        RateLimiter limiter = RateLimiter.builder().permits(1).window(Duration.ofSeconds(1))
                .ticker(ticker).scheduler(scheduler).build();
        assertThat(limiter.acquireAsync()).isCompleted();
        CompletableFuture<Void> first = limiter.acquireAsync();
        CompletableFuture<Void> second = limiter.acquireAsync();
        assertThat(first).isNotDone();
        assertThat(scheduler.pending()).isEqualTo(1);
        assertThat(scheduler.nextDelay()).isEqualTo(SECOND);
        assertThat(limiter.tryAcquire()).isFalse();
        ticker.advance(SECOND - 1);
        scheduler.runDue();
        assertThat(first).isNotDone();
        ticker.advance(1);
        scheduler.runDue();
        assertThat(first).isCompletedWithValue(null);
        assertThat(second).isNotDone();
        assertThat(scheduler.nextDelay()).isEqualTo(SECOND);
        ticker.advance(SECOND);
        scheduler.runDue();
        assertThat(second).isCompleted();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void cancellingAFutureReleasesItsPlace() {
        ManualScheduler scheduler = new ManualScheduler(ticker);
        RateLimiter limiter = RateLimiter.builder().permits(1).window(Duration.ofSeconds(1))
                .ticker(ticker).scheduler(scheduler).build();
        assertThat(limiter.tryAcquire()).isTrue();
        CompletableFuture<Void> first = limiter.acquireAsync();
        CompletableFuture<Void> second = limiter.acquireAsync();
        CompletableFuture<Void> third = limiter.acquireAsync();
        assertThat(second.cancel(true)).isTrue();
        assertThat(first.cancel(false)).isTrue();
        assertThat(second).isCancelled();
        ticker.advance(SECOND);
        scheduler.runDue();
        assertThat(third).as("moved up past both").isCompleted();
        assertThat(third.cancel(true)).as("granted: too late to cancel").isFalse();
        assertThat(third).isCompletedWithValue(null);
        ticker.advance(SECOND);
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void aTimerTaskReplacedWhileItRunsDoesNotLeaveASecondTimerArmed() {
        ManualScheduler scheduler = new ManualScheduler(ticker);
        RateLimiter limiter = RateLimiter.builder().permits(2).window(Duration.ofSeconds(1))
                .ticker(ticker).scheduler(scheduler).build();
        assertThat(limiter.tryAcquire()).isTrue();
        ticker.advance(SECOND / 2);
        assertThat(limiter.tryAcquire()).isTrue();
        CompletableFuture<Void> pair = limiter.acquireAsync(2);  // fits in 1 s: both grants must leave
        CompletableFuture<Void> single = limiter.acquireAsync(); // fits in 0.5 s, but waits behind
        assertThat(scheduler.nextDelay()).isEqualTo(SECOND);
        Runnable firing = scheduler.takeNext(); // the timer thread has taken the pair's task
        assertThat(pair.cancel(false)).isTrue(); // re-arms for the single, earlier; too late to cancel `firing`
        assertThat(scheduler.pending()).isEqualTo(1);
        assertThat(scheduler.nextDelay()).isEqualTo(SECOND / 2);
        firing.run(); // the old task runs now: nothing fits yet
        assertThat(scheduler.pending()).as("the newer task is still the one armed, and alone").isEqualTo(1);
        ticker.advance(SECOND / 2);
        scheduler.runDue();
        assertThat(single).isCompletedWithValue(null);
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void completingAFutureOtherwiseAlsoReleasesItsPlace() {
        ManualScheduler scheduler = new ManualScheduler(ticker);
        RateLimiter limiter = RateLimiter.builder().permits(1).window(Duration.ofSeconds(1))
                .ticker(ticker).scheduler(scheduler).build();
        assertThat(limiter.tryAcquire()).isTrue();
        CompletableFuture<Void> timedOut = limiter.acquireAsync();
        CompletableFuture<Void> completed = limiter.acquireAsync();
        assertThat(timedOut.completeExceptionally(new TimeoutException())).isTrue();
        assertThat(completed.complete(null)).isTrue();
        assertThat(scheduler.pending()).as("no waiter left, no timer left").isZero();
        assertThat(limiter.availablePermits()).isZero();
        ticker.advance(SECOND);
        assertThat(limiter.availablePermits()).as("neither consumed a permit").isEqualTo(1);
    }

    @Test
    void asyncAndBlockingWaitersShareOneLine() throws Exception {
        ManualScheduler scheduler = new ManualScheduler(ticker);
        RateLimiter limiter = RateLimiter.builder().permits(1).window(Duration.ofSeconds(1))
                .ticker(ticker).scheduler(scheduler).build();
        assertThat(limiter.tryAcquire()).isTrue();
        CompletableFuture<Void> async = limiter.acquireAsync();
        List<String> served = new CopyOnWriteArrayList<>();
        Thread blocked = startAcquire(limiter, 1, served);
        ThreadStates.awaitParked(blocked);
        CompletableFuture<Void> last = limiter.acquireAsync();

        ticker.advance(SECOND);
        scheduler.runDue();
        assertThat(async).isCompleted();
        assertThat(last).isNotDone();
        assertThat(scheduler.pending()).as("the blocking head waits by itself").isZero();
        ThreadStates.awaitParked(blocked);
        ticker.advance(SECOND);
        LockSupport.unpark(blocked);
        blocked.join();
        assertThat(served).containsExactly(blocked.getName());
        assertThat(scheduler.pending()).as("the async head got a timer").isEqualTo(1);
        ticker.advance(SECOND);
        scheduler.runDue();
        assertThat(last).isCompleted();
    }

    @Test
    void theSharedTimerServesAsyncWaitersInOrderInRealTime() throws Exception {
        RateLimiter limiter = RateLimiter.slidingWindow(5, Duration.ofMillis(20));
        List<Integer> order = new CopyOnWriteArrayList<>();
        CompletableFuture<?>[] futures = new CompletableFuture<?>[25];
        for (int i = 0; i < futures.length; i++) {
            int index = i;
            futures[i] = limiter.acquireAsync().thenRun(() -> order.add(index));
        }
        CompletableFuture.allOf(futures).get(10, TimeUnit.SECONDS);
        assertThat(order).hasSize(25).isSorted();
        // The timer thread ends by itself once idle; NoThreadLeaks checks that it does.
    }

    private Thread startAcquire(RateLimiter limiter, int permits, List<String> served) {
        Thread thread = new Thread(() -> {
            try {
                limiter.acquire(permits);
                served.add(Thread.currentThread().getName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        thread.start();
        return thread;
    }
}
