package dev.braid.bench.pipeline;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelDone;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The jox channels peer of {@link PipelineBenchmark} (jox 1.0 is Java 21 bytecode, so this
 * class is compiled only on JDK 21+): the same cases, buffered channels of the same capacity,
 * workers on virtual threads as jox's users run them, {@code done()} instead of poison pills.
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
public class PipelineJoxBenchmark {

    static final int ITEMS = PipelineBenchmark.ITEMS;

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long handoff_jox() throws Exception {
        Channel<Integer> ch = Channel.newBufferedChannel(PipelineBenchmark.CAPACITY);
        PipelineBenchmark.Sum s = new PipelineBenchmark.Sum();
        Thread consumer = Thread.ofVirtual().start(() -> {
            try {
                for (Object x; !((x = ch.receiveOrClosed()) instanceof ChannelDone); ) {
                    s.sum += (Integer) x;
                    s.count++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (Integer x : PipelineBenchmark.DATA) {
            ch.send(x);
        }
        ch.done();
        consumer.join();
        return s.sum;
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long stages3_jox() throws Exception {
        List<Channel<Integer>> ch = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ch.add(Channel.newBufferedChannel(PipelineBenchmark.CAPACITY));
        }
        List<Thread> threads = new ArrayList<>();
        for (int stage = 0; stage < 3; stage++) {
            Channel<Integer> in = ch.get(stage);
            Channel<Integer> out = ch.get(stage + 1);
            AtomicInteger live = new AtomicInteger(2);
            for (int w = 0; w < 2; w++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (Object x; !((x = in.receiveOrClosed()) instanceof ChannelDone); ) {
                            out.send(PipelineBenchmark.work((Integer) x));
                        }
                        if (live.decrementAndGet() == 0) {
                            out.done();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
        }
        PipelineBenchmark.Sum s = new PipelineBenchmark.Sum();
        Channel<Integer> last = ch.get(3);
        threads.add(Thread.ofVirtual().start(() -> {
            try {
                for (Object x; !((x = last.receiveOrClosed()) instanceof ChannelDone); ) {
                    s.sum += (Integer) x;
                    s.count++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        Channel<Integer> first = ch.get(0);
        for (Integer x : PipelineBenchmark.DATA) {
            first.send(x);
        }
        first.done();
        for (Thread t : threads) {
            t.join();
        }
        return s.sum;
    }
}
