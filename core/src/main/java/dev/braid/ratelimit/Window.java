package dev.braid.ratelimit;

import dev.braid.time.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;

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
     * even v to v + 1, issues a release fence, writes the data with opaque stores (no tearing
     * of longs for concurrent readers), then publishes v + 2 with a release store. A writer
     * that decides not to write (its waiter was cancelled) restores v with a release store:
     * nothing was written, so readers that started at v stay right.
     *
     * Readers never write. A reader loads version with acquire (so the data of that version is
     * visible), reads the data with opaque loads, issues an acquire fence (so the data loads
     * cannot float below the next load), and reloads version (opaque: the fence before it
     * gives the order): equal means the data it read was one consistent snapshot. This is the
     * classic seqlock (Boehm, "Can seqlocks get along with programming language memory
     * models?", 2012), which is what makes the denial path a read: no CAS, no store, no
     * allocation.
     *
     * Every VarHandle access on version and the ordering it needs:
     * - stableVersion: getAcquire. Later data loads (and the clock read) stay after it, and
     *   it synchronises with the setRelease of the writer that published v.
     * - the recheck (unchanged, and inline in tryGrant): acquireFence, then getOpaque. The
     *   fence keeps the data loads before the reload; opaque is enough for the reload itself.
     * - the grant: compareAndSet (volatile semantics). Its acquire half keeps the writer's
     *   loads of the previous grant's data after it.
     * - the releaseFence right after the CAS: the CAS's own store is not a release for the
     *   stores that follow it, so without the fence a reader could, in the memory model, see
     *   a new slot value yet still read the old even version on its recheck. With the fence
     *   (fence-fence synchronisation with the reader's acquireFence), a reader that read any
     *   store of this write section rereads at least v + 1 and retries. On x86 and in
     *   HotSpot's CAS on AArch64 it costs nothing; it is there for the formal argument.
     * - publish v + 2 and restore v: setRelease, so every data store of the section is
     *   visible to the reader whose getAcquire reads that version.
     *
     * Grant times in order. A grant reads the clock after its acquire load of the version it
     * will CAS from. The writer that published that version read its own clock before its
     * CAS, so on a monotonic ticker this grant's reading is not earlier than the newest
     * recorded time, and grant times are handed out in the order grants are recorded.
     * commit() still clamps: a ticker that goes backwards (a broken Ticker, or an older
     * reading on a clock that is not monotonic across cores) records the newest time again,
     * never an earlier one. A clamped time is later than the reading the room was checked
     * at, and room at a reading is room at any later time, so clamping never over-grants.
     *
     * A grant is a reader that found room, followed by a CAS from the version it read: the
     * CAS succeeds only if no grant was written since, so the room it saw is still there.
     * Versions only grow between commits (a restore goes back to the same even value with
     * the data untouched), so there is no ABA on the version within 2^62 grants.
     *
     * Contention. A thread that loses the CAS backs off before it looks again: a random
     * number of Thread.onSpinWait() in [0, bound), bound doubling from MIN_BACKOFF to
     * MAX_BACKOFF with each lost CAS of the same call. It never parks or yields there (the
     * winner is running and done within nanoseconds). Without it, two threads that keep
     * losing to each other bounce the version's cache line on every attempt (5.7 ops/us for
     * two threads against 26 for one, BENCHMARKS.md); with it the winner usually grants
     * again from its own cache while the loser waits, which is what Resilience4j gets from
     * its parkNanos(1) after a lost CAS. The bounds were picked by a JMH sweep (cap 256:
     * 5-13 ops/us; 1024 to 65536: 19-26, within the noise of each other); at about 30 ns per
     * onSpinWait on the benchmark machine, the cap is about 120 us, the order of a
     * parkNanos(1) on Linux. A drain (under the queue's lock) may spin here too: the lock is
     * then held for the back-off, never across a park.
     *
     * While a writer holds the odd version (for O(n) stores of an n-permit grant, never
     * across a park or any call out, not even a Ticker read), readers spin with onSpinWait
     * and yield after a while: the holder is runnable, so this is a short wait, not a block.
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
    /** The first back-off bound after a lost CAS, in onSpinWait calls (about 1 us). */
    static final int MIN_BACKOFF = 32;
    /** The largest back-off bound, in onSpinWait calls (about 120 us at 30 ns a call). */
    static final int MAX_BACKOFF = 4096;

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
     * {@code now}. Records {@code now}, or the newest recorded time if {@code now} is earlier
     * (a ticker that went backwards), so that grant times never decrease.
     *
     * @return the recorded grant time
     */
    abstract long commit(int n, long now);

    /**
     * Grants {@code n} permits if they fit now.
     *
     * @param n the permits, 1..permits
     * @param ticker the clock; read once per look at a stable version, after reading it
     * @param waiter if not null, the queued waiter being served: it is claimed inside the
     *     write section, and nothing is written if it was cancelled
     * @return true if granted (and the waiter, if any, claimed)
     */
    final boolean tryGrant(int n, Ticker ticker, RateLimiter.Waiter waiter) {
        int backoff = MIN_BACKOFF;
        for (;;) {
            long v = stableVersion();
            long now = ticker.read(); // after the version: see "Grant times in order"
            if (!fits(n, now)) {
                VarHandle.acquireFence(); // the data loads above complete before the recheck
                if ((long) VERSION.getOpaque(this) == v) {
                    return false; // a consistent snapshot had no room: the denial path ends here
                }
                continue; // a grant was written meanwhile: look again
            }
            if (!VERSION.compareAndSet(this, v, v + 1)) {
                backoff = backOff(backoff); // someone granted since v: the room may be gone
                continue;
            }
            VarHandle.releaseFence(); // the CAS's store is ordered before the data stores
            if (waiter != null && !waiter.claim()) {
                VERSION.setRelease(this, v); // nothing written: restore v
                return false;
            }
            commit(n, now);
            VERSION.setRelease(this, v + 2);
            return true;
        }
    }

    /**
     * Spins a random number of onSpinWait calls below {@code bound} and returns the next
     * bound (doubled, capped). Never parks: the CAS winner is running.
     */
    private static int backOff(int bound) {
        int spins = ThreadLocalRandom.current().nextInt(bound);
        for (int i = 0; i < spins; i++) {
            Thread.onSpinWait();
        }
        return Math.min(bound << 1, MAX_BACKOFF);
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
