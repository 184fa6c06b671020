package dev.braid.pipeline;

import static dev.braid.pipeline.Accounting.assertIdentity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.braid.testkit.ThreadStates;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120) // a lost wake-up fails the test instead of hanging the build
class ErrorPolicyTest {

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    private static Integer failOnMultiplesOf(int k, Integer x) throws IOException {
        if (x % k == 0) {
            throw new IOException("bad " + x);
        }
        return x;
    }

    @Test
    void failFastIsTheDefaultAndNamesTheStageAndTheItem() {
        PipelineFailedException e = catchThrowableOfType(PipelineFailedException.class,
                () -> Pipeline.from(range(10_000))
                        .map("ok", 2, x -> x)
                        .map("parse", 4, x -> {
                            if (x == 777) {
                                throw new IOException("cannot parse 777");
                            }
                            return x;
                        })
                        .to(x -> { })
                        .run());
        assertThat(e).isNotNull();
        assertThat(e.stage()).isEqualTo("parse");
        assertThat(e.item()).isEqualTo(777);
        assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("cannot parse 777");
        assertThat(e.getMessage()).contains("'parse'").contains("777");
        PipelineStats stats = e.stats();
        assertThat(stats.stage("parse").failed()).isGreaterThanOrEqualTo(1);
        assertThat(stats.delivered()).isLessThan(10_000);
        assertIdentity(stats);
    }

    @Test
    void failFastReleasesABlockedProducerAndReturnsTheUnstartedItems() throws Exception {
        CountDownLatch fail = new CountDownLatch(1);
        CountDownLatch taken = new CountDownLatch(1);
        RunningPipeline<Integer> p = Pipeline.<Integer>push(2)
                .map("boom", 1, x -> {
                    taken.countDown();
                    fail.await();
                    throw new IllegalStateException("boom on " + x);
                })
                .to(x -> { })
                .start();
        p.put(0);
        taken.await(); // the only worker holds item 0, so 1 and 2 fill the buffer and 3 must wait
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                for (int i = 1; ; i++) {
                    p.put(i);
                }
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        producer.start();
        ThreadStates.awaitParked(producer); // items 1 and 2 fill the buffer, 3 waits
        fail.countDown();
        producer.join();
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'boom'")
                .hasCauseInstanceOf(IllegalStateException.class);
        PipelineFailedException e = catchThrowableOfType(PipelineFailedException.class, p::await);
        assertThat(e.item()).isEqualTo(0);
        assertThat(p.cancel()).as("the failure stopped these before they started").containsExactly(1, 2);
        PipelineStats stats = e.stats();
        assertThat(stats.returned()).isEqualTo(2);
        assertThat(stats.failed()).isEqualTo(1);
        assertIdentity(stats);
        assertThatThrownBy(p::await).as("every await reports the failure").isInstanceOf(PipelineFailedException.class);
        assertThatThrownBy(p::close).isInstanceOf(PipelineFailedException.class);
    }

    @Test
    void aFailingSinkFailsThePipeline() {
        PipelineFailedException e = catchThrowableOfType(PipelineFailedException.class,
                () -> Pipeline.from(range(100)).map("id", 2, x -> x).to(x -> {
                    if (x == 50) {
                        throw new IOException("disk full");
                    }
                }).run());
        assertThat(e.stage()).isEqualTo("sink");
        assertThat(e.item()).isEqualTo(50);
        assertIdentity(e.stats());
    }

    @Test
    void aNullResultIsAFailureOfTheItem() {
        PipelineFailedException e = catchThrowableOfType(PipelineFailedException.class,
                () -> Pipeline.from(range(10)).map("nully", 1, x -> x == 3 ? null : x).to(x -> { }).run());
        assertThat(e.stage()).isEqualTo("nully");
        assertThat(e.item()).isEqualTo(3);
        assertThat(e.getCause()).isInstanceOf(NullPointerException.class).hasMessageContaining("nully");
    }

    @Test
    void skipAndReportDropsFailedItemsAndCountsThem() throws Exception {
        List<Integer> out = new ArrayList<>();
        PipelineStats stats = Pipeline.from(range(1_000))
                .map("picky", 4, x -> failOnMultiplesOf(10, x))
                .onError(ErrorPolicy.skipAndReport())
                .ordered()
                .to(out::add)
                .run();
        assertThat(out).isEqualTo(range(1_000).stream().filter(x -> x % 10 != 0).collect(Collectors.toList()));
        assertThat(stats.failed()).isEqualTo(100);
        assertThat(stats.stage("picky").failed()).isEqualTo(100);
        assertIdentity(stats);
    }

    @Test
    void deadLetterHandsEachFailedItemToTheHandler() throws Exception {
        Queue<StageFailure> dead = new ConcurrentLinkedQueue<>();
        AtomicInteger delivered = new AtomicInteger();
        PipelineStats stats = Pipeline.from(range(1_000))
                .map("picky", 4, x -> failOnMultiplesOf(7, x))
                .onError(ErrorPolicy.deadLetter(dead::add))
                .to(x -> delivered.incrementAndGet())
                .run();
        assertThat(dead).extracting(StageFailure::item)
                .containsExactlyInAnyOrderElementsOf(range(1_000).stream().filter(x -> x % 7 == 0).collect(Collectors.toList()));
        assertThat(dead).allSatisfy(f -> {
            assertThat(f.stage()).isEqualTo("picky");
            assertThat(f.error()).isInstanceOf(IOException.class).hasMessage("bad " + f.item());
            assertThat(f.attempts()).isEqualTo(1);
        });
        assertThat(stats.failed()).isEqualTo(dead.size());
        assertThat(delivered.get() + dead.size()).isEqualTo(1_000);
        assertIdentity(stats);
    }

    @Test
    void aFailingDeadLetterHandlerFailsThePipeline() {
        PipelineFailedException e = catchThrowableOfType(PipelineFailedException.class,
                () -> Pipeline.from(range(100))
                        .map("picky", 2, x -> failOnMultiplesOf(13, x))
                        .onError(ErrorPolicy.deadLetter(f -> {
                            throw new IOException("dead-letter store down");
                        }))
                        .to(x -> { })
                        .run());
        assertThat(e.stage()).isEqualTo("picky");
        assertThat(e.getCause()).hasMessage("dead-letter store down");
        assertThat(e.getCause().getSuppressed()).singleElement().satisfies(t -> assertThat(t).hasMessageStartingWith("bad "));
        assertIdentity(e.stats());
    }

    @Test
    void retrySucceedsWithinItsAttempts() throws Exception {
        Map<Integer, AtomicInteger> tries = new ConcurrentHashMap<>();
        List<Integer> out = new ArrayList<>();
        PipelineStats stats = Pipeline.from(range(200))
                .map("flaky", 4, x -> {
                    int n = tries.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet();
                    if (x % 3 == 0 && n <= 2) {
                        throw new IOException("transient " + x);
                    }
                    return x;
                })
                .onError(ErrorPolicy.retry(2, Duration.ofMillis(1), ErrorPolicy.failFast()))
                .ordered()
                .to(out::add)
                .run();
        assertThat(out).isEqualTo(range(200));
        assertThat(tries.get(3).get()).isEqualTo(3);
        assertThat(tries.get(4).get()).isEqualTo(1);
        assertThat(stats.failed()).isZero();
        assertIdentity(stats);
    }

    @Test
    void exhaustedRetriesGoToTheNextPolicyWithEarlierFailuresSuppressed() throws Exception {
        Queue<StageFailure> dead = new ConcurrentLinkedQueue<>();
        AtomicInteger calls = new AtomicInteger();
        PipelineStats stats = Pipeline.from(List.of(1, 2, 3))
                .map("hopeless", 1, x -> {
                    calls.incrementAndGet();
                    if (x == 2) {
                        throw new IOException("attempt " + calls.get());
                    }
                    return x;
                })
                .onError(ErrorPolicy.retry(3, Duration.ZERO, ErrorPolicy.deadLetter(dead::add)))
                .to(x -> { })
                .run();
        assertThat(dead).singleElement().satisfies(f -> {
            assertThat(f.item()).isEqualTo(2);
            assertThat(f.attempts()).isEqualTo(4);
            assertThat(f.error().getSuppressed()).hasSize(3);
        });
        assertThat(calls.get()).isEqualTo(1 + 4 + 1);
        assertThat(stats.failed()).isEqualTo(1);
        assertThat(stats.delivered()).isEqualTo(2);
        assertIdentity(stats);
    }

    @Test
    void cancelInterruptsARetryBackoff() throws Exception {
        CountDownLatch failedOnce = new CountDownLatch(1);
        RunningPipeline<Integer> p = Pipeline.<Integer>push(4)
                .map("forever", 1, x -> {
                    failedOnce.countDown();
                    throw new IOException("no");
                })
                .onError(ErrorPolicy.retry(5, Duration.ofHours(1), ErrorPolicy.failFast()))
                .to(x -> { })
                .start();
        p.put(1);
        p.put(2);
        failedOnce.await();
        assertThat(p.cancel()).containsExactly(2);
        PipelineStats stats = p.await();
        assertThat(stats.failed()).isEqualTo(1);
        assertIdentity(stats);
    }

    @Test
    void policyArgumentsAreChecked() {
        assertThatThrownBy(() -> ErrorPolicy.retry(-1, Duration.ZERO, ErrorPolicy.failFast()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> ErrorPolicy.retry(1, Duration.ofMillis(-5), ErrorPolicy.failFast()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.005S");
        assertThatThrownBy(() -> ErrorPolicy.retry(1, Duration.ZERO,
                ErrorPolicy.retry(1, Duration.ZERO, ErrorPolicy.failFast())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ErrorPolicy.deadLetter(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Pipeline.push(1).batch("b", 2, Duration.ZERO).onError(ErrorPolicy.skipAndReport()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'b'");
        assertThat(Collections.singletonList(ErrorPolicy.failFast())).containsExactly(ErrorPolicy.failFast());
    }
    @Test
    void aDeadLetteredItemBehindAnUnfinishedOneIsCountedOnceWhenCancelled() throws Exception {
        // Ordered output: item 1 is dead-lettered while item 0 is still being worked on, so
        // its gap waits in the next buffer, in its place behind item 0. Cancelling counts
        // item 0 failed; item 1 was already counted failed by its policy and must not be
        // counted again.
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        AtomicReference<Thread> skipper = new AtomicReference<>();
        CountDownLatch deadLettered = new CountDownLatch(1);
        RunningPipeline<Integer> p = Pipeline.<Integer>push(4)
                .map("s", 2, x -> {
                    if (x == 0) {
                        holding.countDown();
                        never.await();
                    }
                    throw new IOException("bad " + x);
                })
                .onError(ErrorPolicy.deadLetter(f -> {
                    skipper.set(Thread.currentThread());
                    deadLettered.countDown();
                }))
                .ordered()
                .to(x -> { })
                .start();
        p.put(0);
        holding.await();
        p.put(1);
        deadLettered.await();
        ThreadStates.awaitParked(skipper.get()); // done with item 1, waiting for more input
        assertThat(p.cancel()).isEmpty();
        PipelineStats stats = p.await();
        assertThat(stats.stage("s").failed()).as("item 0 interrupted, item 1 dead-lettered").isEqualTo(2);
        assertIdentity(stats);
    }
}
