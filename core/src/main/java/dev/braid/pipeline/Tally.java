package dev.braid.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One worker's counters: written by that worker only, read by anyone for statistics.
 */
final class Tally {

    /*
     * Implementation notes
     *
     * Single writer. Each worker owns its Tally, so an increment is a plain read of its own
     * last write plus a setOpaque store: no atomic read-modify-write and no fence on the hot
     * path (a shared AtomicLong or LongAdder per stage cost three atomic operations per item).
     * Readers use getOpaque: a snapshot of a running pipeline may be a few items old, a benign
     * race that statistics tolerate. The final snapshot is exact: every worker's last write
     * happens-before the end of its TaskScope child, which happens-before the coordinator's
     * snapshot (TaskScope.join's memory consistency effect).
     */

    private static final VarHandle COMPLETED;
    private static final VarHandle FAILED;
    private static final VarHandle FILTERED;
    private static final VarHandle BUSY;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            COMPLETED = l.findVarHandle(Tally.class, "completed", long.class);
            FAILED = l.findVarHandle(Tally.class, "failed", long.class);
            FILTERED = l.findVarHandle(Tally.class, "filtered", long.class);
            BUSY = l.findVarHandle(Tally.class, "busy", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long completed;
    private long failed;
    private long filtered;
    private int busy;
    private final int worker;

    /** @param worker the worker's index among its stage's workers */
    Tally(int worker) {
        this.worker = worker;
    }

    /** The worker's index among its stage's workers. */
    int worker() {
        return worker;
    }

    void completed(long n) {
        COMPLETED.setOpaque(this, completed + n);
    }

    void failed(long n) {
        FAILED.setOpaque(this, failed + n);
    }

    /** Counts one hand-on: completed if the next inlet took the result, else failed. */
    boolean handedOn(boolean ok) {
        if (ok) {
            completed(1);
        } else {
            failed(1);
        }
        return ok;
    }

    void addFiltered() {
        FILTERED.setOpaque(this, filtered + 1);
    }

    void busy(boolean holding) {
        BUSY.setOpaque(this, holding ? 1 : 0);
    }

    long completed() {
        return (long) COMPLETED.getOpaque(this);
    }

    long failed() {
        return (long) FAILED.getOpaque(this);
    }

    long filtered() {
        return (long) FILTERED.getOpaque(this);
    }

    int busy() {
        return (int) BUSY.getOpaque(this);
    }
}
