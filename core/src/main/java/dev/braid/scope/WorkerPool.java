package dev.braid.scope;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;

/**
 * The platform-thread pool behind scopes without virtual threads (JDK 17's default): unbounded
 * like a cached pool, so a task never waits behind a blocked one, yet it wakes a thread only when
 * no worker is already looking for work, so a burst of short tasks costs a few wake-ups rather
 * than one per task.
 *
 * <p>Guarantee: every task handed to {@link #execute} starts without waiting for another task
 * to end. Whenever a task sits in the queue, some worker is awake and not running a task (or is
 * being woken or started to be one), and it will take that task or hand the duty on before it
 * runs anything.
 */
final class WorkerPool implements Executor {

    /*
     * Implementation notes.
     *
     * Overview: one unbounded lock-free queue of tasks and a count, 'searching', of workers that
     * are awake and not running a task (including workers being woken or started on the count's
     * behalf). A cached ThreadPoolExecutor hands each task to an idle thread through a
     * SynchronousQueue, which unparks a thread per task; here a submit only enqueues, and wakes a
     * worker only when 'searching' is zero. This is Go's scheduler's rule for spinning threads:
     *
     *   (1) a submit that sees no searcher wakes one (counting it as searching first);
     *   (2) a searcher that takes a task stops searching; if it was the last searcher and the
     *       queue is not empty, it wakes another before it runs its task;
     *   (3) a searcher that finds nothing stops searching, re-checks the queue and parks only
     *       if it is still empty (one of them may poll for spinNanos first, see Spinning).
     *
     * Invariant: whenever the queue holds a task, searching > 0 (a worker is on its way to it),
     * or a thread that has just changed the queue or the count is about to restore it by (1),
     * (2) or (3). So a task never waits for another task to end: a worker that runs user code
     * (which may block for ever) has always handed the search on first. With short tasks a
     * worker is back to searching before the queue drains, (2) seldom fires, and a burst of N
     * forks costs about as many wake-ups as there are cores; with blocking tasks every take by
     * the last searcher wakes one more thread, which is a thread per task, like a cached pool.
     *
     * Memory ordering: the two races are Dekker-style.
     *   - A submit (queue.offer: a CAS linking the node, a volatile write) followed by a volatile
     *     read of 'searching', against (2)/(3): a getAndAdd(-1) of 'searching' (volatile read and
     *     write) followed by volatile reads of the queue (isEmpty). Both sides are synchronization
     *     actions, so in the synchronization order either the submit's read comes after the
     *     decrement (it sees zero and wakes per (1)) or the searcher's read comes after the link
     *     (it sees the task and does not leave it). Both may happen: an extra wake-up, harmless.
     *   - Waking: the waker pops an idle worker and sets its 'woken' flag under 'lock', then
     *     unparks it; a parked worker re-checks 'woken' after every return from park, and one
     *     whose keep-alive passed leaves only under 'lock' and only if nobody set 'woken', so a
     *     wake-up is never lost to a worker that is just ending.
     *
     * Spinning: one idle worker at a time (whoever wins the CAS of 'spinning', a hint with no
     * part in the invariant; opaque reads and writes, a benign race) keeps polling the queue for
     * spinNanos before it parks, calling Thread.yield() between polls so that a thread just
     * woken on the same core is not kept off it. A scope forked right after another (the
     * owner's own wake-up from join takes about as long) then finds a worker awake instead of
     * paying a park and unpark. Only one spins, and it yields: with every finished worker
     * spinning, or with one spinning on onSpinWait, a fan-out of blocking tasks was up to 2.5x
     * slower on 2 cores (BENCHMARKS.md). The shared pool spins 20 microseconds, and not at all
     * on one CPU.
     *
     * Memory consistency: execute's offer and the worker's poll are a volatile write and read
     * of the queue's node, so what the submitter did before execute happens-before the task.
     *
     * Idle workers park on a LIFO stack (the most recently active one is woken first, so the
     * others age out) and end after keepAliveNanos without work. Threads are daemons; the pool
     * is never shut down (tests use their own instance with a short keep-alive).
     */

    private static final VarHandle SEARCHING;
    private static final VarHandle SPINNING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SEARCHING = lookup.findVarHandle(WorkerPool.class, "searching", int.class);
            SPINNING = lookup.findVarHandle(WorkerPool.class, "spinning", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final ThreadFactory factory;
    private final long keepAliveNanos;
    private final long spinNanos;
    private final Object lock = new Object();
    private final ArrayDeque<Worker> idle = new ArrayDeque<>(); // guarded by lock; last = newest
    private int threads;                                        // guarded by lock
    @SuppressWarnings("unused") // accessed through SEARCHING
    private volatile int searching;
    @SuppressWarnings("unused") // accessed through SPINNING
    private volatile int spinning;

    /**
     * @param factory makes the workers (daemon threads with the pool's names)
     * @param keepAliveNanos how long a worker stays parked without work before it ends
     * @param spinNanos how long one idle worker at a time polls the queue before it parks
     */
    WorkerPool(ThreadFactory factory, long keepAliveNanos, long spinNanos) {
        this.factory = Objects.requireNonNull(factory, "factory");
        if (keepAliveNanos <= 0) {
            throw new IllegalArgumentException("keepAliveNanos must be positive: " + keepAliveNanos);
        }
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos must not be negative: " + spinNanos);
        }
        this.keepAliveNanos = keepAliveNanos;
        this.spinNanos = spinNanos;
    }

    /**
     * Queues {@code task}; it starts without waiting for any other task to end.
     *
     * @throws NullPointerException if {@code task} is null
     * @throws OutOfMemoryError (or whatever else starting a thread threw) if no worker could be
     *     started and the task was taken back out of the queue: it never runs
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        queue.offer(task);                               // volatile write: the Dekker's first half
        if ((int) SEARCHING.getVolatile(this) == 0) {    // volatile read: needs StoreLoad with the offer
            try {
                wakeOne();
            } catch (RuntimeException | Error e) {
                if (queue.remove(task)) {
                    throw e;                             // never ran and never will: the caller cancels it
                }
                // a worker took it after all: it runs; nothing to report
            }
        }
    }

    /** Wakes an idle worker, or starts one, counted as searching from now. */
    private void wakeOne() {
        SEARCHING.getAndAdd(this, 1);
        Worker w;
        synchronized (lock) {
            w = idle.pollLast();
            if (w != null) {
                w.woken = true;
            } else {
                threads++;
            }
        }
        if (w != null) {
            LockSupport.unpark(w.thread);
            return;
        }
        try {
            Worker fresh = new Worker();
            Thread t = factory.newThread(fresh);
            if (t == null) {
                throw new IllegalStateException("the worker thread factory returned null");
            }
            fresh.thread = t;
            t.start();
        } catch (RuntimeException | Error e) {
            synchronized (lock) {
                threads--;
            }
            SEARCHING.getAndAdd(this, -1);
            throw e;
        }
    }

    /** The number of workers awake and not running a task, or being woken to be (tests). */
    int searchingCount() {
        return (int) SEARCHING.getVolatile(this);
    }

    /** The number of live workers (tests). */
    int threadCount() {
        synchronized (lock) {
            return threads;
        }
    }

    private final class Worker implements Runnable {
        Thread thread;
        volatile boolean woken; // set under lock by the waker; read by this worker

        @Override
        public void run() {
            // Starts counted as searching (by wakeOne).
            boolean spinner = false;
            long spinUntil = 0;
            for (;;) {
                Runnable task = queue.poll();
                if (task != null) {
                    if (spinner) {
                        spinner = false;
                        SPINNING.setOpaque(WorkerPool.this, 0);
                    }
                    if ((int) SEARCHING.getAndAdd(WorkerPool.this, -1) == 1 && !queue.isEmpty()) {
                        handOnSearch();                  // rule (2): never run user code as the last searcher
                    }
                    runTask(task);
                    SEARCHING.getAndAdd(WorkerPool.this, 1);
                    continue;
                }
                if (!spinner && spinNanos > 0 && (int) SPINNING.getOpaque(WorkerPool.this) == 0
                        && SPINNING.compareAndSet(WorkerPool.this, 0, 1)) {
                    spinner = true;
                    spinUntil = System.nanoTime() + spinNanos;
                }
                if (spinner) {
                    if (System.nanoTime() - spinUntil < 0) {
                        Thread.yield(); // not onSpinWait: a thread just woken may need this core
                        continue;
                    }
                    spinner = false;
                    SPINNING.setOpaque(WorkerPool.this, 0);
                }
                SEARCHING.getAndAdd(WorkerPool.this, -1); // rule (3), Dekker with execute
                if (!queue.isEmpty()) {
                    SEARCHING.getAndAdd(WorkerPool.this, 1);
                    continue;
                }
                if (!park()) {
                    return;                              // kept alive long enough without work
                }
                // woken: the waker counted this worker as searching
            }
        }

        private void handOnSearch() {
            try {
                wakeOne();
            } catch (RuntimeException | Error e) {
                // No thread could be started (out of native threads). The queued tasks wait for
                // this worker, which returns to searching after its task.
            }
        }

        private void runTask(Runnable task) {
            Thread.interrupted(); // an interrupt meant for the previous task must not reach this one
            try {
                task.run();
            } catch (Throwable t) {
                Thread.UncaughtExceptionHandler h = thread.getUncaughtExceptionHandler();
                try {
                    h.uncaughtException(thread, t);
                } catch (Throwable ignored) {
                    // the handler failed too: the worker carries on regardless
                }
            }
        }

        /** Parks until woken ({@code true}) or the keep-alive passes with no wake-up ({@code false}). */
        private boolean park() {
            synchronized (lock) {
                woken = false;
                idle.addLast(this);
            }
            long deadline = System.nanoTime() + keepAliveNanos;
            for (;;) {
                if (woken) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    synchronized (lock) {
                        if (woken) {
                            return true;
                        }
                        idle.removeFirstOccurrence(this);
                        threads--;
                        return false;
                    }
                }
                Thread.interrupted(); // a stale interrupt must not turn this park into a spin
                LockSupport.parkNanos(WorkerPool.this, left);
            }
        }
    }
}
