package dev.braid.pipeline;

import static dev.braid.pipeline.Accounting.assertIdentity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many items, random failures, every way of ending: the accounting identity holds, and each
 * counter agrees with an independent count kept by the stage functions themselves.
 */
@Timeout(120) // a lost wake-up fails the test instead of hanging the build
class PipelineSoakTest {

    /** Independent tallies kept by user code, to check the pipeline's counters against. */
    static final class Tally {
        final LongAdder deadLettered = new LongAdder();
        final LongAdder rejected = new LongAdder();
        final LongAdder sunk = new LongAdder();
    }

    private static Pipeline.Ready<Integer> threeStages(Pipeline<Integer, Integer> source, Tally t, boolean ordered,
            AtomicLong lastSeen) {
        Pipeline<Integer, Integer> p = source
                .map("parse", 2, x -> {
                    if (ThreadLocalRandom.current().nextInt(100) == 0) {
                        throw new IOException("random failure on " + x);
                    }
                    return x;
                })
                .onError(ErrorPolicy.deadLetter(f -> t.deadLettered.increment()))
                .filter("keep", 2, x -> {
                    boolean keep = ThreadLocalRandom.current().nextInt(10) != 0;
                    if (!keep) {
                        t.rejected.increment();
                    }
                    return keep;
                })
                .map("enrich", 2, x -> {
                    if (ThreadLocalRandom.current().nextInt(200) == 0) {
                        throw new IllegalStateException("random failure on " + x);
                    }
                    return x;
                })
                .onError(ErrorPolicy.deadLetter(f -> t.deadLettered.increment()));
        if (ordered) {
            p = p.ordered();
        }
        return p.to(x -> {
            if (ordered) {
                assertThat(x).as("ordered output").isGreaterThan((int) lastSeen.get());
                lastSeen.set(x);
            }
            t.sunk.increment();
        });
    }

    private static void assertAgrees(PipelineStats s, Tally t) {
        assertIdentity(s);
        assertThat(s.delivered()).isEqualTo(t.sunk.sum());
        assertThat(s.filtered()).isEqualTo(t.rejected.sum());
        assertThat(s.stage("parse").failed() + s.stage("enrich").failed()).isGreaterThanOrEqualTo(t.deadLettered.sum());
    }

    @Test
    void oneMillionItemsWithRandomFailures() throws Exception {
        Tally t = new Tally();
        PipelineStats s = threeStages(Pipeline.from(() -> IntStream.range(0, 1_000_000).iterator()), t, false,
                new AtomicLong(-1)).run();
        assertThat(s.accepted()).isEqualTo(1_000_000);
        assertThat(s.returned()).isZero();
        assertThat(s.failed()).as("every failure was dead-lettered").isEqualTo(t.deadLettered.sum());
        assertThat(s.failed()).isPositive();
        assertAgrees(s, t);
    }

    @Test
    void orderedWithRandomFailures() throws Exception {
        Tally t = new Tally();
        PipelineStats s = threeStages(Pipeline.from(() -> IntStream.range(0, 200_000).iterator()), t, true,
                new AtomicLong(-1)).run();
        assertThat(s.failed()).isEqualTo(t.deadLettered.sum());
        assertAgrees(s, t);
    }

    @Test
    void cancelAtRandomPointsKeepsTheIdentity() throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 20; round++) {
            Tally t = new Tally();
            RunningPipeline<Integer> p = threeStages(Pipeline.<Integer>push(64), t, round % 2 == 0,
                    new AtomicLong(-1)).start();
            int cancelAt = random.nextInt(20_000);
            AtomicBoolean refused = new AtomicBoolean();
            List<Integer> returned = new ArrayList<>();
            Thread producer = new Thread(() -> {
                try {
                    for (int i = 0; i < 20_000; i++) {
                        p.put(i);
                    }
                    p.complete();
                } catch (IllegalStateException e) {
                    refused.set(true);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            producer.start();
            while (p.stats().accepted() < cancelAt && producer.isAlive()) {
                Thread.onSpinWait();
            }
            returned.addAll(p.cancel());
            producer.join();
            PipelineStats s = p.await();
            assertThat(s.returned()).isEqualTo(returned.size());
            assertThat(returned).isSorted().doesNotHaveDuplicates();
            assertThat(s.failed()).isGreaterThanOrEqualTo(t.deadLettered.sum());
            assertAgrees(s, t);
        }
    }

    @Test
    void failFastAtRandomPointsKeepsTheIdentity() {
        for (int round = 0; round < 20; round++) {
            int failAt = ThreadLocalRandom.current().nextInt(50_000);
            LongAdder sunk = new LongAdder();
            PipelineFailedException e = catchThrowableOfType(PipelineFailedException.class,
                    () -> Pipeline.from(() -> IntStream.range(0, 100_000).iterator())
                            .map("a", 2, x -> x)
                            .map("b", 3, x -> {
                                if (x == failAt) {
                                    throw new IOException("fail at " + x);
                                }
                                return x;
                            })
                            .map("c", 2, x -> x)
                            .to(x -> sunk.increment())
                            .run());
            assertThat(e.item()).isEqualTo(failAt);
            assertThat(e.stats().delivered()).isEqualTo(sunk.sum());
            assertIdentity(e.stats());
        }
    }
}
