package dev.braid.jcstress.pipeline;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.braid.pipeline.Pipeline;
import dev.braid.pipeline.PipelineStats;
import dev.braid.pipeline.RunningPipeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Claims of {@link Pipeline}: an item is never lost or duplicated at a hand-off between
 * stages, between two workers taking from one buffer, at {@code complete()} racing a final
 * {@code put}, or at {@code cancel()} racing a worker taking the last item; and in ordered
 * mode results keep their input order and every worker or sink that waits for another is
 * always woken.
 *
 * <p>The tests use the public API only. Each pipeline runs on an
 * {@link Pipeline#executor(java.util.concurrent.Executor) executor} that captures its worker
 * tasks instead of running them, so that the jcstress actors themselves are the workers: the
 * races are between the actors' threads, inside the real buffers, and nothing runs in the
 * background but the coordinating thread that waits for the workers. Two actors per test, so
 * that the tests run on a two-CPU machine. No actor can block forever: every blocking take
 * ends once the producing actor completes or cancels.
 */
public final class PipelineStress {

    private PipelineStress() {
    }

    /** Cancels a pipeline whose actors are all parked: see the tests that use it. */
    static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pipeline-stress-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** Starts a pipeline whose worker tasks are captured, and returns them in fork order. */
    static List<Runnable> capture(ConcurrentLinkedQueue<Runnable> queue, int expected) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (queue.size() < expected) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the pipeline did not fork its " + expected + " workers");
            }
            Thread.yield(); // let the coordinating thread run: the machine may have few CPUs
        }
        return new ArrayList<>(queue);
    }

    /**
     * The statistics once every worker task has run to its end (in the actors and the
     * arbiter). They are exact then: every counter was written by a worker or by cancel() in
     * an actor, and jcstress orders the actors before the arbiter. The tests do not wait for
     * the pipeline's coordinating thread to notice the end: that thread inherits the CPU
     * affinity of the jcstress thread that created the state and would only slow sampling
     * down; that a pipeline ends is covered by the unit tests.
     */
    static PipelineStats statsAfterWorkers(RunningPipeline<?> p) {
        return p.stats();
    }

    /**
     * Two hand-offs at once: one actor produces items 1 and 2, completes, and then runs the
     * sink's worker; the other runs the map stage's worker, which takes from the first buffer
     * and puts into a one-slot buffer in front of the sink, so it also waits for room. Each
     * item must reach the sink exactly once.
     */
    @JCStressTest
    @Outcome(id = "1, 1, 2, 1", expect = ACCEPTABLE,
            desc = "Both items reached the sink exactly once, and the statistics say so.")
    @Outcome(expect = FORBIDDEN,
            desc = "An item was lost or delivered twice at a hand-off, or the accounting disagrees.")
    @State
    public static class HandOffBetweenStages {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final List<Integer> sunk = new ArrayList<>(); // written by the sink worker only
        final RunningPipeline<Integer> pipeline = Pipeline.<Integer>push(4)
                .map("a", 1, x -> x)
                .buffer(1)
                .executor(tasks::add)
                .to(sunk::add)
                .start();
        final List<Runnable> workers = capture(tasks, 2);

        @Actor
        public void producerThenSink() {
            try {
                pipeline.offer(1, Duration.ZERO);
                pipeline.offer(2, Duration.ZERO);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                pipeline.complete();
            }
            workers.get(1).run(); // ends when the map worker has ended and its buffer is drained
        }

        @Actor
        public void mapWorker() {
            workers.get(0).run(); // ends once complete() was called and the first buffer is drained
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            PipelineStats s = statsAfterWorkers(pipeline);
            r.r1 = (int) sunk.stream().filter(x -> x == 1).count();
            r.r2 = (int) sunk.stream().filter(x -> x == 2).count();
            r.r3 = (int) s.delivered();
            r.r4 = s.accepted() == s.delivered() + s.failed() + s.filtered() + s.returned() ? 1 : 0;
        }
    }

    /**
     * Two workers of one stage race to take from the same buffer: items 1 and 2 are in it and
     * the input is complete; each actor runs one of the map stage's two workers, and the
     * arbiter runs the sink's. Each item must be taken by exactly one worker and reach the sink
     * once, whichever worker takes which.
     */
    @JCStressTest
    @Outcome(id = "1, 1, 2, 1", expect = ACCEPTABLE,
            desc = "Each item was taken by one worker and reached the sink exactly once.")
    @Outcome(expect = FORBIDDEN,
            desc = "Two workers took the same item, or an item was lost, or the accounting disagrees.")
    @State
    public static class TwoWorkersTakeFromOneBuffer {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final List<Integer> sunk = new ArrayList<>(); // written by the sink worker only
        final RunningPipeline<Integer> pipeline = Pipeline.<Integer>push(4)
                .map("a", 2, x -> x)
                .executor(tasks::add)
                .to(sunk::add)
                .start();
        final List<Runnable> workers = capture(tasks, 3); // map worker, map worker, sink

        {
            try {
                pipeline.put(1);
                pipeline.put(2);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            pipeline.complete();
        }

        @Actor
        public void firstMapWorker() {
            workers.get(0).run(); // ends once the first buffer is drained (the input is complete)
        }

        @Actor
        public void secondMapWorker() {
            workers.get(1).run();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            workers.get(2).run(); // the sink worker: both map workers ended, so it drains and ends
            PipelineStats s = statsAfterWorkers(pipeline);
            r.r1 = (int) sunk.stream().filter(x -> x == 1).count();
            r.r2 = (int) sunk.stream().filter(x -> x == 2).count();
            r.r3 = (int) s.delivered();
            r.r4 = s.accepted() == s.delivered() + s.failed() + s.filtered() + s.returned() ? 1 : 0;
        }
    }

    /**
     * {@code complete()} races a final {@code put}: the put is either accepted, and then the
     * item reaches the sink, or refused with IllegalStateException, and then it does not.
     */
    @JCStressTest
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The put came first: accepted and delivered.")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "complete() came first: the put was refused, nothing delivered.")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "The item was accepted and then lost.")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "A refused item was delivered.")
    @Outcome(expect = FORBIDDEN, desc = "The item was delivered twice, or the statistics disagree with the sink.")
    @State
    public static class CompleteRacingFinalPut {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final List<Integer> sunk = new ArrayList<>();
        final RunningPipeline<Integer> pipeline = Pipeline.<Integer>push(2)
                .executor(tasks::add)
                .to(sunk::add)
                .start();
        final List<Runnable> workers = capture(tasks, 1);

        @Actor
        public void producer(II_Result r) {
            try {
                pipeline.put(7);
                r.r1 = 1;
            } catch (IllegalStateException e) {
                r.r1 = 0;
            } catch (InterruptedException e) {
                r.r1 = -1;
            }
        }

        @Actor
        public void completer() {
            pipeline.complete();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            workers.get(0).run(); // the sink worker: the buffer is closed, it drains and ends
            PipelineStats s = statsAfterWorkers(pipeline);
            r.r2 = s.delivered() != sunk.size() || s.accepted() != s.delivered() ? -1 : sunk.size();
        }
    }

    /**
     * {@code cancel()} races the map worker taking the last (only) item: the item is either
     * returned by cancel (never started) or counted as failed (started, then caught by the
     * cancellation), exactly once; it never reaches the sink after the cancellation.
     */
    @JCStressTest
    @Outcome(id = "1, 0, 0, 1", expect = ACCEPTABLE,
            desc = "cancel() won: the item never started and was returned.")
    @Outcome(id = "0, 0, 1, 0", expect = ACCEPTABLE,
            desc = "The worker took the item first: it started and was counted as failed by the cancellation.")
    @Outcome(expect = FORBIDDEN,
            desc = "The item was lost, returned and processed both, or delivered after cancel.")
    @State
    public static class CancelRacingLastTake {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final List<Integer> sunk = new ArrayList<>();
        final RunningPipeline<Integer> pipeline = Pipeline.<Integer>push(1)
                .map("a", 1, x -> x)
                .executor(tasks::add)
                .to(sunk::add)
                .start();
        final List<Runnable> workers = capture(tasks, 2);

        {
            try {
                pipeline.put(1);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Actor
        public void canceller(IIII_Result r) {
            r.r1 = pipeline.cancel().size();
        }

        @Actor
        public void mapWorker() {
            workers.get(0).run();
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            workers.get(1).run(); // the sink worker: cancelled by now, it ends at once
            PipelineStats s = statsAfterWorkers(pipeline);
            r.r2 = (int) s.delivered() + sunk.size();
            r.r3 = (int) s.failed();
            r.r4 = (int) s.returned();
        }
    }

    /**
     * An ordered pipeline of one stage "a" with two workers, which drops item 1, and a
     * buffer of {@code bufferAfter} before the sink; items 0 to {@code items - 1} are put and
     * the input completed.
     */
    static RunningPipeline<Integer> orderedDroppingOne(ConcurrentLinkedQueue<Runnable> tasks, List<Integer> sunk,
            int items, int bufferAfter) {
        RunningPipeline<Integer> p = Pipeline.<Integer>push(items)
                .filter("a", 2, x -> x != 1)
                .buffer(bufferAfter)
                .ordered()
                .executor(tasks::add)
                .to(sunk::add)
                .start();
        try {
            for (int i = 0; i < items; i++) {
                p.put(i);
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        p.complete();
        return p;
    }

    /**
     * In ordered mode a stage of several workers puts each result at its input's position in
     * the next buffer, so the buffer's taker waits for a position not yet put (its item still
     * being computed) and a put a whole buffer ahead waits for the take that frees its slot.
     * Both waits park, and the race is between each parking thread's registration and the
     * other side's wake-up check.
     *
     * <p>Items 0, 1 and 2 are put and the input completed before the actors start. Stage "a"
     * has two workers and filters item 1 out (a gap at position 1); the buffer after it has
     * one slot. One actor runs both of stage "a"'s workers, one after the other (the first
     * takes all three items), the other runs the sink's worker, so every put but the first
     * may wait for the sink's take and the sink may wait for every put. A watchdog, started
     * with the stage's actor, cancels the pipeline if the two have not both ended within 1 s:
     * a thread still parked then was never woken (and, with both parked, neither actor could
     * tell the other).
     */
    @JCStressTest
    @Outcome(id = "1, 2, 1", expect = ACCEPTABLE,
            desc = "Every wait was woken; the sink saw items 0 and 2, in order, and the accounting agrees.")
    @Outcome(id = "0, .*", expect = FORBIDDEN,
            desc = "A putter or the taker stayed parked (a lost wake-up).")
    @Outcome(expect = FORBIDDEN,
            desc = "An item was lost, duplicated or reordered, or the accounting disagrees.")
    @State
    public static class OrderedPositionalWaitersAreAlwaysWoken {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final List<Integer> sunk = new ArrayList<>();
        volatile boolean stageEnded;
        volatile boolean sinkEnded;
        volatile int unwoken;
        final RunningPipeline<Integer> pipeline = orderedDroppingOne(tasks, sunk, 3, 1);
        final List<Runnable> workers = capture(tasks, 3); // a0, a1, the sink

        volatile ScheduledFuture<?> watchdog;

        @Actor
        public void stage() {
            watchdog = WATCHDOG.schedule(() -> {
                if (!(stageEnded && sinkEnded)) {
                    unwoken = 1;
                    pipeline.cancel(); // interrupts the parked workers, so that the actors end
                }
            }, 1, TimeUnit.SECONDS);
            workers.get(0).run();
            workers.get(1).run(); // ends at once: the first took every item
            stageEnded = true;
            Thread.interrupted(); // a cancellation's interrupt must not outlive the actor
        }

        @Actor
        public void sink() {
            workers.get(2).run();
            sinkEnded = true;
            Thread.interrupted(); // a cancellation's interrupt must not outlive the actor
        }

        @Arbiter
        public void arbiter(III_Result r) {
            watchdog.cancel(false);
            PipelineStats s = statsAfterWorkers(pipeline);
            r.r1 = unwoken == 0 ? 1 : 0;
            r.r2 = sunk.size();
            r.r3 = sunk.equals(List.of(0, 2)) && s.delivered() == 2 && s.filtered() == 1 && s.accepted() == 3
                    && s.accepted() == s.delivered() + s.failed() + s.filtered() + s.returned() ? 1 : 0;
        }
    }

    /**
     * Two workers of an ordered stage put their results at their positions in the next buffer
     * at the same time, one of them a gap (a filtered item). Items 0 to 3 are put and the
     * input completed before the actors start; each actor runs one of stage "a"'s workers,
     * and the arbiter runs the sink, which must see 0, 2, 3 in that order.
     */
    @JCStressTest
    @Outcome(id = "1, 1", expect = ACCEPTABLE,
            desc = "The sink saw items 0, 2 and 3 in input order, and every stage's accounting agrees.")
    @Outcome(expect = FORBIDDEN,
            desc = "An item was lost, duplicated or reordered, or the accounting disagrees.")
    @State
    public static class OrderedPutsByTwoWorkersKeepInputOrder {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final List<Integer> sunk = new ArrayList<>();
        final RunningPipeline<Integer> pipeline = orderedDroppingOne(tasks, sunk, 4, 4);
        final List<Runnable> workers = capture(tasks, 3); // a0, a1, the sink

        @Actor
        public void first() {
            workers.get(0).run();
        }

        @Actor
        public void second() {
            workers.get(1).run();
        }

        @Arbiter
        public void arbiter(II_Result r) {
            workers.get(2).run(); // the sink: its buffer is closed once both workers ended
            PipelineStats s = statsAfterWorkers(pipeline);
            r.r1 = sunk.equals(List.of(0, 2, 3)) ? 1 : 0;
            boolean balanced = s.accepted() == s.delivered() + s.failed() + s.filtered() + s.returned();
            for (var st : s.stages()) {
                balanced &= st.accepted() == st.completed() + st.failed() + st.filtered() + st.returned();
            }
            r.r2 = balanced && s.delivered() == 3 && s.filtered() == 1 ? 1 : 0;
        }
    }

    /**
     * In ordered mode, a flatMap worker that finished an item a whole reorder ring (64
     * results) ahead of the oldest unfinished one parks until that item's results are handed
     * on; the worker that hands results on checks for parked workers only every 16 hand-ons
     * and when it gives up its turn. The race is between the parking worker's registration
     * and those checks. (Stages with one result per item put straight into the next buffer:
     * see {@link OrderedPositionalWaitersAreAlwaysWoken}.)
     *
     * <p>Items 0 to 64 are put and the input completed before the actors start. Stage "a"
     * (two workers, one per actor) passes items below 64 on and drops 64 (an empty list), so
     * its results fit the next buffer of 64 and no hand-on ever waits for the sink, which
     * runs in the arbiter. The worker that takes item 0 holds it until the other worker has
     * reached item 64 (at most 1 s), so the other is then a ring ahead and must wait. Each
     * actor, once its worker ended, watches for up to 1 s for the other to end, and cancels
     * the pipeline if it does not: a worker still parked then was never woken.
     */
    @JCStressTest
    @Outcome(id = "1, 64, 1", expect = ACCEPTABLE,
            desc = "The worker a ring ahead was woken; the sink saw items 0 to 63 in order.")
    @Outcome(id = "0, .*", expect = FORBIDDEN,
            desc = "A worker parked a ring ahead was never woken (a lost wake-up).")
    @Outcome(expect = FORBIDDEN,
            desc = "An item was lost, duplicated or reordered, or the accounting disagrees.")
    @State
    public static class OrderedFlatMapWindowWaiterIsAlwaysWoken {
        static final int RING = 64; // the minimum ring; the buffer after stage "a" holds 64 too
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final List<Integer> sunk = new ArrayList<>();
        volatile boolean aheadReached;
        volatile boolean firstEnded;
        volatile boolean secondEnded;
        volatile int unwoken;
        final RunningPipeline<Integer> pipeline = Pipeline.<Integer>push(RING + 1)
                .flatMap("a", 2, x -> {
                    if (x == 0) {
                        long deadline = System.nanoTime() + 1_000_000_000L;
                        while (!aheadReached && System.nanoTime() - deadline < 0) {
                            Thread.onSpinWait();
                        }
                    } else if (x == RING) {
                        aheadReached = true;
                    }
                    return x < RING ? List.of(x) : List.<Integer>of();
                })
                .buffer(RING)
                .ordered()
                .executor(tasks::add)
                .to(sunk::add)
                .start();
        final List<Runnable> workers = capture(tasks, 3); // a0, a1, the sink

        {
            try {
                for (int i = 0; i <= RING; i++) {
                    pipeline.put(i);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            pipeline.complete();
        }

        @Actor
        public void first() {
            workers.get(0).run();
            firstEnded = true;
            watch(() -> secondEnded);
        }

        @Actor
        public void second() {
            workers.get(1).run();
            secondEnded = true;
            watch(() -> firstEnded);
        }

        private void watch(BooleanSupplier otherEnded) {
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (!otherEnded.getAsBoolean()) {
                if (System.nanoTime() - deadline > 0) {
                    unwoken = 1;
                    pipeline.cancel(); // interrupts the parked worker, so that its actor ends
                    break;
                }
                Thread.yield();
            }
            Thread.interrupted(); // a cancellation's interrupt must not outlive the actor
        }

        @Arbiter
        public void arbiter(III_Result r) {
            workers.get(2).run(); // the sink: its buffer is closed once both workers ended
            PipelineStats s = statsAfterWorkers(pipeline);
            boolean inOrder = true;
            for (int i = 0; i < sunk.size(); i++) {
                inOrder &= sunk.get(i) == i;
            }
            r.r1 = unwoken == 0 ? 1 : 0;
            r.r2 = sunk.size();
            boolean balanced = s.accepted() == RING + 1;
            for (var st : s.stages()) {
                balanced &= st.accepted() == st.completed() + st.failed() + st.filtered() + st.returned();
            }
            r.r3 = inOrder && s.delivered() == RING && balanced ? 1 : 0;
        }
    }
}
