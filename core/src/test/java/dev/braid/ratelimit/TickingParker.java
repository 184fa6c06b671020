package dev.braid.ratelimit;

import dev.braid.testkit.ManualTicker;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Parker} for single-threaded tests: instead of sleeping, a timed park moves the
 * manual ticker by the requested amount and records it (Guava RateLimiterTest's transcript
 * idiom). An untimed park would wait forever in a single-threaded test, so it fails.
 */
final class TickingParker implements Parker {

    private final ManualTicker ticker;
    private final List<Long> waits = new ArrayList<>();

    TickingParker(ManualTicker ticker) {
        this.ticker = ticker;
    }

    @Override
    public void park(Object blocker) {
        throw new AssertionError("an untimed park in a single-threaded test would never end");
    }

    @Override
    public void parkNanos(Object blocker, long nanos) {
        waits.add(nanos);
        ticker.advance(nanos);
    }

    /** The waits so far, in nanoseconds; clears them. */
    List<Long> takeWaits() {
        List<Long> copy = new ArrayList<>(waits);
        waits.clear();
        return copy;
    }
}
