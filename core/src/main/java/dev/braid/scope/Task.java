package dev.braid.scope;

import java.util.concurrent.CancellationException;
import java.util.concurrent.Future;

/**
 * A child of a {@link TaskScope}: the handle {@link TaskScope#fork(java.util.concurrent.Callable)
 * fork} returns. It is a {@link Future}, so {@code get}, {@code get} with a timeout,
 * {@code cancel}, {@code isDone} and {@code isCancelled} keep their JDK meaning; on top of that it
 * has {@link #resultNow()} and {@link #exceptionNow()} (which JDK 19+ {@code Future} also has), and
 * {@link #status()}.
 *
 * <pre>{@code
 * try (TaskScope scope = TaskScope.open()) {
 *     Task<User> user = scope.fork(() -> loadUser(id));
 *     Task<List<Order>> orders = scope.fork(() -> loadOrders(id));
 *     scope.join();                       // after join every task's outcome is final
 *     return new Profile(user.resultNow(), orders.resultNow());
 * }
 * }</pre>
 *
 * <p><b>Outcome.</b> A task's outcome is decided once and never changes: {@link Status#SUCCESS}
 * with the value the callable returned, {@link Status#FAILED} with what it threw, or
 * {@link Status#CANCELLED}. When the <em>scope</em> cancels a running task (a sibling failed, the
 * deadline passed, {@link TaskScope#cancel()}), the task's thread is interrupted and the outcome is
 * what the callable then does: ending with an {@link InterruptedException},
 * {@link CancellationException}, {@link java.io.InterruptedIOException},
 * {@link java.nio.channels.ClosedByInterruptException} or an exception whose cause chain holds one
 * of those makes it cancelled; returning a value makes it a success; throwing anything else is a
 * real failure and is kept. {@link #cancel(boolean)} on the task itself follows the
 * {@code Future} contract instead: the task is cancelled at once, whatever its callable does next.
 *
 * <p><b>Thread-safety.</b> Every method may be called from any thread. {@link #get()} blocks
 * (interruptibly); the other methods never block.
 *
 * <p><b>Memory consistency effects:</b> actions in the task's callable happen-before a thread
 * returns from {@link #get()}, {@link #resultNow()} or {@link #exceptionNow()} with its outcome, or
 * sees {@link #isDone()} return {@code true} because the callable ended.
 *
 * @param <T> the type of the task's value
 */
public sealed interface Task<T> extends Future<T> permits ScopedTask {

    /**
     * The task's value, without waiting.
     *
     * @return the value the callable returned, possibly null
     * @throws IllegalStateException if the task has not finished, failed or was cancelled
     */
    T resultNow();

    /**
     * What the task threw, without waiting.
     *
     * @return the exception or error the callable threw
     * @throws IllegalStateException if the task has not finished, succeeded or was cancelled
     */
    Throwable exceptionNow();

    /**
     * Whether the task was forked with {@link TaskScope#forkShielded(java.util.concurrent.Callable)}:
     * its scope never cancels it, only {@link #cancel(boolean)} does.
     *
     * @return {@code true} if the task is shielded
     */
    boolean isShielded();

    /**
     * Where the task is, without waiting. Named {@code status} because JDK 19+ already has
     * {@code Future.state()} (which also works on a task).
     *
     * @return the task's status
     */
    Status status();

    /** The status of a {@link Task}. */
    enum Status {
        /** Not finished yet: waiting to start or running. */
        RUNNING,
        /** The callable returned a value: {@link Task#resultNow()} returns it. */
        SUCCESS,
        /** The callable threw: {@link Task#exceptionNow()} returns what. */
        FAILED,
        /** The task was cancelled; it has neither a value nor an exception. */
        CANCELLED
    }
}
