package dev.braid.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Ordered mode's inlet for a flatMap stage with several workers (stages with one result per
 * item put into a positional {@link Buffer} instead): the worker that finished the item
 * with sequence number {@code s} leaves its result in slot {@code s % capacity} and goes on
 * to its next item; whichever worker holds the emit turn hands the ready results on to the
 * next buffer in sequence order, for as long as they are consecutive.
 */
final class ReorderRing implements Inlet {

    /*
     * Implementation notes
     *
     * Window. 'next' is the sequence number of the next result to hand on. A result for s
     * may be deposited only when s < next + capacity: its slot is then free (the result of
     * s - capacity was handed on, and its slot cleared before 'next' passed it). A worker
     * ahead of the window waits, holding its result: memory stays bounded by the capacity
     * plus the worker count. Deadlock freedom: the result for 'next' is either deposited
     * (and the emitter hands it on) or still held by a worker that is computing it (it
     * never waits for the window, since next < next + capacity); handing on may block on
     * the next buffer, which drains independently of this stage. Filtered, skipped and
     * dead-lettered items deposit a GAP, so a gap never stalls the ring.
     *
     * Emit turn (a "work in progress" counter, as in reactive-streams drain loops). A
     * depositor publishes its result (release store of the slot), then increments 'wip'
     * (volatile getAndAdd); the one that moved it from 0 holds the turn and drains, and
     * before giving the turn up subtracts what it saw (volatile getAndAdd): if another deposit
     * came in meanwhile the counter is not zero and it drains again. Each depositor's
     * increment is seen by the emitter's subtraction or makes the depositor the emitter, so
     * no ready result is left behind. Only the turn holder touches 'next' and clears slots,
     * so results leave in sequence order, one at a time; the acquire load of a slot pairs
     * with its depositor's release store.
     *
     * Waking window waiters. A waiter yields a few times, then parks until its sequence
     * number is within next + capacity / 2 (hysteresis: woken once per half ring, not once
     * per hand-on, which cost a park/unpark pair per item). Each worker of the stage has its
     * own registration (parkedBy[worker], with the sequence number it waits for in
     * parkedSeq[worker], written and read opaque so that a racing re-registration is never
     * seen torn), so registrations never collide. The emitter publishes 'next' with
     * a release store per hand-on (enough for a depositor's window check and for the slot it
     * cleared) and only every WAKE_EVERY hand-ons, and whenever it gives up the turn, makes
     * a volatile store of 'next' followed by a volatile read of 'parked'; if a worker is
     * registered it reads the registrations and unparks each one whose wake condition now
     * holds. Dekker: a waiter writes parkedSeq, its registration (volatile), raises
     * 'parked' (volatile getAndAdd), then re-reads 'next' (volatile); the emitter's volatile
     * store of 'next' and volatile read of 'parked' are the other half: one sees the other,
     * and LockSupport.unpark before park is not lost. The parkedSeq a reader sees after a
     * non-null registration is that registration's or a later one's: either way an unpark
     * is only a hint, and the waiter re-checks. So a waiter is unparked at most WAKE_EVERY
     * hand-ons after its wake condition became true, or when the turn is given up (also
     * after a hand-on that failed or was interrupted), whichever comes first; a hand-on
     * blocked on a full next buffer can delay that, and the next buffer drains
     * independently of this stage (see Window for why 'next' keeps moving).
     *
     * Why not a volatile store per hand-on (as this ring first did): a full fence right
     * after the stores to slots and to 'next', lines the other workers read and write,
     * waits for those stores to reach the other cores, once per item. Measured
     * (BENCHMARKS.md, pipelines): three ordered stages, JDK 17, two cores.
     *
     * Accounting. A GAP was already counted (filtered or failed) by the worker that computed
     * it. A result is counted completed or failed, once, by the emitter that hands it on;
     * a result still in the ring when the pipeline ends (a cancellation or failure stopped
     * the emitter) is counted failed by abandoned(), read after every worker ended. A
     * worker interrupted while waiting for the window counts its result failed.
     */

    /** Deposited for an item that produced nothing to hand on (filtered or failed). */
    static final Object GAP = new Object();

    /** Hand-ons between two checks for parked window waiters (see the notes). */
    static final int WAKE_EVERY = 16;

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle PARKED_BY = MethodHandles.arrayElementVarHandle(Thread[].class);
    private static final VarHandle PARKED_SEQ = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle WIP;
    private static final VarHandle NEXT;
    private static final VarHandle PARKED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WIP = l.findVarHandle(ReorderRing.class, "wip", int.class);
            NEXT = l.findVarHandle(ReorderRing.class, "next", long.class);
            PARKED = l.findVarHandle(ReorderRing.class, "parked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] slots;
    private final Thread[] parkedBy;  // per worker: the thread while it is registered, else null
    private final long[] parkedSeq;   // per worker: the sequence number it waits to deposit
    private final int capacity;
    private final int half; // a parked window waiter wakes when its seq is within next + half
    private final Buffer out;
    private final boolean flat; // results are lists (flatMap), handed on element by element
    private volatile long next;
    private volatile int wip;
    private volatile int parked; // registered window waiters

    /**
     * @param capacity slots (PipelineRun gives at least 64 and twice the workers)
     * @param workers  the stage's workers; a worker's {@link Tally#worker()} indexes them
     */
    ReorderRing(int capacity, int workers, Buffer out, boolean flat) {
        this.capacity = capacity;
        this.half = capacity / 2;
        this.slots = new Object[capacity];
        this.parkedBy = new Thread[workers];
        this.parkedSeq = new long[workers];
        this.out = out;
        this.flat = flat;
    }

    @Override
    public boolean accept(Object result, long seq, Tally t) throws InterruptedException {
        if (seq - next >= capacity) { // volatile read
            try {
                awaitWindow(seq, t.worker());
            } catch (InterruptedException e) {
                if (result != GAP) {
                    t.failed(1);
                }
                throw e;
            }
        }
        SLOTS.setRelease(slots, (int) (seq % capacity), result);
        if ((int) WIP.getAndAdd(this, 1) != 0) {
            return true; // the emitter will hand it on
        }
        return drain(t);
    }

    private void awaitWindow(long seq, int worker) throws InterruptedException {
        for (int k = 0; k < SpinBudget.YIELDS; k++) {
            Thread.yield();
            if (seq - next < capacity) {
                return;
            }
        }
        PARKED_SEQ.setOpaque(parkedSeq, worker, seq); // published by the volatile store below
        PARKED_BY.setVolatile(parkedBy, worker, Thread.currentThread());
        PARKED.getAndAdd(this, 1); // volatile, before the re-check of 'next' (Dekker)
        try {
            while (seq - next >= half) { // volatile read after the volatile writes (Dekker)
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                LockSupport.park(this);
            }
        } finally {
            PARKED.getAndAdd(this, -1);
            PARKED_BY.setVolatile(parkedBy, worker, null);
        }
    }

    /** Hands on consecutive ready results while this worker holds the emit turn. */
    private boolean drain(Tally t) throws InterruptedException {
        int missed = 1;
        long n = next; // only the turn holder writes 'next'
        long woken = n; // waiters whose wake condition held at 'next' == woken were checked
        try {
            while (true) {
                while (true) {
                    int i = (int) (n % capacity);
                    Object r = SLOTS.getAcquire(slots, i);
                    if (r == null) {
                        break;
                    }
                    slots[i] = null; // plain: published by the release store of 'next' below
                    NEXT.setRelease(this, ++n);
                    if (n - woken >= WAKE_EVERY) {
                        wakeWaiters(n);
                        woken = n;
                    }
                    if (r != GAP && !handOn(r, t)) {
                        return false;
                    }
                }
                if (n != woken) {
                    wakeWaiters(n); // before the turn may pass: no wake-up is left behind
                    woken = n;
                }
                missed = (int) WIP.getAndAdd(this, -missed) - missed;
                if (missed == 0) {
                    return true;
                }
            }
        } finally {
            if (n != woken) {
                wakeWaiters(n); // a failed or interrupted hand-on
            }
        }
    }

    /** Unparks each registered window waiter whose seq is now within n + half. */
    private void wakeWaiters(long n) {
        NEXT.setVolatile(this, n); // volatile store, then the volatile read of 'parked' (Dekker)
        if (parked == 0) {
            return;
        }
        for (int w = 0; w < parkedBy.length; w++) {
            Thread th = (Thread) PARKED_BY.getVolatile(parkedBy, w);
            if (th != null && (long) PARKED_SEQ.getOpaque(parkedSeq, w) - n < half) {
                LockSupport.unpark(th);
            }
        }
    }

    private boolean handOn(Object r, Tally t) throws InterruptedException {
        boolean ok;
        try {
            ok = flat ? putAll(out, (List<?>) r) : out.put(r) >= 0;
        } catch (InterruptedException e) {
            t.failed(1);
            throw e;
        }
        return t.handedOn(ok);
    }

    /** Puts every element of a flatMap result; false if the buffer refused one. */
    static boolean putAll(Buffer out, List<?> all) throws InterruptedException {
        for (Object o : all) {
            if (out.put(o) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Results still in the ring, which no one will hand on. Exact only once every worker of
     * the stage ended (their writes happened-before the caller's read).
     */
    long abandoned() {
        long n = 0;
        for (Object r : slots) {
            if (r != null && r != GAP) {
                n++;
            }
        }
        return n;
    }
}
