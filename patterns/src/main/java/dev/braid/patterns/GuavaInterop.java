package dev.braid.patterns;

import com.google.common.util.concurrent.AbstractFuture;
import com.google.common.util.concurrent.ListenableFuture;
import dev.braid.scope.Task;
import dev.braid.scope.TaskScope;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Adapters between braid's {@link Task} and Guava's {@link ListenableFuture}, in both
 * directions, that keep cancellation working across the boundary.
 *
 * <pre>{@code
 * // Guava -> braid: a ListenableFuture becomes a child of the scope
 * try (TaskScope scope = TaskScope.open()) {
 *     Task<Row> row = GuavaInterop.fork(scope, asyncDb.fetch(id));   // scope cancel cancels it
 *     Task<Doc> doc = scope.fork(() -> loadDoc(id));
 *     scope.join();
 * }
 *
 * // braid -> Guava: hand a task to code that wants a ListenableFuture
 * ListenableFuture<Report> report = GuavaInterop.toListenableFuture(task, executor);
 * Futures.addCallback(report, callback, directExecutor());
 * }</pre>
 *
 * <p><b>Cancellation.</b> {@link #fork}: cancelling the task (by {@link Task#cancel(boolean)},
 * a sibling's failure, the deadline, or {@link TaskScope#cancel()}) cancels the
 * {@code ListenableFuture} with interruption; a {@code ListenableFuture} cancelled by someone
 * else makes the task cancelled. {@link #toListenableFuture}: cancelling the returned future
 * cancels the task (with interruption when asked to); a task that is cancelled makes the
 * returned future cancelled.
 *
 * <p><b>Threads.</b> {@link #fork} uses one child of the scope that waits for the future
 * (as any fork). {@link #toListenableFuture} waits for the task on a thread of the given
 * executor, because a {@code Task} has no completion callback in braid's public API; pass an
 * executor of virtual threads on Java 21+ to make that wait cheap.
 *
 * <p><b>Thread-safety:</b> the methods may be called from any thread (subject to the
 * scope's own rules for {@code fork}).
 *
 * <p><b>Memory consistency effects:</b> the completion of the source happens-before the
 * completion of the adapter is observed, as for the source's own {@code get()}.
 */
public final class GuavaInterop {

    /*
     * Implementation notes
     *
     * fork: the child blocks in future.get(). The scope cancels a child by interrupting it,
     * so an InterruptedException there means "cancel the future" (with interruption), and
     * the child rethrows it, which the scope counts as cancelled. A CancellationException
     * from get() means the future was cancelled from outside: the child cancels its own
     * task (Task.cancel: cancelled at once, whatever the callable does next), so that the
     * outcome is CANCELLED rather than a failure; the task reference is handed to the child
     * through a CompletableFuture completed right after fork returns.
     *
     * toListenableFuture: an AbstractFuture whose afterDone() cancels the task when the
     * future was cancelled (wasInterrupted() tells whether to interrupt), and a waiter on the
     * executor that completes it from task.get(). AbstractFuture's set/cancel are atomic, so
     * exactly one of "the task ended" and "the future was cancelled" wins.
     */

    private GuavaInterop() {
    }

    /**
     * Forks a child of {@code scope} that completes as {@code future} does: its value, its
     * failure (the cause of the {@link ExecutionException}), or cancelled.
     *
     * @param <T> the value type
     * @param scope the scope to fork into; the caller must be allowed to fork there
     * @param future the future to follow
     * @return the child task
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException as for {@link TaskScope#fork}
     */
    public static <T> Task<T> fork(TaskScope scope, ListenableFuture<? extends T> future) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(future, "future");
        CompletableFuture<Task<T>> self = new CompletableFuture<>();
        Task<T> task = scope.fork(() -> {
            try {
                return future.get();
            } catch (InterruptedException e) {
                future.cancel(true);
                throw e;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Exception) {
                    throw (Exception) cause;
                }
                if (cause instanceof Error) {
                    throw (Error) cause;
                }
                throw e;
            } catch (CancellationException e) {
                self.join().cancel(false);
                throw e;
            }
        });
        self.complete(task);
        return task;
    }

    /**
     * Returns a {@link ListenableFuture} that completes as {@code task} does, waiting for the
     * task on a thread of {@code executor}.
     *
     * @param <T> the value type
     * @param task the task to follow
     * @param executor runs the wait (one blocked thread per call until the task ends)
     * @return a future mirroring the task; cancelling it cancels the task
     * @throws NullPointerException if an argument is null
     * @throws RejectedExecutionException if {@code executor} rejects the wait
     */
    public static <T> ListenableFuture<T> toListenableFuture(Task<T> task, Executor executor) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(executor, "executor");
        TaskFuture<T> future = new TaskFuture<>(task);
        executor.execute(future::follow);
        return future;
    }

    /** A ListenableFuture driven by a Task. */
    private static final class TaskFuture<T> extends AbstractFuture<T> {
        private final Task<T> task;

        TaskFuture(Task<T> task) {
            this.task = task;
        }

        void follow() {
            try {
                set(task.get());
            } catch (ExecutionException e) {
                setException(e.getCause());
            } catch (CancellationException e) {
                cancel(false);
            } catch (InterruptedException e) {
                // The waiter's executor is shutting down: stop following, the task keeps going.
                Thread.currentThread().interrupt();
                setException(e);
            } catch (Throwable t) {
                setException(t);
            }
        }

        @Override
        protected void afterDone() {
            if (isCancelled()) {
                task.cancel(wasInterrupted());
            }
        }
    }
}
