package dev.braid.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.braid.internal.VirtualThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random rounds of forks, failures, cancellations, nested scopes, deadlines and forks from
 * children, run on real threads in each of the scope's three modes; after every round the
 * contract's invariants are checked:
 *
 * <ul>
 * <li>after {@code join} (or {@code close}) every task is done, children's children included,
 *     and its outcome never changes afterwards;</li>
 * <li>each task is reported exactly once and as what its callable did: a value only if the
 *     callable returned it (and then its writes are visible to the owner), a failure only if
 *     it threw that very exception, a blocked child only ever cancelled; a callable runs at
 *     most once; a shielded task is cancelled only by its own {@code cancel};</li>
 * <li>fail-fast: {@code join} throws {@link TaskFailedException} exactly when a task failed,
 *     with the failures, and nothing else, as cause and suppressed (the scope's own
 *     cancellations are never reported as failures); supervise never throws it;</li>
 * <li>after {@code close} no child's code is running and, with a thread per child, no child's
 *     thread is alive;</li>
 * <li>when the owner first waits with {@code settle}, {@code gather}, {@code asCompleted} or
 *     {@code race}, what it returns or throws agrees with the tasks' outcomes (a timeout only
 *     with a deadline).</li>
 * </ul>
 *
 * <p>The schedule is random but every round ends: a child that blocks until interrupted is
 * forked only in a round that is sure to cancel it (a child that cancels the scope, a
 * deadline, or a close without join). {@code @Timeout} turns a lost cancellation into a
 * failure instead of a hang. The seed of a failing round is in the assertion message; it
 * reproduces the owner's choices, not the interleaving.
 */
@Timeout(120)
class TaskScopeStressTest {

    private static final int ROUNDS = 2_000;

    enum Mode {
        /** {@code TaskScope.builder()} as is: virtual threads on 21+, the shared pool on 17. */
        DEFAULT,
        /** A thread factory of platform threads: the thread-per-task join on every JDK. */
        PLATFORM_THREADS,
        /** A supplied executor (a cached pool): the counted join on every JDK. */
        EXECUTOR
    }

    /** How the owner waits before join: join alone, or one of the scope's waits on its tasks first. */
    enum Wait { JOIN, SETTLE, GATHER, AS_COMPLETED, RACE }

    /** What a child does. */
    enum Kind { RETURN, THROW, BLOCK, CANCEL_SCOPE, FORK_SIBLING, NESTED_SCOPE }

    /** Everything the round knows about one task, written by the child and read after close. */
    static final class Probe {
        final Kind kind;
        final boolean shielded;
        final int value;
        final RuntimeException failure;
        final AtomicInteger entered = new AtomicInteger();
        final AtomicInteger exited = new AtomicInteger();
        volatile Thread thread;
        int written; // plain: published to the owner by join, or by nothing (the bug this catches)
        volatile Task<Integer> task;
        boolean cancelReturned;

        Probe(Kind kind, boolean shielded, int value) {
            this.kind = kind;
            this.shielded = shielded;
            this.value = value;
            this.failure = kind == Kind.THROW ? new IllegalStateException("failure " + value) : null;
        }
    }

    /** One round: its choices, the probes of every task forked, the factory's threads. */
    static final class Round {
        final long seed;
        final Random random;
        final Queue<Probe> probes = new ConcurrentLinkedQueue<>();
        final Queue<Thread> made = new ConcurrentLinkedQueue<>();
        final AtomicInteger nextValue = new AtomicInteger(1);
        final boolean sureToCancel;

        Round(long seed, Random random, boolean sureToCancel) {
            this.seed = seed;
            this.random = random;
            this.sureToCancel = sureToCancel;
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void randomRoundsKeepEveryInvariant(Mode mode) throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            long base = ThreadLocalRandom.current().nextLong();
            for (int i = 0; i < ROUNDS; i++) {
                round(mode, pool, base + i);
            }
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static void round(Mode mode, ExecutorService pool, long seed) throws Exception {
        Random choose = new Random(seed);
        FailurePolicy policy = choose.nextBoolean() ? FailurePolicy.FAIL_FAST : FailurePolicy.SUPERVISE;
        boolean deadline = choose.nextInt(3) == 0;
        boolean joinFirst = choose.nextInt(5) != 0;
        boolean canceller = choose.nextInt(3) == 0;
        Round round = new Round(seed, choose, deadline || canceller || !joinFirst);
        TaskScope.Builder builder = TaskScope.builder().failurePolicy(policy).name("round-" + seed);
        if (deadline) {
            builder.timeout(Duration.ofNanos(1 + round.random.nextInt(2_000_000)));
        }
        if (mode == Mode.PLATFORM_THREADS) {
            builder.threadFactory(r -> {
                Thread t = new Thread(r, "stress-" + seed);
                round.made.add(t);
                return t;
            });
        } else if (mode == Mode.EXECUTOR) {
            builder.executor(pool);
        }
        Throwable thrown = null;
        TaskScope scope = builder.open();
        try {
            int children = 1 + round.random.nextInt(6);
            List<Probe> owned = new ArrayList<>();
            for (int c = 0; c < children; c++) {
                owned.add(fork(scope, round, randomKind(round), round.random.nextInt(6) == 0));
            }
            if (canceller) {
                owned.add(fork(scope, round, Kind.CANCEL_SCOPE, false));
            }
            if (round.random.nextBoolean()) {
                // the owner cancels one task, racing its start, its end, or the scope's cancellation
                Probe target = owned.get(round.random.nextInt(owned.size()));
                if (target.kind != Kind.CANCEL_SCOPE) {
                    if (round.random.nextBoolean()) {
                        // half the time, once its callable runs (or the scope decided it first)
                        while (target.entered.get() == 0 && !target.task.isDone()) {
                            Thread.onSpinWait();
                        }
                    }
                    target.cancelReturned = target.task.cancel(round.random.nextBoolean());
                }
            }
            if (joinFirst) {
                Wait wait = Wait.values()[round.random.nextInt(Wait.values().length)];
                waitOn(scope, round, wait, owned, deadline);
                try {
                    scope.join();
                } catch (TaskFailedException | ScopeTimeoutException e) {
                    thrown = e;
                }
                checkAllDone(round, "after join");
            }
        } finally {
            try {
                scope.close();
            } catch (TaskFailedException | ScopeTimeoutException e) {
                if (thrown != null) {
                    fail("seed %d: close threw %s after join threw %s", seed, e, thrown);
                }
                thrown = e;
            }
        }
        check(round, policy, deadline, thrown);
    }

    /**
     * Waits on the owner's tasks with {@code wait} and checks what it returned or threw against
     * the tasks' outcomes, which are final once it returns (settle, gather, asCompleted) or
     * throws for want of a winner (race).
     */
    private static void waitOn(TaskScope scope, Round round, Wait wait, List<Probe> owned, boolean deadline)
            throws InterruptedException {
        long seed = round.seed;
        if (wait == Wait.RACE) {
            // a race cancels its losers: the child that cancels the scope (and so ends the
            // blocked children of children, which no race holds) must not be one of them
            owned = new ArrayList<>(owned);
            owned.removeIf(p -> p.kind == Kind.CANCEL_SCOPE);
        }
        List<Task<Integer>> tasks = new ArrayList<>();
        for (Probe p : owned) {
            tasks.add(p.task);
        }
        try {
            switch (wait) {
                case JOIN:
                    return;
                case SETTLE: {
                    List<Outcome<Integer>> outcomes = scope.settle(tasks);
                    assertThat(outcomes).as("seed %d: settle, one outcome per task", seed).hasSameSizeAs(owned);
                    for (int i = 0; i < owned.size(); i++) {
                        Probe p = owned.get(i);
                        Outcome<Integer> o = outcomes.get(i);
                        String what = "seed " + seed + ": settle, outcome " + i + " of a " + p.kind + " task";
                        if (o instanceof Outcome.Success) {
                            assertThat(p.task.status()).as(what).isEqualTo(Task.Status.SUCCESS);
                            assertThat(((Outcome.Success<Integer>) o).value()).as(what).isEqualTo(p.value);
                        } else if (o instanceof Outcome.Failure) {
                            assertThat(p.task.status()).as(what).isEqualTo(Task.Status.FAILED);
                            assertThat(((Outcome.Failure<Integer>) o).error()).as(what).isSameAs(p.failure);
                        } else {
                            assertThat(p.task.status()).as(what).isEqualTo(Task.Status.CANCELLED);
                        }
                    }
                    return;
                }
                case GATHER: {
                    List<Integer> values = scope.gather(tasks);
                    for (int i = 0; i < owned.size(); i++) {
                        Probe p = owned.get(i);
                        assertThat(p.task.status()).as("seed %d: gather returned, task %d", seed, i)
                                .isEqualTo(Task.Status.SUCCESS);
                        assertThat(values.get(i)).as("seed %d: gather, value %d", seed, i).isEqualTo(p.value);
                    }
                    return;
                }
                case AS_COMPLETED: {
                    Set<Task<?>> seen = Collections.newSetFromMap(new IdentityHashMap<>());
                    for (Task<Integer> t : scope.asCompleted(tasks)) {
                        assertThat(t.isDone()).as("seed %d: asCompleted yields finished tasks", seed).isTrue();
                        assertThat(seen.add(t)).as("seed %d: asCompleted yields each task once", seed).isTrue();
                    }
                    assertThat(seen).as("seed %d: asCompleted yields every task", seed).hasSameSizeAs(tasks);
                    return;
                }
                case RACE: {
                    Integer winner = scope.race(tasks);
                    assertThat(owned).as("seed %d: race returned %d, the value of a task that succeeded", seed, winner)
                            .anySatisfy(p -> {
                                assertThat(p.task.status()).isEqualTo(Task.Status.SUCCESS);
                                assertThat(p.value).isEqualTo(winner);
                            });
                    return;
                }
                default:
                    throw new AssertionError(wait);
            }
        } catch (ScopeTimeoutException e) {
            assertThat(deadline).as("seed %d: %s timed out without a deadline", seed, wait).isTrue();
        } catch (TaskFailedException e) {
            assertThat(wait).as("seed %d: %s threw %s", seed, wait, e).isIn(Wait.GATHER, Wait.RACE);
            assertThat(round.probes).as("seed %d: %s threw the failure of a task: %s", seed, wait, e.getCause())
                    .anySatisfy(p -> assertThat(p.failure).isSameAs(e.getCause()));
            if (wait == Wait.RACE) {
                for (Probe p : owned) {
                    assertThat(p.task.status()).as("seed %d: race failed, yet a %s task", seed, p.kind)
                            .isIn(Task.Status.FAILED, Task.Status.CANCELLED);
                }
            }
        } catch (java.util.concurrent.CancellationException e) {
            assertThat(wait).as("seed %d: %s threw %s", seed, wait, e).isIn(Wait.GATHER, Wait.RACE);
            if (wait == Wait.RACE) {
                for (Probe p : owned) {
                    assertThat(p.task.status()).as("seed %d: race found every task cancelled, yet a %s task", seed,
                            p.kind).isEqualTo(Task.Status.CANCELLED);
                }
            } else {
                assertThat(owned).as("seed %d: gather threw CancellationException: a task was cancelled", seed)
                        .anySatisfy(p -> assertThat(p.task.status()).isEqualTo(Task.Status.CANCELLED));
            }
        }
    }

    private static Kind randomKind(Round round) {
        Kind[] kinds = Kind.values();
        for (;;) {
            Kind kind = kinds[round.random.nextInt(kinds.length)];
            if (kind == Kind.CANCEL_SCOPE) {
                continue; // forked once, on purpose, by the round
            }
            if ((kind == Kind.BLOCK || kind == Kind.NESTED_SCOPE) && !round.sureToCancel) {
                continue; // it would wait for good
            }
            return kind;
        }
    }

    private static Probe fork(TaskScope scope, Round round, Kind kind, boolean shielded) {
        if (shielded && (kind == Kind.BLOCK || kind == Kind.NESTED_SCOPE)) {
            shielded = false; // the scope never cancels a shielded child: this one would wait for good
        }
        Probe probe = new Probe(kind, shielded, round.nextValue.getAndIncrement());
        // a child decides what it forks before the round's random is used by another thread
        Kind siblingKind = kind == Kind.FORK_SIBLING ? randomKind(round) : null;
        boolean siblingShielded = kind == Kind.FORK_SIBLING && round.random.nextInt(6) == 0;
        int spins = round.random.nextInt(200);
        Callable<Integer> work = () -> {
            probe.thread = Thread.currentThread();
            probe.entered.incrementAndGet();
            try {
                for (int s = 0; s < spins; s++) {
                    Thread.onSpinWait();
                }
                switch (probe.kind) {
                    case RETURN:
                        probe.written = probe.value;
                        return probe.value;
                    case THROW:
                        throw probe.failure;
                    case BLOCK:
                        new CountDownLatch(1).await(); // until interrupted
                        throw new AssertionError("a blocked child returned");
                    case CANCEL_SCOPE:
                        scope.cancel();
                        probe.written = probe.value;
                        return probe.value;
                    case FORK_SIBLING:
                        fork(scope, round, siblingKind, siblingShielded);
                        probe.written = probe.value;
                        return probe.value;
                    case NESTED_SCOPE:
                        Task<Integer> innerChild;
                        try (TaskScope inner = TaskScope.open()) {
                            innerChild = inner.fork(() -> {
                                new CountDownLatch(1).await();
                                return 0;
                            });
                            // Ends once the outer cancellation reaches the inner child. It throws if
                            // the interrupt lands while it blocks; if the inner child ended first,
                            // it may return normally with this thread's interrupt flag still set.
                            inner.join();
                        }
                        if (!innerChild.isCancelled()) {
                            throw new AssertionError("the nested scope's blocked child ended " + innerChild.status());
                        }
                        // The cancellation that reached the nested scope interrupts this thread too, but
                        // it sets the flag that cancels the nested scope before it interrupts.
                        while (!Thread.interrupted()) {
                            Thread.yield();
                        }
                        throw new InterruptedException("seen after the nested scope ended");
                    default:
                        throw new AssertionError(probe.kind);
                }
            } finally {
                probe.exited.incrementAndGet();
            }
        };
        round.probes.add(probe); // before the fork: a wait may report its failure before fork returns
        probe.task = shielded ? scope.forkShielded(work) : scope.fork(work);
        return probe;
    }

    private static void checkAllDone(Round round, String when) {
        for (Probe p : round.probes) {
            assertThat(p.task.isDone()).as("seed %d: a %s task is done %s", round.seed, p.kind, when).isTrue();
        }
    }

    private static void check(Round round, FailurePolicy policy, boolean deadline, Throwable thrown) {
        long seed = round.seed;
        checkAllDone(round, "after close");
        Set<Throwable> failures = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Probe p : round.probes) {
            String what = "seed " + seed + ": a " + (p.shielded ? "shielded " : "") + p.kind + " task";
            assertThat(p.exited.get()).as("%s: its callable is not running after close", what)
                    .isEqualTo(p.entered.get());
            assertThat(p.entered.get()).as("%s: its callable ran at most once", what).isLessThanOrEqualTo(1);
            Thread thread = p.thread; // a factory's platform threads are checked below, through round.made
            if (thread != null && VirtualThreads.isVirtual(thread)) {
                assertThat(thread.isAlive()).as("%s: its virtual thread ended before close returned", what).isFalse();
            }
            Task.Status status = p.task.status();
            switch (status) {
                case SUCCESS:
                    assertThat(p.kind).as(what).isIn(Kind.RETURN, Kind.CANCEL_SCOPE, Kind.FORK_SIBLING);
                    assertThat(p.entered.get()).as("%s succeeded, so it ran", what).isEqualTo(1);
                    assertThat(p.task.resultNow()).as(what).isEqualTo(p.value);
                    assertThat(p.written).as("%s: its write is visible to the owner", what).isEqualTo(p.value);
                    assertThat(p.cancelReturned).as("%s succeeded though its cancel returned true", what).isFalse();
                    break;
                case FAILED:
                    assertThat(p.kind).as("%s failed with %s", what, p.task.exceptionNow()).isEqualTo(Kind.THROW);
                    assertThat(p.task.exceptionNow()).as(what).isSameAs(p.failure);
                    assertThat(p.cancelReturned).as("%s failed though its cancel returned true", what).isFalse();
                    failures.add(p.failure);
                    break;
                case CANCELLED:
                    assertThat(!p.shielded || p.cancelReturned)
                            .as("%s was cancelled, but only its own cancel may cancel a shielded task", what).isTrue();
                    break;
                default:
                    fail("%s: status %s after close", what, status);
            }
            assertThat(p.task.status()).as("%s: its outcome is final", what).isEqualTo(status);
        }
        for (Probe p : round.probes) {
            if (p.kind == Kind.BLOCK || p.kind == Kind.NESTED_SCOPE) {
                assertThat(p.task.status()).as("seed %d: a %s task can only be cancelled", seed, p.kind)
                        .isEqualTo(Task.Status.CANCELLED);
            }
        }
        for (Thread t : round.made) {
            assertThat(t.isAlive()).as("seed %d: a factory thread ended before close returned", seed).isFalse();
        }
        if (thrown instanceof ScopeTimeoutException) {
            assertThat(deadline).as("seed %d: a timeout without a deadline", seed).isTrue();
        }
        Set<Throwable> reported = Collections.newSetFromMap(new IdentityHashMap<>());
        if (thrown instanceof TaskFailedException) {
            assertThat(policy).as("seed %d: supervise threw %s", seed, thrown).isEqualTo(FailurePolicy.FAIL_FAST);
            reported.add(thrown.getCause());
        }
        if (thrown != null) {
            for (Throwable s : thrown.getSuppressed()) {
                if (!(s instanceof ScopeTimeoutException)) {
                    reported.add(s);
                }
            }
        }
        if (policy == FailurePolicy.FAIL_FAST) {
            assertThat(reported).as("seed %d: the failures reported are exactly the tasks' failures", seed)
                    .containsExactlyInAnyOrderElementsOf(failures);
        } else {
            assertThat(reported).as("seed %d: supervise reports no failure", seed).isEmpty();
        }
        assertThat(Thread.currentThread().isInterrupted()).as("seed %d: the owner's interrupt flag", seed).isFalse();
    }
}
