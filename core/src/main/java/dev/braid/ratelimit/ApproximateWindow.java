package dev.braid.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The approximate sliding window: grant counts per bucket of {@code window / BUCKETS}, for
 * the last {@code BUCKETS + 1} buckets. Constant memory whatever the limit.
 */
final class ApproximateWindow extends Window {

    /*
     * Implementation notes
     *
     * Buckets. Time since creation is cut into buckets of width b = ceil(window / BUCKETS).
     * slots hold, for BUCKETS + 1 buckets, the bucket number and its grant count. Every grant
     * in (now - window, now] lies in a bucket numbered >= bucket(now) - BUCKETS (because
     * BUCKETS * b >= window), so counting those buckets in full never undercounts: the mode
     * never admits more than the limit in any window. It overcounts grants up to one bucket
     * (plus BUCKETS ns of rounding) older than the window: it denies like an exact limiter
     * whose window is at most b + BUCKETS ns longer. That is its whole approximation.
     *
     * Sums count every recorded bucket numbered >= bucket(now) - BUCKETS, including buckets
     * later than bucket(now): a thread whose reading is older than another's commit still
     * sees that commit, and room at its reading is then room at any later reading.
     *
     * Non-decreasing times as in ExactWindow: Window reads the clock after the version, and
     * commit() never records a time (so a bucket) earlier than the newest.
     *
     * Ordering of every access. bucketOf and countOf are read by readers racing a writer:
     * getOpaque, so that a long never tears (a plain long may on a 32-bit JVM); the benign
     * race is made safe by Window's sequence lock (version recheck). commit stores them
     * with setOpaque for the same reason, and reads them plainly: only writers run commit,
     * ordered by the version CAS. newest is read and written by writers only (plain, same
     * ordering argument); readers never look at it. origin and bucketNanos are final.
     */

    /** Buckets per window; the mode over-counts at most one bucket. */
    static final int BUCKETS = 16;
    private static final int SLOT_COUNT = BUCKETS + 1;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long NO_BUCKET = Long.MIN_VALUE / 2;

    private final long origin;
    private final long bucketNanos;
    private final long[] bucketOf = new long[SLOT_COUNT];
    private final long[] countOf = new long[SLOT_COUNT];
    /** The newest recorded grant time; guarded by the sequence lock. */
    private long newest;

    ApproximateWindow(int permits, long windowNanos, long createdAt) {
        super(permits, windowNanos);
        this.origin = createdAt;
        this.bucketNanos = (windowNanos + BUCKETS - 1) / BUCKETS;
        java.util.Arrays.fill(bucketOf, NO_BUCKET);
        this.newest = createdAt;
    }

    /** The width of one bucket in nanoseconds. */
    long bucketNanos() {
        return bucketNanos;
    }

    private long bucket(long time) {
        return Math.floorDiv(time - origin, bucketNanos);
    }

    /** Grants counted at bucket {@code current}: every recorded bucket >= current - BUCKETS. */
    private long counted(long current) {
        long oldest = current - BUCKETS;
        long sum = 0;
        for (int i = 0; i < SLOT_COUNT; i++) {
            if ((long) LONGS.getOpaque(bucketOf, i) >= oldest) {
                sum += (long) LONGS.getOpaque(countOf, i);
            }
        }
        return sum;
    }

    @Override
    boolean fits(int n, long now) {
        return counted(bucket(now)) + n <= permits;
    }

    @Override
    int freeCount(long now) {
        return (int) Math.max(0L, permits - counted(bucket(now)));
    }

    @Override
    long nanosUntilFits(int n, long now) {
        long current = bucket(now);
        // Each later bucket drops the oldest counted one; after BUCKETS + 1 all are gone.
        for (long b = current; ; b++) {
            if (counted(b) + n <= permits) {
                return b == current ? 0L : Math.max(0L, origin + b * bucketNanos - now);
            }
        }
    }

    @Override
    long commit(int n, long now) {
        long time = now - newest < 0 ? newest : now; // never earlier than the newest grant
        newest = time;
        long b = bucket(time);
        int slot = (int) Math.floorMod(b, (long) SLOT_COUNT);
        if (bucketOf[slot] != b) {
            LONGS.setOpaque(bucketOf, slot, b);
            LONGS.setOpaque(countOf, slot, (long) n);
        } else {
            LONGS.setOpaque(countOf, slot, countOf[slot] + n);
        }
        return time;
    }
}
