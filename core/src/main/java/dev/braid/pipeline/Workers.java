package dev.braid.pipeline;

import dev.braid.internal.VirtualThreads;
import dev.braid.scope.FailurePolicy;
import dev.braid.scope.TaskScope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Runs a pipeline's worker tasks as the children of one {@link TaskScope}, cancels them
 * (interrupting the running ones) when asked, and calls back once the scope has closed, that
 * is, once every worker has ended and its thread with it.
 */
final class Workers {

    /*
     * Implementation notes
     *
     * Structure. A TaskScope may be joined and closed only by its owner, while a pipeline is
     * awaited, cancelled and closed from any thread. So the scope gets an owner of its own: a
     * coordinator thread (virtual on 21+, a daemon platform thread on 17) that opens the
     * scope, forks one child per worker, joins, closes, and then runs onAllEnded. Closing the
     * scope returns only when every child has finished and (for the scope's own threads) its
     * thread has ended, so "every worker ends" is the scope's guarantee, not ours.
     *
     * Policy. SUPERVISE: worker bodies account for every item themselves and report stage
     * failures to the pipeline, which decides (fail-fast or not). A body that throws
     * nonetheless (a bug, or an Error outside user code) is reported through onCrash, which
     * fails the pipeline at once, so that its siblings do not wait forever for it.
     *
     * Cancellation. cancel() sets 'cancelRequested' and then reads 'scope'; the coordinator
     * publishes 'scope' after forking and then reads 'cancelRequested'. Both are volatile, so
     * at least one side sees the other and the scope is cancelled (Dekker's pattern). The
     * scope is published only after the forks because TaskScope refuses forks by its owner
     * once cancel() was called on it. A cancellation that arrives during the forks is
     * therefore applied right after them; meanwhile the workers already see the pipeline's own
     * state and aborted buffers, so they stop anyway.
     */

    /** A worker body and the stage it belongs to (for failure reports). */
    private record Body(String stage, Runnable run) {
    }

    /** What the coordinator reports when a worker body throws or cannot be started. */
    interface CrashHandler {
        void crashed(String stage, Throwable error);
    }

    private final Executor executor;          // null: the scope's default threads
    private final Runnable onAllEnded;
    private final CrashHandler onCrash;
    private final List<Body> bodies = new ArrayList<>();
    private volatile boolean cancelRequested;
    private volatile TaskScope scope;

    Workers(Executor executor, Runnable onAllEnded, CrashHandler onCrash) {
        this.executor = executor;
        this.onAllEnded = onAllEnded;
        this.onCrash = onCrash;
    }

    /** Adds a worker; must be called before {@link #start()}. */
    void add(String stage, Runnable body) {
        bodies.add(new Body(stage, body));
    }

    /** Starts the coordinator, which forks every worker. Throws if no thread can be created. */
    void start() {
        Thread coordinator = VirtualThreads.defaultThreadFactory("braid-pipeline-").newThread(this::coordinate);
        coordinator.start();
    }

    /** Cancels every worker: those running are interrupted, those not started never run. */
    void interruptAll() {
        cancelRequested = true;
        TaskScope s = scope;
        if (s != null) {
            s.cancel();
        }
    }

    private void coordinate() {
        try {
            TaskScope.Builder builder = TaskScope.builder()
                    .failurePolicy(FailurePolicy.SUPERVISE)
                    .name("pipeline")
                    .propagateMdc(false);
            if (executor != null) {
                builder.executor(executor);
            }
            try (TaskScope s = builder.open()) {
                for (Body body : bodies) {
                    try {
                        s.fork(() -> {
                            try {
                                body.run().run();
                            } catch (Throwable e) {
                                onCrash.crashed(body.stage(), e);
                                throw e;
                            }
                            return null;
                        });
                    } catch (Throwable e) { // the executor refused it
                        onCrash.crashed(body.stage(), e);
                    }
                }
                scope = s;
                if (cancelRequested) {
                    s.cancel();
                }
                joinUninterruptibly(s);
                scope = null;
            }
        } catch (Throwable e) {
            onCrash.crashed("pipeline", e);
        } finally {
            onAllEnded.run();
        }
    }

    private static void joinUninterruptibly(TaskScope s) {
        while (true) {
            try {
                s.join(); // SUPERVISE: does not throw for the children's failures
                return;
            } catch (InterruptedException e) {
                // Nobody interrupts the coordinator but a stray caller; the workers must
                // still be waited for. close() restores nothing: this thread is ours.
            }
        }
    }
}
