package dev.braid.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TasksTest {

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

    @Test
    void gatherReturnsValuesInOrder() throws Exception {
        CountDownLatch lastDone = new CountDownLatch(1);
        List<Callable<String>> work = List.of(() -> {
            lastDone.await();
            return "a";
        }, () -> "b", () -> {
            lastDone.countDown();
            return "c";
        });
        assertThat(Tasks.gather(work)).containsExactly("a", "b", "c");
        assertThat(Tasks.gather(List.<Callable<String>>of())).isEmpty();
    }

    @Test
    void gatherFailsFastCancellingTheOthers() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> Tasks.gather(List.of(blockUntilInterrupted(started, interrupts), () -> {
            started.await();
            throw boom;
        }))).isInstanceOf(TaskFailedException.class).hasCause(boom);
        assertThat(interrupts).hasValue(1);
    }

    @Test
    void settleReturnsEveryOutcomeInOrder() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");
        List<Outcome<String>> outcomes = Tasks.settle(List.of(() -> "a", () -> {
            throw boom;
        }, () -> null));
        assertThat(outcomes).containsExactly(new Outcome.Success<>("a"), new Outcome.Failure<>(boom),
                new Outcome.Success<>(null));
    }

    @Test
    void raceReturnsTheFirstSuccessAndTheLosersHaveEndedCancelled() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger interrupts = new AtomicInteger();
        String winner = Tasks.race(List.of(blockUntilInterrupted(started, interrupts), () -> {
            throw new IllegalStateException("fails first");
        }, blockUntilInterrupted(started, interrupts), () -> {
            started.await();
            return "winner";
        }));
        assertThat(winner).isEqualTo("winner");
        assertThat(interrupts).hasValue(2); // race returned after close waited for the losers
    }

    @Test
    void raceFailsWithEveryFailureWhenAllFail() {
        List<Callable<String>> all = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            IllegalStateException e = new IllegalStateException("failure " + i);
            errors.add(e);
            all.add(() -> {
                throw e;
            });
        }
        assertThatThrownBy(() -> Tasks.race(all)).isInstanceOf(TaskFailedException.class).satisfies(e -> {
            List<Throwable> reported = new ArrayList<>(List.of(e.getSuppressed()));
            reported.add(e.getCause());
            assertThat(reported).containsExactlyInAnyOrderElementsOf(errors);
        });
        assertThatThrownBy(() -> Tasks.race(List.<Callable<String>>of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withTimeoutReturnsTheValueOrThrowsAfterCancelling() throws Exception {
        assertThat(Tasks.withTimeout(Duration.ofSeconds(10), () -> "in time")).isEqualTo("in time");
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        assertThatThrownBy(() -> Tasks.withTimeout(Duration.ofMillis(50), blockUntilInterrupted(started, interrupts)))
                .isInstanceOf(ScopeTimeoutException.class);
        // if it started before the limit it was interrupted, and it had ended when the call returned
        assertThat(interrupts.get()).isEqualTo(1 - (int) started.getCount());
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> Tasks.withTimeout(Duration.ofSeconds(10), () -> {
            throw boom;
        })).isInstanceOf(TaskFailedException.class).hasCause(boom);
    }

    @Test
    void withTimeoutOrEmptyMovesOnAfterTheLimit() throws Exception {
        assertThat(Tasks.withTimeoutOrEmpty(Duration.ofSeconds(10), () -> "in time")).contains("in time");
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        assertThat(Tasks.withTimeoutOrEmpty(Duration.ofMillis(50), blockUntilInterrupted(started, interrupts)))
                .isEqualTo(Optional.empty());
        assertThat(interrupts.get()).isEqualTo(1 - (int) started.getCount());
    }

    @Test
    void anInnerTimeoutIsAFailureOfTheOuterCallNotItsOwnTimeout() {
        // Only the call's own deadline moves on; a callable's own ScopeTimeoutException is a failure.
        assertThatThrownBy(() -> Tasks.withTimeoutOrEmpty(Duration.ofSeconds(10),
                () -> Tasks.withTimeout(Duration.ofMillis(20), () -> {
                    new CountDownLatch(1).await();
                    return "never";
                }))).isInstanceOf(TaskFailedException.class).hasCauseInstanceOf(ScopeTimeoutException.class);
    }

    @Test
    void badInputIsRejectedClearly() {
        assertThatThrownBy(() -> Tasks.withTimeout(Duration.ZERO, () -> "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> Tasks.withTimeoutOrEmpty(Duration.ofMillis(-5), () -> "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.005S");
        assertThatThrownBy(() -> Tasks.withTimeout(Duration.ofSeconds(1), null))
                .isInstanceOf(NullPointerException.class);
        List<Callable<String>> withNull = new ArrayList<>();
        withNull.add(() -> "x");
        withNull.add(null);
        assertThatThrownBy(() -> Tasks.gather(withNull)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("callable 1 is null");
        assertThatThrownBy(() -> Tasks.settle(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void anInterruptedCallerCancelsTheChildrenAndGetsInterruptedException() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> Tasks.gather(List.of(blockUntilInterrupted(started, interrupts))))
                .isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).isFalse();
    }
}
