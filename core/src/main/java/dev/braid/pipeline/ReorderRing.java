package dev.braid.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Ordered mode's inlet for a stage with several workers: the worker that finished the item
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
     * per hand-on, which cost a park/unpark pair per item). Because the workers take
     * sequence numbers in increasing order and capacity / 2 >= workers, at most one worker
     * is parked for any slot (two parked waiters s and s + capacity would need more of
     * s + 1 .. s + capacity - 1 in workers' hands than there are workers, and any of them
     * deposited means next >= s - workers + 2, which already woke s), so each slot has one
     * waiter field; the emitter that moves 'next' to n + 1 wakes the waiter of slot
     * (n + capacity / 2) % capacity. A waiter for s + capacity can register
     * while the waiter for s was already unparked but has not run yet (its window opened
     * when 'next' passed s - capacity, before s + capacity could be taken); so a waiter
     * leaves by a CAS from itself to null, never clearing a successor's registration.
     * Dekker: a waiter writes itself to its
     * slot's waiter field (volatile), then re-reads 'next' (volatile); the emitter writes
     * 'next' (volatile), then reads the waiter field of the slot that just became free
     * (volatile): one sees the other, and LockSupport.unpark before park is not lost.
     *
     * Accounting. A GAP was already counted (filtered or failed) by the worker that computed
     * it. A result is counted completed or failed, once, by the emitter that hands it on;
     * a result still in the ring when the pipeline ends (a cancellation or failure stopped
     * the emitter) is counted failed by abandoned(), read after every worker ended. A
     * worker interrupted while waiting for the window counts its result failed.
     */

    /** Deposited for an item that produced nothing to hand on (filtered or failed). */
    static final Object GAP = new Object();

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle WAITERS = MethodHandles.arrayElementVarHandle(Thread[].class);
    private static final VarHandle WIP;
    private static final VarHandle NEXT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WIP = l.findVarHandle(ReorderRing.class, "wip", int.class);
            NEXT = l.findVarHandle(ReorderRing.class, "next", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] slots;
    private final Thread[] waiters;
    private final int capacity;
    private final int half; // a parked window waiter wakes when its seq is within next + half
    private final Buffer out;
    private final boolean flat; // results are lists (flatMap), handed on element by element
    private volatile long next;
    private volatile int wip;

    ReorderRing(int capacity, Buffer out, boolean flat) {
        this.capacity = capacity;
        this.half = capacity / 2;
        this.slots = new Object[capacity];
        this.waiters = new Thread[capacity];
        this.out = out;
        this.flat = flat;
    }

    @Override
    public boolean accept(Object result, long seq, Tally t) throws InterruptedException {
        if (seq - next >= capacity) { // volatile read
            try {
                awaitWindow(seq);
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

    private void awaitWindow(long seq) throws InterruptedException {
        int i = (int) (seq % capacity);
        Thread me = Thread.currentThread();
        for (int k = 0; k < SpinBudget.YIELDS; k++) {
            Thread.yield();
            if (seq - next < capacity) {
                return;
            }
        }
        WAITERS.setVolatile(waiters, i, me);
        try {
            while (seq - next >= half) { // volatile read after the volatile write (Dekker)
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                LockSupport.park(this);
            }
        } finally {
            // only our own registration: a waiter for seq + capacity may already have
            // replaced it (see the notes), and must stay registered
            WAITERS.compareAndSet(waiters, i, me, null);
        }
    }

    /** Hands on consecutive ready results while this worker holds the emit turn. */
    private boolean drain(Tally t) throws InterruptedException {
        int missed = 1;
        long n = next; // only the turn holder writes 'next'
        while (true) {
            while (true) {
                int i = (int) (n % capacity);
                Object r = SLOTS.getAcquire(slots, i);
                if (r == null) {
                    break;
                }
                slots[i] = null; // plain: published by the volatile write of 'next' below
                NEXT.setVolatile(this, ++n);
                // the waiter whose wake condition (seq < next + half) just became true
                Thread w = (Thread) WAITERS.getVolatile(waiters, (int) ((n - 1 + half) % capacity));
                if (w != null) {
                    LockSupport.unpark(w);
                }
                if (r != GAP && !handOn(r, t)) {
                    return false;
                }
            }
            missed = (int) WIP.getAndAdd(this, -missed) - missed;
            if (missed == 0) {
                return true;
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
