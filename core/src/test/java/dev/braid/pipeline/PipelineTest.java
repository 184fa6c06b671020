package dev.braid.pipeline;

import static dev.braid.pipeline.Accounting.assertIdentity;
import static dev.braid.pipeline.Accounting.assertStagesBalance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.testkit.ManualTicker;
import dev.braid.testkit.NoThreadLeaks;
import dev.braid.testkit.ThreadStates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120) // a lost wake-up fails the test instead of hanging the build
class PipelineTest {

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    /** Small random CPU work, so that workers finish out of order without sleeping. */
    private static int spin(int x) {
        int rounds = ThreadLocalRandom.current().nextInt(2_000);
        long acc = x;
        for (int i = 0; i < rounds; i++) {
            acc = acc * 6364136223846793005L + 1442695040888963407L;
        }
        return acc == 42 ? x + 1 : x; // never true in practice; keeps the loop alive
    }

    @Test
    void pullPipelineMapsFiltersAndDeliversEverything() throws Exception {
        List<Integer> out = new ArrayList<>();
        PipelineStats stats = Pipeline.from(range(10_000))
                .map("double", 3, x -> x * 2)
                .filter("fifths", 2, x -> x % 5 != 0)
                .to(out::add)
                .run();
        Set<Integer> expected = range(10_000).stream().map(x -> x * 2).filter(x -> x % 5 != 0).collect(Collectors.toSet());
        assertThat(out).hasSize(expected.size());
        assertThat(new HashSet<>(out)).isEqualTo(expected);
        assertThat(stats.accepted()).isEqualTo(10_000);
        assertThat(stats.delivered()).isEqualTo(expected.size());
        assertThat(stats.filtered()).isEqualTo(10_000 - expected.size());
        assertThat(stats.stage("double").completed()).isEqualTo(10_000);
        assertThat(stats.stages()).extracting(StageStats::name).containsExactly("double", "fifths", "sink");
        assertIdentity(stats);
    }

    @Test
    void stageFunctionsMayThrowCheckedExceptions() throws Exception {
        StageFunction<String, Integer> parse = s -> {
            if (s.isEmpty()) {
                throw new IOException("empty");
            }
            return s.length();
        };
        List<Integer> out = new ArrayList<>();
        Pipeline.fromStream(Stream.of("a", "bb", "ccc")).map("parse", 1, parse).ordered().to(out::add).run();
        assertThat(out).containsExactly(1, 2, 3);
    }

    @Test
    void orderedKeepsInputOrderWithEightWorkersAndRandomDelays() throws Exception {
        List<Integer> out = new ArrayList<>();
        PipelineStats stats = Pipeline.from(range(20_000))
                .map("spin", 8, PipelineTest::spin)
                .filter("drop-sevens", 8, x -> x % 7 != 0)
                .map("sleepy", 8, x -> {
                    if (ThreadLocalRandom.current().nextInt(500) == 0) {
                        Thread.sleep(1); // simulated slow item, not synchronisation
                    }
                    return spin(x);
                })
                .ordered()
                .to(out::add)
                .run();
        List<Integer> expected = range(20_000).stream().filter(x -> x % 7 != 0).collect(Collectors.toList());
        assertThat(out).isEqualTo(expected);
        assertIdentity(stats);
    }

    @Test
    void aWorkerParkedAheadOfTheOrderWindowResumesOnceTheSlowItemIsDone() throws Exception {
        // a map stage puts each result at its input's position in the next buffer: the
        // window is that buffer's 4 slots
        runAheadOfASlowItem(4, 4, false);
    }

    @Test
    void anOrderedStageLetsAWorkerRunAsFarAheadAsTheNextBufferHolds() throws Exception {
        runAheadOfASlowItem(100, 100, false);
    }

    @Test
    void anOrderedFlatMapWorkerParkedAheadOfTheReorderRingResumes() throws Exception {
        // a flatMap stage hands results through a reorder ring of at least 64 slots
        runAheadOfASlowItem(4, 64, true);
    }

    /**
     * One of two workers holds item 0; the other computes items 1 to {@code window} and then
     * parks, holding item {@code window}, until item 0 is done.
     */
    private static void runAheadOfASlowItem(int bufferAfter, int window, boolean flat) throws Exception {
        int ring = window;
        int items = 3 * ring;
        CountDownLatch slowDone = new CountDownLatch(1);
        AtomicInteger computedAhead = new AtomicInteger();
        AtomicReference<Thread> ahead = new AtomicReference<>();
        List<Integer> out = Collections.synchronizedList(new ArrayList<>());
        StageFunction<Integer, Integer> f = x -> {
            if (x == 0) {
                slowDone.await(); // the slow item: the other worker runs ahead
                return x;
            }
            computedAhead.incrementAndGet();
            if (x == ring) {
                ahead.set(Thread.currentThread()); // a window ahead of item 0: must wait
            }
            return x;
        };
        Pipeline<Integer, Integer> in = Pipeline.<Integer>push(items);
        RunningPipeline<Integer> p = (flat ? in.flatMap("a", 2, x -> List.of(f.apply(x))) : in.map("a", 2, f))
                .buffer(bufferAfter)
                .ordered()
                .to(out::add)
                .start();
        try {
            for (int i = 0; i < items; i++) {
                p.put(i);
            }
            p.complete();
            Awaitility.await("a worker reaching item " + ring).atMost(Duration.ofSeconds(10))
                    .until(() -> ahead.get() != null);
            ThreadStates.awaitParked(ahead.get()); // parked, holding item 'ring', for the window
            assertThat(computedAhead.get()).as("items computed ahead of item 0").isEqualTo(ring);
            assertThat(out).isEmpty();
            slowDone.countDown();
            // a lost wake-up leaves the worker that holds item 'ring' parked: the run never ends
            PipelineStats stats = p.await(Duration.ofSeconds(10));
            assertThat(out).isEqualTo(range(items));
            assertIdentity(stats);
        } finally {
            slowDone.countDown();
            p.cancel();
            p.await();
        }
    }

    @Test
    void orderedFlatMapKeepsEachItemsResultsInItsPlace() throws Exception {
        List<String> out = new ArrayList<>();
        Pipeline.from(range(2_000))
                .flatMap("explode", 8, x -> {
                    spin(x);
                    List<String> parts = new ArrayList<>();
                    for (int i = 0; i < x % 4; i++) {
                        parts.add(x + "." + i);
                    }
                    return parts;
                })
                .ordered()
                .to(out::add)
                .run();
        List<String> expected = new ArrayList<>();
        for (int x = 0; x < 2_000; x++) {
            for (int i = 0; i < x % 4; i++) {
                expected.add(x + "." + i);
            }
        }
        assertThat(out).isEqualTo(expected);
    }

    @Test
    void unorderedDeliversEveryItemExactlyOnce() throws Exception {
        ConcurrentHashMap<Integer, Integer> seen = new ConcurrentHashMap<>();
        PipelineStats stats = Pipeline.from(range(50_000))
                .map("a", 4, PipelineTest::spin)
                .map("b", 4, x -> x)
                .to(x -> seen.merge(x, 1, Integer::sum))
                .run();
        assertThat(seen).hasSize(50_000);
        assertThat(seen.values()).allMatch(c -> c == 1);
        assertIdentity(stats);
    }

    @Test
    void backpressureStopsTheProducerAtCapacitiesPlusWorkers() throws Exception {
        // capacities up to 3 wake a parked producer at the first free slot, so the pipeline
        // fills exactly; a larger first buffer may stop it below full (its low-water mark,
        // see aParkedProducerResumesAtTheLowWaterMark)
        Semaphore sinkGate = new Semaphore(0);
        RunningPipeline<Integer> p = Pipeline.<Integer>push(3)
                .map("a", 2, x -> x)
                .buffer(3)
                .to(x -> sinkGate.acquire())
                .start();
        AtomicInteger accepted = new AtomicInteger();
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; ; i++) {
                    p.put(i);
                    accepted.incrementAndGet();
                }
            } catch (InterruptedException e) {
                // expected: the test interrupts the blocked producer
            }
        });
        producer.start();
        // wait until every buffer is full and every worker holds an item
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            PipelineStats s = p.stats();
            return s.stage("a").bufferDepth() == 3 && s.stage("a").busyWorkers() == 2
                    && s.stage("sink").bufferDepth() == 3 && s.stage("sink").busyWorkers() == 1;
        });
        ThreadStates.awaitParked(producer);
        // first buffer 3 + two workers holding one each + sink buffer 3 + the sink's item 1
        assertThat(accepted.get()).isEqualTo(3 + 2 + 3 + 1);
        assertThat(p.stats().accepted()).isEqualTo(9);
        assertThat(p.stats().stage("a").busyWorkers()).isEqualTo(2);
        assertThat(p.stats().stage("a").bufferDepth()).isEqualTo(3);
        producer.interrupt();
        producer.join();
        p.complete();
        sinkGate.release(9);
        PipelineStats stats = p.await();
        assertThat(stats.delivered()).isEqualTo(9);
        assertIdentity(stats);
    }

    /** A push pipeline whose one worker takes a permit of {@code gate} before each item. */
    private static RunningPipeline<Integer> gatedAtOneWorker(int capacity, Semaphore gate) {
        return Pipeline.<Integer>push(capacity)
                .map("a", 1, x -> {
                    gate.acquire();
                    return x;
                })
                .to(x -> { })
                .start();
    }

    /** Feeds one item into a pipeline; false if it was refused. */
    private interface Feed {
        boolean feed(int item) throws InterruptedException;
    }

    /**
     * Starts a thread that feeds items 0 to {@code count - 1}, counting each one accepted in
     * {@code accepted}, and stops at the first refusal or interrupt (the test then fails on
     * the count, or interrupted it to give up).
     */
    private static Thread feeder(int count, AtomicInteger accepted, Feed feed) {
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < count && feed.feed(i); i++) {
                    accepted.incrementAndGet();
                }
            } catch (InterruptedException e) {
                // the test gave up on it
            }
        });
        t.start();
        return t;
    }

    @Test
    void aParkedProducerResumesAtTheLowWaterMark() throws Exception {
        Semaphore gate = new Semaphore(0);
        RunningPipeline<Integer> p = gatedAtOneWorker(8, gate);
        AtomicInteger accepted = new AtomicInteger();
        Thread producer = feeder(10, accepted, i -> {
            p.put(i);
            return true;
        });
        // the worker holds item 0 and the buffer filled up; the producer parked at full, either
        // before the worker's first take (depth 7 now) or after it (depth 8)
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(gate::hasQueuedThreads);
        ThreadStates.awaitParked(producer);
        int start = p.stats().stage("a").bufferDepth();
        assertThat(start).isBetween(7, 8);
        int parkedAt = accepted.get();
        assertThat(parkedAt).isEqualTo(start + 1);
        // the mark of a buffer of 8 is 8 - 8 / 2 = 4: depths down to 5 leave the producer parked
        for (int depth = start - 1; depth > 4; depth--) {
            long done = start - depth;
            gate.release(); // the worker finishes one item and takes the next
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> p.stats().stage("a").completed() == done && gate.hasQueuedThreads());
            assertThat(p.stats().stage("a").bufferDepth()).isEqualTo(depth);
            assertThat(accepted.get()).as("accepted at depth %d", depth).isEqualTo(parkedAt);
            assertThat(producer.getState()).isIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
        }
        gate.release(); // depth 4: the low-water mark, the producer resumes
        producer.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(producer.isAlive()).isFalse();
        assertThat(accepted.get()).isEqualTo(10);
        gate.release(10);
        p.complete();
        assertThat(p.await().delivered()).isEqualTo(10);
    }

    @Test
    void aWaitingOfferResumesAtTheFirstFreeSlot() throws Exception {
        Semaphore gate = new Semaphore(0);
        RunningPipeline<Integer> p = gatedAtOneWorker(8, gate);
        AtomicInteger accepted = new AtomicInteger();
        Thread producer = feeder(10, accepted, i -> p.offer(i, Duration.ofHours(1)));
        try {
            // the worker holds item 0 and the buffer holds 1..8: an offer that parked before
            // the worker's first take was woken by that take (at the low-water mark it would
            // still wait, with 8 accepted and a slot free)
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> gate.hasQueuedThreads() && accepted.get() == 9);
            ThreadStates.awaitParked(producer);
            assertThat(p.stats().stage("a").bufferDepth()).isEqualTo(8);
            gate.release(); // the worker takes item 1: depth 7, far above the mark of 4
            producer.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(producer.isAlive()).as("the offer still waits with a slot free").isFalse();
            assertThat(accepted.get()).isEqualTo(10);
        } finally {
            producer.interrupt();
            producer.join();
        }
        gate.release(10);
        p.complete();
        assertThat(p.await().delivered()).isEqualTo(10);
    }

    @Test
    void inFlightNeverExceedsCapacitiesPlusWorkers() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        int bound = 8 + 2 + 5 + 3 + 4 + 1; // buffers 8, 5, 4; workers 2, 3; sink 1
        RunningPipeline<Integer> p = Pipeline.<Integer>push(8)
                .map("a", 2, PipelineTest::spin)
                .buffer(5)
                .map("b", 3, PipelineTest::spin)
                .buffer(4)
                .to(x -> {
                    if (ThreadLocalRandom.current().nextInt(50) == 0) {
                        Thread.sleep(1); // a slow sink, not synchronisation
                    }
                    inFlight.decrementAndGet();
                })
                .start();
        for (int i = 0; i < 20_000; i++) {
            // counted before the put, so the measure can only overestimate
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            p.put(i);
        }
        p.complete();
        PipelineStats stats = p.await();
        assertThat(maxInFlight.get()).isLessThanOrEqualTo(bound + 1); // + the one being put
        assertThat(stats.delivered()).isEqualTo(20_000);
    }

    @Test
    void orderedInFlightNeverExceedsCapacitiesPlusWorkers() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        List<Integer> seen = new ArrayList<>();
        // buffers 8, 5, 4; workers 2, 3; sink 1: ordered map stages put each result in its
        // place in the next buffer, which is also their window, so order costs no extra room
        int bound = 8 + 2 + 5 + 3 + 4 + 1;
        RunningPipeline<Integer> p = Pipeline.<Integer>push(8)
                .map("a", 2, x -> {
                    if (x % 500 == 0) {
                        Thread.sleep(2); // a slow item, not synchronisation: the other worker runs ahead
                    }
                    return spin(x);
                })
                .buffer(5)
                .map("b", 3, PipelineTest::spin)
                .buffer(4)
                .ordered()
                .to(x -> {
                    seen.add(x); // the sink is called from one thread at a time
                    inFlight.decrementAndGet();
                })
                .start();
        for (int i = 0; i < 20_000; i++) {
            // counted before the put, so the measure can only overestimate
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            p.put(i);
        }
        p.complete();
        PipelineStats stats = p.await();
        assertThat(maxInFlight.get()).isLessThanOrEqualTo(bound + 1); // + the one being put
        assertThat(seen).hasSize(20_000).isSorted();
        assertThat(stats.delivered()).isEqualTo(20_000);
    }

    @Test
    void interruptingABlockedPutLeavesThePipelineWhole() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        RunningPipeline<Integer> p = Pipeline.<Integer>push(1).to(x -> release.await()).start();
        p.put(1); // taken by the sink, which blocks
        p.put(2); // fills the buffer
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                p.put(3);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        producer.start();
        ThreadStates.awaitParked(producer);
        producer.interrupt();
        producer.join();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        release.countDown();
        p.complete();
        PipelineStats stats = p.await();
        assertThat(stats.accepted()).isEqualTo(2);
        assertThat(stats.delivered()).isEqualTo(2);
        assertIdentity(stats);
    }

    @Test
    void offerTimesOutWhenFullAndZeroMeansNoWait() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        RunningPipeline<Integer> p = Pipeline.<Integer>push(1).to(x -> release.await()).start();
        p.put(1);
        // the sink takes item 1 eventually; then the buffer has room for exactly one more
        assertThat(p.offer(2, Duration.ofSeconds(10))).isTrue();
        awaitSinkBusy(p);
        assertThat(p.offer(3, Duration.ZERO)).isFalse();
        assertThat(p.offer(3, Duration.ofMillis(1))).isFalse();
        assertThatThrownBy(() -> p.offer(3, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.001S");
        release.countDown();
        p.close();
        assertThat(p.stats().delivered()).isEqualTo(2);
    }

    private static void awaitSinkBusy(RunningPipeline<?> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (p.stats().stage("sink").busyWorkers() == 0) {
            assertThat(System.nanoTime() - deadline).as("sink never became busy").isNegative();
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @Test
    void putAfterCompleteOrCancelIsRefusedAndNothingAcceptedIsLost() throws Exception {
        List<Integer> out = Collections.synchronizedList(new ArrayList<>());
        RunningPipeline<Integer> p = Pipeline.<Integer>push(16).map("id", 2, x -> x).to(out::add).start();
        for (int i = 0; i < 10; i++) {
            p.put(i);
        }
        p.complete();
        assertThatThrownBy(() -> p.put(99)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("complete()");
        assertThatThrownBy(() -> p.offer(99, Duration.ZERO)).isInstanceOf(IllegalStateException.class);
        PipelineStats stats = p.await();
        assertThat(out).containsExactlyInAnyOrderElementsOf(range(10));
        assertIdentity(stats);

        RunningPipeline<Integer> q = Pipeline.<Integer>push(16).to(x -> { }).start();
        q.cancel();
        assertThatThrownBy(() -> q.put(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("cancelled");
        assertIdentity(q.await());
    }

    @Test
    void aProducerBlockedInPutIsReleasedByCancel() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        RunningPipeline<Integer> p = Pipeline.<Integer>push(1).to(x -> never.await()).start();
        p.put(1);
        p.put(2);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                p.put(3);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        producer.start();
        ThreadStates.awaitParked(producer);
        List<Integer> returned = p.cancel();
        producer.join();
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("cancelled");
        assertThat(returned).containsExactly(2);
        PipelineStats stats = p.await();
        assertThat(stats.returned()).isEqualTo(1);
        assertThat(stats.failed()).isEqualTo(1); // item 1, interrupted in the sink
        assertIdentity(stats);
    }

    @Test
    void cancelMidStreamReturnsExactlyTheUnstartedItemsInOrder() throws Exception {
        CountDownLatch started = new CountDownLatch(3);
        CountDownLatch never = new CountDownLatch(1);
        RunningPipeline<Integer> p = Pipeline.<Integer>push(100)
                .map("hold", 3, x -> {
                    started.countDown();
                    never.await(); // until cancel interrupts
                    return x;
                })
                .to(x -> { })
                .start();
        for (int i = 0; i < 50; i++) {
            p.put(i);
        }
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        List<Integer> returned = p.cancel();
        assertThat(returned).isEqualTo(range(50).subList(3, 50));
        assertThat(p.cancel()).as("a second cancel returns nothing new").isEmpty();
        PipelineStats stats = p.await();
        assertThat(stats.returned()).isEqualTo(47);
        assertThat(stats.failed()).isEqualTo(3);
        assertThat(stats.delivered()).isZero();
        assertIdentity(stats);
        assertThat(p.await()).as("await after cancel returns the stats again").isEqualTo(stats);
    }

    @Test
    void cancelAfterNormalEndChangesNothing() throws Exception {
        RunningPipeline<Integer> p = Pipeline.<Integer>push(4).to(x -> { }).start();
        p.put(1);
        p.complete();
        PipelineStats stats = p.await();
        assertThat(p.cancel()).isEmpty();
        assertThat(p.await()).isEqualTo(stats);
        assertThat(stats.delivered()).isEqualTo(1);
    }

    @Test
    void runIsCancelledWhenTheCallerIsInterrupted() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicInteger delivered = new AtomicInteger();
        Set<Thread> workers = ConcurrentHashMap.newKeySet();
        Thread caller = new Thread(() -> {
            try {
                Pipeline.from(range(1_000))
                        .map("hold", 2, x -> {
                            workers.add(Thread.currentThread());
                            started.countDown();
                            never.await();
                            return x;
                        })
                        .to(x -> delivered.incrementAndGet())
                        .run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        caller.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        ThreadStates.awaitParked(caller); // blocked in put: the first buffer is full
        caller.interrupt();
        caller.join();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(delivered.get()).isZero();
        for (Thread w : workers) {
            assertThat(NoThreadLeaks.endedOrIdleInPool(w)).as("worker %s ended (or idles in the scope pool) before run() returned", w).isTrue();
        }
    }

    @Test
    void closeCompletesAndWaits() throws Exception {
        List<Integer> out = Collections.synchronizedList(new ArrayList<>());
        RunningPipeline<Integer> p;
        try (RunningPipeline<Integer> q = Pipeline.<Integer>push(2).map("inc", 2, x -> x + 1).to(out::add).start()) {
            p = q;
            for (int i = 0; i < 100; i++) {
                q.put(i);
            }
        }
        assertThat(out).hasSize(100);
        assertIdentity(p.await());
    }

    @Test
    void awaitWithTimeout() throws Exception {
        RunningPipeline<Integer> p = Pipeline.<Integer>push(2).to(x -> { }).start();
        assertThatThrownBy(() -> p.await(Duration.ZERO)).isInstanceOf(TimeoutException.class);
        assertThatThrownBy(() -> p.await(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-1S");
        p.complete();
        assertThat(p.await(Duration.ofSeconds(30)).accepted()).isZero();
    }

    @Test
    void batchesBySize() throws Exception {
        List<List<Integer>> out = new ArrayList<>();
        PipelineStats stats = Pipeline.from(range(25))
                .batch("group", 10, Duration.ofHours(1))
                .to(out::add)
                .run();
        assertThat(out).containsExactly(range(10), range(20).subList(10, 20), range(25).subList(20, 25));
        assertThat(stats.stage("group").accepted()).isEqualTo(25);
        assertThat(stats.stage("group").completed()).isEqualTo(25);
        assertThat(stats.stage("sink").accepted()).isEqualTo(3);
        assertStagesBalance(stats);
    }

    @Test
    void batchesByDelayOnTheTicker() throws Exception {
        ManualTicker ticker = new ManualTicker();
        List<List<Integer>> out = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch delivered = new CountDownLatch(1);
        RunningPipeline<Integer> p = Pipeline.<Integer>push(16)
                .batch("group", 100, Duration.ofMillis(20))
                .ticker(ticker)
                .to(b -> {
                    out.add(b);
                    delivered.countDown();
                })
                .start();
        p.put(1);
        p.put(2);
        p.put(3);
        // the batch worker holds the partial batch and keeps waiting while the ticker stands still
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (p.stats().stage("group").busyWorkers() == 0 || p.stats().stage("group").bufferDepth() > 0) {
            assertThat(System.nanoTime() - deadline).isNegative();
            Thread.yield();
        }
        assertThat(delivered.await(60, TimeUnit.MILLISECONDS)).as("no batch before the ticker moves").isFalse();
        ticker.advance(Duration.ofMillis(20));
        assertThat(delivered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(out).containsExactly(List.of(1, 2, 3));
        p.complete();
        assertStagesBalance(p.await());
    }

    @Test
    void peekSeesEveryItem() throws Exception {
        AtomicInteger peeked = new AtomicInteger();
        List<Integer> out = new ArrayList<>();
        Pipeline.from(range(100)).peek("count", 2, x -> peeked.incrementAndGet()).ordered().to(out::add).run();
        assertThat(peeked.get()).isEqualTo(100);
        assertThat(out).isEqualTo(range(100));
    }

    @Test
    void statsAreReadableWhileRunning() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch inside = new CountDownLatch(2);
        RunningPipeline<Integer> p = Pipeline.<Integer>push(10)
                .map("slow", 2, x -> {
                    inside.countDown();
                    gate.await();
                    return x;
                })
                .to(x -> { })
                .start();
        for (int i = 0; i < 6; i++) {
            p.put(i);
        }
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        StageStats slow = p.stats().stage("slow");
        assertThat(slow.accepted()).isEqualTo(6);
        assertThat(slow.busyWorkers()).isEqualTo(2);
        assertThat(slow.bufferDepth()).isEqualTo(4);
        assertThat(slow.bufferCapacity()).isEqualTo(10);
        assertThat(slow.workers()).isEqualTo(2);
        assertThat(slow.completed()).isZero();
        gate.countDown();
        p.complete();
        PipelineStats done = p.await();
        assertThat(done.stage("slow").completed()).isEqualTo(6);
        assertThat(done.throughput()).isPositive();
        assertThat(done.stage("slow").throughput()).isPositive();
    }

    @Test
    void aSuppliedExecutorRunsTheWorkers() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "mine");
            t.setDaemon(true);
            return t;
        });
        try {
            Set<String> names = ConcurrentHashMap.newKeySet();
            Pipeline.from(range(1_000))
                    .map("a", 3, x -> {
                        names.add(Thread.currentThread().getName());
                        return x;
                    })
                    .executor(pool)
                    .to(x -> names.add(Thread.currentThread().getName()))
                    .run();
            assertThat(names).containsExactly("mine");
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void pushPipelineWithoutStages() throws Exception {
        List<String> out = new ArrayList<>();
        try (RunningPipeline<String> p = Pipeline.<String>push(1).to(out::add).start()) {
            p.put("a");
            p.put("b");
        }
        assertThat(out).containsExactly("a", "b");
    }

    @Test
    void startedPullPipelineFeedsItself() throws Exception {
        List<Integer> out = Collections.synchronizedList(new ArrayList<>());
        RunningPipeline<Integer> p = Pipeline.fromIterator(range(500).iterator()).map("id", 2, x -> x).ordered()
                .to(out::add).start();
        assertThatThrownBy(() -> p.put(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("source");
        PipelineStats stats = p.await();
        assertThat(out).isEqualTo(range(500));
        assertIdentity(stats);
    }

    @Test
    void badInputIsRefusedClearly() {
        Pipeline<Integer, Integer> p = Pipeline.push(4);
        assertThatThrownBy(() -> Pipeline.push(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> Pipeline.push(-3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-3");
        assertThatThrownBy(() -> p.map("m", 0, x -> x)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> p.filter("f", -1, x -> true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> p.map("m", 1, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("fn");
        assertThatThrownBy(() -> p.filter("f", 1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.to(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("sink");
        assertThatThrownBy(() -> p.map(null, 1, x -> x)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.map(" ", 1, x -> x)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.map("a", 1, x -> x).map("a", 1, x -> x)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a'");
        assertThatThrownBy(() -> p.map("sink", 1, x -> x)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.buffer(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.batch("b", 0, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.batch("b", 2, Duration.ofSeconds(-2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-2S");
        assertThatThrownBy(() -> p.onError(ErrorPolicy.skipAndReport())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Pipeline.from(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.to(x -> { }).run()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("push");
    }

    @Test
    void nullItemsAreRejected() throws Exception {
        RunningPipeline<Integer> p = Pipeline.<Integer>push(4).to(x -> { }).start();
        assertThatThrownBy(() -> p.put(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.offer(null, Duration.ZERO)).isInstanceOf(NullPointerException.class);
        p.complete();
        assertThat(p.await().accepted()).isZero();

        List<Integer> withNull = new ArrayList<>(List.of(1, 2));
        withNull.add(null);
        assertThatThrownBy(() -> Pipeline.from(withNull).to(x -> { }).run())
                .isInstanceOf(PipelineFailedException.class)
                .hasCauseInstanceOf(NullPointerException.class)
                .satisfies(e -> assertThat(((PipelineFailedException) e).stage()).isEqualTo("source"));
    }

    @Test
    void aFailingSourceFailsThePipeline() {
        Iterable<Integer> broken = () -> new java.util.Iterator<>() {
            int n;

            @Override
            public boolean hasNext() {
                if (n == 5) {
                    throw new UncheckedIOException(new IOException("disk gone"));
                }
                return true;
            }

            @Override
            public Integer next() {
                return n++;
            }
        };
        assertThatThrownBy(() -> Pipeline.from(broken).map("id", 2, x -> x).to(x -> { }).run())
                .isInstanceOf(PipelineFailedException.class)
                .hasMessageContaining("source")
                .hasRootCauseMessage("disk gone")
                .satisfies(e -> assertIdentity(((PipelineFailedException) e).stats()));
    }
}
