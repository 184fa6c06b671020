package dev.braid.scope;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Tasks in the order they finished, for one consumer: asCompleted's iterator, gather and race.
 * Completing tasks add themselves (from their listener list); the consumer parks in
 * {@link #take}.
 */
final class CompletionQueue {

    /*
     * Implementation notes
     *
     * Wake-up: the consumer publishes itself in 'waiter' (volatile write) and then polls the
     * queue again before parking; a producer offers (a CAS in ConcurrentLinkedQueue) and then
     * reads 'waiter'. Both pairs are sequentially consistent, so either the consumer's second
     * poll sees the task or the producer sees the waiter and unparks it (a permit survives an
     * unpark that comes before the park). One consumer only: the callers are single-threaded
     * by contract (an iterator, or the thread inside gather/race).
     */

    private final ConcurrentLinkedQueue<ScopedTask<?>> done = new ConcurrentLinkedQueue<>();
    private volatile Thread waiter;

    void add(ScopedTask<?> task) {
        done.offer(task);
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** Registers on each task; a task already finished is queued at once. */
    void watch(Iterable<? extends ScopedTask<?>> tasks) {
        for (ScopedTask<?> task : tasks) {
            if (!task.addListener(this)) {
                done.offer(task);
            }
        }
    }

    /**
     * The next finished task, waiting up to the scope's deadline; at the deadline the scope
     * times out (cancelling its non-shielded children) and this throws.
     */
    ScopedTask<?> take(TaskScope scope) throws InterruptedException {
        ScopedTask<?> task = done.poll();
        if (task != null) {
            return task;
        }
        waiter = Thread.currentThread();
        try {
            for (;;) {
                task = done.poll();
                if (task != null) {
                    return task;
                }
                scope.parkUntilDeadline(this);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            waiter = null;
        }
    }
}
