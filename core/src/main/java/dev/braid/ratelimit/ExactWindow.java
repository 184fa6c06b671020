package dev.braid.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The exact sliding window: a ring of the last N grant times, non-decreasing from the
 * oldest (at {@code head}) to the newest, in the ring's visiting order. Eight bytes per
 * permit.
 */
final class ExactWindow extends Window {

    /*
     * Implementation notes
     *
     * State. The ring is visited in a fixed cyclic order: the grant after the one in slot i
     * goes to slot (i + stride) mod N. "Position" k below means k steps along that order
     * from head. head is the slot of the oldest grant time, which is also the slot the next
     * grant overwrites; position k is slot (head + k * stride) mod N. At creation every slot
     * holds (creation time - window): as if N grants had happened exactly one window ago, so
     * all N permits are free at once and there is no "not yet filled" case to test.
     *
     * Stride. stride is coprime with N, so k -> (head + k * stride) mod N visits every slot
     * exactly once per N grants: the ring is fully used and memory stays 8 bytes per permit,
     * with no padding. It is the smallest s in [8, N - 8] coprime with N, so successive
     * grants write slots at least 8 longs (64 bytes, one cache line) apart in both
     * directions around the ring: a grant does not write into the line of the slot the
     * previous grant wrote and a loser of the CAS race may still be reading. For N < 17 and
     * N = 18 no such s exists and the stride is 1 (the whole ring is two or three lines; the
     * contended threads share it whatever the order).
     *
     * The guarantee. A grant of n at time t overwrites the n oldest entries. It is allowed iff
     * t - (position n - 1) >= window: because the ring is non-decreasing along positions, the
     * n-th oldest being at least a window old means the n oldest all are. After the grant
     * the ring again holds the last N grant times and any N + 1 consecutive grants span at
     * least a window (the (N+1)-th was allowed only because the first was a window older),
     * which is exactly "no half-open interval of length window holds more than N grants".
     *
     * Non-decreasing times: Window reads the clock after the version, and commit() clamps a
     * reading earlier than the newest recorded time to that time (see Window's notes).
     *
     * Ordering of every access (the sequence lock in Window makes the races benign):
     * - ring slots: readers getOpaque (a long must not tear; the version recheck orders
     *   them); commit setOpaque for the same reason. commit reads the newest slot with a
     *   plain load: only writers run commit, and the previous writer's stores happen-before
     *   it through that writer's setRelease of the version and this writer's CAS.
     * - head: readers getOpaque (a value some writer wrote, so always in [0, N); the
     *   recheck discards a snapshot that mixes versions); commit setOpaque, and reads it
     *   plainly for the same reason as the newest slot.
     * - stride and ring are final, published with the limiter.
     */

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(ExactWindow.class, "head", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The shortest distance in slots between the slots of two successive grants: one cache line. */
    static final int MIN_STRIDE = 8;

    private final long[] ring;
    /** The step between successive grants' slots; coprime with the ring's length. */
    private final int stride;
    /** Slot of the oldest grant time; guarded by the sequence lock. */
    private int head;

    ExactWindow(int permits, long windowNanos, long createdAt) {
        super(permits, windowNanos);
        this.ring = new long[permits];
        this.stride = strideFor(permits);
        java.util.Arrays.fill(ring, createdAt - windowNanos);
        // The constructor's writes are published by the final field ring (and RateLimiter's
        // final field holding this window).
    }

    /**
     * The smallest stride in [MIN_STRIDE, permits - MIN_STRIDE] coprime with {@code
     * permits}, or 1 if there is none.
     */
    static int strideFor(int permits) {
        for (int s = MIN_STRIDE; s <= permits - MIN_STRIDE; s++) {
            if (gcd(s, permits) == 1) {
                return s;
            }
        }
        return 1;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** The slot of position {@code k} (0 = oldest) from {@code h}. */
    private int slotOf(int h, int k) {
        return k == 0 ? h : (int) ((h + (long) k * stride) % permits);
    }

    private int head() {
        return (int) HEAD.getOpaque(this);
    }

    private long slot(int i) {
        return (long) SLOTS.getOpaque(ring, i);
    }

    @Override
    boolean fits(int n, long now) {
        return now - slot(slotOf(head(), n - 1)) >= windowNanos;
    }

    @Override
    int freeCount(long now) {
        // Free slots form a prefix of the positions in age order: binary search its length.
        int h = head();
        int low = 0;
        int high = permits;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (now - slot(slotOf(h, mid)) >= windowNanos) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    @Override
    long nanosUntilFits(int n, long now) {
        long wait = slot(slotOf(head(), n - 1)) + windowNanos - now;
        return Math.max(0L, wait);
    }

    @Override
    long commit(int n, long now) {
        int h = head;
        int newestSlot = h - stride;
        if (newestSlot < 0) {
            newestSlot += permits;
        }
        long newest = ring[newestSlot];
        long time = now - newest < 0 ? newest : now; // never earlier than the newest grant
        for (int k = 0; k < n; k++) {
            SLOTS.setOpaque(ring, h, time);
            h += stride;
            if (h >= permits) {
                h -= permits;
            }
        }
        HEAD.setOpaque(this, h);
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
            int h = head();
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
                    checkTime = slot(slotOf(h, (int) check)) - now;
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

    /** The stride, for tests. */
    int stride() {
        return stride;
    }

    /** The time held in slot {@code i}, for tests; call only while no grant is in progress. */
    long timeInSlot(int i) {
        return slot(i);
    }
}
