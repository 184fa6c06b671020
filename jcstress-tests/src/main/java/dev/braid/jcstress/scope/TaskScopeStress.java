package dev.braid.jcstress.scope;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.braid.scope.FailurePolicy;
import dev.braid.scope.ScopeTimeoutException;
import dev.braid.scope.Task;
import dev.braid.scope.TaskFailedException;
import dev.braid.scope.TaskScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executor;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Claims of {@link TaskScope} and {@link Task} under races: a task is reported exactly once,
 * a fail-fast failure never turns a sibling's success into a failure, a timeout never loses a
 * shielded result, and a child's writes are visible to the owner after {@code join}.
 *
 * <p>Each test runs the scope's children on a capturing {@link Executor}, so that the jcstress
 * actors themselves run the children's bodies and race them against cancellation. Nothing here
 * blocks without bound: the waits in actors and arbiters wait for work another actor of the
 * same state always does.
 */
public final class TaskScopeStress {

    private TaskScopeStress() {
    }

    /** Keeps the children's runnables for the actors to run. */
    static final class Capture implements Executor {
        final List<Runnable> runnables = new ArrayList<>();

        @Override
        public void execute(Runnable command) {
            runnables.add(command);
        }
    }

    static int code(Task<?> task) {
        switch (task.status()) {
            case SUCCESS:
                return 1;
            case CANCELLED:
                return 2;
            case FAILED:
                return 3;
            default:
                return 0;
        }
    }

    /** How many tasks one asCompleted pass yields (all are done by then: it never blocks). */
    static int yielded(TaskScope scope, Task<?> task) {
        int n = 0;
        for (Iterator<? extends Task<?>> it = scope.asCompleted(List.of(task)).iterator(); it.hasNext(); it.next()) {
            n++;
        }
        return n;
    }

    /**
     * The task's body completes on one thread while another cancels the task through
     * {@code Future.cancel(true)}. Exactly one wins, the loser sees it, and the cancel's
     * interrupt never stays on the thread that ran the task.
     */
    @JCStressTest
    @Outcome(id = "1, 0, 0, 1", expect = ACCEPTABLE,
            desc = "The body completed first: success; cancel returned false; reported once.")
    @Outcome(id = "2, 1, 0, 1", expect = ACCEPTABLE,
            desc = "The cancel came first (before or while the body ran): cancelled; reported once.")
    @Outcome(expect = FORBIDDEN,
            desc = "Both or neither won, the task was reported twice or never, or the interrupt leaked to the runner thread.")
    @State
    public static class CompletionVsTaskCancel {
        private final Capture executor = new Capture();
        private final TaskScope scope = TaskScope.builder().executor(executor)
                .failurePolicy(FailurePolicy.SUPERVISE).open();
        private final Task<Integer> task = scope.fork(() -> 42);

        @Actor
        public void runner(IIII_Result r) {
            executor.runnables.get(0).run();
            r.r3 = Thread.interrupted() ? 1 : 0;
        }

        @Actor
        public void canceller(IIII_Result r) {
            r.r2 = task.cancel(true) ? 1 : 0;
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            r.r1 = code(task) == 1 && task.resultNow() != 42 ? 9 : code(task);
            r.r4 = yielded(scope, task);
        }
    }

    /**
     * The task's body completes on one thread while another cancels the whole scope. A body
     * that sees the interrupt ends cancelled, one that does not keeps its value; the scope's
     * cancellation is never reported as a failure and its interrupt never leaks.
     */
    @JCStressTest
    @Outcome(id = "1, 0, 1", expect = ACCEPTABLE,
            desc = "The body finished without seeing the cancellation: its value is kept; reported once.")
    @Outcome(id = "2, 0, 1", expect = ACCEPTABLE,
            desc = "The cancellation came before the body or interrupted it: cancelled; reported once.")
    @Outcome(expect = FORBIDDEN,
            desc = "The scope's cancellation turned into a failure, the task was reported twice or never, or the interrupt leaked.")
    @State
    public static class CompletionVsScopeCancel {
        private final Capture executor = new Capture();
        private final TaskScope scope = TaskScope.builder().executor(executor).open();
        private final Task<Integer> task = scope.fork(() -> {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("cancelled");
            }
            return 42;
        });

        @Actor
        public void runner(III_Result r) {
            executor.runnables.get(0).run();
            r.r2 = Thread.interrupted() ? 1 : 0;
        }

        @Actor
        public void canceller() {
            scope.cancel();
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r1 = code(task) == 1 && task.resultNow() != 42 ? 9 : code(task);
            r.r3 = yielded(scope, task);
        }
    }

    /**
     * Under fail-fast, one child fails while its sibling completes. The sibling ends with its
     * value or cancelled, never failed; the failure is always the one reported, with nothing
     * suppressed (the sibling's cancellation is not a failure).
     */
    @JCStressTest
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE,
            desc = "The sibling finished first: its value is kept; the failure is reported alone.")
    @Outcome(id = "2, 1, 0", expect = ACCEPTABLE,
            desc = "The failure cancelled the sibling: cancelled; the failure is reported alone.")
    @Outcome(expect = FORBIDDEN,
            desc = "The sibling was reported failed or lost its value, the failure was lost or mixed with a cancellation, or the interrupt leaked.")
    @State
    public static class FailureVsSiblingSuccess {
        private static final IllegalStateException BOOM = new IllegalStateException("boom");
        private final Capture executor = new Capture();
        private final TaskScope scope = TaskScope.builder().executor(executor).open();
        private final Task<Integer> failing = scope.fork(() -> {
            throw BOOM;
        });
        private final Task<Integer> sibling = scope.fork(() -> {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("cancelled");
            }
            return 7;
        });

        @Actor
        public void fails() {
            executor.runnables.get(0).run();
        }

        @Actor
        public void succeeds(III_Result r) {
            executor.runnables.get(1).run();
            r.r3 = Thread.interrupted() ? 1 : 0;
        }

        @Arbiter
        public void arbiter(III_Result r) {
            int code = code(sibling);
            r.r1 = code == 1 && sibling.resultNow() != 7 ? 9 : code;
            try {
                scope.gather(List.of(sibling, failing));
                r.r2 = 0;
            } catch (TaskFailedException e) {
                boolean alone = e.getCause() == BOOM && e.getSuppressed().length == 0
                        && failing.exceptionNow() == BOOM;
                r.r2 = alone ? 1 : 8;
            } catch (Exception e) {
                r.r2 = 7;
            }
        }
    }

    /**
     * A shielded child completes while the scope's deadline fires (a waiter past the deadline
     * cancels the scope). The shielded child is never cancelled and its result is never lost.
     */
    @JCStressTest
    @Outcome(id = "1, 1", expect = ACCEPTABLE,
            desc = "The shielded child finished before the waiter looked: it was returned; its value is kept.")
    @Outcome(id = "1, 2", expect = ACCEPTABLE,
            desc = "The waiter timed the scope out first: the shielded child ran on and its value is kept.")
    @Outcome(expect = FORBIDDEN,
            desc = "The timeout cancelled the shielded child or lost its value.")
    @State
    public static class TimeoutVsShieldedCompletion {
        private final Capture executor = new Capture();
        private final TaskScope scope = TaskScope.builder().executor(executor)
                .timeout(Duration.ofNanos(1)).open();
        private final Task<Integer> shielded = scope.forkShielded(() -> 42);

        @Actor
        public void completes() {
            executor.runnables.get(0).run();
        }

        @Actor
        public void timesOut(II_Result r) {
            try {
                r.r2 = scope.asCompleted(List.of(shielded)).iterator().next() == shielded ? 1 : 8;
            } catch (ScopeTimeoutException e) {
                r.r2 = 2;
            }
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = code(shielded) == 1 && shielded.resultNow() != 42 ? 9 : code(shielded);
        }
    }

    /**
     * The owner forks a child that writes plain fields, then joins; the child runs on another
     * actor's thread. After join the owner sees every write.
     */
    @JCStressTest
    @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "The owner saw both of the child's writes after join.")
    @Outcome(expect = FORBIDDEN, desc = "A write of the child was not visible to the owner after join.")
    @State
    public static class ChildWritesVisibleAfterJoin {
        private volatile Runnable handOff;
        private int x;
        private int y;

        @Actor
        public void owner(II_Result r) {
            try (TaskScope scope = TaskScope.builder().executor(command -> handOff = command).open()) {
                scope.fork(() -> {
                    x = 1;
                    y = 2;
                    return null;
                });
                scope.join();
                r.r1 = x;
                r.r2 = y;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r.r1 = -1; // never interrupted by jcstress: shows up as a forbidden outcome
            }
        }

        @Actor
        public void childThread() {
            Runnable command;
            while ((command = handOff) == null) {
                Thread.onSpinWait(); // the owner always forks: bounded
            }
            command.run();
        }
    }
}
