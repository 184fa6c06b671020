package dev.braid.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.braid.time.Ticker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

/**
 * The stated footprint, measured with JOL: 8 bytes per permit in the exact mode, a constant
 * in the approximate mode. Objects shared by every limiter (the ticker, the parker, the
 * timer) are not part of a limiter's footprint and are subtracted; the production timer is
 * replaced by a plain object because JOL cannot walk the lambda (a hidden class) inside it.
 */
class RateLimiterMemoryTest {

    private static final class NoTimer implements Scheduler {
        @Override
        public Runnable schedule(Runnable task, long delayNanos) {
            throw new AssertionError("not used");
        }
    }

    private static final Scheduler SHARED_TIMER = new NoTimer();

    private static long footprint(int permits, boolean approximate) {
        RateLimiter.Builder builder = RateLimiter.builder().permits(permits).window(Duration.ofSeconds(1))
                .scheduler(SHARED_TIMER);
        RateLimiter limiter = (approximate ? builder.approximate() : builder).build();
        return GraphLayout.parseInstance(limiter)
                .subtract(GraphLayout.parseInstance(SHARED_TIMER, Ticker.system(), Parker.LOCK_SUPPORT))
                .totalSize();
    }

    @Test
    void theExactModeKeepsEightBytesPerPermit() {
        long small = footprint(1_000, false);
        long large = footprint(101_000, false);
        assertThat(large - small).isEqualTo(8L * 100_000);
        assertThat(small - 8L * 1_000).as("the constant part").isLessThan(512);
    }

    @Test
    void theApproximateModeIsTheSameSizeForAnyLimit() {
        long small = footprint(10, true);
        long huge = footprint(1_000_000_000, true);
        assertThat(huge).isEqualTo(small).isLessThan(1_024);
    }
}
