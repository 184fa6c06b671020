package dev.braid.patterns;

import dev.braid.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import java.util.function.Predicate;

/**
 * Retries a call with exponential backoff and full jitter, bounded by a number of attempts
 * and by an overall deadline; an interrupt stops retrying at once.
 *
 * <pre>{@code
 * Retry retry = Retry.builder()
 *         .maxAttempts(5)
 *         .backoff(Duration.ofMillis(100), Duration.ofSeconds(5))   // base, cap
 *         .deadline(Duration.ofSeconds(30))
 *         .retryOn(e -> e instanceof IOException)
 *         .build();
 * String body = retry.call(() -> http.get(url));                  // throws IOException
 * }</pre>
 *
 * <p><b>Schedule.</b> After failed attempt {@code k} (counting from 1) the caller sleeps a
 * uniformly random time in {@code [0, min(cap, base * 2^(k-1))]} ("full jitter", which
 * spreads a crowd of retrying clients instead of making them retry in lock-step) and then
 * makes attempt {@code k + 1}. The call gives up, throwing the last failure, when
 * <ul>
 *   <li>the failure is not retryable (the {@linkplain Builder#retryOn predicate} says no),</li>
 *   <li>{@code maxAttempts} attempts have failed,</li>
 *   <li>the next attempt could not start before the deadline (counted from the start of
 *       {@link #call}): the call gives up as soon as it knows, it does not sleep first, or</li>
 *   <li>the calling thread is interrupted (see below).</li>
 * </ul>
 * The failures of the earlier attempts are attached to the thrown one as
 * {@linkplain Throwable#getSuppressed() suppressed} exceptions, oldest first. The deadline
 * bounds when an attempt may start; it never interrupts an attempt that is running.
 *
 * <p><b>Interrupts.</b> An interrupt during the backoff sleep ends the call with
 * {@link InterruptedException} (the failures so far suppressed in it). An attempt that throws
 * {@code InterruptedException} is never retried: it is rethrown at once. An attempt that
 * fails while the thread's interrupt flag is set is not retried either; its failure is
 * thrown and the flag is left set.
 *
 * <p><b>Thread-safety:</b> a {@code Retry} is immutable and may be shared by any number of
 * threads; each {@link #call} keeps its state on its own stack.
 *
 * <p><b>Memory consistency effects:</b> actions of an attempt happen-before the next attempt
 * and the return of {@link #call} (they run on the calling thread, in order).
 */
public final class Retry {

    /*
     * Implementation notes
     *
     * Overview: call() is a loop on the caller's thread; all state (attempt number, failures,
     * start reading) is local, so there is nothing shared to order. Time comes from the
     * Ticker (compared by difference) and sleeping goes through a Sleeper, both injectable so
     * that tests run on a manual ticker and record a transcript of sleeps.
     *
     * Backoff: bound(k) = min(cap, base << (k-1)), computed with saturation (a shift past 62
     * bits or a product past cap yields cap). The jitter function maps the bound to a value
     * in [0, bound]; the default is ThreadLocalRandom, inclusive of the bound.
     *
     * Deadline: after a failure, if elapsed + delay >= deadline the next attempt could not
     * start in time, so the last failure is thrown without sleeping (predictive, like a
     * limiter's timed tryAcquire).
     */

    /** Sleeps for a number of nanoseconds; the seam through which tests observe backoff. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private static final Sleeper THREAD_SLEEPER = nanos -> {
        if (nanos > 0) {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } else if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    };

    private static final LongUnaryOperator FULL_JITTER = bound ->
            bound == Long.MAX_VALUE ? ThreadLocalRandom.current().nextLong(Long.MAX_VALUE)
                    : ThreadLocalRandom.current().nextLong(bound + 1);

    private final int maxAttempts;
    private final long baseNanos;
    private final long capNanos;
    private final long deadlineNanos; // <= 0: no deadline
    private final Predicate<? super Exception> retryOn;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private final LongUnaryOperator jitter;

    private Retry(Builder builder) {
        this.maxAttempts = builder.maxAttempts;
        this.baseNanos = builder.baseNanos;
        this.capNanos = builder.capNanos;
        this.deadlineNanos = builder.deadlineNanos;
        this.retryOn = builder.retryOn;
        this.ticker = builder.ticker;
        this.sleeper = builder.sleeper;
        this.jitter = builder.jitter;
    }

    /**
     * Returns a builder with the defaults: 3 attempts, backoff base 100 ms and cap 10 s, no
     * deadline, every exception retryable, the system ticker.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Calls {@code task} until it succeeds or the policy gives up.
     *
     * @param <T> the result type
     * @param <X> the checked exception the task may throw
     * @param task the call to make; it runs on the calling thread
     * @return the result of the first successful attempt
     * @throws X the last failure when the policy gives up (earlier failures suppressed in it);
     *     runtime exceptions are thrown the same way
     * @throws InterruptedException if the thread is interrupted during a backoff sleep, or an
     *     attempt throws it
     * @throws NullPointerException if {@code task} is null
     */
    public <T, X extends Exception> T call(ThrowingSupplier<? extends T, X> task)
            throws X, InterruptedException {
        Objects.requireNonNull(task, "task");
        long start = ticker.read();
        List<Exception> failures = null;
        for (int attempt = 1; ; attempt++) {
            Exception failure;
            try {
                return task.get();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    throw withSuppressed((InterruptedException) e, failures);
                }
                failure = e;
            }
            if (!retryOn.test(failure) || attempt >= maxAttempts
                    || Thread.currentThread().isInterrupted()) {
                throw this.<X>rethrow(withSuppressed(failure, failures));
            }
            long delay = jitter.applyAsLong(bound(attempt));
            if (deadlineNanos > 0 && ticker.read() - start > deadlineNanos - delay - 1) {
                // elapsed + delay >= deadline, written without overflow
                throw this.<X>rethrow(withSuppressed(failure, failures));
            }
            if (failures == null) {
                failures = new ArrayList<>(Math.min(maxAttempts, 16));
            }
            failures.add(failure);
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                throw withSuppressed(e, failures);
            }
        }
    }

    /** The jitter bound after failed attempt {@code attempt}: min(cap, base * 2^(attempt-1)). */
    long bound(int attempt) {
        int shift = attempt - 1;
        if (shift >= 63 || baseNanos > (capNanos >> shift)) {
            return capNanos;
        }
        return Math.min(capNanos, baseNanos << shift);
    }

    private static <E extends Exception> E withSuppressed(E thrown, List<Exception> earlier) {
        if (earlier != null) {
            for (Exception e : earlier) {
                if (e != thrown) {
                    thrown.addSuppressed(e);
                }
            }
        }
        return thrown;
    }

    @SuppressWarnings("unchecked")
    private <X extends Exception> X rethrow(Exception e) {
        if (e instanceof RuntimeException) {
            throw (RuntimeException) e;
        }
        return (X) e; // the task's declared checked exception type
    }

    @Override
    public String toString() {
        return "Retry[maxAttempts=" + maxAttempts + ", base=" + Duration.ofNanos(baseNanos)
                + ", cap=" + Duration.ofNanos(capNanos)
                + (deadlineNanos > 0 ? ", deadline=" + Duration.ofNanos(deadlineNanos) : "") + "]";
    }

    /**
     * Configures a {@link Retry}. Not thread-safe; {@link #build()} may be called more than
     * once.
     */
    public static final class Builder {
        private int maxAttempts = 3;
        private long baseNanos = TimeUnit.MILLISECONDS.toNanos(100);
        private long capNanos = TimeUnit.SECONDS.toNanos(10);
        private long deadlineNanos;
        private Predicate<? super Exception> retryOn = e -> true;
        private Ticker ticker = Ticker.system();
        private Sleeper sleeper = THREAD_SLEEPER;
        private LongUnaryOperator jitter = FULL_JITTER;

        private Builder() {
        }

        /**
         * Sets how many attempts a call makes at most, the first included.
         *
         * @param maxAttempts at least 1 (1 means "do not retry")
         * @return this builder
         * @throws IllegalArgumentException if {@code maxAttempts < 1}
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets the exponential backoff: the jitter bound after the first failure is
         * {@code base}, and it doubles after each further failure up to {@code cap}.
         *
         * @param base the first bound; zero means "retry at once"
         * @param cap the largest bound, not less than {@code base}
         * @return this builder
         * @throws IllegalArgumentException if either is negative or {@code cap < base}
         * @throws NullPointerException if either is null
         */
        public Builder backoff(Duration base, Duration cap) {
            long b = nonNegativeNanos(base, "base");
            long c = nonNegativeNanos(cap, "cap");
            if (c < b) {
                throw new IllegalArgumentException("cap " + cap + " is less than base " + base);
            }
            this.baseNanos = b;
            this.capNanos = c;
            return this;
        }

        /**
         * Sets the overall deadline of a call, counted from its start: no attempt starts after
         * it. By default there is none.
         *
         * @param deadline positive
         * @return this builder
         * @throws IllegalArgumentException if {@code deadline} is zero or negative
         * @throws NullPointerException if {@code deadline} is null
         */
        public Builder deadline(Duration deadline) {
            long d = nonNegativeNanos(deadline, "deadline");
            if (d == 0) {
                throw new IllegalArgumentException("deadline must be positive: " + deadline);
            }
            this.deadlineNanos = d;
            return this;
        }

        /**
         * Sets which failures are retried; others are thrown at once. By default every
         * exception but {@link InterruptedException} is retried (that one never is).
         *
         * @param retryOn returns true for a failure worth another attempt
         * @return this builder
         * @throws NullPointerException if {@code retryOn} is null
         */
        public Builder retryOn(Predicate<? super Exception> retryOn) {
            this.retryOn = Objects.requireNonNull(retryOn, "retryOn");
            return this;
        }

        /**
         * Sets the ticker that measures the deadline; tests pass a manual one.
         *
         * @param ticker the ticker
         * @return this builder
         * @throws NullPointerException if {@code ticker} is null
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Test seam: how the caller sleeps between attempts. */
        Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** Test seam: maps a jitter bound to a delay in [0, bound]. */
        Builder jitter(LongUnaryOperator jitter) {
            this.jitter = Objects.requireNonNull(jitter, "jitter");
            return this;
        }

        /**
         * Builds an immutable {@link Retry} from the current settings.
         *
         * @return a new Retry
         */
        public Retry build() {
            return new Retry(this);
        }

        private static long nonNegativeNanos(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative: " + d);
            }
            try {
                return d.toNanos();
            } catch (ArithmeticException tooLong) {
                return Long.MAX_VALUE;
            }
        }
    }
}
