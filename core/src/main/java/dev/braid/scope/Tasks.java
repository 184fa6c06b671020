package dev.braid.scope;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * One-shot structured helpers: each opens a {@link TaskScope} owned by the calling thread,
 * forks the given callables into it, waits, and closes it before returning, so no child
 * outlives the call. The caller's SLF4J MDC is visible in the children.
 *
 * <pre>{@code
 * List<Price> prices = Tasks.gather(List.of(() -> quote("A"), () -> quote("B")));
 * Price fastest = Tasks.race(List.of(() -> quote(primary), () -> quote(mirror)));
 * Optional<Price> maybe = Tasks.withTimeoutOrEmpty(Duration.ofMillis(50), () -> quote("C"));
 * }</pre>
 *
 * <p>All methods block the calling thread and are interruptible: an interrupt cancels the
 * children, waits for them to end, and throws {@link InterruptedException}. They are
 * thread-safe (each call has its own scope). <b>Memory consistency effects:</b> actions in the
 * calling thread before the call happen-before the callables run; actions in the callables
 * happen-before the call returns or throws.
 */
public final class Tasks {

    private Tasks() {
    }

    /**
     * Runs the callables concurrently and returns their values in the order given; the first
     * failure cancels the others.
     *
     * @param callables the work
     * @param <T> the type of their values
     * @return the values in the order of {@code callables} (an unmodifiable list; values may be null)
     * @throws InterruptedException if interrupted while waiting
     * @throws TaskFailedException if a callable failed: cause is the first failure, later
     *     failures are suppressed
     * @throws NullPointerException if {@code callables} or one of its elements is null
     */
    public static <T> List<T> gather(List<? extends Callable<? extends T>> callables) throws InterruptedException {
        checkAll(callables);
        try (TaskScope scope = TaskScope.builder().name("Tasks.gather").open()) {
            List<Task<T>> tasks = forkAll(scope, callables);
            scope.join();
            return scope.gather(tasks);
        }
    }

    /**
     * Runs the callables concurrently, each to its end whatever the others do, and returns every
     * outcome in the order given. Never throws for a callable's failure.
     *
     * @param callables the work
     * @param <T> the type of their values
     * @return the outcomes in the order of {@code callables} (an unmodifiable list)
     * @throws InterruptedException if interrupted while waiting
     * @throws NullPointerException if {@code callables} or one of its elements is null
     */
    public static <T> List<Outcome<T>> settle(List<? extends Callable<? extends T>> callables)
            throws InterruptedException {
        checkAll(callables);
        try (TaskScope scope = TaskScope.builder().name("Tasks.settle")
                .failurePolicy(FailurePolicy.SUPERVISE).open()) {
            List<Task<T>> tasks = forkAll(scope, callables);
            scope.join();
            return scope.settle(tasks);
        }
    }

    /**
     * Runs the callables concurrently and returns the value of the first to succeed; the others
     * are cancelled and have ended when this returns.
     *
     * @param callables the contestants, at least one
     * @param <T> the type of their values
     * @return the first successful value
     * @throws InterruptedException if interrupted while waiting
     * @throws TaskFailedException if every callable failed (or was cancelled): cause is the first
     *     failure, the others are suppressed
     * @throws NullPointerException if {@code callables} or one of its elements is null
     * @throws IllegalArgumentException if {@code callables} is empty
     */
    public static <T> T race(List<? extends Callable<? extends T>> callables) throws InterruptedException {
        checkAll(callables);
        if (callables.isEmpty()) {
            throw new IllegalArgumentException("race of no callables: it would have no winner");
        }
        try (TaskScope scope = TaskScope.builder().name("Tasks.race")
                .failurePolicy(FailurePolicy.SUPERVISE).open()) {
            return scope.race(forkAll(scope, callables));
        }
    }

    /**
     * Runs {@code callable} with a time limit; at the limit it is cancelled (interrupted), and
     * this throws once it has ended.
     *
     * @param timeout the time limit, counted from now
     * @param callable the work
     * @param <T> the type of its value
     * @return its value
     * @throws InterruptedException if interrupted while waiting
     * @throws ScopeTimeoutException if the limit passed first
     * @throws TaskFailedException if the callable failed (cause: what it threw)
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public static <T> T withTimeout(Duration timeout, Callable<? extends T> callable) throws InterruptedException {
        Objects.requireNonNull(callable, "callable");
        try (TaskScope scope = TaskScope.builder().name("Tasks.withTimeout").timeout(timeout).open()) {
            Task<? extends T> task = scope.fork(callable);
            scope.join();
            return task.resultNow();
        }
    }

    /**
     * Like {@link #withTimeout(Duration, Callable)}, but at the limit the work is cancelled and
     * this returns empty instead of throwing (trio's {@code move_on_after}, Kotlin's
     * {@code withTimeoutOrNull}). A callable that returns null also gives empty.
     *
     * @param timeout the time limit, counted from now
     * @param callable the work
     * @param <T> the type of its value
     * @return its value, or empty if the limit passed first (or the value was null)
     * @throws InterruptedException if interrupted while waiting
     * @throws TaskFailedException if the callable failed (cause: what it threw)
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public static <T> Optional<T> withTimeoutOrEmpty(Duration timeout, Callable<? extends T> callable)
            throws InterruptedException {
        try {
            return Optional.ofNullable(withTimeout(timeout, callable));
        } catch (ScopeTimeoutException e) {
            return Optional.empty(); // only this call's own scope throws it: a callable's is wrapped
        }
    }

    private static void checkAll(List<? extends Callable<?>> callables) {
        Objects.requireNonNull(callables, "callables");
        int i = 0;
        for (Callable<?> c : callables) {
            if (c == null) {
                throw new NullPointerException("callable " + i + " is null");
            }
            i++;
        }
    }

    private static <T> List<Task<T>> forkAll(TaskScope scope, List<? extends Callable<? extends T>> callables) {
        List<Task<T>> tasks = new ArrayList<>(callables.size());
        for (Callable<? extends T> c : callables) {
            tasks.add(scope.fork(c));
        }
        return tasks;
    }

}
