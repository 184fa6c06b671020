package dev.braid.testkit;

import dev.braid.time.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that moves only when the test says so. Thread-safe: a test thread may
 * advance it while the code under test reads it from other threads.
 */
public final class ManualTicker implements Ticker {

    private final AtomicLong nanos;

    /** A ticker starting at 0. */
    public ManualTicker() {
        this(0L);
    }

    /**
     * A ticker starting at {@code startNanos}; start near {@link Long#MAX_VALUE} to check that
     * the code compares readings by difference across a wrap-around.
     *
     * @param startNanos the first reading
     */
    public ManualTicker(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    /**
     * Moves the ticker forward.
     *
     * @param amount how far; must not be negative
     * @return the new reading
     */
    public long advance(Duration amount) {
        return advance(amount.toNanos());
    }

    /**
     * Moves the ticker forward.
     *
     * @param deltaNanos how far, in nanoseconds; must not be negative
     * @return the new reading
     */
    public long advance(long deltaNanos) {
        if (deltaNanos < 0) {
            throw new IllegalArgumentException("a ticker never goes back: " + deltaNanos);
        }
        return nanos.addAndGet(deltaNanos);
    }

    @Override
    public String toString() {
        return "ManualTicker[" + nanos.get() + "]";
    }
}
