package dev.braid.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.braid.testkit.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Random schedules of calls on a manual ticker, checked against a brute-force model of the
 * contract (a list of every grant time; a request fits iff fewer than permits - n + 1
 * grants lie in the half-open window before now). Exact limits go from 1 to 24, so that
 * rings with stride 1 (limits up to 16, and 18) and strided rings (17, 19 to 24) are both
 * covered.
 */
class RateLimiterPropertyTest {

    private static final long WINDOW = Duration.ofMillis(1).toNanos();

    /** One step of a schedule: advance the ticker, then call. */
    static final class Step {
        final long advance;
        final int kind; // 0 tryAcquire(n), 1 acquire(n), 2 tryAcquire(n, timeout), 3 availablePermits
        final int permits;
        final long timeout;

        Step(long advance, int kind, int permits, long timeout) {
            this.advance = advance;
            this.kind = kind;
            this.permits = permits;
            this.timeout = timeout;
        }

        @Override
        public String toString() {
            return "+" + advance + " " + new String[] {"try", "acquire", "tryTimed", "available"}[kind]
                    + "(" + permits + (kind == 2 ? ", " + timeout : "") + ")";
        }
    }

    @Provide
    Arbitrary<List<Step>> schedules() {
        // Advances are biased to land exactly on window boundaries and just beside them.
        Arbitrary<Long> advance = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(6, Arbitraries.longs().between(1, WINDOW / 4)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(WINDOW - 1, WINDOW, WINDOW + 1, WINDOW / 2)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(WINDOW, 3 * WINDOW)));
        Arbitrary<Step> step = Combinators.combine(
                advance,
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(1, 24),
                Arbitraries.longs().between(0, 2 * WINDOW)).as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(120);
    }

    /** The contract as a model: every grant time, forever. */
    static final class Model {
        final int permits;
        final long window;
        final List<Long> grants = new ArrayList<>();

        Model(int permits, long window) {
            this.permits = permits;
            this.window = window;
        }

        int inWindow(long now) {
            int count = 0;
            for (long g : grants) {
                if (now - g < window) {
                    count++;
                }
            }
            return count;
        }

        boolean fits(int n, long now) {
            return inWindow(now) + n <= permits;
        }

        /** The earliest moment >= now at which n fit: now, or some grant's time + window. */
        long earliest(int n, long now) {
            if (fits(n, now)) {
                return now;
            }
            long bestDelta = Long.MAX_VALUE;
            for (long g : grants) {
                long delta = g + window - now;
                if (delta > 0 && delta < bestDelta && fits(n, g + window)) {
                    bestDelta = delta;
                }
            }
            return now + bestDelta;
        }

        void grant(int n, long at) {
            for (int i = 0; i < n; i++) {
                grants.add(at);
            }
        }

        /** Any permits + 1 consecutive grants span at least a window. */
        void checkInvariant() {
            List<Long> sorted = new ArrayList<>(grants);
            sorted.sort((a, b) -> Long.compare(a - b, 0));
            for (int i = 0; i + permits < sorted.size(); i++) {
                assertThat(sorted.get(i + permits) - sorted.get(i))
                        .as("grants %d..%d of %s", i, i + permits, sorted)
                        .isGreaterThanOrEqualTo(window);
            }
        }
    }

    @Property(tries = 300)
    void theExactModeGrantsExactlyWhatTheContractAllows(
            @ForAll("schedules") List<Step> schedule,
            @ForAll @IntRange(min = 1, max = 24) int permits,
            @ForAll @LongRange(min = Long.MIN_VALUE / 2, max = Long.MAX_VALUE) long start) throws Exception {
        ManualTicker ticker = new ManualTicker(start);
        TickingParker parker = new TickingParker(ticker);
        RateLimiter limiter = RateLimiter.builder().permits(permits).window(Duration.ofNanos(WINDOW))
                .ticker(ticker).parker(parker).build();
        Model model = new Model(permits, WINDOW);
        for (Step step : schedule) {
            ticker.advance(step.advance);
            int n = Math.min(step.permits, permits);
            long now = ticker.read();
            switch (step.kind) {
                case 0: {
                    boolean granted = limiter.tryAcquire(n);
                    assertThat(granted).as("%s at %d, model %s", step, now, model.grants).isEqualTo(model.fits(n, now));
                    if (granted) {
                        model.grant(n, now);
                    }
                    break;
                }
                case 1: {
                    long at = model.earliest(n, now);
                    limiter.acquire(n);
                    assertThat(parker.takeWaits()).as("%s waits until the slot frees", step)
                            .isEqualTo(at == now ? List.of() : List.of(at - now));
                    assertThat(ticker.read()).isEqualTo(at);
                    model.grant(n, at);
                    break;
                }
                case 2: {
                    long at = model.earliest(n, now);
                    boolean expected = at - now <= step.timeout;
                    boolean granted = limiter.tryAcquire(n, Duration.ofNanos(step.timeout));
                    assertThat(granted).as("%s predicts", step).isEqualTo(expected);
                    assertThat(ticker.read()).as("%s waited only if granted", step).isEqualTo(granted ? at : now);
                    parker.takeWaits();
                    if (granted) {
                        model.grant(n, at);
                    }
                    break;
                }
                default: {
                    int free = Math.max(0, permits - model.inWindow(now));
                    assertThat(limiter.availablePermits()).as(step.toString()).isEqualTo(free);
                }
            }
        }
        model.checkInvariant();
    }

    @Property(tries = 300)
    void theApproximateModeNeverAdmitsMoreAndDeniesOnlyWithinItsBound(
            @ForAll("schedules") List<Step> schedule,
            @ForAll @IntRange(min = 1, max = 8) int permits) {
        ManualTicker ticker = new ManualTicker(-WINDOW * 7);
        RateLimiter limiter = RateLimiter.builder().permits(permits).window(Duration.ofNanos(WINDOW))
                .ticker(ticker).approximate().build();
        long bucket = (WINDOW + ApproximateWindow.BUCKETS - 1) / ApproximateWindow.BUCKETS;
        Model model = new Model(permits, WINDOW);
        // The documented worst case: it denies no more than an exact limiter with this window.
        Model lenientBound = new Model(permits, WINDOW + bucket + ApproximateWindow.BUCKETS);
        for (Step step : schedule) {
            ticker.advance(step.advance);
            int n = Math.min(step.permits, permits);
            long now = ticker.read();
            boolean granted = limiter.tryAcquire(n);
            if (granted) {
                assertThat(model.fits(n, now)).as("over-admission by %s at %d: %s", step, now, model.grants).isTrue();
                model.grant(n, now);
                lenientBound.grant(n, now);
            } else {
                assertThat(lenientBound.fits(n, now))
                        .as("denial of %s at %d beyond the stated bound: %s", step, now, model.grants).isFalse();
            }
        }
        model.checkInvariant();
    }
}
