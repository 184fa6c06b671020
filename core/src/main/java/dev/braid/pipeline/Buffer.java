package dev.braid.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded buffer in front of each stage: a ring of items, each stamped with a sequence
 * number when it is put, with blocking put/take, a timed poll, and two ways to end.
 * {@link #close()} lets takers drain what is there; {@link #abort()} takes everything out at
 * once and hands it to the caller. Either way blocked putters are released.
 */
final class Buffer {

    /*
     * Implementation notes
     *
     * Locking. One ReentrantLock guards every field, with two conditions, notEmpty and
     * notFull, as in ArrayBlockingQueue: the lock gives both mutual exclusion and the
     * happens-before edge from the put of an item to its take, so items need no volatile
     * slots. A put signals one taker and a take one putter. An interrupted waiter that had
     * been signalled passes the signal on (AbstractQueuedSynchronizer transfers it), so a
     * signal is never lost to an interrupt.
     *
     * Sequence numbers. put stamps the item with putCount (its position in this buffer's
     * input order) and stores it in the parallel long[] seqs, so ordered mode costs no
     * allocation per item. Because takes are FIFO, workers take sequence numbers in
     * increasing order: the ordered mode's Sequencer relies on that.
     *
     * Ending. closed refuses puts from then on (put returns CLOSED); takers see end-of-stream
     * (null) once the ring is empty. abort() also empties the ring under the lock and returns
     * its items in FIFO order: an item is therefore either taken by a worker before the abort,
     * or returned by it, never both and never neither - the exactly-once split cancel()
     * relies on. No poison pill ever enters the ring.
     *
     * depth and accepted mirror count and putCount for statistics read without the lock.
     * They are written under the lock with setRelease (no full fence on the hot path) and
     * read with getOpaque: a benign race, a reader may see a value a few puts or takes old,
     * which a progress figure tolerates. Exact figures are read after the pipeline ended,
     * when every write happened-before the reader (the end latch).
     */

    /** Returned by put and offer when the buffer no longer accepts items. */
    static final long CLOSED = -1;
    /** Returned by offer when the wait timed out. */
    static final long TIMED_OUT = -2;
    /** Returned by poll when the wait timed out (end-of-stream is null). */
    static final Object NOTHING_YET = new Object();

    private final Object[] items;
    private final long[] seqs;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private int head;
    private int tail;
    private int count;
    private long putCount;
    private long aborted;   // items abort() took out; read after the end only
    private boolean closed;
    private int depth;      // written under the lock with setRelease, read with getOpaque
    private long accepted;  // likewise

    private static final VarHandle DEPTH;
    private static final VarHandle ACCEPTED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DEPTH = l.findVarHandle(Buffer.class, "depth", int.class);
            ACCEPTED = l.findVarHandle(Buffer.class, "accepted", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Buffer(int capacity) {
        items = new Object[capacity];
        seqs = new long[capacity];
    }

    int capacity() {
        return items.length;
    }

    /** Items in the ring now (racy read, for statistics). */
    int depth() {
        return (int) DEPTH.getOpaque(this);
    }

    /** Items ever put (racy read, for statistics; exact once the buffer is ended). */
    long accepted() {
        return (long) ACCEPTED.getOpaque(this);
    }

    /**
     * Items abort() took out. Exact when read by a thread that some taker's end-of-stream
     * happened-before (a worker that saw the abort, then ended): the count is written under
     * the lock in the same critical section that makes takers see the end.
     */
    long abortedCount() {
        lock.lock();
        try {
            return aborted;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Puts an item, waiting while the ring is full.
     *
     * @return the item's sequence number, or CLOSED if the buffer is closed or aborted
     */
    long put(Object item) throws InterruptedException {
        final ReentrantLock lock = this.lock;
        lock.lockInterruptibly();
        try {
            while (!closed && count == items.length) {
                notFull.await();
            }
            return closed ? CLOSED : enqueue(item);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Puts an item, waiting at most {@code nanos} while the ring is full.
     *
     * @return the item's sequence number, CLOSED, or TIMED_OUT
     */
    long offer(Object item, long nanos) throws InterruptedException {
        final ReentrantLock lock = this.lock;
        lock.lockInterruptibly();
        try {
            while (!closed && count == items.length) {
                if (nanos <= 0L) {
                    return TIMED_OUT;
                }
                nanos = notFull.awaitNanos(nanos);
            }
            return closed ? CLOSED : enqueue(item);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the oldest item, waiting while the ring is empty and open.
     *
     * @param seqOut receives the item's sequence number in slot 0
     * @return the item, or null at end-of-stream (closed and empty, or aborted)
     */
    Object take(long[] seqOut) throws InterruptedException {
        final ReentrantLock lock = this.lock;
        lock.lockInterruptibly();
        try {
            while (count == 0) {
                if (closed) {
                    return null;
                }
                notEmpty.await();
            }
            return dequeue(seqOut);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the oldest item, waiting at most {@code nanos} while the ring is empty and open.
     *
     * @return the item, null at end-of-stream, or NOTHING_YET when the wait timed out
     */
    Object poll(long nanos, long[] seqOut) throws InterruptedException {
        final ReentrantLock lock = this.lock;
        lock.lockInterruptibly();
        try {
            while (count == 0) {
                if (closed) {
                    return null;
                }
                if (nanos <= 0L) {
                    return NOTHING_YET;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            return dequeue(seqOut);
        } finally {
            lock.unlock();
        }
    }

    /** No more puts; takers drain the ring, then see end-of-stream. Idempotent. */
    void close() {
        final ReentrantLock lock = this.lock;
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the buffer and takes every item still in it out, in FIFO order. Idempotent: a
     * second call returns an empty list.
     */
    List<Object> abort() {
        final ReentrantLock lock = this.lock;
        lock.lock();
        try {
            closed = true;
            List<Object> drained = new ArrayList<>(count);
            while (count > 0) {
                drained.add(items[head]);
                items[head] = null;
                head = head + 1 == items.length ? 0 : head + 1;
                count--;
            }
            head = 0;
            tail = 0;
            aborted += drained.size();
            DEPTH.setRelease(this, 0);
            notEmpty.signalAll();
            notFull.signalAll();
            return drained;
        } finally {
            lock.unlock();
        }
    }

    private long enqueue(Object item) {
        long seq = putCount++;
        items[tail] = item;
        seqs[tail] = seq;
        tail = tail + 1 == items.length ? 0 : tail + 1;
        DEPTH.setRelease(this, ++count);
        ACCEPTED.setRelease(this, putCount);
        notEmpty.signal();
        return seq;
    }

    private Object dequeue(long[] seqOut) {
        Object item = items[head];
        seqOut[0] = seqs[head];
        items[head] = null;
        head = head + 1 == items.length ? 0 : head + 1;
        DEPTH.setRelease(this, --count);
        notFull.signal();
        return item;
    }
}
