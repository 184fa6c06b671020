package dev.braid.jcstress.ratelimit;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.braid.ratelimit.RateLimiter;
import dev.braid.time.Ticker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.ZZI_Result;
import org.openjdk.jcstress.infra.results.ZZZ_Result;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * Claims of {@link RateLimiter}: never more grants in a window than its permits, whatever
 * the interleaving; a free permit is not denied to every racer; a waiter racing a slot
 * expiring is served; a cancelled async waiter's permit is either used by its future or
 * passed on, never lost, never granted twice.
 *
 * <p>Every limiter runs on a manual ticker that only the state moves, so the outcome
 * depends on the interleaving alone. No actor blocks for longer than the other actor needs
 * to run.
 */
public final class RateLimiterStress {

    private RateLimiterStress() {
    }

    private static final Duration WINDOW = Duration.ofHours(1);

    private static RateLimiter exact(int permits, Ticker ticker) {
        return RateLimiter.builder().permits(permits).window(WINDOW).ticker(ticker).build();
    }

    /** Two tryAcquire() race for the one permit left of two. */
    @JCStressTest
    @Outcome(id = {"true, false, 0", "false, true, 0"}, expect = ACCEPTABLE,
            desc = "Exactly one racer got the last permit and none is left.")
    @Outcome(id = "true, true, 0", expect = FORBIDDEN, desc = "Both got a permit: three grants in a window of two.")
    @Outcome(id = "false, false, 1", expect = FORBIDDEN, desc = "A free permit was denied to both racers.")
    @Outcome(expect = FORBIDDEN, desc = "Any other outcome breaks the grant accounting.")
    @State
    public static class OnePermitLeft {
        private final RateLimiter limiter = exact(2, () -> 0L);

        public OnePermitLeft() {
            limiter.tryAcquire();
        }

        @Actor
        public void first(ZZI_Result r) {
            r.r1 = limiter.tryAcquire();
        }

        @Actor
        public void second(ZZI_Result r) {
            r.r2 = limiter.tryAcquire();
        }

        @Arbiter
        public void left(ZZI_Result r) {
            r.r3 = limiter.availablePermits();
        }
    }

    /** Two racers each call tryAcquire() twice, against the two permits left of three. */
    @JCStressTest
    @Outcome(id = {"2, 0, 0", "1, 1, 0", "0, 2, 0"}, expect = ACCEPTABLE,
            desc = "Exactly two of the four attempts got the two permits left.")
    @Outcome(id = {"2, 1, 0", "1, 2, 0", "2, 2, 0"}, expect = FORBIDDEN,
            desc = "More than two were granted: more grants in the window than its permits.")
    @Outcome(expect = FORBIDDEN, desc = "A free permit was denied to every attempt, or the accounting is off.")
    @State
    public static class TwoPermitsLeft {
        private final RateLimiter limiter = exact(3, () -> 0L);

        public TwoPermitsLeft() {
            limiter.tryAcquire();
        }

        @Actor
        public void first(III_Result r) {
            r.r1 = (limiter.tryAcquire() ? 1 : 0) + (limiter.tryAcquire() ? 1 : 0);
        }

        @Actor
        public void second(III_Result r) {
            r.r2 = (limiter.tryAcquire() ? 1 : 0) + (limiter.tryAcquire() ? 1 : 0);
        }

        @Arbiter
        public void left(III_Result r) {
            r.r3 = limiter.availablePermits();
        }
    }

    /** tryAcquire(2) and tryAcquire(1) race for the two permits left of three. */
    @JCStressTest
    @Outcome(id = "true, false, 0", expect = ACCEPTABLE, desc = "The pair went first; the single found none left.")
    @Outcome(id = "false, true, 1", expect = ACCEPTABLE, desc = "The single went first; the pair no longer fit.")
    @Outcome(id = "true, true, 0", expect = FORBIDDEN, desc = "Both were granted: four grants in a window of three.")
    @Outcome(expect = FORBIDDEN, desc = "A request that fit was denied, or the accounting is off.")
    @State
    public static class PairAgainstSingle {
        private final RateLimiter limiter = exact(3, () -> 0L);

        public PairAgainstSingle() {
            limiter.tryAcquire();
        }

        @Actor
        public void pair(ZZI_Result r) {
            r.r1 = limiter.tryAcquire(2);
        }

        @Actor
        public void single(ZZI_Result r) {
            r.r2 = limiter.tryAcquire(1);
        }

        @Arbiter
        public void left(ZZI_Result r) {
            r.r3 = limiter.availablePermits();
        }
    }

    /**
     * As {@link PairAgainstSingle} on a strided ring: with 17 permits successive grants
     * write slots 8 apart, so the two permits left are positions 15 and 16, in slots 1 and 9.
     */
    @JCStressTest
    @Outcome(id = "true, false, 0", expect = ACCEPTABLE, desc = "The pair went first; the single found none left.")
    @Outcome(id = "false, true, 1", expect = ACCEPTABLE, desc = "The single went first; the pair no longer fit.")
    @Outcome(id = "true, true, 0", expect = FORBIDDEN, desc = "Both were granted: 18 grants in a window of 17.")
    @Outcome(expect = FORBIDDEN, desc = "A request that fit was denied, or the accounting is off.")
    @State
    public static class PairAgainstSingleStrided {
        private final RateLimiter limiter = exact(17, () -> 0L);

        public PairAgainstSingleStrided() {
            limiter.tryAcquire(15);
        }

        @Actor
        public void pair(ZZI_Result r) {
            r.r1 = limiter.tryAcquire(2);
        }

        @Actor
        public void single(ZZI_Result r) {
            r.r2 = limiter.tryAcquire(1);
        }

        @Arbiter
        public void left(ZZI_Result r) {
            r.r3 = limiter.availablePermits();
        }
    }

    /**
     * Two grants race on a clock whose every reading is later than the one before (an
     * atomic counter). Each grant must record its own reading, in the order the grants are
     * recorded: then, as the clock is swept past the window, exactly one permit is free for
     * a while (the older grant left, the newer not yet). A ring whose newer slot holds the
     * earlier time, or a time clamped to its neighbour, frees both permits at once.
     */
    @JCStressTest
    @Outcome(id = "true, true, true", expect = ACCEPTABLE,
            desc = "Both granted; the older grant left the window first.")
    @Outcome(id = "true, true, false", expect = FORBIDDEN,
            desc = "The recorded grant times are out of order (or one was clamped): they went backwards.")
    @Outcome(expect = FORBIDDEN, desc = "A free permit was denied.")
    @State
    public static class GrantTimesStayInOrder {
        private static final long SHORT = Duration.ofMillis(1).toNanos();
        private final AtomicLong clock = new AtomicLong();
        private volatile boolean frozen;
        private volatile long frozenAt;
        private final RateLimiter limiter = RateLimiter.builder().permits(2).window(Duration.ofNanos(SHORT))
                .ticker(this::read).build();

        private long read() {
            return frozen ? frozenAt : clock.getAndIncrement();
        }

        @Actor
        public void first(ZZZ_Result r) {
            r.r1 = limiter.tryAcquire();
        }

        @Actor
        public void second(ZZZ_Result r) {
            r.r2 = limiter.tryAcquire();
        }

        @Arbiter
        public void sweep(ZZZ_Result r) {
            long last = clock.get(); // both grant times are below this
            frozen = true;
            boolean oneFree = false;
            for (long t = SHORT; t <= SHORT + last; t++) {
                frozenAt = t;
                oneFree |= limiter.availablePermits() == 1;
            }
            r.r3 = oneFree;
        }
    }

    /** The approximate mode: two tryAcquire() race for the one permit left of two. */
    @JCStressTest
    @Outcome(id = {"true, false", "false, true"}, expect = ACCEPTABLE, desc = "Exactly one racer got the last permit.")
    @Outcome(id = "true, true", expect = FORBIDDEN, desc = "Both got one: three grants in a window of two.")
    @Outcome(id = "false, false", expect = FORBIDDEN, desc = "A free permit was denied to both racers.")
    @State
    public static class ApproximateOnePermitLeft {
        private final RateLimiter limiter =
                RateLimiter.builder().permits(2).window(WINDOW).ticker(() -> 0L).approximate().build();

        public ApproximateOnePermitLeft() {
            limiter.tryAcquire();
        }

        @Actor
        public void first(ZZ_Result r) {
            r.r1 = limiter.tryAcquire();
        }

        @Actor
        public void second(ZZ_Result r) {
            r.r2 = limiter.tryAcquire();
        }
    }

    /**
     * A blocked acquire() races the slot it waits for leaving the window (the clock moves
     * in another thread). The waiter must be served once the slot is free, exactly once.
     */
    @JCStressTest
    @Outcome(id = "1, 0, 0", expect = ACCEPTABLE,
            desc = "The waiter was served after the slot expired, and nothing more is free in the new window.")
    @Outcome(expect = FORBIDDEN, desc = "The waiter was not served, or more than one grant fit in the new window.")
    @State
    public static class AcquireRacesExpiry {
        private static final Duration SHORT = Duration.ofMillis(1);
        private final AtomicLong now = new AtomicLong();
        private final RateLimiter limiter =
                RateLimiter.builder().permits(1).window(SHORT).ticker(now::get).build();

        public AcquireRacesExpiry() {
            limiter.tryAcquire();
        }

        @Actor
        public void clock() {
            now.set(SHORT.toNanos());
        }

        @Actor
        public void waiter(III_Result r) {
            try {
                // Bounded: the waiter parks for the rest of the window as read on the manual
                // clock, at most 1 ms of real time, then reads the clock again; the deadline
                // (2 ms on the manual clock) is never reached, so it ends once the clock
                // actor has run and it is served.
                r.r1 = limiter.tryAcquire(SHORT.multipliedBy(2)) ? 1 : 0;
            } catch (InterruptedException e) {
                r.r1 = -1;
            }
        }

        @Arbiter
        public void after(III_Result r) {
            r.r2 = limiter.tryAcquire() ? 1 : 0;
            r.r3 = limiter.availablePermits();
        }
    }

    /**
     * An async waiter's cancel races the grant of its permit (made by another caller's
     * arrival, which serves the queue). The permit ends with exactly one of the two.
     */
    @JCStressTest
    @Outcome(id = "1, 0, 1", expect = ACCEPTABLE,
            desc = "Cancel won: the cancelled future holds nothing and the permit went to the next in line.")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE,
            desc = "The grant won: cancel was refused, the future completed and the next one still waits.")
    @Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "The permit was lost: nobody holds it.")
    @Outcome(id = "0, 1, 1", expect = FORBIDDEN, desc = "The permit was granted twice.")
    @Outcome(expect = FORBIDDEN, desc = "Any other outcome: a future in an impossible state.")
    @State
    public static class AsyncCancelRacesGrant {
        private final AtomicLong now = new AtomicLong();
        private final RateLimiter limiter = exact(1, now::get);
        private final CompletableFuture<Void> first;
        private volatile CompletableFuture<Void> second;

        public AsyncCancelRacesGrant() {
            limiter.tryAcquire();
            first = limiter.acquireAsync();     // queued: the slot frees only in an hour
            now.set(WINDOW.toNanos());          // now it is free, but nobody has served the queue
        }

        @Actor
        public void cancel(III_Result r) {
            r.r1 = first.cancel(false) ? 1 : 0;
        }

        @Actor
        public void arrive() {
            second = limiter.acquireAsync();    // serves the queue on arrival
        }

        @Arbiter
        public void after(III_Result r) {
            boolean firstGranted = settled(first) && !first.isCompletedExceptionally();
            r.r2 = firstGranted ? 1 : 0;
            if (r.r1 == 1) {
                r.r3 = settled(second) && !second.isCompletedExceptionally() ? 1 : 0;
            } else {
                // The second must still be waiting: cancelling it must succeed.
                r.r3 = second.cancel(false) ? 0 : 1;
            }
        }

        /** Waits (bounded) for a future that is expected to complete; the granting thread completes it after releasing the queue. */
        private static boolean settled(CompletableFuture<Void> future) {
            try {
                future.get(5, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return future.isDone();
            }
        }
    }
}
