package dev.braid.ratelimit;

import dev.braid.time.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The exact sliding window: a ring of the last N grant times, non-decreasing from the
 * oldest (at {@code head}) to the newest. Eight bytes per permit.
 */
final class ExactWindow extends Window {

    /*
     * Implementation notes
     *
     * State. ring[i] is the grant time of one of the last N grants; head is the index of the
     * oldest, which is also the slot the next grant overwrites. At creation every slot holds
     * (creation time - window): as if N grants had happened exactly one window ago, so all N
     * permits are free at once and there is no "not yet filled" case to test.
     *
     * The guarantee. A grant of n at time t overwrites the n oldest entries. It is allowed iff
     * t - ring[head + n - 1] >= window (indices mod N): because the ring is non-decreasing,
     * the n-th oldest being at least a window old means the n oldest all are. After the grant
     * the ring again holds the last N grant times and any N + 1 consecutive grants span at
     * least a window (the (N+1)-th was allowed only because the first was a window older),
     * which is exactly "no half-open interval of length window holds more than N grants".
     *
     * Non-decreasing times. A thread reads the ticker before it takes the write section, so
     * another thread may record a later time first. commit() then reads the ticker again
     * (inside the section, after the other grant, so the reading is not earlier on a
     * monotonic ticker) and records that; the room it checked is still there at a later time.
     * If the ticker went backwards anyway (a broken Ticker), it records the newest time.
     *
     * Races. head and the ring are read by readers while a writer may change them; those
     * reads are benign races made safe by the sequence lock in Window (opaque loads, version
     * recheck). head is an int and only read after the version's acquire load.
     */

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] ring;
    /** Index of the oldest grant time; guarded by the sequence lock. */
    private int head;

    ExactWindow(int permits, long windowNanos, long createdAt) {
        super(permits, windowNanos);
        this.ring = new long[permits];
        java.util.Arrays.fill(ring, createdAt - windowNanos);
        // The constructor's writes are published by the final field ring (and RateLimiter's
        // final field holding this window).
    }

    private int index(int offset) {
        int i = head + offset;
        return i >= permits ? i - permits : i;
    }

    private long slot(int i) {
        return (long) SLOTS.getOpaque(ring, i);
    }

    @Override
    boolean fits(int n, long now) {
        return now - slot(index(n - 1)) >= windowNanos;
    }

    @Override
    int freeCount(long now) {
        // Free slots form a prefix of the ring in age order: binary search its length.
        int low = 0;
        int high = permits;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (now - slot(index(mid)) >= windowNanos) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    @Override
    long nanosUntilFits(int n, long now) {
        long wait = slot(index(n - 1)) + windowNanos - now;
        return Math.max(0L, wait);
    }

    @Override
    long commit(int n, long now, Ticker ticker) {
        int h = head;
        long newest = ring[h == 0 ? permits - 1 : h - 1];
        long time = now;
        if (time - newest < 0) {
            time = ticker.read();
            if (time - newest < 0) {
                time = newest;
            }
        }
        for (int k = 0; k < n; k++) {
            SLOTS.setOpaque(ring, h, time);
            if (++h == permits) {
                h = 0;
            }
        }
        head = h;
        return time;
    }

    /**
     * A lower bound on the wait until a request for {@code n} is granted behind waiters for
     * {@code ahead[0..count)} permits, assuming each is granted at the first moment the ring
     * allows it (the queue is FIFO, so nothing is granted earlier).
     */
    long nanosUntilFitsBehind(int[] ahead, int count, int n, long now) {
        for (;;) {
            long v = stableVersion();
            long[] start = new long[count + 1];
            long[] grantedAt = new long[count + 1]; // relative to now
            long offset = 0;
            long previous = 0;
            int owner = 0;
            for (int i = 0; i <= count; i++) {
                int want = i < count ? ahead[i] : n;
                start[i] = offset;
                long check = offset + want - 1;
                long checkTime;
                if (check < permits) {
                    checkTime = slot(index((int) check)) - now;
                } else {
                    long earlier = check - permits; // owned by an earlier simulated grant
                    while (start[owner] + (owner < count ? ahead[owner] : n) <= earlier) {
                        owner++;
                    }
                    checkTime = grantedAt[owner];
                }
                long at = Math.max(previous, Math.max(0L, checkTime + windowNanos));
                grantedAt[i] = at;
                previous = at;
                offset += want;
            }
            if (unchanged(v)) {
                return previous;
            }
        }
    }

    /** The ring's length in slots, for the memory test. */
    int capacity() {
        return ring.length;
    }
}
