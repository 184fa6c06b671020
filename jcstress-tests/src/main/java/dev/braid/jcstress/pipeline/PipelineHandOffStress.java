package dev.braid.jcstress.pipeline;

import static dev.braid.jcstress.pipeline.PipelineStress.capture;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.braid.pipeline.Pipeline;
import dev.braid.pipeline.PipelineStats;
import dev.braid.pipeline.RunningPipeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Claims of the lock-free buffer between stages: a hand-off through a ring that wraps and
 * fills never loses, duplicates or reorders an item; a taker that parked on an empty buffer
 * is always woken by the put that follows; a timed offer on a full buffer is woken by the
 * first take; and {@code cancel()} racing puts returns exactly the accepted items, in order.
 *
 * <p>Like {@link PipelineStress}, the tests drive real pipelines through the public API, with
 * the worker tasks captured so that the jcstress actors run them: the races are between the
 * actors, inside the real buffers. Two actors per test (a two-CPU machine). No actor can
 * block forever: every blocking wait ends once the other actor has run.
 */
public final class PipelineHandOffStress {

    private PipelineHandOffStress() {
    }

    /**
     * One producer puts three items through a one-slot buffer (so every put after the first
     * waits for room, and the ring wraps twice) and completes; the other actor is the sink's
     * worker, which waits for items. The sink must see 1, 2, 3, each once, in order.
     */
    @JCStressTest
    @Outcome(id = "123, 3, 1", expect = ACCEPTABLE,
            desc = "Every item crossed the hand-off once, in order, and the statistics agree.")
    @Outcome(expect = FORBIDDEN,
            desc = "An item was lost, duplicated or reordered at the hand-off, or the accounting disagrees.")
    @State
    public static class NeverLosesOrDuplicates {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final List<Integer> sunk = new ArrayList<>(); // written by the sink worker only
        final RunningPipeline<Integer> pipeline = Pipeline.<Integer>push(1)
                .executor(tasks::add)
                .to(sunk::add)
                .start();
        final List<Runnable> workers = capture(tasks, 1);

        @Actor
        public void producer() {
            try {
                pipeline.put(1);
                pipeline.put(2);
                pipeline.put(3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                pipeline.complete();
            }
        }

        @Actor
        public void sinkWorker() {
            workers.get(0).run(); // ends when the buffer is closed and drained
        }

        @Arbiter
        public void arbiter(III_Result r) {
            int digits = 0;
            for (int x : sunk) {
                digits = digits * 10 + x;
            }
            PipelineStats s = pipeline.stats();
            r.r1 = digits;
            r.r2 = (int) s.delivered();
            r.r3 = s.accepted() == s.delivered() + s.failed() + s.filtered() + s.returned() ? 1 : 0;
        }
    }

    /**
     * The sink's worker waits on an empty buffer; the producer waits until that worker's
     * thread has parked (or, rarely, a short bound has passed, so that every spin, yield and
     * Dekker interleaving is exercised too), puts one item and then watches the sink for a
     * second. A lost wake-up leaves the item undelivered. The producer then completes, which
     * ends the worker either way.
     */
    @JCStressTest
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The waiting taker was woken by the put and delivered the item.")
    @Outcome(id = "0, 1", expect = FORBIDDEN,
            desc = "The put did not wake the waiting taker: the item sat in the buffer (a lost wake-up).")
    @Outcome(expect = FORBIDDEN, desc = "The item was lost or delivered twice.")
    @State
    public static class WaiterIsAlwaysWoken {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        volatile int delivered;
        volatile Thread taker;
        final RunningPipeline<Integer> pipeline = Pipeline.<Integer>push(4)
                .executor(tasks::add)
                .to(x -> delivered++) // one sink worker: a single writer
                .start();
        final List<Runnable> workers = capture(tasks, 1);

        @Actor
        public void producer(II_Result r) {
            long deadline = System.nanoTime() + 2_000_000L; // 2 ms for the taker to park
            Thread t;
            while ((t = taker) == null || t.getState() != Thread.State.WAITING) {
                if (System.nanoTime() - deadline > 0) {
                    break;
                }
                Thread.onSpinWait();
            }
            try {
                pipeline.put(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long watch = System.nanoTime() + 1_000_000_000L;
            while (delivered == 0 && System.nanoTime() - watch < 0) {
                Thread.yield();
            }
            r.r1 = delivered;
            pipeline.complete();
        }

        @Actor
        public void sinkWorker() {
            taker = Thread.currentThread();
            workers.get(0).run();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            PipelineStats s = pipeline.stats();
            r.r2 = delivered == 1 && s.delivered() == 1 && s.accepted() == 1 ? 1 : 0;
        }
    }

    /**
     * A timed offer on a full buffer is woken by the first take, not at the low-water mark
     * that an untimed put waits for. The buffer (4 slots, mark 2) starts full; the producer
     * offers a fifth item with a 2 s timeout while the sink's worker takes the first item
     * and then stalls (it waits for the producer's offer to return, at most 5 s), so the
     * buffer never drains below 3. The offer must return {@code true} long before its
     * timeout: an offer that sat out its timeout with a slot free, or was refused, is a bug.
     */
    @JCStressTest
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE,
            desc = "The offer was woken by the first take and accepted its item well within its timeout.")
    @Outcome(id = "1, 0, 1", expect = FORBIDDEN,
            desc = "The offer sat out its timeout although a slot was free (woken only at its final attempt).")
    @Outcome(expect = FORBIDDEN, desc = "The offer was refused, or an item was lost or delivered twice.")
    @State
    public static class TimedOfferWokenAtFirstFreeSlot {
        static final long TIMEOUT_NANOS = 2_000_000_000L;
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final CountDownLatch offerReturned = new CountDownLatch(1);
        final List<Integer> sunk = new ArrayList<>(); // written by the sink worker only
        final RunningPipeline<Integer> pipeline;
        final List<Runnable> workers;

        public TimedOfferWokenAtFirstFreeSlot() {
            pipeline = Pipeline.<Integer>push(4)
                    .executor(tasks::add)
                    .to(x -> {
                        sunk.add(x);
                        if (x == 1) { // stall after the first take, so the buffer stays above its mark
                            offerReturned.await(5, TimeUnit.SECONDS);
                        }
                    })
                    .start();
            workers = capture(tasks, 1);
            try {
                for (int i = 1; i <= 4; i++) {
                    pipeline.put(i); // room for all four: never waits
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        @Actor
        public void producer(III_Result r) {
            long start = System.nanoTime();
            boolean accepted = false;
            try {
                accepted = pipeline.offer(5, Duration.ofNanos(TIMEOUT_NANOS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long waited = System.nanoTime() - start;
            offerReturned.countDown();
            r.r1 = accepted ? 1 : 0;
            r.r2 = waited < TIMEOUT_NANOS / 2 ? 1 : 0;
            pipeline.complete();
        }

        @Actor
        public void sinkWorker() {
            workers.get(0).run(); // ends when the buffer is closed and drained
        }

        @Arbiter
        public void arbiter(III_Result r) {
            PipelineStats s = pipeline.stats();
            r.r3 = s.delivered() == 5 && sunk.equals(List.of(1, 2, 3, 4, 5)) ? 1 : 0;
        }
    }

    /**
     * {@code cancel()} races two puts (which do not wait): each put is either accepted
     * before the cancellation, and then cancel() returns it, or refused after it. The items
     * returned are exactly the accepted ones, in input order, and the statistics balance.
     * The sink's worker runs in the arbiter, after the cancellation, so it never takes one.
     */
    @JCStressTest
    @Outcome(id = "0, 0, 1, 1", expect = ACCEPTABLE, desc = "cancel() came first: both puts were refused.")
    @Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "The first put was accepted and returned, the second refused.")
    @Outcome(id = "2, 2, 1, 1", expect = ACCEPTABLE, desc = "Both puts were accepted and returned, in order.")
    @Outcome(expect = FORBIDDEN,
            desc = "An accepted item was not returned, a refused one was, the order changed, or the accounting disagrees.")
    @State
    public static class CancelRacingPuts {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final List<Integer> sunk = new ArrayList<>();
        final RunningPipeline<Integer> pipeline = Pipeline.<Integer>push(2)
                .executor(tasks::add)
                .to(sunk::add)
                .start();
        final List<Runnable> workers = capture(tasks, 1);
        List<Integer> returned;

        @Actor
        public void producer(IIII_Result r) {
            int accepted = 0;
            try {
                for (int i = 1; i <= 2; i++) {
                    if (pipeline.offer(i, Duration.ZERO)) {
                        accepted++;
                    }
                }
            } catch (IllegalStateException e) {
                // refused: the pipeline was cancelled
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            r.r1 = accepted;
        }

        @Actor
        public void canceller() {
            returned = pipeline.cancel();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            workers.get(0).run(); // cancelled by now: the sink worker ends at once
            PipelineStats s = pipeline.stats();
            r.r2 = returned.size();
            boolean inOrder = true;
            for (int i = 0; i < returned.size(); i++) {
                inOrder &= returned.get(i) == i + 1;
            }
            r.r3 = inOrder && sunk.isEmpty() ? 1 : 0;
            r.r4 = s.returned() == returned.size() && s.accepted() == returned.size()
                    && s.accepted() == s.delivered() + s.failed() + s.filtered() + s.returned() ? 1 : 0;
        }
    }
}
