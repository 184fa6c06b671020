package dev.braid.examples;

import dev.braid.scope.Outcome;
import dev.braid.scope.ScopeTimeoutException;
import dev.braid.scope.Task;
import dev.braid.scope.TaskFailedException;
import dev.braid.scope.TaskScope;
import dev.braid.scope.Tasks;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario: the asyncio task-handling recipes, each in a few lines of braid, with blocking
 * code on threads instead of coroutines:
 * <ul>
 *   <li>{@code asyncio.gather(a, b, c)} — {@link Tasks#gather}: results in the order given,
 *       total time that of the slowest, not the sum;</li>
 *   <li>{@code gather(..., return_exceptions=True)} — {@link Tasks#settle}: every outcome,
 *       successes and failures, never throws for a task's failure;</li>
 *   <li>{@code asyncio.as_completed} — {@link TaskScope#asCompleted}: tasks in the order they
 *       finish;</li>
 *   <li>{@code asyncio.wait_for(coro, timeout)} — {@link Tasks#withTimeout} (throws) and
 *       {@link Tasks#withTimeoutOrEmpty} (trio's {@code move_on_after});</li>
 *   <li>{@code asyncio.shield} — {@link TaskScope#forkShielded}: survives the scope's timeout
 *       and its result stays readable (and, unlike asyncio, the scope still waits for it, so
 *       nothing is orphaned);</li>
 *   <li>{@code wait(..., return_when=FIRST_COMPLETED)} and cancel the rest —
 *       {@link Tasks#race}: the first success wins, the losers are cancelled and have ended
 *       when it returns.</li>
 * </ul>
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=AsyncioStyle}
 */
public final class AsyncioStyle {

    /**
     * What each recipe produced.
     *
     * @param gathered gather's results, in the order given
     * @param gatherMillis gather's total time
     * @param gatherFailFast the cause gather threw when one task failed
     * @param settled settle's outcomes, described
     * @param completionOrder asCompleted's order
     * @param timedOut whether withTimeout threw ScopeTimeoutException
     * @param movedOn withTimeoutOrEmpty's result
     * @param shieldedResult the shielded task's result, read after the scope's timeout
     * @param unshieldedStatus the unshielded sibling's status after the timeout
     * @param raceWinner race's result
     * @param raceLosersCancelled losers that saw their cancellation (interrupt) before race returned
     */
    public record Result(List<String> gathered, long gatherMillis, String gatherFailFast, List<String> settled,
                         List<String> completionOrder, boolean timedOut, Optional<String> movedOn,
                         String shieldedResult, Task.Status unshieldedStatus, String raceWinner,
                         int raceLosersCancelled) {
    }

    private AsyncioStyle() {
    }

    /** A stand-in for a network call: waits {@code units} time units, then answers. Interruptible. */
    private static Callable<String> fetch(String name, int units, Duration unit) {
        return () -> {
            Thread.sleep(units * unit.toMillis());
            return name;
        };
    }

    /**
     * Runs every recipe.
     *
     * @param unit the time unit the simulated calls take multiples of
     * @return what each produced
     * @throws Exception if a recipe fails unexpectedly
     */
    public static Result run(Duration unit) throws Exception {
        // gather: three calls at once; results in the order given.
        long began = System.nanoTime();
        List<String> gathered = Tasks.gather(List.of(fetch("a", 3, unit), fetch("b", 1, unit), fetch("c", 2, unit)));
        long gatherMillis = (System.nanoTime() - began) / 1_000_000;

        // gather, fail-fast: the first failure cancels the others and is thrown.
        String gatherFailFast;
        try {
            Tasks.gather(List.<Callable<String>>of(fetch("a", 5, unit), () -> {
                throw new IOException("b is down");
            }));
            gatherFailFast = "no failure";
        } catch (TaskFailedException e) {
            gatherFailFast = String.valueOf(e.getCause());
        }

        // settle (return_exceptions=True): every outcome, nothing thrown.
        List<String> settled = new ArrayList<>();
        for (Outcome<String> outcome : Tasks.settle(List.<Callable<String>>of(fetch("a", 1, unit), () -> {
            throw new IOException("b is down");
        }, fetch("c", 1, unit)))) {
            if (outcome instanceof Outcome.Success<String> success) {
                settled.add("ok " + success.value());
            } else if (outcome instanceof Outcome.Failure<String> failure) {
                settled.add("failed " + failure.error());
            } else {
                settled.add("cancelled");
            }
        }

        // as_completed: handle each result as soon as it is ready.
        List<String> completionOrder = new ArrayList<>();
        try (TaskScope scope = TaskScope.open()) {
            List<Task<String>> tasks = List.of(scope.fork(fetch("slow", 3, unit)), scope.fork(fetch("fast", 1, unit)),
                    scope.fork(fetch("medium", 2, unit)));
            for (Task<String> done : scope.asCompleted(tasks)) {
                completionOrder.add(done.resultNow());
            }
            scope.join();
        }

        // wait_for: a time limit on one call.
        boolean timedOut;
        try {
            Tasks.withTimeout(unit, fetch("too slow", 10, unit));
            timedOut = false;
        } catch (ScopeTimeoutException e) {
            timedOut = true;
        }
        Optional<String> movedOn = Tasks.withTimeoutOrEmpty(unit, fetch("too slow", 10, unit)); // move_on_after

        // shield: the save survives the scope's timeout; its sibling does not.
        Task<String> save;
        Task<String> render;
        try (TaskScope scope = TaskScope.open(unit)) {
            save = scope.forkShielded(fetch("saved", 3, unit));
            render = scope.fork(fetch("rendered", 10, unit));
            try {
                scope.join(); // throws at the deadline, after the shielded task has finished
            } catch (ScopeTimeoutException expected) {
                // the unshielded sibling was cancelled
            }
        }

        // first completed wins, the rest are cancelled.
        AtomicInteger losersCancelled = new AtomicInteger();
        Callable<String> loser = () -> {
            try {
                Thread.sleep(10 * unit.toMillis());
                return "loser";
            } catch (InterruptedException e) {
                losersCancelled.incrementAndGet(); // the cancellation reached it
                throw e;
            }
        };
        String winner = Tasks.race(List.of(loser, fetch("mirror-2", 1, unit), loser));

        return new Result(gathered, gatherMillis, gatherFailFast, settled, completionOrder, timedOut, movedOn,
                save.resultNow(), render.status(), winner, losersCancelled.get());
    }

    /**
     * Runs every recipe with a 100 ms time unit.
     *
     * @param args ignored
     * @throws Exception if a recipe fails unexpectedly
     */
    public static void main(String[] args) throws Exception {
        Result r = run(Duration.ofMillis(100));
        System.out.printf("gather(a 300ms, b 100ms, c 200ms)     -> %s in %d ms (the slowest, not the sum)%n",
                r.gathered(), r.gatherMillis());
        System.out.printf("gather with a failure (fail-fast)     -> threw, cause %s; the other was cancelled%n",
                r.gatherFailFast());
        System.out.printf("settle (return_exceptions=True)       -> %s%n", r.settled());
        System.out.printf("asCompleted(slow, fast, medium)       -> %s%n", r.completionOrder());
        System.out.printf("withTimeout(100ms, 1s call)           -> %s%n",
                r.timedOut() ? "ScopeTimeoutException" : "no timeout");
        System.out.printf("withTimeoutOrEmpty(100ms, 1s call)    -> %s%n", r.movedOn());
        System.out.printf("shielded save vs scope timeout        -> save: %s, unshielded sibling: %s%n",
                r.shieldedResult(), r.unshieldedStatus());
        System.out.printf("race(loser, mirror-2, loser)          -> %s; %d losers cancelled before race returned%n",
                r.raceWinner(), r.raceLosersCancelled());
    }
}
