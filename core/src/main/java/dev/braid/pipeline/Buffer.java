package dev.braid.pipeline;

import dev.braid.internal.VirtualThreads;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded buffer in front of each stage: a lock-free multi-producer multi-consumer ring
 * of items, with blocking put/take (spin, then yield, then park), a timed offer and poll,
 * and two ways to end. {@link #close()} lets takers drain what is there; {@link #abort()}
 * takes everything out at once and hands it to the caller. Either way blocked putters are
 * released. An item's sequence number is its position in the buffer's input order.
 */
final class Buffer extends BufferHeadSide implements Inlet {

    /*
     * Implementation notes
     *
     * The ring (after Dmitry Vyukov's bounded MPMC queue). Position p (a long that never
     * wraps) lives in slot p % capacity, whose stamp says what the slot is ready for:
     * 2p - empty, ready for the put of position p; 2p + 1 - holds the item of position p,
     * ready for its take; the take then stamps 2(p + capacity), readying the slot for the
     * next lap. (The doubled numbering, rather than Vyukov's p / p + 1, also works for a
     * capacity of one.) A putter claims position p = tail >> 1 by a CAS of 'tail', writes the
     * item with a plain store and publishes it with a release store of the stamp; a taker
     * claims position h = head by a CAS of 'head' after an acquire load of the stamp saw
     * 2h + 1, reads the item (ordered after the putter's plain store by the release/acquire
     * pair), clears the slot and releases it with a release store of the next lap's stamp,
     * which the next putter of that slot acquires before it overwrites the slot. The CASes
     * make each position claimed by exactly one putter and exactly one taker (or abort):
     * an item is never lost or duplicated. Between its CAS and its stamp store a putter or
     * taker runs a few instructions and never blocks, so an operation that finds a slot
     * "in flight" (claimed, not yet published or released) yields until it is (see
     * Contention) instead of parking.
     * The item's sequence number is its position, which is how ordered stages keep order
     * without a reorder step (see "Positional puts").
     *
     * Closed bit. Bit 0 of 'tail' is the closed flag, so that a put's CAS (which expects the
     * bit clear) and close()'s getAndBitwiseOr are totally ordered on one variable: a put
     * either claimed its position before the close, and then its item is taken or aborted
     * like any other, or it fails with CLOSED. No put is accepted after close() returned.
     * Takers see end-of-stream when the ring is empty at a position that equals the final
     * tail: head == tail >> 1 with the bit set (tail is read after head, and head never
     * passes tail >> 1, so at that moment the two were equal and no put can follow).
     *
     * Waiting. A waiter spins for a SpinBudget, then yields, then parks on a condition of
     * 'lock' (used on the slow path only). Dekker-style wake-up without a lost signal: a
     * waiter first increments its side's waiter count (a volatile getAndAdd), then re-checks
     * its condition, which reads head and tail (volatile); a waker first moves the counter
     * the waiter waits for (the CAS of tail or head, or close()'s getAndBitwiseOr, all
     * volatile) and then reads the waiter count (volatile). Volatile accesses are
     * sequentially consistent, so either the waiter's re-check sees the move or the waker
     * sees the count and signals (a putter, unless a wake-up is already in flight: see "One
     * wake-up in flight"). The signal is given under the lock, and a waiter checks its
     * condition under the same lock before it awaits, so a signal cannot fall between its
     * check and its await. Condition.await passes a signal on if the waiter is also
     * interrupted (AbstractQueuedSynchronizer transfers it), so an interrupt does not eat a
     * wake-up meant for another waiter.
     *
     * Virtual threads do not spin. A virtual waiter skips the spin phase and goes straight
     * to its yields, then parks. A spinning virtual thread holds its carrier, and the
     * carriers are as many as the cores: the thread it waits for is, as often as not, a
     * virtual thread queued for that very carrier (three stages of two workers and a sink
     * are seven virtual threads on two carriers). A yield hands the carrier to it. A
     * platform waiter still spins: the thread it waits for has a core of its own or gets one
     * from the operating system. Measured (BENCHMARKS.md, pipelines): three stages of two
     * workers on JDK 25 about 1.15x faster, the one-to-one hand-off unchanged.
     *
     * One wake-up in flight (take side). A put that sees parked takers wakes one only if
     * no wake-up is already in flight: takeWakePending is set, under the lock and together
     * with the signal, only when a taker is in the condition queue, and every taker that
     * leaves an await (signalled, timed out, interrupted or spurious) clears it in a
     * finally, then, after its take attempt, passes the wake-up on: if items are left and
     * takers are still parked, it wakes one. So the flag is never left set without a taker
     * on its way to clear it. No item is left with every taker parked: a put that skipped
     * its signal made its CAS of tail before it read the flag set, and the taker that clears
     * the flag reads head and tail after clearing it (all volatile, so sequentially
     * consistent); its pass-on check sees the item unless a taker already took it. A woken
     * taker that finds nothing (another took the item) passes nothing on and parks again.
     * The cost: an item can wait, behind a parked second taker, for the first woken taker to
     * resume (microseconds), where it used to wake the second at once. Why: a woken virtual
     * thread stays registered as a waiter until a carrier runs it, and every put meanwhile
     * woke another parked worker, so on JDK 25 each stage kept its workers cycling through
     * park and unpark for an item or two each (75% of puts signalled). Measured
     * (BENCHMARKS.md, pipelines): three stages of two workers about 2.7x faster on JDK 25,
     * JDK 17 and the one-to-one hand-off level within the noise.
     *
     * Hysteresis for putters. A parked putter is woken only once the ring has drained to
     * wakeDepth (half full), not at the first free slot: a producer faster than its
     * consumer would otherwise park and be unparked once per item (microseconds each),
     * where now it parks once per half ring. The Dekker argument is unchanged: every take
     * that leaves the depth at or below wakeDepth reads the waiter count after its CAS,
     * and the waiter re-checks the same depth condition after raising the count. While
     * the ring is above wakeDepth it holds items, so takers keep taking until it is not
     * (or other putters are making progress). A timed wait makes one last attempt when its
     * deadline passes, so it reports TIMED_OUT only if the ring was full at that moment.
     * The cost is visible and documented (Pipeline, "Buffers and backpressure"): a putter
     * that parked stays parked above wakeDepth even while slots are free, if the takers
     * stall downstream; that once made a test that expected a full ring flaky.
     * For capacities up to 3, wakeDepth is capacity - 1: the first free slot.
     *
     * Timed putters (offer) are exempt: an offer must not sit out its timeout while a slot
     * is free. A timed putter also raises timedPutWaiters (volatile, before its re-check,
     * which is for one free slot), and a take that leaves the ring above wakeDepth but sees
     * putWaiters != 0 reads timedPutWaiters after it (volatile) and, if set, signals all
     * putters: the Dekker argument is the same pair of volatile accesses, and signalAll
     * (untimed putters re-check and wait again) because a single signal could go to an
     * untimed putter that does not want it. Only takes made while an offer waits pay this.
     *
     * Contention: yield, do not spin. Two places wait for another thread: a taker that
     * lost the CAS of 'head' (or found h already claimed) to another taker, and any
     * operation that finds a slot in flight (claimed, not yet published or released). Both
     * call Thread.yield() before they look again, not Thread.onSpinWait(). A slot stays in
     * flight for a few instructions only while its claimer runs; with more runnable
     * threads than cores (three stages of two workers, a producer and a sink on two cores
     * is eight threads) the claimer may have been preempted, and a waiter that spins burns
     * the very core it needs. A lost CAS means another taker made progress, so the loser
     * gives its core to a thread that can make some too. With a core to spare, a yield
     * costs one system call and happens only under contention. Measured (BENCHMARKS.md,
     * pipelines): three stages went from about 2.3 to about 8 M items/s on JDK 17, two
     * cores. Yielding on a putter's lost CAS of 'tail' as well was no faster, so a putter
     * retries that at once. The blocking waits (spin budget, yield, park) are separate:
     * see Waiting.
     *
     * Ending. abort() sets the closed bit, then claims every position from head up to the
     * (now final) tail with one CAS of 'head', waiting for in-flight puts to publish, and
     * returns the items in FIFO order. A taker racing it loses the CAS for those positions
     * and sees end-of-stream, so an item is either taken by a worker or returned by abort,
     * exactly once, never both and never neither - the split cancel() relies on. No poison
     * pill ever enters the ring. 'aborted' (items abort() took out) is written inside a
     * synchronized block that also contains the claiming CAS; abortedCount() reads it under
     * the same monitor. A worker that saw end-of-stream after an abort saw the CAS, so any
     * thread that reads abortedCount() after that worker ended enters the monitor after the
     * aborter left it and reads the final count.
     *
     * Positional puts (ordered stages). The buffer after an ordered stage with several
     * workers and one result per item (map, filter, peek) is positional: the worker that
     * computed the item of the stage's input position p puts its result, or GAP for an item
     * that produced nothing, at position p with putAt, and claims nothing by a CAS of tail.
     * Each position is put exactly once, by the one worker whose CAS of the stage's own head
     * gave it that position, so the takers here, which claim positions in order as always,
     * see the stage's input order with no reorder step, and each put costs one store to its
     * slot's line where a put through a reorder ring cost a deposit, a turn counter taken and
     * given back, and the put. A putter whose slot still holds position p - capacity waits
     * for that item's take (the window: capacity positions from the oldest untaken one); a
     * taker whose head position is not put yet waits for that put, however many later ones
     * are there. No deadlock: the oldest untaken position h is either put, and takers take
     * it, or held by the worker computing it, and that worker's slot is free (h - capacity
     * was taken), so it never waits for the window. 'tail' holds only the closed bit here;
     * PipelineRun counts what the stage before handed on.
     *
     * Wake-ups, Dekker as in "Waiting". A putAt publishes its stamp with a volatile store and
     * then reads takeWaiters (volatile); a taker that parks raised takeWaiters and then
     * re-checks its head position's stamp (volatile read). "One wake-up in flight" holds as it
     * is, its pass-on check reading the head position's stamp. A put that is not the head's
     * wakes a taker that finds nothing yet and parks again: the price of waking without
     * knowing which position the parked taker waits for. A window waiter raises putWaiters
     * and re-checks (volatile) that head has passed p - capacity; a take's CAS of head
     * (volatile) is followed by its read of putWaiters, and it signals every putter, since
     * each waits for a slot of its own (rare: a worker a whole buffer ahead). The taker
     * releases the slot a few instructions after its CAS; the woken putter re-checks the
     * stamp and yields until it has (see "Contention"), parking again only if head has not
     * passed p - capacity.
     *
     * A taker of a positional buffer does not spin before it yields and parks: the position
     * it waits for is usually being computed by a worker, for as long as a stage function
     * takes, and with more threads than cores that worker often needs the core the taker
     * would spin on. Measured (BENCHMARKS.md, pipelines): three ordered stages on JDK 17
     * about 1.3x faster than with the spin.
     *
     * End of a positional buffer. It is closed by the last worker of the stage before it to
     * end, so every put happened-before the close (each worker's puts precede its decrement
     * of the stage's live count; the last decrement precedes the close). A taker that finds
     * its head position not put reads tail and, if the closed bit is set, reads the stamp
     * again: still not put means end-of-stream. abort() only sets the closed bit and wakes
     * every waiter: a putAt that sees the bit (read before it publishes) fails, and takers
     * see end-of-stream at the first position not put (what they take before it, the
     * pipeline being cancelled or failed, PipelineRun counts failed). What is still in the
     * ring then (a put that read tail before the abort and published after it, or items
     * behind a position that will never come) stays there and is counted by leftOver() once
     * every worker has ended: the putter counted it handed on, and PipelineRun counts it
     * failed in the stage that takes from this buffer. Never lost, never counted twice.
     *
     * Statistics. accepted() and depth() read tail and head with getOpaque: a benign race, a
     * running snapshot may be a few items old, which a progress figure tolerates; they are
     * exact once every putter and taker ended. A positional buffer's depth() counts the slots
     * that hold an item (opaque reads, the same benign race), and is 0 once it was aborted.
     */

    /** Returned by put and offer when the buffer no longer accepts items. */
    static final long CLOSED = -1;
    /** Returned by offer when the wait timed out. */
    static final long TIMED_OUT = -2;
    /** Returned by tryPut when the ring is full. */
    private static final long FULL = -3;
    /** Returned by poll when the wait timed out (end-of-stream is null). */
    static final Object NOTHING_YET = new Object();
    /** Returned by tryTake when the ring is empty but open. */
    private static final Object EMPTY = new Object();
    /** Returned by notPutYet when the position can be taken after all. */
    private static final Object AGAIN = new Object();

    private static final VarHandle TAIL;
    private static final VarHandle HEAD;
    private static final VarHandle TAKE_WAITERS;
    private static final VarHandle PUT_WAITERS;
    private static final VarHandle TIMED_PUT_WAITERS;
    private static final VarHandle STAMPS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle ITEMS = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TAIL = l.findVarHandle(BufferTailSide.class, "tail", long.class);
            HEAD = l.findVarHandle(BufferHeadSide.class, "head", long.class);
            TAKE_WAITERS = l.findVarHandle(BufferTailSide.class, "takeWaiters", int.class);
            PUT_WAITERS = l.findVarHandle(BufferHeadSide.class, "putWaiters", int.class);
            TIMED_PUT_WAITERS = l.findVarHandle(BufferHeadSide.class, "timedPutWaiters", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * 1 while a signalled taker has not yet left its await ("One wake-up in flight"); read by
     * a putter that saw takeWaiters != 0. Not next to takeWaiters on the put side's padded
     * line: there it made the one-to-one hand-off about half as fast, for a reason not found
     * (BENCHMARKS.md, pipelines).
     */
    private volatile int takeWakePending;
    private final Object[] items;
    private final long[] stamps;
    private final int capacity;
    private final int mask;           // capacity - 1 when capacity is a power of two, else -1
    private final int wakeDepth;      // a parked putter is woken once depth <= this
    private final int spinGap;        // a spinning putter retries once this many slots are free
    private final SpinBudget takeSpin = new SpinBudget();
    private final SpinBudget putSpin = new SpinBudget();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private long aborted; // guarded by 'this'
    /**
     * Positional puts (see the notes); set by {@link #positional()} before any worker starts,
     * so the start of the workers' threads publishes it.
     */
    private boolean positional;
    /** A positional buffer was aborted: what is left in it is no longer queued (leftOver()). */
    private volatile boolean dropped;

    Buffer(int capacity) {
        this.capacity = capacity;
        this.mask = Integer.bitCount(capacity) == 1 ? capacity - 1 : -1;
        this.wakeDepth = capacity - Math.max(1, capacity / 2);
        this.spinGap = Math.max(1, capacity / 16);
        this.items = new Object[capacity];
        this.stamps = new long[capacity];
        for (int i = 0; i < capacity; i++) {
            stamps[i] = 2L * i;
        }
        // the final fields are published with the Buffer (JLS 17.5); the initial stamps too,
        // since a Buffer reaches its workers through the start of their threads
    }

    int capacity() {
        return capacity;
    }

    private int index(long p) {
        return mask >= 0 ? (int) p & mask : (int) (p % capacity);
    }

    /** Items in the ring now (racy read, for statistics). */
    int depth() {
        if (positional) {
            if (dropped) {
                return 0;
            }
            int n = 0;
            for (int i = 0; i < capacity; i++) {
                if (((long) STAMPS.getOpaque(stamps, i) & 1L) != 0 && ITEMS.getOpaque(items, i) != ReorderRing.GAP) {
                    n++;
                }
            }
            return n;
        }
        long h = (long) HEAD.getOpaque(this);
        long t = (long) TAIL.getOpaque(this) >>> 1;
        return (int) Math.max(0, Math.min(capacity, t - h));
    }

    /** Items ever put (racy read, for statistics; exact once the buffer is ended). */
    long accepted() {
        return (long) TAIL.getOpaque(this) >>> 1;
    }

    /**
     * Items still in a positional buffer, not counting gaps: what an abort left behind. Exact
     * once every putter and taker ended (their writes happened-before the caller's read).
     */
    long leftOver() {
        long n = 0;
        for (int i = 0; i < capacity; i++) {
            if ((stamps[i] & 1L) != 0 && items[i] != ReorderRing.GAP) {
                n++;
            }
        }
        return n;
    }

    /** Items abort() took out (exact for a reader after a worker that saw the abort ended). */
    synchronized long abortedCount() {
        return aborted;
    }

    // ------------------------------------------------------------------ put side

    /**
     * Puts an item, waiting while the ring is full.
     *
     * @return the item's sequence number, or CLOSED if the buffer is closed or aborted
     */
    long put(Object item) throws InterruptedException {
        long r = tryPut(item);
        return r != FULL ? r : awaitPut(item, -1L);
    }

    /**
     * Puts an item, waiting at most {@code nanos} while the ring is full.
     *
     * @return the item's sequence number, CLOSED, or TIMED_OUT
     */
    long offer(Object item, long nanos) throws InterruptedException {
        long r = tryPut(item);
        if (r != FULL) {
            return r;
        }
        return nanos <= 0L ? TIMED_OUT : awaitPut(item, nanos);
    }

    /**
     * Makes this a positional buffer, filled by {@link #putAt} only (see "Positional puts" in
     * the notes). Called before any worker starts.
     */
    void positional() {
        this.positional = true;
    }

    boolean isPositional() {
        return positional;
    }

    /**
     * Puts an item at position {@code p} of a positional buffer, waiting while its slot still
     * holds position {@code p - capacity}. Every position from 0 on is put exactly once (an
     * item, or a gap for an input that produced nothing).
     *
     * @return {@code p}, or CLOSED if the buffer was aborted
     */
    long putAt(Object item, long p) throws InterruptedException {
        final int i = index(p);
        if ((long) STAMPS.getAcquire(stamps, i) != 2 * p && !awaitSlot(p, i)) {
            return CLOSED;
        }
        if ((tail & 1L) != 0) { // volatile read: aborted (a positional buffer closes after its last put)
            return CLOSED;
        }
        items[i] = item;                        // plain: published by the volatile store below
        STAMPS.setVolatile(stamps, i, 2 * p + 1); // volatile: before the waiter-count reads (Dekker)
        if (takeWaiters != 0 && takeWakePending == 0) {
            wakeTaker();
        }
        return p;
    }

    /**
     * Waits until the slot of position {@code p} is free (its stamp is 2p); false if the
     * buffer was aborted meanwhile.
     */
    private boolean awaitSlot(long p, int i) throws InterruptedException {
        final int spins = spinBudget(putSpin);
        for (int k = 1; ; k++) {
            if ((tail & 1L) != 0) {
                return false;
            }
            if (k <= spins) {
                Thread.onSpinWait();
            } else if (k <= spins + SpinBudget.YIELDS || head > p - capacity) {
                // the second case: p - capacity was taken and its taker is releasing the slot
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                Thread.yield();
            } else {
                parkUntilTaken(p - capacity);
            }
            if ((long) STAMPS.getAcquire(stamps, i) == 2 * p) {
                return true;
            }
        }
    }

    /**
     * Parks until position {@code q} has been taken (head passed it) or the buffer is closed.
     * Its taker then releases the slot within a few instructions; the caller re-checks the
     * stamp and yields, parks or spins again until it does.
     */
    private void parkUntilTaken(long q) throws InterruptedException {
        PUT_WAITERS.getAndAdd(this, 1); // volatile: before the re-checks (Dekker)
        try {
            final ReentrantLock lock = this.lock;
            lock.lockInterruptibly();
            try {
                while ((tail & 1L) == 0 && head <= q) {
                    notFull.await();
                }
            } finally {
                lock.unlock();
            }
        } finally {
            PUT_WAITERS.getAndAdd(this, -1);
        }
    }

    /** Inlet for an unordered stage: the item's own sequence number is not needed here. */
    @Override
    public boolean accept(Object result, long seq, Tally t) throws InterruptedException {
        boolean ok;
        try {
            ok = put(result) >= 0;
        } catch (InterruptedException e) {
            t.failed(1);
            throw e;
        }
        return t.handedOn(ok);
    }

    /** One non-blocking attempt: the position, CLOSED, or FULL. */
    private long tryPut(Object item) {
        long t = tail; // volatile read
        while (true) {
            if ((t & 1L) != 0) {
                return CLOSED;
            }
            long p = t >>> 1;
            int i = index(p);
            long s = (long) STAMPS.getAcquire(stamps, i);
            if (s == 2 * p) {
                // volatile CAS: claims p, and orders the waiter-count read below after it
                long w = (long) TAIL.compareAndExchange(this, t, t + 2);
                if (w == t) {
                    items[i] = item;                    // plain: published by the release below
                    STAMPS.setRelease(stamps, i, 2 * p + 1);
                    // volatile reads (Dekker, see "Waiting" and "One wake-up in flight")
                    if (takeWaiters != 0 && takeWakePending == 0) {
                        wakeTaker();
                    }
                    return p;
                }
                t = w;
            } else if (s < 2 * p) {
                // the slot still holds position p - capacity: full, unless its taker is in flight
                if (head <= p - capacity) {
                    return FULL;
                }
                Thread.yield(); // see "Contention": the taker may have been preempted
                t = tail;
            } else {
                t = tail; // another putter claimed p
            }
        }
    }

    private long awaitPut(Object item, long nanos) throws InterruptedException {
        final boolean timed = nanos >= 0;
        final long deadline = timed ? System.nanoTime() + nanos : 0L;
        final SpinBudget budget = putSpin;
        final int spins = spinBudget(budget);
        for (int k = 1; ; k++) {
            if (k <= spins) {
                Thread.onSpinWait();
                if (!spinRoom()) {
                    continue; // keep off the consumer's cache lines until a batch is free
                }
            } else if (k <= spins + SpinBudget.YIELDS) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (timed && deadline - System.nanoTime() <= 0) {
                    return TIMED_OUT;
                }
                Thread.yield();
            } else {
                if (k == spins + SpinBudget.YIELDS + 1) {
                    budget.wasted();
                }
                if (!parkUntilRoom(timed, deadline)) {
                    long r = tryPut(item); // the deadline passed while the ring refilled
                    return r != FULL ? r : TIMED_OUT;
                }
            }
            long r = tryPut(item);
            if (r != FULL) {
                if (k <= spins) {
                    budget.paidOff();
                }
                return r;
            }
        }
    }

    /**
     * How many times a waiter spins before it yields: its side's budget, or none for a virtual
     * thread (see "Waiting" in the notes).
     */
    private static int spinBudget(SpinBudget budget) {
        return VirtualThreads.isCurrentThreadVirtual() ? 0 : budget.spins();
    }

    /**
     * True when a spinning putter should try again: spinGap slots are free (or the buffer
     * is closed). Retrying at the first free slot keeps producer and consumer on the same
     * slots' cache lines, each put and take missing on the line the other just wrote.
     */
    private boolean spinRoom() {
        long t = tail;
        return (t & 1L) != 0 || (t >>> 1) - head <= capacity - spinGap;
    }

    /**
     * True when a parked putter should wake: the ring has drained to wakeDepth, or the
     * buffer is closed. Volatile reads.
     */
    private boolean roomOrClosed() {
        long t = tail;
        return (t & 1L) != 0 || (t >>> 1) - head <= wakeDepth;
    }

    /**
     * True when a parked timed putter should wake: one slot is free, or the buffer is closed.
     * Volatile reads.
     */
    private boolean slotOrClosed() {
        long t = tail;
        return (t & 1L) != 0 || (t >>> 1) - head < capacity;
    }

    /**
     * Parks until there is room or the buffer is closed; false if the deadline passed. An
     * untimed putter waits for wakeDepth, a timed one (offer) for the first free slot.
     */
    private boolean parkUntilRoom(boolean timed, long deadline) throws InterruptedException {
        PUT_WAITERS.getAndAdd(this, 1); // volatile: before the re-checks (Dekker)
        if (timed) {
            TIMED_PUT_WAITERS.getAndAdd(this, 1); // volatile: before the re-checks too
        }
        try {
            final ReentrantLock lock = this.lock;
            lock.lockInterruptibly();
            try {
                while (!(timed ? slotOrClosed() : roomOrClosed())) {
                    if (timed) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0L) {
                            return false;
                        }
                        notFull.awaitNanos(left);
                    } else {
                        notFull.await();
                    }
                }
                return true;
            } finally {
                lock.unlock();
            }
        } finally {
            if (timed) {
                TIMED_PUT_WAITERS.getAndAdd(this, -1);
            }
            PUT_WAITERS.getAndAdd(this, -1);
        }
    }

    // ------------------------------------------------------------------ take side

    /**
     * Takes the oldest item, waiting while the ring is empty and open.
     *
     * @param c receives the item's sequence number
     * @return the item, or null at end-of-stream (closed and empty, or aborted)
     */
    Object take(Cursor c) throws InterruptedException {
        Object r = tryTake(c);
        return r != EMPTY ? r : awaitTake(c, -1L);
    }

    /**
     * Takes the oldest item, waiting at most {@code nanos} while the ring is empty and open.
     *
     * @return the item, null at end-of-stream, or NOTHING_YET when the wait timed out
     */
    Object poll(long nanos, Cursor c) throws InterruptedException {
        Object r = tryTake(c);
        if (r != EMPTY) {
            return r;
        }
        return nanos <= 0L ? NOTHING_YET : awaitTake(c, nanos);
    }

    /** One non-blocking attempt: the item, null at end-of-stream, or EMPTY. */
    private Object tryTake(Cursor c) {
        long h = head; // volatile read
        while (true) {
            int i = index(h);
            long s = (long) STAMPS.getAcquire(stamps, i);
            if (s == 2 * h + 1) {
                // volatile CAS: claims h, and orders the waiter-count read below after it
                long w = (long) HEAD.compareAndExchange(this, h, h + 1);
                if (w == h) {
                    Object item = items[i];             // plain: ordered by the acquire above
                    items[i] = null;
                    STAMPS.setRelease(stamps, i, 2 * (h + capacity));
                    if (putWaiters != 0) {              // volatile read (Dekker, see notes)
                        wakePutters(h + 1);
                    }
                    c.seq = h;
                    return item;
                }
                Thread.yield(); // lost the CAS to another taker: see "Contention"
                h = head;
            } else if (s < 2 * h + 1) {
                if (positional) {
                    Object r = notPutYet(h, i);
                    if (r != AGAIN) {
                        return r;
                    }
                    continue;
                }
                long t = tail; // after head: see the notes on end-of-stream
                if ((t >>> 1) == h) {
                    return (t & 1L) != 0 ? null : EMPTY;
                }
                if ((t >>> 1) < h) {
                    h = head; // h is stale: head moved on (and tail with it) since we read it
                    continue;
                }
                // position h is claimed by a putter (or its slot by a taker of the last lap)
                // that has not published yet: a few instructions, unless it was preempted
                Thread.yield(); // see "Contention"
                h = head;
            } else {
                Thread.yield(); // another taker claimed h: see "Contention"
                h = head;
            }
        }
    }

    /**
     * Called by a take that left head at {@code h} and saw putters waiting: wakes those that
     * may go on. Kept out of tryTake, so that the hot path stays small enough to inline.
     */
    private void wakePutters(long h) {
        if (positional) {
            signal(notFull, true); // each waits for its own slot
        } else if ((tail >>> 1) - h <= wakeDepth) {
            signal(notFull);
        } else if (timedPutWaiters != 0) { // volatile read (Dekker)
            signal(notFull, true); // a timed putter waits for one slot: reach it
        }
    }

    /**
     * A positional buffer's position {@code h} (slot {@code i}) is not put: EMPTY, null at
     * end-of-stream, or AGAIN when it was put before a close and can be taken now.
     */
    private Object notPutYet(long h, int i) {
        if ((tail & 1L) == 0) { // volatile read, after head's
            return EMPTY; // its item may still be being computed
        }
        // closed: every put happened before the close, unless it was an abort
        return (long) STAMPS.getAcquire(stamps, i) >= 2 * h + 1 ? AGAIN : null;
    }

    private Object awaitTake(Cursor c, long nanos) throws InterruptedException {
        final boolean timed = nanos >= 0;
        final long deadline = timed ? System.nanoTime() + nanos : 0L;
        final SpinBudget budget = takeSpin;
        final int spins = positional ? 0 : spinBudget(budget); // see "Positional puts"
        for (int k = 1; ; k++) {
            if (k <= spins) {
                Thread.onSpinWait();
            } else if (k <= spins + SpinBudget.YIELDS) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (timed && deadline - System.nanoTime() <= 0) {
                    return NOTHING_YET;
                }
                Thread.yield();
            } else {
                if (k == spins + SpinBudget.YIELDS + 1) {
                    budget.wasted();
                }
                boolean ready;
                try {
                    ready = parkUntilItem(timed, deadline);
                } catch (InterruptedException e) {
                    passWakeUpOn();
                    throw e;
                }
                Object r = tryTake(c);
                passWakeUpOn(); // after the take: it leaves behind what it did not take
                if (r != EMPTY || !ready) {
                    return r != EMPTY ? r : NOTHING_YET; // !ready: the deadline passed
                }
                continue;
            }
            Object r = tryTake(c);
            if (r != EMPTY) {
                if (k <= spins) {
                    budget.paidOff();
                }
                return r;
            }
        }
    }

    /** True when a take may succeed now (or see end-of-stream). Volatile reads. */
    private boolean itemOrClosed() {
        long h = head;
        long t = tail;
        if (positional) {
            return (t & 1L) != 0 || (long) STAMPS.getVolatile(stamps, index(h)) >= 2 * h + 1;
        }
        return (t & 1L) != 0 || (t >>> 1) > h;
    }

    /** Parks until there is an item or the buffer is closed; false if the deadline passed. */
    private boolean parkUntilItem(boolean timed, long deadline) throws InterruptedException {
        TAKE_WAITERS.getAndAdd(this, 1); // volatile: before the re-checks (Dekker)
        try {
            final ReentrantLock lock = this.lock;
            lock.lockInterruptibly();
            try {
                while (!itemOrClosed()) {
                    if (timed) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0L) {
                            return false;
                        }
                        try {
                            notEmpty.awaitNanos(left);
                        } finally {
                            takeWakePending = 0; // volatile: before the pass-on check (Dekker)
                        }
                    } else {
                        try {
                            notEmpty.await();
                        } finally {
                            takeWakePending = 0; // volatile: before the pass-on check (Dekker)
                        }
                    }
                }
                return true;
            } finally {
                lock.unlock();
            }
        } finally {
            TAKE_WAITERS.getAndAdd(this, -1);
        }
    }

    /**
     * Wakes one parked taker and marks the wake-up in flight; does nothing if no taker is in
     * the condition queue (one that registered and has not yet awaited re-checks under the
     * lock and sees the item).
     */
    private void wakeTaker() {
        final ReentrantLock lock = this.lock;
        lock.lock();
        try {
            if (lock.hasWaiters(notEmpty)) {
                takeWakePending = 1; // volatile; cleared by whichever taker leaves an await next
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called by a taker that left a park, after its take attempt: if items are left and other
     * takers are parked, and no wake-up is in flight, wakes one. Volatile reads, made after
     * the taker's clear of takeWakePending (Dekker, see "One wake-up in flight").
     */
    private void passWakeUpOn() {
        if (takeWaiters != 0 && takeWakePending == 0) {
            long h = head;
            if (positional ? (long) STAMPS.getVolatile(stamps, index(h)) == 2 * h + 1 : (tail >>> 1) > h) {
                wakeTaker();
            }
        }
    }

    private void signal(Condition c) {
        signal(c, false);
    }

    private void signal(Condition c, boolean all) {
        final ReentrantLock lock = this.lock;
        lock.lock();
        try {
            if (all) {
                c.signalAll();
            } else {
                c.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ ending

    /** No more puts; takers drain the ring, then see end-of-stream. Idempotent. */
    void close() {
        TAIL.getAndBitwiseOr(this, 1L); // volatile: before the waiter-count reads (Dekker)
        wakeAll();
    }

    private void wakeAll() {
        if (takeWaiters != 0 || putWaiters != 0) {
            final ReentrantLock lock = this.lock;
            lock.lock();
            try {
                notEmpty.signalAll();
                notFull.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Closes the buffer and takes every item still in it out, in FIFO order. Idempotent: a
     * second call returns an empty list.
     */
    List<Object> abort() {
        TAIL.getAndBitwiseOr(this, 1L);
        if (positional) {
            dropped = true;
            wakeAll(); // takers see end-of-stream; what is left is counted by leftOver()
            return List.of();
        }
        List<Object> drained;
        synchronized (this) {
            final long end = tail >>> 1; // final: the closed bit stops every further claim
            long h = head;
            while (h < end) {
                long w = (long) HEAD.compareAndExchange(this, h, end); // claims [h, end)
                if (w == h) {
                    break;
                }
                h = w;
            }
            drained = new ArrayList<>((int) Math.max(0, end - h));
            for (long p = h; p < end; p++) {
                int i = index(p);
                while ((long) STAMPS.getAcquire(stamps, i) != 2 * p + 1) {
                    Thread.yield(); // a put claimed p before the close and is publishing
                }
                drained.add(items[i]);
                items[i] = null;
                STAMPS.setRelease(stamps, i, 2 * (p + capacity));
            }
            aborted += drained.size();
        }
        wakeAll();
        return drained;
    }
}
