package dev.braid.patterns;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Lets at most N calls run at once; a caller that finds every slot taken waits up to a
 * maximum wait, in arrival order, and is then rejected with {@link BulkheadFullException}.
 * It isolates a slow dependency: when it stalls, only N threads are stuck in it.
 *
 * <pre>{@code
 * Bulkhead inventory = Bulkhead.of(10, Duration.ofMillis(50));
 * try {
 *     Stock stock = inventory.call(() -> inventoryClient.stock(sku));   // at most 10 at once
 * } catch (BulkheadFullException busy) {
 *     return Stock.unknown();                                           // shed load
 * }
 * }</pre>
 *
 * <p><b>Guarantee:</b> at no instant do more than {@code maxConcurrentCalls} tasks passed to
 * {@link #call} run inside it, under any interleaving; a slot is released however the task
 * ends (result, exception, error).
 *
 * <p><b>Blocking and interrupts:</b> {@link #call} blocks only while waiting for a slot, at
 * most the maximum wait (zero: it does not wait); waiting callers are served first come,
 * first served. An interrupt while waiting throws {@link InterruptedException} and takes no
 * slot.
 *
 * <p><b>Thread-safety:</b> safe for use by any number of threads.
 *
 * <p><b>Memory consistency effects:</b> actions of a task before it ends (and its slot is
 * released) happen-before the start of any task that then gets that slot, as for
 * {@link Semaphore#release()} and a successful acquire.
 */
public final class Bulkhead {

    /*
     * Implementation notes
     *
     * Overview: a fair java.util.concurrent.Semaphore with maxConcurrentCalls permits. The
     * timed tryAcquire of a fair semaphore first tries a CAS on the permit count when no
     * thread is queued (the uncontended fast path: one volatile read and one CAS, no
     * allocation) and otherwise enqueues the caller in FIFO order; it never barges past a
     * queued waiter. Release is one CAS plus an unpark of the head waiter if any. The
     * ordering guarantees are the semaphore's (AQS state is volatile; release/acquire form a
     * happens-before edge).
     *
     * Rejection allocates an exception; a bulkhead under overload rejects at the rate of the
     * timeouts, so this is not the hot path.
     */

    private final Semaphore slots;
    private final int maxConcurrentCalls;
    private final long maxWaitNanos;

    private Bulkhead(int maxConcurrentCalls, long maxWaitNanos) {
        this.slots = new Semaphore(maxConcurrentCalls, true);
        this.maxConcurrentCalls = maxConcurrentCalls;
        this.maxWaitNanos = maxWaitNanos;
    }

    /**
     * Creates a bulkhead.
     *
     * @param maxConcurrentCalls how many calls may run at once; at least 1
     * @param maxWait how long a caller waits for a slot before it is rejected; zero means
     *     "do not wait"
     * @return a new bulkhead
     * @throws IllegalArgumentException if {@code maxConcurrentCalls < 1} or {@code maxWait}
     *     is negative
     * @throws NullPointerException if {@code maxWait} is null
     */
    public static Bulkhead of(int maxConcurrentCalls, Duration maxWait) {
        if (maxConcurrentCalls < 1) {
            throw new IllegalArgumentException("maxConcurrentCalls must be at least 1: " + maxConcurrentCalls);
        }
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative: " + maxWait);
        }
        long nanos;
        try {
            nanos = maxWait.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE;
        }
        return new Bulkhead(maxConcurrentCalls, nanos);
    }

    /**
     * Runs {@code task} on the calling thread once a slot is free, waiting at most the
     * maximum wait for one.
     *
     * @param <T> the result type
     * @param <X> the checked exception the task may throw
     * @param task the call to make
     * @return what the task returned
     * @throws X if the task throws it (its runtime exceptions and errors propagate too)
     * @throws BulkheadFullException if no slot became free within the maximum wait; the task
     *     did not run
     * @throws InterruptedException if interrupted while waiting for a slot; the task did not run
     * @throws NullPointerException if {@code task} is null
     */
    public <T, X extends Exception> T call(ThrowingSupplier<? extends T, X> task)
            throws X, InterruptedException {
        Objects.requireNonNull(task, "task");
        if (!slots.tryAcquire(maxWaitNanos, TimeUnit.NANOSECONDS)) {
            throw new BulkheadFullException("bulkhead of " + maxConcurrentCalls
                    + " concurrent calls is full after waiting " + Duration.ofNanos(maxWaitNanos));
        }
        try {
            return task.get();
        } finally {
            slots.release();
        }
    }

    /**
     * Returns the number of free slots: an instantaneous snapshot for monitoring, stale as
     * soon as it is returned.
     *
     * @return free slots, between 0 and {@link #maxConcurrentCalls()}
     */
    public int availableSlots() {
        return slots.availablePermits();
    }

    /**
     * Returns the limit this bulkhead was created with.
     *
     * @return the maximum number of concurrent calls
     */
    public int maxConcurrentCalls() {
        return maxConcurrentCalls;
    }

    @Override
    public String toString() {
        return "Bulkhead[" + slots.availablePermits() + "/" + maxConcurrentCalls + " free, maxWait="
                + Duration.ofNanos(maxWaitNanos) + "]";
    }
}
