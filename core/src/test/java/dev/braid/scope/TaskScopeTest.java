package dev.braid.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.braid.internal.VirtualThreads;
import dev.braid.testkit.NoThreadLeaks;
import dev.braid.testkit.ThreadStates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.helpers.BasicMDCAdapter;

@Timeout(60)
class TaskScopeTest {

    /** Blocks until interrupted; records that it saw the interrupt. */
    private static Callable<String> blockUntilInterrupted(CountDownLatch started, AtomicInteger interrupts) {
        return () -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
                throw new AssertionError("unreachable");
            } catch (InterruptedException e) {
                interrupts.incrementAndGet();
                throw e;
            }
        };
    }

    /**
     * Waits for {@code latch} through interrupts (restoring the flag after), for at most 20 s:
     * past that it throws, so that a child waiting here for something that never comes fails
     * its test instead of holding the scope's close, and the build, for good.
     */
    private static void awaitQuietly(CountDownLatch latch) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    long left = deadline - System.nanoTime();
                    if (latch.await(Math.max(left, 0), TimeUnit.NANOSECONDS)) {
                        return;
                    }
                    throw new AssertionError("the latch was not counted down within 20 s");
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------ basics

    @Test
    void joinThenResultsAreReadable() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<String> a = scope.fork(() -> "a");
            Task<Integer> b = scope.fork(() -> 2);
            scope.join();
            assertThat(a.resultNow()).isEqualTo("a");
            assertThat(b.resultNow()).isEqualTo(2);
            assertThat(a.status()).isEqualTo(Task.Status.SUCCESS);
            assertThat(a.isDone()).isTrue();
            assertThat(a.get()).isEqualTo("a");
            assertThat(a.isShielded()).isFalse();
        }
    }

    @Test
    void gatherReturnsResultsInSubmissionOrderWhateverTheCompletionOrder() throws Exception {
        CountDownLatch secondDone = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> first = scope.fork(() -> {
                secondDone.await(); // finishes after the second
                return "first";
            });
            Task<String> second = scope.fork(() -> {
                secondDone.countDown();
                return "second";
            });
            Task<String> nothing = scope.fork(() -> null);
            assertThat(scope.gather(List.of(first, second, nothing))).containsExactly("first", "second", null);
            scope.join();
        }
    }

    @Test
    void emptyGatherSettleAndAsCompletedReturnNothing() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            assertThat(scope.gather(List.<Task<String>>of())).isEmpty();
            assertThat(scope.settle(List.<Task<String>>of())).isEmpty();
            assertThat(scope.asCompleted(List.<Task<String>>of()).iterator().hasNext()).isFalse();
            scope.join();
        }
    }

    // ------------------------------------------------------------ fail-fast

    @Test
    void failFastCancelsSiblingsWhichObserveTheInterrupt() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger interrupts = new AtomicInteger();
        IllegalStateException boom = new IllegalStateException("boom");
        Task<String> s1;
        Task<String> s2;
        Task<String> failing;
        try (TaskScope scope = TaskScope.open()) {
            s1 = scope.fork(blockUntilInterrupted(started, interrupts));
            s2 = scope.fork(blockUntilInterrupted(started, interrupts));
            failing = scope.fork(() -> {
                started.await();
                throw boom;
            });
            assertThatThrownBy(scope::join)
                    .isInstanceOf(TaskFailedException.class)
                    .hasCause(boom)
                    .satisfies(e -> assertThat(e.getSuppressed()).isEmpty()); // cancellations are not failures
        }
        assertThat(interrupts).hasValue(2);
        assertThat(s1.status()).isEqualTo(Task.Status.CANCELLED);
        assertThat(s2.isCancelled()).isTrue();
        assertThat(failing.exceptionNow()).isSameAs(boom);
        assertThatThrownBy(failing::get).isInstanceOf(ExecutionException.class).hasCause(boom);
        assertThatThrownBy(s1::get).isInstanceOf(CancellationException.class);
    }

    @Test
    void laterRealFailuresAreSuppressedNotLost() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        IllegalStateException first = new IllegalStateException("first");
        IllegalArgumentException cleanup = new IllegalArgumentException("cleanup failed");
        try (TaskScope scope = TaskScope.open()) {
            Task<String> sibling = scope.fork(() -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await();
                    return "never";
                } catch (InterruptedException e) {
                    throw cleanup; // not an interrupt-like exception: a real secondary failure
                }
            });
            scope.fork(() -> {
                started.await();
                throw first;
            });
            assertThatThrownBy(scope::join)
                    .isInstanceOf(TaskFailedException.class)
                    .hasCause(first)
                    .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(cleanup));
            assertThat(sibling.status()).isEqualTo(Task.Status.FAILED);
        }
    }

    @Test
    void wrappedInterruptCountsAsCancelled() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> sibling = scope.fork(() -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await();
                    return "never";
                } catch (InterruptedException e) {
                    throw new RuntimeException("wrapped", new java.io.UncheckedIOException(
                            new java.io.InterruptedIOException("io interrupted")));
                }
            });
            scope.fork(() -> {
                started.await();
                throw new IllegalStateException("boom");
            });
            assertThatThrownBy(scope::join).isInstanceOf(TaskFailedException.class)
                    .satisfies(e -> assertThat(e.getSuppressed()).isEmpty());
            assertThat(sibling.status()).isEqualTo(Task.Status.CANCELLED);
        }
    }

    @Test
    void anErrorFailsTheScopeAndIsNotSwallowed() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<Integer> deep = scope.fork(() -> recurse(0));
            assertThatThrownBy(scope::join).isInstanceOf(TaskFailedException.class)
                    .hasCauseInstanceOf(StackOverflowError.class);
            assertThat(deep.exceptionNow()).isInstanceOf(StackOverflowError.class);
        }
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    @Test
    void closeWithoutJoinCancelsWaitsAndThrowsTheFailure() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        IllegalStateException boom = new IllegalStateException("boom");
        AtomicReference<Task<String>> failing = new AtomicReference<>();
        assertThatThrownBy(() -> {
            try (TaskScope scope = TaskScope.open()) {
                scope.fork(blockUntilInterrupted(started, interrupts));
                failing.set(scope.fork(() -> {
                    started.await();
                    throw boom;
                }));
                // no join: the failure must not be lost
                while (!failing.get().isDone()) {
                    Thread.onSpinWait();
                }
            }
        }).isInstanceOf(TaskFailedException.class).hasCause(boom);
        assertThat(interrupts).hasValue(1);
    }

    @Test
    void closeWithoutJoinCancelsRunningChildrenAndDoesNotThrowForThem() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        Task<String> blocked;
        try (TaskScope scope = TaskScope.open()) {
            blocked = scope.fork(blockUntilInterrupted(started, interrupts));
            awaitQuietly(started);
        }
        assertThat(interrupts).hasValue(1);
        assertThat(blocked.status()).isEqualTo(Task.Status.CANCELLED);
    }

    @Test
    void forkRacingTheScopesCancellationReturnsACancelledTask() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<String> failing = scope.fork(() -> {
                throw new IllegalStateException("boom");
            });
            assertThatThrownBy(scope::join).isInstanceOf(TaskFailedException.class);
            AtomicBoolean ran = new AtomicBoolean();
            Task<String> late = scope.fork(() -> {
                ran.set(true);
                return "late";
            });
            assertThat(late.isCancelled()).isTrue();
            assertThatThrownBy(scope::join).isInstanceOf(TaskFailedException.class); // same outcome again
            assertThat(ran).isFalse();
            assertThat(failing.status()).isEqualTo(Task.Status.FAILED);
        }
    }

    @Test
    void forkAfterTheOwnersCancelOrAfterCloseIsAnError() throws Exception {
        TaskScope scope = TaskScope.open();
        scope.cancel();
        assertThatThrownBy(() -> scope.fork(() -> "x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cancel()");
        scope.join(); // cancelling is not a failure
        scope.close();
        assertThatThrownBy(() -> scope.fork(() -> "x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after close()");
        assertThatThrownBy(scope::join).isInstanceOf(IllegalStateException.class);
        scope.close(); // idempotent
    }

    @Test
    void afterAChildCancelsTheScopeTheOwnersForksAreCancelledNotErrors() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<String> canceller = scope.fork(() -> {
                scope.cancel();
                return "cancelled the scope";
            });
            canceller.get();
            Task<String> late = scope.fork(() -> "late");
            assertThat(late.isCancelled()).isTrue();
            scope.join();
            assertThat(canceller.resultNow()).isEqualTo("cancelled the scope");
        }
    }

    @Test
    void cancelInterruptsChildrenAndJoinDoesNotThrow() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger interrupts = new AtomicInteger();
        try (TaskScope scope = TaskScope.open()) {
            Task<String> a = scope.fork(blockUntilInterrupted(started, interrupts));
            Task<String> b = scope.fork(blockUntilInterrupted(started, interrupts));
            started.await();
            scope.cancel();
            scope.join();
            assertThat(a.isCancelled()).isTrue();
            assertThat(b.isCancelled()).isTrue();
        }
        assertThat(interrupts).hasValue(2);
    }

    // ------------------------------------------------------------ supervise, settle, asCompleted, race

    @Test
    void settleReturnsEveryOutcomeInOrderUnderSupervise() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");
        CountDownLatch never = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.builder().failurePolicy(FailurePolicy.SUPERVISE).open()) {
            Task<String> ok = scope.fork(() -> "ok");
            Task<String> failed = scope.fork(() -> {
                throw boom;
            });
            Task<String> cancelled = scope.fork(() -> {
                never.await();
                return "never";
            });
            cancelled.cancel(true);
            Task<String> alsoOk = scope.fork(() -> "also");
            List<Outcome<String>> outcomes = scope.settle(List.of(ok, failed, cancelled, alsoOk));
            assertThat(outcomes).containsExactly(new Outcome.Success<>("ok"), new Outcome.Failure<>(boom),
                    new Outcome.Cancelled<>(), new Outcome.Success<>("also"));
            scope.join(); // supervise: failures are not thrown
        }
    }

    @Test
    void asCompletedYieldsTasksInCompletionOrder() throws Exception {
        List<CountDownLatch> gates = List.of(new CountDownLatch(1), new CountDownLatch(1), new CountDownLatch(1));
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int index = i;
                tasks.add(scope.fork(() -> {
                    gates.get(index).await();
                    return index;
                }));
            }
            int[] order = {2, 0, 1};
            Iterator<Task<Integer>> it = scope.asCompleted(tasks).iterator();
            List<Integer> seen = new ArrayList<>();
            for (int i : order) {
                gates.get(i).countDown(); // release one, then it must be the next yielded
                assertThat(it.hasNext()).isTrue();
                seen.add(it.next().resultNow());
            }
            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::next).isInstanceOf(java.util.NoSuchElementException.class);
            assertThat(seen).containsExactly(2, 0, 1);
            scope.join();
        }
    }

    @Test
    void asCompletedPastTheDeadlineCancelsWhatIsLeftAndThrows() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        TaskScope scope = TaskScope.open(Duration.ofMillis(100));
        Task<String> fast = scope.fork(() -> "fast");
        Task<String> slow = scope.fork(blockUntilInterrupted(started, interrupts));
        Iterator<Task<String>> it = scope.asCompleted(List.of(fast, slow)).iterator();
        assertThat(it.next()).isSameAs(fast);
        assertThatThrownBy(it::next).isInstanceOf(ScopeTimeoutException.class);
        assertThatThrownBy(scope::join).isInstanceOf(ScopeTimeoutException.class);
        scope.close();
        assertThat(slow.isCancelled()).isTrue();
        // a child that started before the deadline was interrupted; one that did not never ran
        assertThat(interrupts.get()).isEqualTo(1 - (int) started.getCount());
        assertThat(fast.resultNow()).isEqualTo("fast");
    }

    @Test
    void asCompletedRestoresTheInterruptAndThrowsAScopeException() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> slow = scope.fork(() -> {
                awaitQuietly(release);
                return "slow";
            });
            Iterator<Task<String>> it = scope.asCompleted(List.of(slow)).iterator();
            Thread.currentThread().interrupt();
            assertThatThrownBy(it::next).isExactlyInstanceOf(ScopeException.class)
                    .hasCauseInstanceOf(InterruptedException.class);
            assertThat(Thread.interrupted()).isTrue();
            release.countDown();
            assertThat(it.next()).isSameAs(slow);
            scope.join();
        }
    }

    @Test
    void raceReturnsTheFirstSuccessAndCancelsTheLosers() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger interrupts = new AtomicInteger();
        try (TaskScope scope = TaskScope.builder().failurePolicy(FailurePolicy.SUPERVISE).open()) {
            Task<String> loser1 = scope.fork(blockUntilInterrupted(started, interrupts));
            Task<String> loser2 = scope.fork(blockUntilInterrupted(started, interrupts));
            Task<String> failing = scope.fork(() -> {
                throw new IllegalStateException("no luck");
            });
            Task<String> winner = scope.fork(() -> {
                started.await();
                return "winner";
            });
            assertThat(scope.race(List.of(loser1, failing, loser2, winner))).isEqualTo("winner");
            scope.join();
            assertThat(loser1.isCancelled()).isTrue();
            assertThat(loser2.isCancelled()).isTrue();
        }
        assertThat(interrupts).hasValue(2);
    }

    @Test
    void raceFailsWithEveryFailureWhenNoTaskSucceeds() throws Exception {
        IllegalStateException a = new IllegalStateException("a");
        IllegalStateException b = new IllegalStateException("b");
        IllegalStateException c = new IllegalStateException("c");
        try (TaskScope scope = TaskScope.builder().failurePolicy(FailurePolicy.SUPERVISE).open()) {
            List<Task<String>> tasks = List.of(scope.fork(() -> {
                throw a;
            }), scope.fork(() -> {
                throw b;
            }), scope.fork(() -> {
                throw c;
            }));
            assertThatThrownBy(() -> scope.race(tasks)).isInstanceOf(TaskFailedException.class)
                    .satisfies(e -> {
                        List<Throwable> all = new ArrayList<>(List.of(e.getSuppressed()));
                        all.add(e.getCause());
                        assertThat(all).containsExactlyInAnyOrder(a, b, c);
                    });
            assertThatThrownBy(() -> scope.race(List.of())).isInstanceOf(IllegalArgumentException.class);
            scope.join();
        }
    }

    // ------------------------------------------------------------ timeout and shield

    @Test
    void timeoutCancelsRunningChildrenAndKeepsFinishedResultsReadable() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger interrupts = new AtomicInteger();
        Task<String> done;
        Task<String> slow1;
        Task<String> slow2;
        try (TaskScope scope = TaskScope.open(Duration.ofMillis(200))) {
            done = scope.fork(() -> "done");
            slow1 = scope.fork(blockUntilInterrupted(started, interrupts));
            slow2 = scope.fork(blockUntilInterrupted(started, interrupts));
            assertThatThrownBy(scope::join).isInstanceOf(ScopeTimeoutException.class)
                    .hasMessageContaining("timeout PT0.2S");
        }
        assertThat(done.resultNow()).isEqualTo("done");
        assertThat(slow1.isCancelled()).isTrue();
        assertThat(slow2.isCancelled()).isTrue();
        // every child that was running at the deadline saw the interrupt (on a very slow
        // machine one may not have started by then: it is cancelled and never runs)
        assertThat(interrupts.get()).isEqualTo(2 - (int) started.getCount());
    }

    @Test
    void aFailureBeforeTheDeadlineIsThrownWithTheTimeoutSuppressed() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");
        Duration timeout = Duration.ofMillis(50);
        long pastDeadline = System.nanoTime() + timeout.toNanos() * 2;
        try (TaskScope scope = TaskScope.open(timeout)) {
            scope.forkShielded(() -> {
                while (System.nanoTime() - pastDeadline < 0) { // outlive the deadline: time, not sync
                    LockSupport.parkNanos(pastDeadline - System.nanoTime());
                }
                return "late";
            });
            scope.fork(() -> {
                throw boom;
            });
            assertThatThrownBy(scope::join).isInstanceOf(TaskFailedException.class).hasCause(boom)
                    .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                            .isInstanceOf(ScopeTimeoutException.class));
        }
    }

    @Test
    void aFailureAfterTheDeadlineIsSuppressedInTheTimeout() throws Exception {
        IllegalStateException cleanup = new IllegalStateException("cleanup failed");
        CountDownLatch started = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open(Duration.ofMillis(50))) {
            scope.fork(() -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await();
                    return "never";
                } catch (InterruptedException e) {
                    throw cleanup;
                }
            });
            started.await();
            assertThatThrownBy(scope::join).isInstanceOf(ScopeTimeoutException.class)
                    .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(cleanup));
        }
    }

    @Test
    void theDeadlineInterruptsACallableWhoseTaskWasCancelledWithoutInterrupt() throws Exception {
        // cancel(false) decides the outcome (CANCELLED) but leaves the callable running, and the
        // scope waits for it: the deadline must still interrupt it, or join would wait past it
        // for good. Found by TaskScopeStressTest. Both joins: by thread walk and by count.
        List<TaskScope.Builder> builders = List.of(
                TaskScope.builder().threadFactory(r -> new Thread(r, "own-thread")),
                TaskScope.builder().executor(r -> new Thread(r, "executor-thread").start()));
        for (TaskScope.Builder builder : builders) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicInteger interrupts = new AtomicInteger();
            Task<String> task;
            try (TaskScope scope = builder.timeout(Duration.ofMillis(20)).open()) {
                task = scope.fork(blockUntilInterrupted(started, interrupts));
                started.await();
                assertThat(task.cancel(false)).isTrue();
                assertThat(task.isDone()).isTrue();
                assertThatThrownBy(scope::join).isInstanceOf(ScopeTimeoutException.class);
            }
            assertThat(interrupts).as("the callable saw the deadline's interrupt").hasValue(1);
            assertThat(task.isCancelled()).isTrue();
        }
    }

    @Test
    void aDeadlineThatPassesAfterEveryChildSucceededIsNotATimeout() throws Exception {
        try (TaskScope scope = TaskScope.open(Duration.ofMillis(20))) {
            Task<String> quick = scope.fork(() -> "quick");
            assertThat(quick.get()).isEqualTo("quick");
            long end = System.nanoTime() + Duration.ofMillis(40).toNanos();
            while (System.nanoTime() - end < 0) {
                LockSupport.parkNanos(end - System.nanoTime()); // let the deadline pass: time, not sync
            }
            scope.join(); // no throw
            assertThat(quick.resultNow()).isEqualTo("quick");
        }
    }

    @Test
    void aPastDeadlineCancelsForksAtOnce() throws Exception {
        TaskScope scope = TaskScope.builder().deadline(Instant.now().minusSeconds(1)).open();
        AtomicBoolean ran = new AtomicBoolean();
        Task<String> task = scope.fork(() -> {
            ran.set(true);
            return "x";
        });
        assertThat(task.isCancelled()).isTrue();
        assertThatThrownBy(scope::join).isInstanceOf(ScopeTimeoutException.class).hasMessageContaining("deadline");
        scope.close();
        assertThat(ran).isFalse();
    }

    @Test
    void aShieldedChildKeepsRunningThroughATimeoutAndItsResultStaysReadable() throws Exception {
        AtomicBoolean shieldInterrupted = new AtomicBoolean();
        CountDownLatch plainStarted = new CountDownLatch(1);
        AtomicInteger plainInterrupts = new AtomicInteger();
        Duration timeout = Duration.ofMillis(100);
        long pastDeadline = System.nanoTime() + timeout.toNanos() * 2;
        Task<String> shielded;
        Task<String> plain;
        try (TaskScope scope = TaskScope.open(timeout)) {
            shielded = scope.forkShielded(() -> {
                while (System.nanoTime() - pastDeadline < 0) { // outlive the deadline: time, not sync
                    LockSupport.parkNanos(pastDeadline - System.nanoTime());
                    if (Thread.currentThread().isInterrupted()) {
                        shieldInterrupted.set(true);
                    }
                }
                return "kept";
            });
            plain = scope.fork(blockUntilInterrupted(plainStarted, plainInterrupts));
            assertThatThrownBy(scope::join).isInstanceOf(ScopeTimeoutException.class);
            // join waited for the shielded child: its outcome is final
            assertThat(shielded.resultNow()).isEqualTo("kept");
        }
        assertThat(shielded.isShielded()).isTrue();
        assertThat(shieldInterrupted).isFalse();
        assertThat(plain.isCancelled()).isTrue();
        assertThat(plainInterrupts.get()).isEqualTo(1 - (int) plainStarted.getCount());
    }

    @Test
    void aShieldedChildSurvivesASiblingFailureAndCancelButNotItsOwnCancel() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> shielded = scope.forkShielded(() -> {
                release.await();
                return "shielded";
            });
            Task<String> ownCancel = scope.forkShielded(() -> {
                started.countDown();
                new CountDownLatch(1).await();
                return "never";
            });
            Task<String> failing = scope.fork(() -> {
                throw new IllegalStateException("boom");
            });
            assertThatThrownBy(failing::get).isInstanceOf(ExecutionException.class);
            started.await();
            scope.cancel();
            assertThat(ownCancel.cancel(true)).isTrue();
            assertThat(ownCancel.isCancelled()).isTrue();
            release.countDown();
            assertThatThrownBy(scope::join).isInstanceOf(TaskFailedException.class);
            assertThat(shielded.resultNow()).isEqualTo("shielded");
        }
    }

    // ------------------------------------------------------------ nesting, forking from children

    @Test
    void cancellingAnOuterScopeReachesTheInnerScopesChildren() throws Exception {
        CountDownLatch grandchildStarted = new CountDownLatch(1);
        AtomicInteger grandchildInterrupts = new AtomicInteger();
        AtomicReference<Task<String>> grandchild = new AtomicReference<>();
        try (TaskScope outer = TaskScope.open()) {
            Task<String> child = outer.fork(
                    () -> awaitNestedGrandchild(grandchildStarted, grandchildInterrupts, grandchild));
            grandchildStarted.await();
            outer.cancel();
            outer.join();
            assertThat(child.isCancelled()).isTrue();
        }
        assertThat(grandchildInterrupts).hasValue(1);
        assertThat(grandchild.get().isCancelled()).isTrue();
    }

    /**
     * A task that an executor runs inline, on a child's thread, is the current task only while
     * it runs: afterwards the child is current again, so a scope the child opens next is
     * nested in the child and cancelled with it.
     */
    @Test
    void aTaskRunInlineInsideAChildLeavesTheChildCurrentAfterIt() throws Exception {
        CountDownLatch grandchildStarted = new CountDownLatch(1);
        AtomicInteger grandchildInterrupts = new AtomicInteger();
        AtomicReference<Task<String>> grandchild = new AtomicReference<>();
        AtomicReference<String> forkedFromInline = new AtomicReference<>();
        try (TaskScope outer = TaskScope.open()) {
            Task<String> child = outer.fork(() -> {
                AtomicReference<Task<String>> sibling = new AtomicReference<>();
                try (TaskScope inline = TaskScope.builder().executor(Runnable::run).open()) {
                    // Runs on this thread, inside the child, so it may fork into the outer scope.
                    inline.fork(() -> {
                        sibling.set(outer.fork(() -> "sibling"));
                        return null;
                    });
                    inline.join();
                }
                forkedFromInline.set(sibling.get().get());
                return awaitNestedGrandchild(grandchildStarted, grandchildInterrupts, grandchild);
            });
            grandchildStarted.await();
            outer.cancel();
            outer.join();
            assertThat(child.isCancelled()).isTrue();
        }
        assertThat(forkedFromInline).hasValue("sibling");
        assertThat(grandchildInterrupts).hasValue(1);
        assertThat(grandchild.get().isCancelled()).isTrue();
    }

    /**
     * Run by a child: opens a scope nested in it whose one task blocks until interrupted, and
     * waits for that grandchild to end in the child's own code, not in {@code inner.join()}
     * (the child's own interrupt would not reach the grandchild; only the nesting can).
     */
    private static String awaitNestedGrandchild(CountDownLatch started, AtomicInteger interrupts,
            AtomicReference<Task<String>> grandchild) throws InterruptedException {
        CountDownLatch ended = new CountDownLatch(1);
        try (TaskScope inner = TaskScope.open()) {
            grandchild.set(inner.fork(() -> {
                try {
                    return blockUntilInterrupted(started, interrupts).call();
                } finally {
                    ended.countDown();
                }
            }));
            awaitQuietly(ended);
            inner.join();
            return "child";
        }
    }

    @Test
    void childrenMayForkIntoTheirOwnScope() throws Exception {
        Queue<Integer> visited = new ConcurrentLinkedQueue<>();
        try (TaskScope scope = TaskScope.open()) {
            scope.fork(crawl(scope, 1, visited));
            scope.join();
        }
        assertThat(visited).hasSize(15).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    }

    private static Callable<Void> crawl(TaskScope scope, int page, Queue<Integer> visited) {
        return () -> {
            visited.add(page);
            if (page < 8) {
                scope.fork(crawl(scope, 2 * page, visited));
                scope.fork(crawl(scope, 2 * page + 1, visited));
            }
            return null;
        };
    }

    // ------------------------------------------------------------ structure: close waits, no thread left

    /** Waits until {@code thread} is parked with {@code method} on its stack. */
    private static void awaitParkedIn(Thread thread, String method) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            ThreadStates.awaitParked(thread);
            for (StackTraceElement frame : thread.getStackTrace()) {
                if (frame.getMethodName().equals(method)) {
                    return;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(thread.getName() + " never parked in " + method);
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void aChildThatIgnoresInterruptsDelaysCloseButCloseReturnsOnceItEnds() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean sawInterrupt = new AtomicBoolean();
        Thread owner = Thread.currentThread();
        Thread releaser = new Thread(() -> {
            awaitParkedIn(owner, "awaitChildren"); // the owner is inside close(), waiting for the child
            release.countDown();
        }, "releaser");
        Task<String> deaf;
        TaskScope scope = TaskScope.open();
        deaf = scope.fork(() -> {
            started.countDown();
            while (true) {
                try {
                    release.await();
                    return "finished anyway";
                } catch (InterruptedException e) {
                    sawInterrupt.set(true); // ignored
                }
            }
        });
        started.await(); // the child runs: close must interrupt it, not cancel it unstarted
        releaser.start();
        scope.close();
        assertThat(release.getCount()).isZero(); // close returned only after the release
        assertThat(deaf.resultNow()).isEqualTo("finished anyway");
        assertThat(sawInterrupt).isTrue();
        releaser.join();
    }

    @Test
    void noThreadOfTheScopeIsAliveAfterClose() throws Exception {
        Queue<Thread> threads = new ConcurrentLinkedQueue<>();
        CountDownLatch started = new CountDownLatch(8);
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < 8; i++) {
                scope.fork(() -> {
                    threads.add(Thread.currentThread());
                    started.countDown();
                    started.await(); // eight threads at once, so the pool cannot reuse one
                    return null;
                });
            }
            scope.fork(() -> {
                threads.add(Thread.currentThread());
                return null;
            });
            scope.join();
        }
        assertThat(threads).hasSize(9);
        for (Thread t : threads) {
            if (VirtualThreads.available()) {
                assertThat(t.isAlive()).as(t.getName()).isFalse(); // close joined it
            } else {
                // JDK 17: the shared pool's worker may stay, but only idle in the pool
                assertThat(NoThreadLeaks.endedOrIdleInPool(t)).as(t.getName()).isTrue();
            }
        }
        assertThat(threads).allSatisfy(t -> assertThat(VirtualThreads.isVirtual(t)).isEqualTo(VirtualThreads.available()));
    }

    @Test
    void childrenRunOnUnnamedVirtualThreadsOrOnTheScopesOwnPool() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<String> name = scope.fork(() -> Thread.currentThread().getName());
            Task<Boolean> daemon = scope.fork(() -> Thread.currentThread().isDaemon());
            scope.join();
            if (VirtualThreads.available()) {
                assertThat(name.resultNow()).isEmpty(); // like the JDK's StructuredTaskScope children
            } else {
                assertThat(name.resultNow()).startsWith(TaskScope.WORKER_PREFIX); // the shared pool
            }
            assertThat(daemon.resultNow()).isTrue();
        }
    }

    @Test
    void manyForkedTasksInOneScope() throws Exception {
        // 100,000 on virtual threads; the JDK 17 default (platform threads) runs fewer.
        int count = VirtualThreads.available() ? 100_000 : 10_000;
        AtomicInteger ran = new AtomicInteger();
        List<Task<Integer>> tasks = new ArrayList<>(count);
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < count; i++) {
                int n = i;
                tasks.add(scope.fork(() -> {
                    ran.incrementAndGet();
                    return n;
                }));
            }
            scope.join();
        }
        assertThat(ran).hasValue(count);
        for (int i = 0; i < count; i++) {
            assertThat(tasks.get(i).resultNow()).isEqualTo(i);
        }
    }

    @Test
    void hundredThousandForkedTasksInOneScopeOnVirtualThreads() throws Exception {
        assumeTrue(VirtualThreads.available(),
                "100,000 concurrently blocked children need virtual threads (JDK 21+); platform threads cannot");
        int count = 100_000;
        CountDownLatch allStarted = new CountDownLatch(count);
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < count; i++) {
                scope.fork(() -> {
                    allStarted.countDown();
                    release.await(); // all 100,000 parked at once
                    return null;
                });
            }
            allStarted.await();
            release.countDown();
            scope.join();
        }
    }

    // ------------------------------------------------------------ bad input and owner rules

    @Test
    void badInputIsRejectedClearly() throws Exception {
        assertThatThrownBy(() -> TaskScope.open(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT0S");
        assertThatThrownBy(() -> TaskScope.open(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> TaskScope.open(null)).isInstanceOf(NullPointerException.class);
        try (TaskScope scope = TaskScope.open(); TaskScope other = TaskScope.open()) {
            assertThatThrownBy(() -> scope.fork(null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("callable");
            Task<String> foreign = other.fork(() -> "foreign");
            assertThatThrownBy(() -> scope.gather(List.of(foreign))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("belongs to scope");
            List<Task<String>> withNull = new ArrayList<>();
            withNull.add(null);
            assertThatThrownBy(() -> scope.settle(withNull)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("task 0 is null");
            Task<String> mine = scope.fork(() -> "mine");
            assertThat(scope.gather(List.of(mine))).containsExactly("mine"); // still usable
            other.join();
            scope.join();
        }
    }

    @Test
    void joinAndCloseFromAnotherThreadAreRejectedAndTheScopeStaysUsable() throws Exception {
        TaskScope scope = TaskScope.open();
        Task<String> task = scope.fork(() -> "x");
        AtomicReference<Throwable> joinError = new AtomicReference<>();
        AtomicReference<Throwable> closeError = new AtomicReference<>();
        AtomicReference<Throwable> forkError = new AtomicReference<>();
        Thread stranger = new Thread(() -> {
            try {
                scope.join();
            } catch (Throwable e) {
                joinError.set(e);
            }
            try {
                scope.close();
            } catch (Throwable e) {
                closeError.set(e);
            }
            try {
                scope.fork(() -> "y");
            } catch (Throwable e) {
                forkError.set(e);
            }
        }, "stranger");
        stranger.start();
        stranger.join();
        assertThat(joinError.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("stranger");
        assertThat(closeError.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("owner");
        assertThat(forkError.get()).isInstanceOf(IllegalStateException.class);
        scope.join();
        scope.close();
        assertThat(task.resultNow()).isEqualTo("x");
    }

    @Test
    void joinMayBeCalledAgainAfterAnInterrupt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> task = scope.fork(() -> {
                awaitQuietly(release);
                return "x";
            });
            Thread.currentThread().interrupt();
            assertThatThrownBy(scope::join).isInstanceOf(InterruptedException.class);
            assertThat(task.isDone()).isFalse();
            release.countDown();
            scope.join();
            assertThat(task.resultNow()).isEqualTo("x");
        }
    }

    @Test
    void forkAfterJoinIsAllowed() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<String> a = scope.fork(() -> "a");
            scope.join();
            Task<String> b = scope.fork(() -> "b");
            scope.join();
            assertThat(a.resultNow() + b.resultNow()).isEqualTo("ab");
        }
    }

    @Test
    void taskReadersRejectTheWrongState() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.builder().failurePolicy(FailurePolicy.SUPERVISE).open()) {
            Task<String> running = scope.fork(() -> {
                release.await();
                return "x";
            });
            assertThat(running.status()).isEqualTo(Task.Status.RUNNING);
            assertThatThrownBy(running::resultNow).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(running::exceptionNow).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> running.get(1, TimeUnit.MILLISECONDS))
                    .isInstanceOf(java.util.concurrent.TimeoutException.class);
            release.countDown();
            assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo("x");
            assertThatThrownBy(running::exceptionNow).isInstanceOf(IllegalStateException.class);
            assertThat(running.cancel(true)).isFalse();
            scope.join();
        }
    }

    // ------------------------------------------------------------ executors, thread factories, MDC

    @Test
    void aSuppliedExecutorRunsTheChildrenAndCancellationDoesNotLeakItsInterrupt() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "user-pool"));
        try {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<String> threadName = new AtomicReference<>();
            try (TaskScope scope = TaskScope.builder().executor(pool).open()) {
                Task<String> blocked = scope.fork(() -> {
                    threadName.set(Thread.currentThread().getName());
                    started.countDown();
                    new CountDownLatch(1).await();
                    return "never";
                });
                started.await();
                scope.cancel();
                scope.join();
                assertThat(blocked.isCancelled()).isTrue();
            }
            assertThat(threadName.get()).isEqualTo("user-pool");
            assertThat(pool.submit(() -> Thread.currentThread().isInterrupted()).get()).isFalse();
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aSuppliedThreadFactoryIsUsedAndItsThreadsJoinedByClose() throws Exception {
        Queue<Thread> made = new ConcurrentLinkedQueue<>();
        try (TaskScope scope = TaskScope.builder().threadFactory(r -> {
            Thread t = new Thread(r, "custom");
            made.add(t);
            return t;
        }).open()) {
            Task<String> task = scope.fork(() -> Thread.currentThread().getName());
            scope.join();
            assertThat(task.resultNow()).isEqualTo("custom");
        }
        assertThat(made).hasSize(1).allSatisfy(t -> assertThat(t.isAlive()).isFalse());
    }

    @Test
    void theForkersMdcIsVisibleInTheChildAndClearedAfter() throws Exception {
        // slf4j-simple 2.0's MDC is a no-op (NOPMDCAdapter); slf4j's own BasicMDCAdapter is
        // what a real backend does: a thread-local map per thread.
        BasicMDCAdapter mdc = new BasicMDCAdapter();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            pool.submit(() -> mdc.put("stale", "left by an earlier job")).get();
            mdc.put("request", "r-42");
            TaskScope.Builder builder = TaskScope.builder().executor(pool);
            builder.mdcAdapter = mdc;
            try (TaskScope scope = builder.open()) {
                Task<String> seen = scope.fork(() -> mdc.get("request") + "/" + mdc.get("stale"));
                scope.join();
                assertThat(seen.resultNow()).isEqualTo("r-42/null");
            }
            // the pool thread's own context is back, without the child's
            assertThat(pool.submit(() -> mdc.get("request") + "/" + mdc.get("stale")).get())
                    .isEqualTo("null/left by an earlier job");
            // a forker without context: the child sees none, not the pool thread's stale one
            mdc.clear();
            try (TaskScope scope = builder.open()) {
                Task<String> seen = scope.fork(() -> mdc.get("stale"));
                scope.join();
                assertThat(seen.resultNow()).isNull();
            }
            assertThat(pool.submit(() -> mdc.get("stale")).get()).isEqualTo("left by an earlier job");
            pool.submit(mdc::clear).get();
            mdc.put("request", "r-42");
            builder.propagateMdc(false);
            try (TaskScope scope = builder.open()) {
                Task<String> seen = scope.fork(() -> mdc.get("request"));
                scope.join();
                assertThat(seen.resultNow()).isNull();
            }
        } finally {
            mdc.clear();
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void onVirtualOrPooledThreadsTheChildSeesTheMdcAndItIsClearedAfter() throws Exception {
        BasicMDCAdapter mdc = new BasicMDCAdapter();
        mdc.put("request", "r-7");
        try {
            TaskScope.Builder builder = TaskScope.builder();
            builder.mdcAdapter = mdc;
            AtomicReference<Thread> childThread = new AtomicReference<>();
            try (TaskScope scope = builder.open()) {
                Task<String> seen = scope.fork(() -> {
                    childThread.set(Thread.currentThread());
                    return mdc.get("request");
                });
                scope.join();
                assertThat(seen.resultNow()).isEqualTo("r-7");
            }
        } finally {
            mdc.clear();
        }
    }

    @Test
    void aRejectingExecutorLeavesTheScopeUsable() throws Exception {
        try (TaskScope scope = TaskScope.builder().executor(r -> {
            throw new java.util.concurrent.RejectedExecutionException("full");
        }).open()) {
            assertThatThrownBy(() -> scope.fork(() -> "x"))
                    .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
            scope.join();
        }
    }

    // ---------------------------------------------------------------- join by thread walk

    /** Spins until {@code thread} is WAITING with a frame matching class and method; 10 s limit. */
    private static void awaitWaitingIn(Thread thread, String type, String method) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!isWaitingIn(thread, type, method)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(thread.getName() + " is not waiting in " + type + "." + method);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private static boolean isWaitingIn(Thread thread, String type, String method) {
        if (thread.getState() != Thread.State.WAITING) {
            return false;
        }
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(type) && frame.getMethodName().equals(method)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void joinWaitsForATaskAChildForkedWhoseThreadItsWalkCouldNotSeeYet() throws Exception {
        // join walks the children's threads from the newest; a task a child forks after the walk
        // read the list is not on it, and join must still wait for it (it reads the list again).
        Thread owner = Thread.currentThread();
        List<Thread> made = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Task<String>> grandchild = new AtomicReference<>();
        AtomicBoolean joinReturned = new AtomicBoolean();
        Thread releaser = new Thread(() -> {
            // Let the late task finish only once its forker ended and the owner waits again (for the
            // late task: nothing else is left), or once join returned without waiting for it: the bug.
            while (!joinReturned.get()
                    && !(made.size() == 2 && !made.get(0).isAlive()
                            && isWaitingIn(owner, TaskScope.class.getName(), "awaitChildren"))) {
                Thread.onSpinWait();
                Thread.yield();
            }
            release.countDown();
        }, "releaser");
        try (TaskScope scope = TaskScope.builder().threadFactory(r -> {
            Thread t = new Thread(r, "walked-" + made.size());
            made.add(t);
            return t;
        }).open()) {
            scope.fork(() -> {
                awaitWaitingIn(owner, "java.lang.Thread", "join"); // the walk read the list and joins this thread
                grandchild.set(scope.fork(() -> {
                    release.await();
                    return "late";
                }));
                return null;
            });
            releaser.start();
            scope.join();
            joinReturned.set(true);
            assertThat(grandchild.get().isDone()).as("the late task finished before join returned").isTrue();
            assertThat(grandchild.get().resultNow()).isEqualTo("late");
        } finally {
            joinReturned.set(true);
            releaser.join();
        }
    }

    @Test
    void joinWaitsForATaskWhoseForkingChildHasNotStartedItsThreadYet() throws Exception {
        // The walk reaches a task that is pushed but whose thread its forker has not started:
        // joining that thread returns at once, and join must wait for the task all the same.
        Thread owner = Thread.currentThread();
        CountDownLatch pushed = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean joinReturned = new AtomicBoolean();
        AtomicReference<Task<String>> late = new AtomicReference<>();
        AtomicInteger made = new AtomicInteger();
        AtomicReference<Thread> forker = new AtomicReference<>();
        try (TaskScope scope = TaskScope.builder().threadFactory(r -> {
            if (made.getAndIncrement() == 0) {
                forker.set(new Thread(r, "forker"));
                return forker.get();
            }
            return new Thread(r, "started-late") {
                @Override
                public void start() {
                    pushed.countDown(); // fork pushed the task, then calls start
                    while (!joinReturned.get() && !isWaitingIn(owner, TaskScope.class.getName(), "awaitThreads")) {
                        Thread.onSpinWait();
                        Thread.yield();
                    }
                    super.start();
                }
            };
        }).open()) {
            scope.fork(() -> {
                late.set(scope.fork(() -> {
                    release.await();
                    return "late";
                }));
                return null;
            });
            pushed.await(); // the late task is on the list, its thread not started
            Thread releaser = new Thread(() -> {
                // the late task runs, its forker ended, and the owner still waits: release it
                while (!joinReturned.get() && !(late.get() != null && late.get().status() == Task.Status.RUNNING
                        && !forker.get().isAlive() && isWaitingIn(owner, TaskScope.class.getName(), "awaitThreads"))) {
                    Thread.onSpinWait();
                    Thread.yield();
                }
                release.countDown();
            }, "releaser");
            releaser.start();
            try {
                scope.join();
                joinReturned.set(true);
                assertThat(late.get().isDone()).as("the late task finished before join returned").isTrue();
                assertThat(late.get().resultNow()).isEqualTo("late");
            } finally {
                joinReturned.set(true);
                releaser.join();
            }
        }
    }

    @Test
    void aScopeCancellationInterruptsATaskItsUserCancelledWithoutInterrupting() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        try (TaskScope scope = TaskScope.open()) {
            Task<String> task = scope.fork(() -> {
                started.countDown();
                try {
                    // bounded, so that a scope that fails to interrupt it fails the test, not hangs it
                    never.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                }
                return "not interrupted";
            });
            started.await();
            assertThat(task.cancel(false)).isTrue(); // decided CANCELLED; the callable runs on
            assertThat(task.status()).isEqualTo(Task.Status.CANCELLED);
            assertThat(task.cancel(true)).isFalse(); // Future contract: already cancelled
            scope.cancel();
            scope.join(); // returns only if the scope's cancellation interrupted the callable
            assertThat(interrupted).isTrue();
            assertThat(task.isCancelled()).isTrue();
        }
    }

    @Test
    void theJdk17DefaultRunsChildrenOfSeveralScopesOnOneSharedPoolWorker() throws Exception {
        assumeTrue(!VirtualThreads.available(), "JDK 17 default (no virtual threads)");
        Thread first;
        try (TaskScope scope = TaskScope.open()) {
            Task<Thread> t = scope.fork(Thread::currentThread);
            scope.join();
            first = t.resultNow();
        }
        assertThat(first.getName()).startsWith(TaskScope.WORKER_PREFIX);
        assertThat(first.isDaemon()).isTrue();
        assertThat(NoThreadLeaks.endedOrIdleInPool(first)).isTrue(); // idle, waiting in the pool
        List<Thread> workers = new ArrayList<>(); // earlier tests may have left idle workers too
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(TaskScope.WORKER_PREFIX)) {
                assertThat(NoThreadLeaks.endedOrIdleInPool(t)).isTrue();
                workers.add(t);
            }
        }
        Thread second;
        try (TaskScope scope = TaskScope.open()) {
            Task<Thread> t = scope.fork(Thread::currentThread);
            scope.join();
            second = t.resultNow();
        }
        assertThat(workers).contains(second); // a warm worker, not a new thread per scope
    }
}
