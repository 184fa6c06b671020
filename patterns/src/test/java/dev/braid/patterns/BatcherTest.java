package dev.braid.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.braid.testkit.ManualTicker;
import dev.braid.testkit.ThreadStates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BatcherTest {

    private final ManualTicker ticker = new ManualTicker();
    private final BlockingQueue<List<Integer>> batches = new LinkedBlockingQueue<>();

    private Batcher.Builder<Integer> builder() {
        return Batcher.<Integer>builder(batches::add).ticker(ticker).maxDelay(Duration.ofSeconds(1));
    }

    private List<Integer> nextBatch() throws InterruptedException {
        List<Integer> batch = batches.poll(10, TimeUnit.SECONDS);
        assertThat(batch).as("a batch within 10 s").isNotNull();
        return batch;
    }

    /** Waits until the worker has re-checked its conditions and started waiting again. */
    private static void awaitWorkerWaitingAfter(Batcher<?> batcher, long waitsBefore) {
        await().atMost(Duration.ofSeconds(10)).until(() -> batcher.waitCount() > waitsBefore);
    }

    @Test
    void fullBatchIsSentAtOnceInPutOrder() throws Exception {
        try (Batcher<Integer> batcher = builder().maxSize(3).build()) {
            for (int i = 1; i <= 7; i++) {
                batcher.put(i);
            }
            assertThat(nextBatch()).containsExactly(1, 2, 3);
            assertThat(nextBatch()).containsExactly(4, 5, 6);
            // 7 waits for its max delay or for close
        }
        assertThat(nextBatch()).containsExactly(7);
        assertThat(batches).isEmpty();
    }

    @Test
    void partialBatchIsSentWhenTheOldestItemReachesMaxDelay() throws Exception {
        try (Batcher<Integer> batcher = builder().maxSize(10).build()) {
            long waits = batcher.waitCount();
            batcher.put(1);
            awaitWorkerWaitingAfter(batcher, waits);        // the worker saw item 1, timed wait
            ticker.advance(Duration.ofMillis(600));
            batcher.put(2);
            waits = batcher.waitCount();
            ticker.advance(Duration.ofMillis(399));           // item 1 is 999 ms old
            batcher.wakeWorker();
            awaitWorkerWaitingAfter(batcher, waits);          // re-checked: not yet due
            assertThat(batches).isEmpty();
            ticker.advance(Duration.ofMillis(1));             // item 1 is 1 s old
            batcher.wakeWorker();
            assertThat(nextBatch()).containsExactly(1, 2);
            // the next batch's clock starts at its own oldest item
            waits = batcher.waitCount();
            batcher.put(3);
            awaitWorkerWaitingAfter(batcher, waits);
            waits = batcher.waitCount();
            ticker.advance(Duration.ofMillis(999));
            batcher.wakeWorker();
            awaitWorkerWaitingAfter(batcher, waits);
            assertThat(batches).isEmpty();
            ticker.advance(Duration.ofMillis(1));
            batcher.wakeWorker();
            assertThat(nextBatch()).containsExactly(3);
        }
    }

    @Test
    void zeroMaxDelaySendsWhateverIsBuffered() throws Exception {
        try (Batcher<Integer> batcher = builder().maxSize(100).maxDelay(Duration.ZERO).build()) {
            batcher.put(42);
            assertThat(nextBatch()).containsExactly(42);
        }
    }

    @Test
    void closeFlushesEverythingBufferedAndEndsTheWorker() throws Exception {
        Batcher<Integer> batcher = builder().maxSize(4).capacity(100).build();
        for (int i = 0; i < 10; i++) {
            batcher.put(i);
        }
        batcher.close();
        assertThat(batcher.worker().isAlive()).isFalse();
        List<Integer> all = new ArrayList<>();
        List<Integer> batch;
        while ((batch = batches.poll()) != null) {
            assertThat(batch).isNotEmpty().hasSizeLessThanOrEqualTo(4);
            all.addAll(batch);
        }
        assertThat(all).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThatThrownBy(() -> batcher.put(11)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        batcher.close(); // idempotent
    }

    @Test
    void slowConsumerBlocksProducersAtCapacity() throws Exception {
        CountDownLatch consuming = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<List<Integer>> seen = new ArrayList<>();
        Batcher<Integer> batcher = Batcher.<Integer>builder(b -> {
            consuming.countDown();
            release.await();
            synchronized (seen) {
                seen.add(b);
            }
        }).ticker(ticker).maxSize(2).capacity(2).maxDelay(Duration.ofSeconds(1)).build();
        try {
            batcher.put(1);
            batcher.put(2);                                   // full batch -> consumer blocks
            assertThat(consuming.await(10, TimeUnit.SECONDS)).isTrue();
            batcher.put(3);
            batcher.put(4);                                   // buffer (capacity 2) is full
            assertThat(batcher.offer(5, Duration.ZERO)).isFalse();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                try {
                    batcher.put(5);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            producer.start();
            ThreadStates.awaitParked(producer);
            assertThat(batcher.buffered()).isEqualTo(2);
            release.countDown();
            producer.join(10_000);
            assertThat(producer.isAlive()).isFalse();
            assertThat(failure.get()).isNull();
        } finally {
            release.countDown();
            batcher.close();
        }
        assertThat(seen).containsExactly(List.of(1, 2), List.of(3, 4), List.of(5));
    }

    @Test
    void closeReleasesABlockedProducerWithIllegalState() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch consuming = new CountDownLatch(1);
        Batcher<Integer> batcher = Batcher.<Integer>builder(b -> {
            consuming.countDown();
            release.await();
        }).ticker(ticker).maxSize(1).capacity(1).build();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer;
        try {
            batcher.put(1);
            assertThat(consuming.await(10, TimeUnit.SECONDS)).isTrue();
            batcher.put(2);
            producer = new Thread(() -> {
                try {
                    batcher.put(3);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            producer.start();
            ThreadStates.awaitParked(producer);
            Thread closer = new Thread(batcher::close);
            closer.start();
            producer.join(10_000);
            assertThat(failure.get()).isInstanceOf(IllegalStateException.class);
            release.countDown();
            closer.join(10_000);
            assertThat(closer.isAlive()).isFalse();
        } finally {
            release.countDown();
            batcher.close();
        }
        assertThat(batcher.worker().isAlive()).isFalse();
    }

    @Test
    void interruptedPutThrowsAndAddsNothing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch consuming = new CountDownLatch(1);
        List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = Batcher.<Integer>builder(b -> {
            consuming.countDown();
            release.await();
            seen.addAll(b);
        }).ticker(ticker).maxSize(1).capacity(1).build();
        try {
            batcher.put(1);
            assertThat(consuming.await(10, TimeUnit.SECONDS)).isTrue();
            batcher.put(2);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                try {
                    batcher.put(3);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            producer.start();
            ThreadStates.awaitParked(producer);
            producer.interrupt();
            producer.join(10_000);
            assertThat(failure.get()).isInstanceOf(InterruptedException.class);
        } finally {
            release.countDown();
            batcher.close();
        }
        assertThat(seen).containsExactly(1, 2);
    }

    @Test
    void consumerFailureGoesToTheHandlerAndTheWorkerGoesOn() throws Exception {
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<List<Integer>> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Batcher<Integer> batcher = Batcher.<Integer>builder(b -> {
            if (b.contains(2)) {
                throw new java.io.IOException("disk full");
            }
            delivered.add(b);
        }).ticker(ticker).maxSize(2).onFailure((b, e) -> failures.add(b + " " + e.getMessage())).build()) {
            for (int i = 1; i <= 4; i++) {
                batcher.put(i);
            }
        }
        assertThat(failures).containsExactly("[1, 2] disk full");
        assertThat(delivered).containsExactly(List.of(3, 4));
    }

    @Test
    void errorInConsumerStopsTheBatcher() throws Exception {
        Thread.UncaughtExceptionHandler quiet = (t, e) -> { };
        Batcher<Integer> batcher = Batcher.<Integer>builder(b -> {
            throw new AssertionError("boom");
        }).ticker(ticker).maxSize(1).threadFactory(r -> {
            Thread t = new Thread(r, "test-batcher");
            t.setUncaughtExceptionHandler(quiet);
            return t;
        }).build();
        batcher.put(1);
        batcher.worker().join(10_000);
        assertThat(batcher.worker().isAlive()).isFalse();
        assertThatThrownBy(() -> batcher.put(2)).isInstanceOf(IllegalStateException.class)
                .hasCauseInstanceOf(AssertionError.class);
        batcher.close();
    }

    @Test
    void closeFromTheConsumerDoesNotDeadlock() throws Exception {
        AtomicReference<Batcher<Integer>> self = new AtomicReference<>();
        List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Batcher<Integer> batcher = Batcher.<Integer>builder(b -> {
            seen.addAll(b);
            self.get().close();
        }).ticker(ticker).maxSize(1).capacity(10).build();
        self.set(batcher);
        batcher.put(1);
        batcher.worker().join(10_000);
        assertThat(batcher.worker().isAlive()).isFalse();
        assertThat(seen).containsExactly(1);
        batcher.close();
    }

    @Test
    void closeKeepsWaitingWhenInterruptedAndRestoresTheFlag() throws Exception {
        CountDownLatch consuming = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Batcher<Integer> batcher = Batcher.<Integer>builder(b -> {
            consuming.countDown();
            release.await();
        }).ticker(ticker).maxSize(1).build();
        batcher.put(1);
        assertThat(consuming.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Boolean> flagAfterClose = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            batcher.close();
            flagAfterClose.set(Thread.currentThread().isInterrupted());
        });
        closer.start();
        ThreadStates.awaitParked(closer);
        closer.interrupt();
        ThreadStates.awaitParked(closer);                     // still waiting for the flush
        assertThat(flagAfterClose.get()).isNull();
        release.countDown();
        closer.join(10_000);
        assertThat(flagAfterClose.get()).isTrue();
        assertThat(batcher.worker().isAlive()).isFalse();
    }

    @Test
    void badInputIsRejectedNamingTheValue() throws Exception {
        assertThatThrownBy(() -> Batcher.builder(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder().maxSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> builder().capacity(-2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-2");
        assertThatThrownBy(() -> builder().maxDelay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.001S");
        assertThatThrownBy(() -> builder().maxSize(10).capacity(5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5").hasMessageContaining("10");
        try (Batcher<Integer> batcher = builder().build()) {
            assertThatThrownBy(() -> batcher.put(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> batcher.offer(1, Duration.ofSeconds(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
        }
    }
}
