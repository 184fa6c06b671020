package dev.braid.patterns;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded pool of worker threads that runs queued tasks highest priority first: the "task
 * manager with priorities". Queued tasks can be cancelled (they leave the queue at once), and
 * the executor shuts down either gracefully (queued tasks still run) or immediately (running
 * tasks are interrupted and the queued ones are handed back).
 *
 * <pre>{@code
 * try (PriorityTaskExecutor executor = PriorityTaskExecutor.create(4)) {
 *     Future<Report> nightly = executor.submit(1, () -> buildReport(day));
 *     Future<Report> urgent = executor.submit(10, () -> buildReport(today));  // runs first
 *     nightly.cancel(false);                                 // still queued: removed
 *     Report report = urgent.get();
 * }                                                          // close(): graceful shutdown
 * }</pre>
 *
 * <p><b>Ordering.</b> When a worker becomes free it takes the queued task with the highest
 * priority; among equal priorities, the one submitted first. A task submitted while a worker
 * is idle starts at once, whatever its priority. Running tasks are never preempted.
 *
 * <p><b>Cancellation.</b> {@link Future#cancel(boolean) cancel} on a queued task's future
 * removes it from the queue: it never runs and is not returned by {@link #shutdownNow()}.
 * {@code cancel(true)} on a running task interrupts its worker, as for {@link FutureTask}.
 *
 * <p><b>Shutdown.</b> After {@link #shutdown()} no task is accepted
 * ({@link RejectedExecutionException}) and the queued ones still run; the workers end when
 * the queue is empty. {@link #shutdownNow()} also interrupts the running tasks and returns
 * the queued ones, unstarted, in the order they would have run. {@link #close()} is
 * {@code shutdown()} plus waiting for termination, like {@code ExecutorService.close()}.
 *
 * <p><b>Thread-safety:</b> every method may be called from any thread.
 *
 * <p><b>Memory consistency effects:</b> actions in a thread before it submits a task
 * happen-before the task runs, and the task's actions happen-before its future's
 * {@code get()} returns, as for {@link java.util.concurrent.ExecutorService}.
 */
public final class PriorityTaskExecutor implements AutoCloseable {

    /*
     * Implementation notes
     *
     * Overview: a java.util.concurrent.ThreadPoolExecutor with core = max = workers and an
     * unbounded PriorityBlockingQueue, whose elements are PrioritizedTask: a FutureTask that
     * is Comparable by (priority descending, sequence ascending). The sequence number comes
     * from an AtomicLong (getAndIncrement; only uniqueness and the order of submissions from
     * one thread matter, so relaxed ordering would do, but the atomic is the simple choice),
     * which makes the ordering total and FIFO among equal priorities.
     *
     * Cancellation: PrioritizedTask.cancel calls ThreadPoolExecutor.remove(this) after a
     * successful FutureTask.cancel, so a cancelled task leaves the queue at once and is never
     * handed back by shutdownNow (which drains the queue in priority order through
     * PriorityBlockingQueue.drainTo). A cancel that races a worker's take is harmless: the
     * worker runs a FutureTask that is already cancelled, which does nothing.
     *
     * All ordering comes from the JDK classes: the queue's lock orders submit before take,
     * FutureTask's state orders the task's actions before get().
     */

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ThreadPoolExecutor pool;
    private final AtomicLong sequence = new AtomicLong();

    private PriorityTaskExecutor(int workers, ThreadFactory factory) {
        this.pool = new ThreadPoolExecutor(workers, workers, 0L, TimeUnit.MILLISECONDS,
                new PriorityBlockingQueue<>(), factory);
    }

    /**
     * Creates an executor with {@code workers} non-daemon platform threads, created on demand
     * and named {@code braid-priority-P-N}.
     *
     * @param workers the number of worker threads; at least 1
     * @return a new executor; shut it down or close it
     * @throws IllegalArgumentException if {@code workers < 1}
     */
    public static PriorityTaskExecutor create(int workers) {
        int pool = POOLS.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        return create(workers, r -> new Thread(r, "braid-priority-" + pool + "-" + thread.incrementAndGet()));
    }

    /**
     * Creates an executor whose workers come from {@code threadFactory}.
     *
     * @param workers the number of worker threads; at least 1
     * @param threadFactory creates the workers (virtual threads are fine)
     * @return a new executor; shut it down or close it
     * @throws IllegalArgumentException if {@code workers < 1}
     * @throws NullPointerException if {@code threadFactory} is null
     */
    public static PriorityTaskExecutor create(int workers, ThreadFactory threadFactory) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1: " + workers);
        }
        return new PriorityTaskExecutor(workers, Objects.requireNonNull(threadFactory, "threadFactory"));
    }

    /**
     * Queues a task with a priority; a larger number runs earlier.
     *
     * @param <T> the result type
     * @param priority any int; larger is more urgent
     * @param task the task
     * @return the task's future; cancelling it while queued removes it from the queue
     * @throws RejectedExecutionException if the executor is shut down
     * @throws NullPointerException if {@code task} is null
     */
    public <T> Future<T> submit(int priority, Callable<T> task) {
        PrioritizedTask<T> ft = new PrioritizedTask<>(Objects.requireNonNull(task, "task"), priority,
                sequence.getAndIncrement(), pool);
        pool.execute(ft);
        return ft;
    }

    /**
     * Queues a task without a result with a priority; a larger number runs earlier.
     *
     * @param priority any int; larger is more urgent
     * @param task the task
     * @return the task's future, whose {@code get()} returns null on success
     * @throws RejectedExecutionException if the executor is shut down
     * @throws NullPointerException if {@code task} is null
     */
    public Future<?> submit(int priority, Runnable task) {
        return submit(priority, Executors.callable(Objects.requireNonNull(task, "task")));
    }

    /**
     * Starts a graceful shutdown: no new task is accepted, queued tasks still run. Does not
     * wait; see {@link #awaitTermination(Duration)}. Idempotent.
     */
    public void shutdown() {
        pool.shutdown();
    }

    /**
     * Shuts down at once: no new task is accepted, running tasks are interrupted, queued
     * tasks are removed and returned. Does not wait for running tasks to end.
     *
     * @return the futures of the tasks that never started, highest priority first; they are
     *     not cancelled (run them elsewhere, or cancel them so that waiters are released)
     */
    public List<RunnableFuture<?>> shutdownNow() {
        List<Runnable> drained = pool.shutdownNow();
        List<RunnableFuture<?>> unstarted = new ArrayList<>(drained.size());
        for (Runnable r : drained) {
            unstarted.add((RunnableFuture<?>) r);
        }
        return unstarted;
    }

    /**
     * Waits until every task has ended after a shutdown, or the timeout expires.
     *
     * @param timeout how long to wait; zero means "do not wait"
     * @return true if terminated, false if the timeout expired first
     * @throws InterruptedException if interrupted while waiting
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code timeout} is null
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE;
        }
        return pool.awaitTermination(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Returns true once {@link #shutdown()} or {@link #shutdownNow()} was called.
     *
     * @return whether the executor is shut down
     */
    public boolean isShutdown() {
        return pool.isShutdown();
    }

    /**
     * Returns true once the executor is shut down and every task has ended.
     *
     * @return whether the executor has terminated
     */
    public boolean isTerminated() {
        return pool.isTerminated();
    }

    /**
     * Returns the number of tasks waiting in the queue: a snapshot for monitoring.
     *
     * @return queued (not running, not cancelled) tasks
     */
    public int queuedTasks() {
        return pool.getQueue().size();
    }

    /**
     * Shuts down gracefully and waits until every task has ended. If the calling thread is
     * interrupted while waiting, the executor is shut down immediately ({@link #shutdownNow()},
     * queued tasks are dropped), waiting goes on, and the interrupt flag is set again before
     * returning, as {@code ExecutorService.close()} does.
     */
    @Override
    public void close() {
        pool.shutdown();
        boolean interrupted = false;
        while (!pool.isTerminated()) {
            try {
                pool.awaitTermination(1, TimeUnit.DAYS);
            } catch (InterruptedException e) {
                if (!interrupted) {
                    for (RunnableFuture<?> dropped : shutdownNow()) {
                        dropped.cancel(false);
                    }
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "PriorityTaskExecutor[workers=" + pool.getCorePoolSize() + ", queued=" + queuedTasks()
                + (pool.isShutdown() ? ", shut down" : "") + "]";
    }

    /** A FutureTask ordered by (priority descending, sequence ascending). */
    private static final class PrioritizedTask<T> extends FutureTask<T>
            implements Comparable<PrioritizedTask<?>> {
        private final int priority;
        private final long seq;
        private final ThreadPoolExecutor pool;

        PrioritizedTask(Callable<T> task, int priority, long seq, ThreadPoolExecutor pool) {
            super(task);
            this.priority = priority;
            this.seq = seq;
            this.pool = pool;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                pool.remove(this);
            }
            return cancelled;
        }

        @Override
        public int compareTo(PrioritizedTask<?> other) {
            int byPriority = Integer.compare(other.priority, priority);
            return byPriority != 0 ? byPriority : Long.compare(seq, other.seq);
        }

        @Override
        public String toString() {
            return "PrioritizedTask[priority=" + priority + ", seq=" + seq + ", " + super.toString() + "]";
        }
    }
}
