package dev.braid.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.testkit.ManualTicker;
import dev.braid.testkit.ThreadStates;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RetryTest {

    private static final long MS = 1_000_000L;

    private final ManualTicker ticker = new ManualTicker();
    /** Transcript of backoff sleeps, in nanoseconds; sleeping advances the manual ticker. */
    private final List<Long> sleeps = new ArrayList<>();

    private Retry.Builder manual() {
        return Retry.builder().ticker(ticker)
                .sleeper(nanos -> {
                    sleeps.add(nanos);
                    ticker.advance(nanos);
                })
                .jitter(bound -> bound); // the upper end of full jitter: deterministic
    }

    @Test
    void retriesWithExponentialBackoffUntilSuccess() throws Exception {
        Retry retry = manual().maxAttempts(5).backoff(Duration.ofMillis(100), Duration.ofSeconds(10)).build();
        AtomicInteger attempts = new AtomicInteger();
        String result = retry.call(() -> {
            if (attempts.incrementAndGet() < 4) {
                throw new IOException("flaky " + attempts.get());
            }
            return "ok";
        });
        assertThat(result).isEqualTo("ok");
        assertThat(attempts).hasValue(4);
        assertThat(sleeps).containsExactly(100 * MS, 200 * MS, 400 * MS);
    }

    @Test
    void backoffIsCapped() throws Exception {
        Retry retry = manual().maxAttempts(6).backoff(Duration.ofMillis(100), Duration.ofMillis(250)).build();
        assertThatThrownBy(() -> retry.call(() -> {
            throw new IOException("down");
        })).isInstanceOf(IOException.class);
        assertThat(sleeps).containsExactly(100 * MS, 200 * MS, 250 * MS, 250 * MS, 250 * MS);
    }

    @Test
    void boundSaturatesInsteadOfOverflowing() {
        Retry retry = manual().backoff(Duration.ofSeconds(1), Duration.ofDays(36_500)).build();
        assertThat(retry.bound(1)).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(retry.bound(64)).isEqualTo(Duration.ofDays(36_500).toNanos());
        assertThat(retry.bound(1_000)).isEqualTo(Duration.ofDays(36_500).toNanos());
        Retry huge = manual().backoff(Duration.ofDays(1), Duration.ofSeconds(Long.MAX_VALUE)).build();
        assertThat(huge.bound(40)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void defaultJitterStaysWithinZeroAndTheBound() {
        List<Long> recorded = new ArrayList<>();
        Retry retry = Retry.builder().maxAttempts(200).backoff(Duration.ofMillis(1), Duration.ofMillis(8))
                .ticker(ticker).sleeper(recorded::add).build();
        assertThatThrownBy(() -> retry.call(() -> {
            throw new IllegalStateException("always");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(recorded).hasSize(199);
        for (int i = 0; i < recorded.size(); i++) {
            long bound = retry.bound(i + 1);
            assertThat(recorded.get(i)).isBetween(0L, bound);
        }
        // full jitter, not a fixed delay: 196 draws at the 8 ms cap are not all the same
        assertThat(new java.util.HashSet<>(recorded.subList(3, recorded.size()))).hasSizeGreaterThan(1);
    }

    @Test
    void givesUpAfterMaxAttemptsWithEarlierFailuresSuppressedOldestFirst() {
        Retry retry = manual().maxAttempts(3).build();
        AtomicInteger attempts = new AtomicInteger();
        Throwable thrown = catchThrowable(() -> retry.call(() -> {
            throw new IOException("attempt " + attempts.incrementAndGet());
        }));
        assertThat(thrown).isInstanceOf(IOException.class).hasMessage("attempt 3");
        assertThat(thrown.getSuppressed()).extracting(Throwable::getMessage)
                .containsExactly("attempt 1", "attempt 2");
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void oneAttemptMeansNoRetry() {
        Retry retry = manual().maxAttempts(1).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retry.call(() -> {
            attempts.incrementAndGet();
            throw new IOException("once");
        })).hasMessage("once");
        assertThat(attempts).hasValue(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void sameExceptionInstanceThrownTwiceIsNotSuppressedInItself() {
        IOException shared = new IOException("shared");
        Retry retry = manual().maxAttempts(3).build();
        Throwable thrown = catchThrowable(() -> retry.call(() -> {
            throw shared;
        }));
        assertThat(thrown).isSameAs(shared);
        assertThat(shared.getSuppressed()).isEmpty();
    }

    @Test
    void nonRetryableFailureIsThrownAtOnce() {
        Retry retry = manual().maxAttempts(5).retryOn(e -> e instanceof IOException).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retry.call(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IOException("retry me");
            }
            throw new IllegalArgumentException("bad request");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad request");
        assertThat(attempts).hasValue(2);
        assertThat(sleeps).hasSize(1);
    }

    @Test
    void deadlineStopsBeforeASleepThatWouldPassIt() {
        // attempt 1 fails at t=0, delay 400 ms -> attempt 2 at 400 ms; it fails, delay 800 ms
        // would start attempt 3 at 1200 ms >= 1000 ms: give up without sleeping.
        Retry retry = manual().maxAttempts(10).backoff(Duration.ofMillis(400), Duration.ofSeconds(10))
                .deadline(Duration.ofSeconds(1)).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retry.call(() -> {
            throw new IOException("attempt " + attempts.incrementAndGet());
        })).hasMessage("attempt 2");
        assertThat(sleeps).containsExactly(400 * MS);
    }

    @Test
    void deadlineCountsTimeSpentInAttemptsAcrossATickerWrap() {
        ManualTicker wrapping = new ManualTicker(Long.MAX_VALUE - 50 * MS);
        List<Long> recorded = new ArrayList<>();
        Retry retry = Retry.builder().ticker(wrapping).sleeper(n -> {
            recorded.add(n);
            wrapping.advance(n);
        }).jitter(b -> b).maxAttempts(10).backoff(Duration.ofMillis(100), Duration.ofMillis(100))
                .deadline(Duration.ofSeconds(1)).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retry.call(() -> {
            attempts.incrementAndGet();
            wrapping.advance(Duration.ofMillis(300)); // each attempt takes 300 ms
            throw new IOException("slow");
        })).isInstanceOf(IOException.class);
        // starts at 0, 400, 800 ms; after the third (ends 1100 ms) the deadline has passed
        assertThat(attempts).hasValue(3);
        assertThat(recorded).hasSize(2);
    }

    @Test
    void interruptDuringBackoffStopsAtOnce() throws Exception {
        Retry retry = Retry.builder().maxAttempts(5).backoff(Duration.ofHours(1), Duration.ofHours(1))
                .jitter(b -> b).build(); // the real sleeper
        AtomicInteger attempts = new AtomicInteger();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> thrown.set(catchThrowable(() -> retry.call(() -> {
            throw new IOException("attempt " + attempts.incrementAndGet());
        }))));
        caller.start();
        ThreadStates.awaitParked(caller);
        caller.interrupt();
        caller.join();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(thrown.get().getSuppressed()).extracting(Throwable::getMessage).containsExactly("attempt 1");
        assertThat(attempts).hasValue(1);
    }

    @Test
    void interruptedExceptionFromAnAttemptIsNeverRetried() {
        Retry retry = manual().maxAttempts(5).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retry.call(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IOException("first");
            }
            throw new InterruptedException("stop");
        })).isInstanceOf(InterruptedException.class).hasMessage("stop");
        assertThat(attempts).hasValue(2);
    }

    @Test
    void failureWhileInterruptFlagIsSetIsNotRetriedAndFlagStaysSet() {
        Retry retry = manual().maxAttempts(5).build();
        AtomicInteger attempts = new AtomicInteger();
        try {
            assertThatThrownBy(() -> retry.call(() -> {
                attempts.incrementAndGet();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted I/O");
            })).hasMessage("interrupted I/O");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(attempts).hasValue(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void realSleeperWithZeroBackoffRetriesAtOnce() throws Exception {
        Retry retry = Retry.builder().maxAttempts(3).backoff(Duration.ZERO, Duration.ZERO).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThat(retry.call(() -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("not yet");
            }
            return "third";
        })).isEqualTo("third");
    }

    @Test
    void checkedExceptionTypeIsPropagated() {
        Retry retry = manual().maxAttempts(2).build();
        CompletableFuture<Void> compiled = CompletableFuture.completedFuture(null);
        try {
            retry.call(() -> {
                throw new IOException("io");
            });
        } catch (IOException expected) { // the compiler knows the call throws IOException
            compiled.complete(null);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(compiled).isDone();
    }

    @Test
    void badInputIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> Retry.builder().maxAttempts(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> Retry.builder().backoff(Duration.ofMillis(-1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.001S");
        assertThatThrownBy(() -> Retry.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT1S").hasMessageContaining("PT2S");
        assertThatThrownBy(() -> Retry.builder().deadline(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> Retry.builder().deadline(Duration.ofSeconds(-3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-3S");
        assertThatThrownBy(() -> Retry.builder().retryOn(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Retry.builder().ticker(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Retry.builder().build().call(null)).isInstanceOf(NullPointerException.class);
    }

    private static Throwable catchThrowable(ThrowingCallable call) {
        try {
            call.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    @FunctionalInterface
    private interface ThrowingCallable {
        void run() throws Throwable;
    }
}
