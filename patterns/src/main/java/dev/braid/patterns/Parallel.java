package dev.braid.patterns;

import dev.braid.ratelimit.RateLimiter;
import dev.braid.scope.FailurePolicy;
import dev.braid.scope.Outcome;
import dev.braid.scope.ScopeTimeoutException;
import dev.braid.scope.TaskFailedException;
import dev.braid.scope.TaskScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounded fan-out: applies a function to every input with at most N calls at once, on a
 * {@link TaskScope}, and returns the results in input order.
 *
 * <pre>{@code
 * // download 50 URLs, 5 at a time, 5 per second
 * List<String> pages = Parallel.builder(5)
 *         .rateLimiter(RateLimiter.slidingWindow(5, Duration.ofSeconds(1)))
 *         .build()
 *         .map(urls, url -> http.get(url));
 *
 * List<Thumbnail> thumbs = Parallel.map(images, 4, Thumbnails::of);   // the short form
 * }</pre>
 *
 * <p><b>Failure modes.</b> {@link #map} and {@link #forEach} fail fast: the first failure
 * cancels the calls in flight (their threads are interrupted), no further input is started,
 * and the method throws {@link TaskFailedException} whose cause is that failure (later
 * failures suppressed). {@link #mapSettled} collects everything instead: every input is
 * processed and its {@link Outcome} returned, in input order; it does not throw for an
 * item's failure.
 *
 * <p><b>Concurrency and order.</b> At most {@code maxConcurrency} calls run at once (fewer if
 * there are fewer inputs), each on a child of a scope opened by the call. Inputs are started
 * in input order; they may finish in any order; results are returned in input order. With a
 * {@link Builder#rateLimiter(RateLimiter) rate limiter}, each call first takes one permit
 * (waiting for it on its worker), so the starts obey the limiter's rate.
 *
 * <p><b>Progress.</b> A {@link ProgressListener} is told {@code (done, total)} after each
 * input finishes (in {@link #mapSettled}, failures count as done). It is called from the
 * worker threads, possibly concurrently; each value of {@code done} from 1 to the number of
 * finished inputs is reported exactly once, not necessarily in increasing order. An
 * exception thrown by the listener counts as a failure of the input it reported.
 *
 * <p><b>Blocking and interrupts.</b> Every method blocks until all its calls have ended (no
 * thread outlives it, as for any scope). If the calling thread is interrupted, the calls in
 * flight are cancelled, the method waits for them to end and throws
 * {@link InterruptedException}. A function that ignores interrupts delays that.
 *
 * <p><b>Thread-safety:</b> a {@code Parallel} is immutable and may run any number of calls
 * from any number of threads at once (they share its rate limiter, if any).
 *
 * <p><b>Memory consistency effects:</b> actions before the call happen-before each
 * function call, and every function call happens-before the method returns (or throws).
 */
public final class Parallel {

    /*
     * Implementation notes
     *
     * Workers, not a task per input: the call opens one scope and forks min(maxConcurrency, n)
     * workers; each claims the next input index with AtomicInteger.getAndIncrement (a volatile
     * read-modify-write: every index goes to exactly one worker, in increasing order), takes a
     * permit from the limiter if there is one, applies the function and writes the result into
     * its slot of a plain array. The array needs no synchronisation: each slot is written by
     * one worker, and every worker's writes happen-before scope.join() returns (the scope's
     * memory-consistency contract), after which only the caller reads it.
     *
     * Fail-fast maps onto a FAIL_FAST scope: the first exception escapes its worker, the scope
     * cancels (interrupts) the other workers, join() throws TaskFailedException. Collect-all
     * uses a SUPERVISE scope and catches every Throwable per input into an Outcome.Failure,
     * except InterruptedException: only the scope interrupts its workers, so it means the run
     * is ending and ends the worker; an input no worker claimed is reported Cancelled.
     *
     * Stopping: `stopped` (volatile) is set by the caller when it leaves the join (normally,
     * by failure or by interrupt) before the scope's close cancels the workers, so a
     * collect-all worker that caught the cancelling interrupt as an item failure sees it and
     * ends instead of starting the next input.
     */

    /** Told how many inputs have finished. */
    @FunctionalInterface
    public interface ProgressListener {
        /**
         * Called after an input finished.
         *
         * @param done how many inputs have finished so far, 1 to {@code total}
         * @param total how many inputs the call has
         */
        void onProgress(int done, int total);
    }

    private final int maxConcurrency;
    private final RateLimiter limiter;
    private final ProgressListener progress;
    private final Duration timeout;

    private Parallel(Builder b) {
        this.maxConcurrency = b.maxConcurrency;
        this.limiter = b.limiter;
        this.progress = b.progress;
        this.timeout = b.timeout;
    }

    /**
     * Returns a builder for runs of at most {@code maxConcurrency} calls at once.
     *
     * @param maxConcurrency at least 1
     * @return a new builder
     * @throws IllegalArgumentException if {@code maxConcurrency < 1}
     */
    public static Builder builder(int maxConcurrency) {
        return new Builder(checkConcurrency(maxConcurrency));
    }

    /**
     * Applies {@code fn} to every input, at most {@code maxConcurrency} at once, failing fast;
     * short for {@code builder(maxConcurrency).build().map(inputs, fn)}.
     *
     * @param <T> the input type
     * @param <R> the result type
     * @param inputs the inputs (copied when the call starts)
     * @param maxConcurrency at least 1
     * @param fn the function
     * @return the results in input order (an unmodifiable list; elements may be null)
     * @throws InterruptedException if interrupted while waiting
     * @throws TaskFailedException if a call failed: the cause is the first failure
     * @throws IllegalArgumentException if {@code maxConcurrency < 1}
     * @throws NullPointerException if {@code inputs} or {@code fn} is null
     */
    public static <T, R> List<R> map(Collection<? extends T> inputs, int maxConcurrency,
            ThrowingFunction<? super T, ? extends R> fn) throws InterruptedException {
        return builder(maxConcurrency).build().map(inputs, fn);
    }

    /**
     * Runs {@code action} for every input, at most {@code maxConcurrency} at once, failing
     * fast; short for {@code builder(maxConcurrency).build().forEach(inputs, action)}.
     *
     * @param <T> the input type
     * @param inputs the inputs (copied when the call starts)
     * @param maxConcurrency at least 1
     * @param action the action
     * @throws InterruptedException if interrupted while waiting
     * @throws TaskFailedException if a call failed: the cause is the first failure
     * @throws IllegalArgumentException if {@code maxConcurrency < 1}
     * @throws NullPointerException if {@code inputs} or {@code action} is null
     */
    public static <T> void forEach(Collection<? extends T> inputs, int maxConcurrency,
            ThrowingConsumer<? super T> action) throws InterruptedException {
        builder(maxConcurrency).build().forEach(inputs, action);
    }

    /**
     * Applies {@code fn} to every input and returns the results in input order, failing fast.
     *
     * @param <T> the input type
     * @param <R> the result type
     * @param inputs the inputs (copied when the call starts)
     * @param fn the function
     * @return the results in input order (an unmodifiable list; elements may be null)
     * @throws InterruptedException if interrupted while waiting
     * @throws TaskFailedException if a call failed: the cause is the first failure
     * @throws ScopeTimeoutException if a {@link Builder#timeout timeout} was set and passed
     * @throws NullPointerException if {@code inputs}, an input or {@code fn} is null
     */
    public <T, R> List<R> map(Collection<? extends T> inputs, ThrowingFunction<? super T, ? extends R> fn)
            throws InterruptedException {
        Objects.requireNonNull(fn, "fn");
        Object[] results = run(snapshot(inputs), fn, false);
        @SuppressWarnings("unchecked")
        List<R> list = (List<R>) Arrays.asList(results);
        return Collections.unmodifiableList(list);
    }

    /**
     * Applies {@code fn} to every input and returns every outcome in input order; never
     * throws for an input's failure.
     *
     * @param <T> the input type
     * @param <R> the result type
     * @param inputs the inputs (copied when the call starts)
     * @param fn the function
     * @return the outcomes in input order (an unmodifiable list): {@link Outcome.Success} or
     *     {@link Outcome.Failure} (or {@link Outcome.Cancelled} for an input that never
     *     started because its worker was cancelled)
     * @throws InterruptedException if interrupted while waiting
     * @throws ScopeTimeoutException if a {@link Builder#timeout timeout} was set and passed
     * @throws NullPointerException if {@code inputs}, an input or {@code fn} is null
     */
    public <T, R> List<Outcome<R>> mapSettled(Collection<? extends T> inputs,
            ThrowingFunction<? super T, ? extends R> fn) throws InterruptedException {
        Objects.requireNonNull(fn, "fn");
        Object[] results = run(snapshot(inputs), fn, true);
        @SuppressWarnings("unchecked")
        List<Outcome<R>> list = (List<Outcome<R>>) (List<?>) Arrays.asList(results);
        return Collections.unmodifiableList(list);
    }

    /**
     * Runs {@code action} for every input, failing fast.
     *
     * @param <T> the input type
     * @param inputs the inputs (copied when the call starts)
     * @param action the action
     * @throws InterruptedException if interrupted while waiting
     * @throws TaskFailedException if a call failed: the cause is the first failure
     * @throws ScopeTimeoutException if a {@link Builder#timeout timeout} was set and passed
     * @throws NullPointerException if {@code inputs}, an input or {@code action} is null
     */
    public <T> void forEach(Collection<? extends T> inputs, ThrowingConsumer<? super T> action)
            throws InterruptedException {
        Objects.requireNonNull(action, "action");
        run(snapshot(inputs), (T item) -> {
            action.accept(item);
            return null;
        }, false);
    }

    private static <T> List<T> snapshot(Collection<? extends T> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        List<T> copy = new ArrayList<>(inputs);
        for (int i = 0; i < copy.size(); i++) {
            if (copy.get(i) == null) {
                throw new NullPointerException("input " + i + " is null");
            }
        }
        return copy;
    }

    private <T, R> Object[] run(List<T> items, ThrowingFunction<? super T, ? extends R> fn, boolean settle)
            throws InterruptedException {
        int total = items.size();
        Object[] results = new Object[total];
        if (total == 0) {
            return results;
        }
        Run<T, R> run = new Run<>(items, fn, settle, results);
        TaskScope.Builder scopeBuilder = TaskScope.builder().name("Parallel")
                .failurePolicy(settle ? FailurePolicy.SUPERVISE : FailurePolicy.FAIL_FAST);
        if (timeout != null) {
            scopeBuilder.timeout(timeout);
        }
        try (TaskScope scope = scopeBuilder.open()) {
            int workers = Math.min(maxConcurrency, total);
            for (int w = 0; w < workers; w++) {
                scope.fork(run::work);
            }
            try {
                scope.join();
            } finally {
                run.stopped = true;
            }
        }
        if (settle) {
            for (int i = 0; i < total; i++) {
                if (results[i] == null) {
                    results[i] = new Outcome.Cancelled<>(); // its worker ended before claiming it
                }
            }
        }
        return results;
    }

    /** The shared state of one call. */
    private final class Run<T, R> {
        private final List<T> items;
        private final ThrowingFunction<? super T, ? extends R> fn;
        private final boolean settle;
        private final Object[] results;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        volatile boolean stopped;

        Run(List<T> items, ThrowingFunction<? super T, ? extends R> fn, boolean settle, Object[] results) {
            this.items = items;
            this.fn = fn;
            this.settle = settle;
            this.results = results;
        }

        Void work() throws Exception {
            int total = items.size();
            for (int i; !stopped && (i = next.getAndIncrement()) < total; ) {
                if (limiter != null) {
                    limiter.acquire();
                }
                if (settle) {
                    results[i] = settled(items.get(i), total);
                } else {
                    R value = fn.apply(items.get(i));
                    report(total);
                    results[i] = value;
                }
            }
            return null;
        }

        private Outcome<R> settled(T item, int total) throws InterruptedException {
            R value;
            try {
                value = fn.apply(item);
            } catch (InterruptedException cancelled) {
                throw cancelled; // only the scope interrupts its workers: the run is ending
            } catch (Throwable failure) {
                try {
                    report(total);
                } catch (Throwable listenerFailure) {
                    failure.addSuppressed(listenerFailure);
                }
                return new Outcome.Failure<>(failure);
            }
            try {
                report(total);
            } catch (Throwable listenerFailure) {
                return new Outcome.Failure<>(listenerFailure);
            }
            return new Outcome.Success<>(value);
        }

        private void report(int total) {
            int d = done.incrementAndGet();
            if (progress != null) {
                progress.onProgress(d, total);
            }
        }
    }

    private static int checkConcurrency(int maxConcurrency) {
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be at least 1: " + maxConcurrency);
        }
        return maxConcurrency;
    }

    @Override
    public String toString() {
        return "Parallel[maxConcurrency=" + maxConcurrency + (limiter != null ? ", " + limiter : "")
                + (timeout != null ? ", timeout=" + timeout : "") + "]";
    }

    /** Configures a {@link Parallel}. Not thread-safe. */
    public static final class Builder {
        private final int maxConcurrency;
        private RateLimiter limiter;
        private ProgressListener progress;
        private Duration timeout;

        private Builder(int maxConcurrency) {
            this.maxConcurrency = maxConcurrency;
        }

        /**
         * Makes every call take one permit from {@code limiter} before it starts.
         *
         * @param limiter the limiter, possibly shared with other code
         * @return this builder
         * @throws NullPointerException if {@code limiter} is null
         */
        public Builder rateLimiter(RateLimiter limiter) {
            this.limiter = Objects.requireNonNull(limiter, "limiter");
            return this;
        }

        /**
         * Sets a listener told {@code (done, total)} after each input finishes.
         *
         * @param progress the listener
         * @return this builder
         * @throws NullPointerException if {@code progress} is null
         */
        public Builder progress(ProgressListener progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /**
         * Bounds each run: when it passes, the calls in flight are cancelled and the run
         * throws {@link ScopeTimeoutException}.
         *
         * @param timeout positive
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         * @throws NullPointerException if {@code timeout} is null
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Builds an immutable {@link Parallel}.
         *
         * @return a new Parallel
         */
        public Parallel build() {
            return new Parallel(this);
        }
    }
}
