package dev.braid.patterns;

import dev.braid.scope.FailurePolicy;
import dev.braid.scope.Task;
import dev.braid.scope.TaskFailedException;
import dev.braid.scope.TaskScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hedged requests: start the call, and if it has not succeeded after a delay, start a backup
 * attempt (up to a maximum number of attempts); the first attempt to succeed wins and the
 * others are cancelled. It cuts tail latency when a few calls are slow for reasons that do
 * not repeat (a GC pause, a slow replica), at the price of some duplicate work.
 *
 * <pre>{@code
 * Hedge hedge = Hedge.of(Duration.ofMillis(50), 2);      // a backup after 50 ms, at most 2
 * Quote quote = hedge.call(() -> pricing.quote(sku));    // the first success wins
 * }</pre>
 *
 * <p><b>Semantics.</b> Attempt 1 starts at once. Attempt {@code k + 1} starts when
 * {@code delay} has passed since attempt {@code k} started without any attempt succeeding,
 * or at once when an attempt fails (a failure is a reason to try again, not to wait). The call
 * returns the value of the first attempt to succeed, after cancelling (interrupting) the
 * others and waiting for them to end; it is built on {@link TaskScope#race(List)} in a
 * {@link FailurePolicy#SUPERVISE} scope. The callable must be safe to run more than once,
 * concurrently (idempotent reads are the use case).
 *
 * <p><b>Blocking and interrupts.</b> {@link #call} blocks until an attempt succeeds or all
 * failed, and until every attempt has ended. If the caller is interrupted, every attempt is
 * cancelled and {@link InterruptedException} is thrown once they have ended.
 *
 * <p><b>Thread-safety:</b> a {@code Hedge} is immutable; any number of threads may call it.
 *
 * <p><b>Memory consistency effects:</b> actions before {@link #call} happen-before every
 * attempt, and the winning attempt's actions happen-before {@code call} returns.
 */
public final class Hedge {

    /*
     * Implementation notes
     *
     * One SUPERVISE scope per call (so a failed attempt does not cancel its siblings). Each
     * attempt is forked wrapped so that it reports its end, success or failure, on a
     * LinkedBlockingQueue. The caller polls that queue with the hedging delay: a success
     * stops launching; a timeout or a failure launches the next attempt. Then scope.race over
     * the launched attempts picks the first success in completion order and cancels the
     * rest; closing the scope waits for them. The queue's put/poll give the happens-before
     * edge the caller needs for its decision; the values themselves travel through the
     * scope's tasks.
     */

    private final long delayNanos;
    private final int maxAttempts;

    private Hedge(long delayNanos, int maxAttempts) {
        this.delayNanos = delayNanos;
        this.maxAttempts = maxAttempts;
    }

    /**
     * Creates a hedging policy.
     *
     * @param delay how long an attempt may run without success before the next one starts;
     *     zero starts all attempts at once
     * @param maxAttempts how many attempts at most, the first included; at least 1
     * @return a new policy
     * @throws IllegalArgumentException if {@code delay} is negative or {@code maxAttempts < 1}
     * @throws NullPointerException if {@code delay} is null
     */
    public static Hedge of(Duration delay, int maxAttempts) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
        }
        long nanos;
        try {
            nanos = delay.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE;
        }
        return new Hedge(nanos, maxAttempts);
    }

    /**
     * Calls {@code callable}, hedging it as described above.
     *
     * @param <T> the result type
     * @param callable the call; it may run several times concurrently and should end promptly
     *     when interrupted
     * @return the value of the first attempt to succeed
     * @throws InterruptedException if interrupted while waiting
     * @throws TaskFailedException if every attempt failed: the cause is the first failure, the
     *     others are suppressed
     * @throws CancellationException if every attempt was cancelled without failing (an
     *     enclosing scope is being cancelled)
     * @throws NullPointerException if {@code callable} is null
     */
    public <T> T call(Callable<? extends T> callable) throws InterruptedException {
        Objects.requireNonNull(callable, "callable");
        BlockingQueue<Boolean> ended = new LinkedBlockingQueue<>();
        Callable<T> attempt = () -> {
            boolean ok = false;
            try {
                T value = callable.call();
                ok = true;
                return value;
            } finally {
                ended.add(ok);
            }
        };
        try (TaskScope scope = TaskScope.builder().name("Hedge").failurePolicy(FailurePolicy.SUPERVISE).open()) {
            List<Task<T>> attempts = new ArrayList<>(maxAttempts);
            attempts.add(scope.fork(attempt));
            while (attempts.size() < maxAttempts) {
                Boolean result = ended.poll(delayNanos, TimeUnit.NANOSECONDS);
                if (Boolean.TRUE.equals(result)) {
                    break;
                }
                attempts.add(scope.fork(attempt));
            }
            return scope.race(attempts);
        }
    }

    @Override
    public String toString() {
        return "Hedge[delay=" + Duration.ofNanos(delayNanos) + ", maxAttempts=" + maxAttempts + "]";
    }
}
