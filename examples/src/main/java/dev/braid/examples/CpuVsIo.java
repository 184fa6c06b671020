package dev.braid.examples;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Scenario: CPU-bound versus I/O-bound work, the classic lesson, on the JVM.
 *
 * <p>The same batch of tasks runs sequentially, on a pool of platform threads, on virtual
 * threads (JDK 21+; capped at the same number of workers), and on a {@link ForkJoinPool} through
 * a parallel stream, for 1, 2, 4 and 8 workers. One batch is CPU-bound (counting primes), the
 * other I/O-bound (each task sleeps, as if waiting for a server).
 *
 * <p>What the table shows: Java threads have no global interpreter lock, so CPU-bound work
 * scales with threads up to the number of cores and no further (more workers only add
 * switching). I/O-bound work scales with the number of workers whatever the core count,
 * because a waiting thread uses no CPU; virtual threads make a waiting task cheap (no OS
 * thread, a small heap-allocated stack), which is why they win when tasks are many and mostly
 * waiting, and do nothing for CPU-bound work.
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=CpuVsIo}
 */
public final class CpuVsIo {

    /**
     * One measurement.
     *
     * @param task "cpu" or "io"
     * @param model how the tasks ran
     * @param workers how many ran at once (1 for sequential)
     * @param millis wall-clock time of the batch
     * @param completed how many tasks finished (always the batch size)
     * @param peakThreads the most live platform threads in the JVM during the batch
     * @param heapDeltaKb heap in use after the batch minus before (approximate: garbage counts)
     */
    public record Row(String task, String model, int workers, long millis, int completed, int peakThreads,
                      long heapDeltaKb) {
    }

    /** How a batch is executed. */
    enum Model {
        SEQUENTIAL("sequential"),
        PLATFORM("platform threads"),
        VIRTUAL("virtual threads"),
        FORK_JOIN("ForkJoin parallel stream");

        final String label;

        Model(String label) {
            this.label = label;
        }
    }

    private CpuVsIo() {
    }

    /**
     * @return true when this JVM has virtual threads (JDK 21+). The module compiles for Java 17,
     *         so the factory method is found by reflection.
     */
    public static boolean virtualThreadsAvailable() {
        return virtualExecutorFactory() != null;
    }

    private static Method virtualExecutorFactory() {
        if (Runtime.version().feature() < 21) {
            return null;
        }
        try {
            return Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /**
     * Runs the whole table.
     *
     * @param tasks tasks per batch
     * @param workerCounts worker counts to try
     * @param cpuWork primes are counted below this number in each CPU task
     * @param ioWait how long each I/O task sleeps
     * @return every measurement, CPU rows first
     * @throws Exception if a task fails or the thread is interrupted
     */
    public static List<Row> run(int tasks, int[] workerCounts, int cpuWork, Duration ioWait) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (String kind : List.of("cpu", "io")) {
            Runnable task = kind.equals("cpu") ? () -> consume(countPrimes(cpuWork)) : () -> sleep(ioWait);
            rows.add(measure(kind, Model.SEQUENTIAL, 1, tasks, task));
            for (Model model : List.of(Model.PLATFORM, Model.VIRTUAL, Model.FORK_JOIN)) {
                if (model == Model.VIRTUAL && !virtualThreadsAvailable()) {
                    continue;
                }
                for (int workers : workerCounts) {
                    rows.add(measure(kind, model, workers, tasks, task));
                }
            }
        }
        return rows;
    }

    private static Row measure(String kind, Model model, int workers, int tasks, Runnable task) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        threads.resetPeakThreadCount();
        Runtime runtime = Runtime.getRuntime();
        long heapBefore = runtime.totalMemory() - runtime.freeMemory();
        AtomicInteger completed = new AtomicInteger();
        Runnable counted = () -> {
            task.run();
            completed.incrementAndGet();
        };
        long began = System.nanoTime();
        switch (model) {
            case SEQUENTIAL -> {
                for (int i = 0; i < tasks; i++) {
                    counted.run();
                }
            }
            case PLATFORM -> {
                ExecutorService pool = Executors.newFixedThreadPool(workers);
                try {
                    runAll(pool, tasks, counted);
                } finally {
                    shutdown(pool);
                }
            }
            case VIRTUAL -> {
                // A virtual thread per task; a semaphore caps how many run at once, so the
                // worker column means the same thing in every row.
                ExecutorService perTask = (ExecutorService) virtualExecutorFactory().invoke(null);
                Semaphore slots = new Semaphore(workers);
                try {
                    runAll(perTask, tasks, () -> {
                        try {
                            slots.acquire();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        try {
                            counted.run();
                        } finally {
                            slots.release();
                        }
                    });
                } finally {
                    shutdown(perTask);
                }
            }
            case FORK_JOIN -> {
                ForkJoinPool pool = new ForkJoinPool(workers);
                try {
                    pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(i -> counted.run())).get();
                } finally {
                    shutdown(pool);
                }
            }
            default -> throw new AssertionError(model);
        }
        long millis = (System.nanoTime() - began) / 1_000_000;
        long heapAfter = runtime.totalMemory() - runtime.freeMemory();
        return new Row(kind, model.label, workers, millis, completed.get(), threads.getPeakThreadCount(),
                (heapAfter - heapBefore) / 1024);
    }

    private static void runAll(ExecutorService executor, int tasks, Runnable task) throws Exception {
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            futures.add(executor.submit(task));
        }
        for (Future<?> future : futures) {
            future.get(); // rethrows a task's failure
        }
    }

    private static void shutdown(ExecutorService executor) throws InterruptedException {
        executor.shutdown();
        if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
            executor.shutdownNow();
            throw new IllegalStateException("workers did not stop within 30 s");
        }
    }

    /**
     * The CPU-bound task: counts the primes below {@code limit} by trial division.
     *
     * @param limit exclusive upper bound
     * @return how many primes are below it
     */
    static int countPrimes(int limit) {
        int count = 0;
        for (int n = 2; n < limit; n++) {
            boolean prime = true;
            for (int d = 2; (long) d * d <= n; d++) {
                if (n % d == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) {
                count++;
            }
        }
        return count;
    }

    private static final AtomicLong SINK = new AtomicLong(); // keeps the JIT from dropping the work

    private static void consume(int value) {
        SINK.addAndGet(value);
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }

    /**
     * Prints the table.
     *
     * @param args ignored
     * @throws Exception if a task fails
     */
    public static void main(String[] args) throws Exception {
        int tasks = 16;
        int[] workers = {1, 2, 4, 8};
        int cpuWork = 120_000;
        Duration ioWait = Duration.ofMillis(25);
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("%d tasks per batch on %d cores (load average %.1f, JDK %d%s); CPU task: count primes"
                        + " below %,d; I/O task: sleep %d ms%n", tasks, cores,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Runtime.version().feature(),
                virtualThreadsAvailable() ? ", virtual threads available" : ", no virtual threads before JDK 21",
                cpuWork, ioWait.toMillis());
        for (int i = 0; i < tasks; i++) {
            consume(countPrimes(cpuWork)); // warm the JIT so the first row is not penalised
        }
        List<Row> rows = run(tasks, workers, cpuWork, ioWait);
        long cpuSequential = rows.stream().filter(r -> r.task().equals("cpu") && r.model().equals("sequential"))
                .findFirst().orElseThrow().millis();
        long ioSequential = rows.stream().filter(r -> r.task().equals("io") && r.model().equals("sequential"))
                .findFirst().orElseThrow().millis();
        System.out.printf("%-4s %-26s %7s %8s %8s %12s %11s%n", "task", "model", "workers", "ms", "speedup",
                "peak threads", "heap Δ KB");
        for (Row row : rows) {
            long base = row.task().equals("cpu") ? cpuSequential : ioSequential;
            String heap = row.heapDeltaKb() < 0 ? "(gc ran)" : String.format("%,d", row.heapDeltaKb());
            System.out.printf("%-4s %-26s %7d %8d %7.1fx %12d %11s%n", row.task(), row.model(), row.workers(),
                    row.millis(), (double) base / Math.max(1, row.millis()), row.peakThreads(), heap);
        }
        System.out.printf("CPU-bound work stops speeding up at %d workers (the cores); I/O-bound work keeps"
                + " scaling with workers. No GIL: Java threads run CPU work truly in parallel.%n", cores);
        System.out.println("Platform threads each hold an OS thread and a native stack (peak threads grows with"
                + " workers); virtual threads park on the heap and share a few carrier threads. Heap Δ is"
                + " approximate: each new thread claims its own allocation buffer.");
    }
}
