package dev.braid.bench.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.braid.pipeline.Pipeline;
import dev.braid.pipeline.RunningPipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Items per second through a bounded pipeline: braid against the everyday pattern
 * (ArrayBlockingQueue or LinkedBlockingQueue plus worker threads and poison pills) and the
 * LMAX Disruptor; jox channels are in {@code PipelineJoxBenchmark} (JDK 21+), run together
 * with this class.
 *
 * <p>Each invocation starts a pipeline, pushes {@value #ITEMS} preallocated Integers through
 * it from the benchmark thread, and waits until the sink has seen all of them and every
 * thread has ended, so start-up and shut-down are included (amortised over the items). Every
 * buffer holds {@value #CAPACITY} items. Stage functions are the identity: the figures are
 * the cost of the hand-offs. Peers run on platform threads (how the everyday pattern and the
 * Disruptor are used); braid on its defaults (virtual threads on JDK 21+).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'Pipeline.*Benchmark' -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PipelineBenchmark {

    static final int ITEMS = 200_000;
    static final int CAPACITY = 1024;
    static final Integer POISON = Integer.valueOf(-1); // compared by identity; no item is -1

    static final Integer[] DATA = new Integer[ITEMS];

    static {
        for (int i = 0; i < ITEMS; i++) {
            DATA[i] = i % 1000;
        }
    }

    /** A sink that is only ever called from one thread. */
    static final class Sum {
        long sum;
        int count;
    }

    // ------------------------------------------------------------------ 1 producer -> 1 consumer

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long handoff_braid() throws Exception {
        Sum s = new Sum();
        RunningPipeline<Integer> p = Pipeline.<Integer>push(CAPACITY).to(x -> {
            s.sum += x;
            s.count++;
        }).start();
        for (Integer x : DATA) {
            p.put(x);
        }
        p.complete();
        p.await();
        return s.sum;
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long handoff_arrayBlockingQueue() throws Exception {
        return handoff(new ArrayBlockingQueue<>(CAPACITY));
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long handoff_linkedBlockingQueue() throws Exception {
        return handoff(new LinkedBlockingQueue<>(CAPACITY));
    }

    private static long handoff(BlockingQueue<Integer> q) throws Exception {
        Sum s = new Sum();
        Thread consumer = new Thread(() -> {
            try {
                for (Integer x; (x = q.take()) != POISON; ) {
                    s.sum += x;
                    s.count++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        consumer.start();
        for (Integer x : DATA) {
            q.put(x);
        }
        q.put(POISON);
        consumer.join();
        return s.sum;
    }

    /** The Disruptor's slot: one mutable event per ring entry. */
    static final class Slot {
        Integer value;
    }

    static final EventTranslatorOneArg<Slot, Integer> SET = (e, seq, v) -> e.value = v;

    /** Platform threads that the benchmark joins after the Disruptor halted. */
    static final class Threads implements ThreadFactory {
        final List<Thread> started = new ArrayList<>();

        @Override
        public synchronized Thread newThread(Runnable r) {
            Thread t = new Thread(r);
            t.setDaemon(true);
            started.add(t);
            return t;
        }

        synchronized void join() throws InterruptedException {
            for (Thread t : started) {
                t.join();
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long handoff_disruptor() throws Exception {
        Sum s = new Sum();
        CountDownLatch done = new CountDownLatch(1);
        Threads threads = new Threads();
        Disruptor<Slot> d = new Disruptor<>(Slot::new, CAPACITY, threads, ProducerType.SINGLE, new BlockingWaitStrategy());
        d.handleEventsWith((EventHandler<Slot>) (e, seq, end) -> {
            s.sum += e.value;
            if (++s.count == ITEMS) {
                done.countDown();
            }
        });
        RingBuffer<Slot> ring = d.start();
        for (Integer x : DATA) {
            ring.publishEvent(SET, x);
        }
        done.await();
        d.halt();
        threads.join();
        return s.sum;
    }

    // ------------------------------------------------------------------ 3 stages x 2 workers

    static Integer work(Integer x) {
        return x;
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long stages3_braid() throws Exception {
        return stages3Braid(false);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long stages3_braidOrdered() throws Exception {
        return stages3Braid(true);
    }

    private static long stages3Braid(boolean ordered) throws Exception {
        Sum s = new Sum();
        Pipeline<Integer, Integer> p = Pipeline.<Integer>push(CAPACITY)
                .map("a", 2, PipelineBenchmark::work).buffer(CAPACITY)
                .map("b", 2, PipelineBenchmark::work).buffer(CAPACITY)
                .map("c", 2, PipelineBenchmark::work).buffer(CAPACITY);
        if (ordered) {
            p = p.ordered();
        }
        RunningPipeline<Integer> run = p.to(x -> {
            s.sum += x;
            s.count++;
        }).start();
        for (Integer x : DATA) {
            run.put(x);
        }
        run.complete();
        run.await();
        return s.sum;
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long stages3_arrayBlockingQueue() throws Exception {
        return stages3(ArrayBlockingQueue::new);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long stages3_linkedBlockingQueue() throws Exception {
        return stages3(LinkedBlockingQueue::new);
    }

    /** The everyday pattern: queues, two threads per stage, poison pills counted per stage. */
    private static long stages3(IntFunction<BlockingQueue<Integer>> queues) throws Exception {
        List<BlockingQueue<Integer>> q = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            q.add(queues.apply(CAPACITY));
        }
        List<Thread> threads = new ArrayList<>();
        for (int stage = 0; stage < 3; stage++) {
            BlockingQueue<Integer> in = q.get(stage);
            BlockingQueue<Integer> out = q.get(stage + 1);
            int pillsOut = stage == 2 ? 1 : 2;
            AtomicInteger live = new AtomicInteger(2);
            for (int w = 0; w < 2; w++) {
                threads.add(new Thread(() -> {
                    try {
                        for (Integer x; (x = in.take()) != POISON; ) {
                            out.put(work(x));
                        }
                        if (live.decrementAndGet() == 0) {
                            for (int i = 0; i < pillsOut; i++) {
                                out.put(POISON);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
        }
        Sum s = new Sum();
        BlockingQueue<Integer> last = q.get(3);
        threads.add(new Thread(() -> {
            try {
                for (Integer x; (x = last.take()) != POISON; ) {
                    s.sum += x;
                    s.count++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        threads.forEach(Thread::start);
        BlockingQueue<Integer> first = q.get(0);
        for (Integer x : DATA) {
            first.put(x);
        }
        first.put(POISON);
        first.put(POISON);
        for (Thread t : threads) {
            t.join();
        }
        return s.sum;
    }

    /** A Disruptor stage worker: handles the events whose sequence falls to it. */
    static EventHandler<Slot> partitioned(int ordinal) {
        return (e, seq, end) -> {
            if ((seq & 1) == ordinal) {
                e.value = work(e.value);
            }
        };
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long stages3_disruptor() throws Exception {
        Sum s = new Sum();
        CountDownLatch done = new CountDownLatch(1);
        Threads threads = new Threads();
        Disruptor<Slot> d = new Disruptor<>(Slot::new, CAPACITY, threads, ProducerType.SINGLE, new BlockingWaitStrategy());
        d.handleEventsWith(partitioned(0), partitioned(1))
                .then(partitioned(0), partitioned(1))
                .then(partitioned(0), partitioned(1))
                .then((EventHandler<Slot>) (e, seq, end) -> {
                    s.sum += e.value;
                    if (++s.count == ITEMS) {
                        done.countDown();
                    }
                });
        RingBuffer<Slot> ring = d.start();
        for (Integer x : DATA) {
            ring.publishEvent(SET, x);
        }
        done.await();
        d.halt();
        threads.join();
        return s.sum;
    }
}
