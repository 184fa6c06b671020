package dev.braid.time;

/**
 * A source of monotonic nanosecond readings: the one clock every time-dependent part of
 * braid (rate limiters, pool expiry, scope deadlines) reads.
 *
 * <p>A reading means nothing on its own; only the difference between two readings of the
 * same ticker is a duration. Compare readings by subtraction, never with {@code <}, because
 * the value may wrap around like {@link System#nanoTime()}:
 *
 * <pre>{@code
 * Ticker ticker = Ticker.system();
 * long start = ticker.read();
 * doWork();
 * long elapsedNanos = ticker.read() - start;            // right even across a wrap
 * boolean expired = ticker.read() - deadline >= 0;      // not: ticker.read() >= deadline
 * }</pre>
 *
 * <p>Production code uses {@link #system()}. Tests pass a manual ticker (one whose
 * {@code read()} returns a value the test advances by hand) to a builder, so that
 * time-dependent behaviour is checked without sleeping.
 *
 * <p><b>Thread-safety:</b> implementations must be safe to call from any thread, and
 * successive readings observed by one thread must never decrease (by difference).
 *
 * <p><b>Memory consistency effects:</b> none are promised; a ticker is a clock, not a
 * synchronisation device.
 */
@FunctionalInterface
public interface Ticker {

    /**
     * Returns the current reading in nanoseconds, relative to an arbitrary fixed origin.
     *
     * @return the current reading; only differences between readings are meaningful
     */
    long read();

    /**
     * Returns the ticker backed by {@link System#nanoTime()}.
     *
     * @return the system ticker, a singleton
     */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}
