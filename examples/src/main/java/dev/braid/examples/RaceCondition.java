package dev.braid.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Scenario: the lost update. Several threads increment one counter; without synchronisation
 * {@code count++} (a read, an add and a write) loses increments whenever two threads
 * interleave. A lock, an {@link AtomicLong} and a {@link LongAdder} each keep every one.
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=RaceCondition}
 */
public final class RaceCondition {

    /** How one counter fared: the count it should have reached and the count it reached. */
    public record Tally(String counter, long expected, long actual, long millis) {
        /** @return how many increments were lost */
        public long lost() {
            return expected - actual;
        }
    }

    private RaceCondition() {
    }

    /**
     * An unsynchronised counter: the bug this example shows. {@code volatile} makes every write
     * visible to every thread (and stops the JIT from collapsing the loop into one add), yet
     * {@code count++} still loses updates: visibility is not atomicity.
     */
    static final class UnsafeCounter {
        private volatile long count;

        void increment() {
            count++; // read, add, write: three steps another thread can interleave with
        }

        long get() {
            return count;
        }
    }

    /** The same counter, correct: every increment holds the lock. */
    static final class LockedCounter {
        private long count;

        synchronized void increment() {
            count++;
        }

        synchronized long get() {
            return count;
        }
    }

    /**
     * Runs {@code threads} threads that increment each counter, all at the same time, for
     * {@code duration}. Each thread counts its own increments, so the expected total is exact
     * whatever the scheduler did. Running for a time rather than a fixed count keeps the threads
     * overlapping even on a busy machine, where a short fixed count can finish inside one time
     * slice per thread and never interleave.
     *
     * @param threads how many threads increment concurrently
     * @param duration how long every thread keeps incrementing each counter
     * @return one tally per counter: unsafe, synchronized, AtomicLong, LongAdder
     * @throws InterruptedException if interrupted while waiting for the threads
     */
    public static List<Tally> run(int threads, Duration duration) throws InterruptedException {
        List<Tally> tallies = new ArrayList<>();

        UnsafeCounter unsafe = new UnsafeCounter();
        tallies.add(hammer("unsafe long++", threads, duration, unsafe::increment, unsafe::get));

        LockedCounter locked = new LockedCounter();
        tallies.add(hammer("synchronized", threads, duration, locked::increment, locked::get));

        AtomicLong atomic = new AtomicLong();
        tallies.add(hammer("AtomicLong", threads, duration, atomic::incrementAndGet, atomic::get));

        LongAdder adder = new LongAdder();
        tallies.add(hammer("LongAdder", threads, duration, adder::increment, adder::sum));
        return tallies;
    }

    private static Tally hammer(String name, int threads, Duration duration, Runnable increment,
                                java.util.function.LongSupplier read) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        LongAdder expected = new LongAdder(); // each thread adds its own count once, at the end
        List<Thread> workers = new ArrayList<>();
        long[] deadline = new long[1];
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await(); // all threads start together, to maximise interleaving
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long mine = 0;
                do {
                    for (int i = 0; i < 10_000; i++) {
                        increment.run();
                    }
                    mine += 10_000;
                } while (System.nanoTime() - deadline[0] < 0);
                expected.add(mine);
            }, "race-" + name + "-" + t);
            worker.start();
            workers.add(worker);
        }
        long began = System.nanoTime();
        deadline[0] = began + duration.toNanos(); // published to the workers by countDown/await
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        long millis = (System.nanoTime() - began) / 1_000_000;
        return new Tally(name, expected.sum(), read.getAsLong(), millis);
    }

    /**
     * Prints the table of counters and their lost updates.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        int threads = 4;
        Duration duration = Duration.ofMillis(300);
        System.out.printf("%d threads incrementing each counter for %d ms%n", threads, duration.toMillis());
        System.out.printf("%-14s %12s %12s %10s %8s%n", "counter", "expected", "actual", "lost", "ms");
        for (Tally tally : run(threads, duration)) {
            System.out.printf("%-14s %,12d %,12d %,10d %8d%n", tally.counter(), tally.expected(),
                    tally.actual(), tally.lost(), tally.millis());
        }
        System.out.println("Only the unsafe counter loses updates; the others pay for correctness in time.");
    }
}
