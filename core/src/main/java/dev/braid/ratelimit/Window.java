package dev.braid.ratelimit;

import dev.braid.time.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The grant bookkeeping of a {@link RateLimiter}: which grants happened when, and whether
 * {@code n} more fit now. Two final subclasses: {@link ExactWindow} (a ring of the last N
 * grant times) and {@link ApproximateWindow} (a ring of per-bucket counts).
 *
 * <p>Subclasses keep their data in plain arrays and fields guarded by the sequence lock
 * below; they only say what to read ({@link #fits}, {@link #freeCount}, {@link #nanosUntilFits})
 * and what to write ({@link #commit}).
 */
abstract class Window {

    /*
     * Implementation notes
     *
     * Sequence lock. All mutable data of a window is guarded by {@code version}: even while
     * the data is stable, odd while one thread writes a grant. A writer CASes version from an
     * even v to v + 1 (the CAS is a full fence, so no data write floats above it), writes the
     * data with opaque stores (no tearing of longs for concurrent readers), then publishes
     * v + 2 with a release store. A writer that decides not to write (its waiter was
     * cancelled) restores v: nothing was written, so readers that started at v stay right.
     *
     * Readers never write. A reader loads version with acquire (so the data of that version is
     * visible), reads the data with opaque loads, issues an acquire fence (so the data loads
     * cannot float below the next load), and reloads version: equal means the data it read
     * was one consistent snapshot. This is the classic seqlock (Boehm, "Can seqlocks get
     * along with programming language memory models?", 2012), which is what makes the denial
     * path a read: no CAS, no store, no allocation.
     *
     * A grant is a reader that found room, followed by a CAS from the version it read: the
     * CAS succeeds only if no grant was written since, so the room it saw is still there.
     * Versions only grow between commits (a restore goes back to the same even value with
     * the data untouched), so there is no ABA on the version within 2^62 grants.
     *
     * While a writer holds the odd version (for O(n) stores of an n-permit grant, never
     * across a park or a call out, except one Ticker read), readers spin with onSpinWait and
     * yield after a while: the holder is runnable, so this is a short wait, not a block.
     */

    private static final VarHandle VERSION;

    static {
        try {
            VERSION = MethodHandles.lookup().findVarHandle(Window.class, "version", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int SPINS_BEFORE_YIELD = 64;

    /** Even while stable, odd while a grant is being written. */
    @SuppressWarnings("unused") // accessed through VERSION
    private volatile long version;

    /** The limit: at most this many grants per window. */
    final int permits;
    /** The window length in ticker nanoseconds. */
    final long windowNanos;

    Window(int permits, long windowNanos) {
        this.permits = permits;
        this.windowNanos = windowNanos;
    }

    /** Whether {@code n} more grants at {@code now} keep the guarantee. Reads only. */
    abstract boolean fits(int n, long now);

    /** How many grants at {@code now} would keep the guarantee (0..permits). Reads only. */
    abstract int freeCount(long now);

    /** Nanoseconds from {@code now} until {@code n} grants fit (0 if they fit now). Reads only. */
    abstract long nanosUntilFits(int n, long now);

    /**
     * Records {@code n} grants; called with the version odd and {@link #fits} true at
     * {@code now}. May read the ticker again to keep grant times non-decreasing.
     *
     * @return the recorded grant time
     */
    abstract long commit(int n, long now, Ticker ticker);

    /**
     * Grants {@code n} permits if they fit now.
     *
     * @param n the permits, 1..permits
     * @param ticker the clock; read once (twice if another thread recorded a later grant
     *     time between this thread's reading and its commit)
     * @param waiter if not null, the queued waiter being served: it is claimed inside the
     *     write section, and nothing is written if it was cancelled
     * @return true if granted (and the waiter, if any, claimed)
     */
    final boolean tryGrant(int n, Ticker ticker, RateLimiter.Waiter waiter) {
        long now = ticker.read();
        for (;;) {
            long v = stableVersion();
            boolean fits = fits(n, now);
            if (!fits) {
                VarHandle.acquireFence(); // the data loads above complete before the recheck
                if ((long) VERSION.getOpaque(this) == v) {
                    return false; // a consistent snapshot had no room: the denial path ends here
                }
                continue; // a grant was written meanwhile: look again
            }
            if (!VERSION.compareAndSet(this, v, v + 1)) {
                continue; // someone granted since v: the room may be gone
            }
            if (waiter != null && !waiter.claim()) {
                VERSION.setRelease(this, v); // nothing written: restore v
                return false;
            }
            commit(n, now, ticker);
            VERSION.setRelease(this, v + 2);
            return true;
        }
    }

    /** {@link #freeCount} from a consistent snapshot. */
    final int available(long now) {
        for (;;) {
            long v = stableVersion();
            int free = freeCount(now);
            VarHandle.acquireFence();
            if ((long) VERSION.getOpaque(this) == v) {
                return free;
            }
        }
    }

    /** {@link #nanosUntilFits} from a consistent snapshot. */
    final long nanosUntil(int n, long now) {
        for (;;) {
            long v = stableVersion();
            long nanos = nanosUntilFits(n, now);
            VarHandle.acquireFence();
            if ((long) VERSION.getOpaque(this) == v) {
                return nanos;
            }
        }
    }

    /** An even version read with acquire, waiting out a writer in progress. */
    final long stableVersion() {
        long v = (long) VERSION.getAcquire(this);
        for (int spins = 0; (v & 1L) != 0; spins++) {
            if (spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            v = (long) VERSION.getAcquire(this);
        }
        return v;
    }

    /** Whether the version is still {@code v}; for readers of several values (after a fence). */
    final boolean unchanged(long v) {
        VarHandle.acquireFence();
        return (long) VERSION.getOpaque(this) == v;
    }
}
