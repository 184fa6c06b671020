package dev.braid.patterns;

import static dev.braid.patterns.ParallelTest.catchThrowable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.scope.TaskFailedException;
import dev.braid.testkit.ThreadStates;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HedgeTest {


    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger interrupted = new AtomicInteger();

    private void blockUntilInterrupted() throws InterruptedException {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            interrupted.incrementAndGet();
            throw e;
        }
    }

    @Test
    void fastPrimaryNeedsNoBackup() throws Exception {
        assertThat(Hedge.of(Duration.ofHours(1), 3).call(() -> "attempt " + attempts.incrementAndGet()))
                .isEqualTo("attempt 1");
        assertThat(attempts).hasValue(1);
    }

    @Test
    void slowPrimaryIsOvertakenByTheBackupAndCancelled() throws Exception {
        String result = Hedge.of(Duration.ofMillis(5), 2).call(() -> {
            if (attempts.incrementAndGet() == 1) {
                blockUntilInterrupted();
            }
            return "backup";
        });
        assertThat(result).isEqualTo("backup");
        assertThat(attempts).hasValue(2);
        assertThat(interrupted).hasValue(1);     // call() returned after the loser ended
    }

    @Test
    void failureStartsTheNextAttemptAtOnce() throws Exception {
        // The delay is an hour: if the call returns within the test's patience, only the
        // failure can have started the backup.
        AtomicReference<Object> result = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                result.set(Hedge.of(Duration.ofHours(1), 2).call(() -> {
                    if (attempts.incrementAndGet() == 1) {
                        throw new IOException("replica down");
                    }
                    return "second";
                }));
            } catch (Throwable t) {
                result.set(t);
            }
        });
        caller.start();
        caller.join(10_000);
        boolean waitedForTheDelay = caller.isAlive();
        caller.interrupt();
        caller.join();
        assertThat(waitedForTheDelay).as("still waiting for the hedging delay").isFalse();
        assertThat(result.get()).isEqualTo("second");
    }

    @Test
    void everyAttemptFailingThrowsTheFirstFailureWithTheOthersSuppressed() {
        Throwable thrown = catchThrowable(() -> Hedge.of(Duration.ZERO, 3).call(() -> {
            throw new IOException("attempt " + attempts.incrementAndGet());
        }));
        assertThat(thrown).isInstanceOf(TaskFailedException.class).hasCauseInstanceOf(IOException.class);
        assertThat(thrown.getSuppressed()).hasSize(2);
        assertThat(attempts).hasValue(3);
    }

    @Test
    void neverMoreThanMaxAttempts() throws Exception {
        String result = Hedge.of(Duration.ZERO, 4).call(() -> {
            int n = attempts.incrementAndGet();
            if (n < 4) {
                blockUntilInterrupted();
            }
            return "last";
        });
        assertThat(result).isEqualTo("last");
        assertThat(attempts).hasValue(4);
        assertThat(interrupted).hasValue(3);
    }

    @Test
    void interruptingTheCallerCancelsEveryAttempt() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch twoStarted = new CountDownLatch(2);
        Thread caller = new Thread(() -> thrown.set(catchThrowable(() -> Hedge.of(Duration.ZERO, 2).call(() -> {
            twoStarted.countDown();
            blockUntilInterrupted();
            return "never";
        }))));
        caller.start();
        assertThat(twoStarted.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        ThreadStates.awaitParked(caller);
        caller.interrupt();
        caller.join(10_000);
        assertThat(caller.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(interrupted).hasValue(2);
    }

    @Test
    void badInputIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> Hedge.of(Duration.ofMillis(-1), 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-0.001S");
        assertThatThrownBy(() -> Hedge.of(Duration.ZERO, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
        assertThatThrownBy(() -> Hedge.of(null, 2)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Hedge.of(Duration.ZERO, 2).call(null)).isInstanceOf(NullPointerException.class);
    }
}
