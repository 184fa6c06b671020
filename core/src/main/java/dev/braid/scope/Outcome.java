package dev.braid.scope;

import java.util.Objects;

/**
 * How a task ended: with a value, with an exception, or cancelled. Returned by
 * {@link TaskScope#settle(java.util.List)} and {@link Tasks#settle(java.util.List)}
 * (asyncio's {@code gather(..., return_exceptions=True)}).
 *
 * <pre>{@code
 * for (Outcome<Page> outcome : Tasks.settle(fetches)) {
 *     switch (outcome) {   // Java 21 pattern matching; use instanceof on 17
 *         case Outcome.Success<Page> s -> index(s.value());
 *         case Outcome.Failure<Page> f -> log.warn("fetch failed", f.error());
 *         case Outcome.Cancelled<Page> c -> { }
 *     }
 * }
 * }</pre>
 *
 * <p>Outcomes are immutable values and safe to share between threads.
 *
 * @param <T> the type of the task's value
 */
public sealed interface Outcome<T> permits Outcome.Success, Outcome.Failure, Outcome.Cancelled {

    /**
     * The task returned a value.
     *
     * @param value the value the task returned, possibly null
     * @param <T> the type of the value
     */
    record Success<T>(T value) implements Outcome<T> {
    }

    /**
     * The task threw.
     *
     * @param error what the task threw, never null
     * @param <T> the type the task would have returned
     */
    record Failure<T>(Throwable error) implements Outcome<T> {
        /**
         * Creates a failure outcome.
         *
         * @param error what the task threw
         * @throws NullPointerException if {@code error} is null
         */
        public Failure {
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * The task was cancelled: by {@link Task#cancel(boolean)}, or by its scope (a sibling's
     * failure, the deadline, {@link TaskScope#cancel()}) and it ended by the interrupt.
     *
     * @param <T> the type the task would have returned
     */
    record Cancelled<T>() implements Outcome<T> {
    }
}
