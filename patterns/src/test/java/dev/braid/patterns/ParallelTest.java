package dev.braid.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.ratelimit.RateLimiter;
import dev.braid.scope.Outcome;
import dev.braid.scope.ScopeTimeoutException;
import dev.braid.scope.TaskFailedException;
import dev.braid.testkit.ThreadStates;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ParallelTest {


    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    @Test
    void resultsComeBackInInputOrderWhateverTheCompletionOrder() throws Exception {
        CountDownLatch othersDone = new CountDownLatch(3);
        List<Integer> completion = new CopyOnWriteArrayList<>();
        List<String> results = Parallel.map(range(4), 4, i -> {
            if (i == 0) {
                assertThat(othersDone.await(10, TimeUnit.SECONDS)).isTrue(); // finishes last
            }
            completion.add(i);
            othersDone.countDown();
            return "r" + i;
        });
        assertThat(results).containsExactly("r0", "r1", "r2", "r3");
        assertThat(completion.get(3)).isEqualTo(0);
    }

    @Test
    void runsExactlyMaxConcurrencyAtOnceAndNeverMore() throws Exception {
        int max = 3;
        CyclicBarrier firstThreeTogether = new CyclicBarrier(max);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger highest = new AtomicInteger();
        List<Integer> out = Parallel.map(range(200), max, i -> {
            highest.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                if (i < max) {
                    firstThreeTogether.await(10, TimeUnit.SECONDS); // only passes if 3 run at once
                }
                Thread.yield();
                return i;
            } finally {
                inside.decrementAndGet();
            }
        });
        assertThat(out).isEqualTo(range(200));
        assertThat(highest.get()).isEqualTo(max);
    }

    @Test
    void failFastCancelsInFlightCallsAndStartsNoMore() {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger interrupted = new AtomicInteger();
        CountDownLatch othersBlocked = new CountDownLatch(2);
        Throwable thrown = catchThrowable(() -> Parallel.map(range(100), 3, i -> {
            started.incrementAndGet();
            if (i == 2) {
                assertThat(othersBlocked.await(10, TimeUnit.SECONDS)).isTrue();
                throw new IOException("item 2 broke");
            }
            othersBlocked.countDown();
            try {
                new CountDownLatch(1).await();       // until cancelled
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
            }
            return i;
        }));
        assertThat(thrown).isInstanceOf(TaskFailedException.class)
                .hasCauseInstanceOf(IOException.class).hasRootCauseMessage("item 2 broke");
        assertThat(interrupted).hasValue(2);
        assertThat(started).hasValue(3);
    }

    @Test
    void mapSettledProcessesEverythingAndReportsEachOutcomeInOrder() throws Exception {
        List<Outcome<Integer>> outcomes = Parallel.builder(4).build().mapSettled(range(10), i -> {
            if (i % 3 == 0) {
                throw new IllegalStateException("bad " + i);
            }
            return i * 10;
        });
        assertThat(outcomes).hasSize(10);
        for (int i = 0; i < 10; i++) {
            Outcome<Integer> o = outcomes.get(i);
            if (i % 3 == 0) {
                assertThat(o).isInstanceOf(Outcome.Failure.class);
                assertThat(((Outcome.Failure<Integer>) o).error()).hasMessage("bad " + i);
            } else {
                assertThat(o).isEqualTo(new Outcome.Success<>(i * 10));
            }
        }
    }

    @Test
    void progressReportsEachCountOnceAndTheTotal() throws Exception {
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Integer> totals = new AtomicReference<>();
        Parallel parallel = Parallel.builder(3).progress((done, total) -> {
            calls.incrementAndGet();
            seen.add(done);
            totals.set(total);
        }).build();
        parallel.mapSettled(range(25), i -> {
            if (i == 7) {
                throw new IOException("failures count as done");
            }
            return i;
        });
        assertThat(calls).hasValue(25);
        assertThat(seen).isEqualTo(IntStream.rangeClosed(1, 25).boxed().collect(Collectors.toSet()));
        assertThat(totals.get()).isEqualTo(25);
    }

    @Test
    void listenerFailureIsTheItemsFailure() {
        Parallel parallel = Parallel.builder(2).progress((done, total) -> {
            throw new IllegalStateException("listener broke");
        }).build();
        assertThatThrownBy(() -> parallel.map(range(5), i -> i)).isInstanceOf(TaskFailedException.class)
                .hasRootCauseMessage("listener broke");
    }

    @Test
    void rateLimiterMetersStartsAndInterruptCancelsWaitingCalls() throws Exception {
        RateLimiter limiter = RateLimiter.slidingWindow(3, Duration.ofHours(1));
        List<Integer> ran = new CopyOnWriteArrayList<>();
        CountDownLatch threeRan = new CountDownLatch(3);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread owner = new Thread(() -> thrown.set(catchThrowable(() ->
                Parallel.builder(5).rateLimiter(limiter).build().forEach(range(5), i -> {
                    ran.add(i);
                    threeRan.countDown();
                }))));
        owner.start();
        assertThat(threeRan.await(10, TimeUnit.SECONDS)).isTrue();
        ThreadStates.awaitParked(owner);                 // in join: two workers wait for permits
        owner.interrupt();
        owner.join(10_000);
        assertThat(owner.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(ran).hasSize(3);
    }

    @Test
    void interruptingTheCallerCancelsCallsInFlight() throws Exception {
        AtomicInteger interrupted = new AtomicInteger();
        CountDownLatch running = new CountDownLatch(2);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread owner = new Thread(() -> thrown.set(catchThrowable(() ->
                Parallel.builder(2).build().mapSettled(range(10), i -> {
                    running.countDown();
                    try {
                        new CountDownLatch(1).await();
                    } catch (InterruptedException e) {
                        interrupted.incrementAndGet();
                        throw e;
                    }
                    return i;
                }))));
        owner.start();
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        ThreadStates.awaitParked(owner);
        owner.interrupt();
        owner.join(10_000);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(interrupted).hasValue(2);
    }

    @Test
    void timeoutCancelsTheRun() {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger interrupted = new AtomicInteger();
        assertThatThrownBy(() -> Parallel.builder(2).timeout(Duration.ofMillis(50)).build().map(range(4), i -> {
            started.incrementAndGet();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
            }
            return i;
        })).isInstanceOf(ScopeTimeoutException.class);
        // a worker that had not started when the deadline passed never starts
        assertThat(started.get()).isLessThanOrEqualTo(2);
        assertThat(interrupted.get()).isEqualTo(started.get());
    }

    @Test
    void forEachRunsEveryInputExactlyOnce() throws Exception {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        Parallel.forEach(range(50), 7, seen::add);
        assertThat(new ArrayList<>(seen)).hasSize(50).containsExactlyInAnyOrderElementsOf(range(50));
    }

    @Test
    void emptyInputAndNullResults() throws Exception {
        assertThat(Parallel.map(List.of(), 3, x -> x)).isEmpty();
        assertThat(Parallel.map(List.of(1, 2), 3, x -> null)).containsExactly(null, null);
    }

    @Test
    void badInputIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> Parallel.builder(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
        assertThatThrownBy(() -> Parallel.map(List.of(1), -2, x -> x)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-2");
        assertThatThrownBy(() -> Parallel.map(null, 1, x -> x)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Parallel.map(List.of(1), 1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Parallel.map(Arrays.asList(1, null, 3), 2, x -> x))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("input 1");
        assertThatThrownBy(() -> Parallel.builder(1).timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT0S");
        assertThatThrownBy(() -> Parallel.builder(1).rateLimiter(null)).isInstanceOf(NullPointerException.class);
    }

    static Throwable catchThrowable(ThrowingRunnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Throwable;
    }
}
