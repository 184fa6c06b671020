package dev.braid.pipeline;

/**
 * How long a waiter on one side of a {@link Buffer} spins and yields before it parks,
 * adapted to what spinning has recently bought: a wait that ended while spinning doubles the
 * budget (up to a maximum), a wait that had to park halves it (down to a minimum).
 */
final class SpinBudget {

    /*
     * Implementation notes
     *
     * Benign race. 'spins' is a plain int read and written by every waiter of one side of
     * one buffer without synchronisation: a lost update or a stale read only makes one wait
     * spin a little longer or shorter, never wrong. An int is written atomically (JLS 17.7),
     * so a reader never sees a torn value, and the value always stays within [MIN, MAX]
     * because every writer clamps what it writes.
     *
     * Why adaptive. When producer and consumer run on their own cores, a hand-off empties
     * or fills the ring within a few hundred nanoseconds, and a short spin avoids a
     * park/unpark pair (microseconds, and a system call for a platform thread). When there
     * are more runnable threads than cores, spinning only burns the time slice the other
     * side needs; then the budget falls to its minimum and waiters yield, then park.
     * Virtual threads never spend the budget (Buffer's notes, "Virtual threads do not spin").
     */

    static final int MIN = 32;
    static final int MAX = 1024;
    /** Thread.yield() calls between the spin phase and parking. */
    static final int YIELDS = 4;

    private int spins = 256;

    /** The current spin budget (racy read). */
    int spins() {
        return spins;
    }

    /** A wait ended within the spin phase: spinning paid off, spin longer next time. */
    void paidOff() {
        int s = spins;
        if (s < MAX) {
            spins = Math.min(MAX, s << 1);
        }
    }

    /** A wait had to park: the spin was wasted, spin less next time. */
    void wasted() {
        int s = spins;
        if (s > MIN) {
            spins = Math.max(MIN, s >> 1);
        }
    }
}
