package dev.braid.patterns;

import dev.braid.ratelimit.RateLimiter;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * An {@link Executor} that makes every task take a permit from a {@link RateLimiter} before
 * it runs on the wrapped executor.
 *
 * <pre>{@code
 * RateLimiter fivePerSecond = RateLimiter.slidingWindow(5, Duration.ofSeconds(1));
 * try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
 *     Executor limited = RateLimitedExecutor.wrap(pool, fivePerSecond);
 *     for (URI uri : uris) {
 *         limited.execute(() -> crawl(uri));        // at most 5 crawls start per second
 *     }
 * }
 * }</pre>
 *
 * <p><b>How.</b> {@link #execute} hands the delegate a wrapper that first calls
 * {@link RateLimiter#acquire()} on the delegate's thread and then runs the task. So
 * {@code execute} never blocks the submitter, the delegate's rejection policy applies at
 * submission as usual, and a task waiting for its permit occupies a delegate thread (cheap
 * with virtual threads; with a fixed pool, the pool size bounds how many wait). Tasks start
 * in the order they were granted permits, which is the order in which the delegate's threads
 * asked (the limiter is FIFO).
 *
 * <p><b>Interrupts.</b> If the delegate's thread is interrupted while the wrapper waits for a
 * permit (for example by {@code shutdownNow()}), the task is not run, takes no permit, and
 * the interrupt flag is restored for the delegate to see.
 *
 * <p><b>Thread-safety:</b> safe for use by any number of threads, as safe as the delegate.
 *
 * <p><b>Memory consistency effects:</b> those of the delegate: actions before
 * {@code execute} happen-before the task runs when the delegate promises so (every JDK
 * executor does).
 */
public final class RateLimitedExecutor implements Executor {

    /*
     * Implementation notes
     *
     * A thin wrapper; all ordering comes from the delegate (submission happens-before the run)
     * and from the limiter (FIFO grants). The alternative, acquireAsync() on the submitting
     * side and delegate.execute in the grant's callback, keeps no thread waiting but would
     * turn a delegate rejection into a lost task on the limiter's timer thread; this version
     * keeps rejection synchronous.
     */

    private final Executor delegate;
    private final RateLimiter limiter;

    private RateLimitedExecutor(Executor delegate, RateLimiter limiter) {
        this.delegate = delegate;
        this.limiter = limiter;
    }

    /**
     * Wraps {@code delegate} so that each task first takes one permit of {@code limiter}.
     *
     * @param delegate runs the tasks
     * @param limiter meters them; it may be shared with other code
     * @return the wrapping executor
     * @throws NullPointerException if an argument is null
     */
    public static RateLimitedExecutor wrap(Executor delegate, RateLimiter limiter) {
        return new RateLimitedExecutor(Objects.requireNonNull(delegate, "delegate"),
                Objects.requireNonNull(limiter, "limiter"));
    }

    /**
     * Submits {@code task}; it runs on the delegate once it has a permit.
     *
     * @param task the task
     * @throws RejectedExecutionException if the delegate rejects it
     * @throws NullPointerException if {@code task} is null
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        delegate.execute(new Metered(task));
    }

    @Override
    public String toString() {
        return "RateLimitedExecutor[" + limiter + " -> " + delegate + "]";
    }

    /** Takes the permit, then runs the task. */
    private final class Metered implements Runnable {
        private final Runnable task;

        Metered(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            try {
                limiter.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            task.run();
        }

        @Override
        public String toString() {
            return "RateLimited[" + task + "]";
        }
    }
}
