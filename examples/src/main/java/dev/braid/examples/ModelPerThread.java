package dev.braid.examples;

import dev.braid.pool.Lease;
import dev.braid.pool.ResourcePool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario: jobs that need an expensive, non-thread-safe "model" (a parser, an ML model, a
 * template engine): loading it takes a while, so it must be loaded once per worker, not once
 * per job, and never used by two threads at once.
 *
 * <p>A {@link ResourcePool} bounded at the worker count does exactly that: at most one model
 * per worker is ever loaded, a lease gives a job exclusive use of one, and thread affinity
 * hands each worker thread back the model it used last (warm caches, no contention). The
 * naive version, a model per job, is shown first for comparison.
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=ModelPerThread}
 */
public final class ModelPerThread {

    /**
     * What the run did.
     *
     * @param jobs jobs run per variant
     * @param workers worker threads
     * @param naiveLoads models loaded with a model per job
     * @param naiveMillis time with a model per job
     * @param pooledLoads models loaded through the pool: at most {@code workers}
     * @param pooledDisposed models the pool closed when it was closed (all of them)
     * @param pooledMillis time with the pool
     * @param sameThreadReuses jobs that got the model their own thread used last
     * @param predictionsOk jobs whose result was correct in the pooled run (a model used by two
     *        jobs at once would have failed the run instead)
     */
    public record Result(int jobs, int workers, int naiveLoads, long naiveMillis, int pooledLoads,
                         int pooledDisposed, long pooledMillis, int sameThreadReuses, int predictionsOk) {
    }

    /** The expensive, single-threaded resource. */
    static final class Model implements AutoCloseable {
        private final long[] weights;
        private final AtomicInteger users = new AtomicInteger(); // detects concurrent use, which must never happen
        private final AtomicInteger closed;
        volatile Thread lastUser;

        /** Loading is slow: reading weights from disk, warming up. */
        Model(int loadMillis, AtomicInteger loads, AtomicInteger closed) throws InterruptedException {
            Thread.sleep(loadMillis);
            this.weights = new long[1024];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = i * 3L + 1;
            }
            this.closed = closed;
            loads.incrementAndGet();
        }

        /** @return a deterministic prediction; throws if another job is using this model */
        long predict(int input, int workMillis) throws InterruptedException {
            if (users.incrementAndGet() != 1) {
                throw new IllegalStateException("model used by two jobs at once");
            }
            try {
                Thread.sleep(workMillis);
                return weights[input % weights.length] * 2;
            } finally {
                users.decrementAndGet();
            }
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    private ModelPerThread() {
    }

    /**
     * Runs {@code jobs} jobs on {@code workers} threads, first with a model per job, then with a
     * pool of at most {@code workers} models.
     *
     * @param jobs how many jobs
     * @param workers worker threads (and the pool's maximum size)
     * @param loadMillis how long loading a model takes
     * @param workMillis how long a prediction takes
     * @return what happened
     * @throws Exception if a job fails
     */
    public static Result run(int jobs, int workers, int loadMillis, int workMillis) throws Exception {
        // Naive: every job loads its own model.
        AtomicInteger naiveLoads = new AtomicInteger();
        AtomicInteger naiveClosed = new AtomicInteger();
        long began = System.nanoTime();
        runJobs(jobs, workers, job -> {
            try (Model model = new Model(loadMillis, naiveLoads, naiveClosed)) {
                return model.predict(job, workMillis) == expected(job);
            }
        });
        long naiveMillis = (System.nanoTime() - began) / 1_000_000;

        // Pooled: at most one model per worker, leased per job, affinity brings each thread its own back.
        AtomicInteger loads = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        AtomicInteger sameThread = new AtomicInteger();
        int ok;
        began = System.nanoTime();
        ResourcePool<Model> models = ResourcePool.builder(() -> new Model(loadMillis, loads, closed))
                .maxSize(workers)
                .disposer(Model::close)
                .build();
        try {
            ok = runJobs(jobs, workers, job -> {
                try (Lease<Model> lease = models.acquire()) {
                    Model model = lease.get();
                    if (model.lastUser == Thread.currentThread()) {
                        sameThread.incrementAndGet();
                    }
                    model.lastUser = Thread.currentThread();
                    return model.predict(job, workMillis) == expected(job);
                }
            });
        } finally {
            models.close(); // disposes every model: none is leased any more
        }
        long pooledMillis = (System.nanoTime() - began) / 1_000_000;
        return new Result(jobs, workers, naiveLoads.get(), naiveMillis, loads.get(), closed.get(), pooledMillis,
                sameThread.get(), ok);
    }

    private static long expected(int job) {
        return (job % 1024 * 3L + 1) * 2;
    }

    /** A job: returns whether its prediction was right. */
    @FunctionalInterface
    interface Job {
        boolean run(int job) throws Exception;
    }

    /** Runs the jobs on a fixed pool of platform threads; returns how many were right. */
    private static int runJobs(int jobs, int workers, Job job) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int j = 0; j < jobs; j++) {
                int id = j;
                results.add(pool.submit(() -> job.run(id)));
            }
            int ok = 0;
            for (Future<Boolean> result : results) {
                if (result.get()) {
                    ok++;
                }
            }
            return ok;
        } finally {
            pool.shutdown();
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        }
    }

    /**
     * 20 jobs on 4 workers; a model takes 200 ms to load and 20 ms per prediction.
     *
     * @param args ignored
     * @throws Exception if a job fails
     */
    public static void main(String[] args) throws Exception {
        Result r = run(20, 4, 200, 20);
        System.out.printf("a model per job: %d loads, %d ms%n", r.naiveLoads(), r.naiveMillis());
        System.out.printf("ResourcePool(maxSize=%d): %d loads (<= %d workers), %d closed at the end, %d ms (%.1fx"
                        + " faster); %d of %d jobs reused their own thread's model; %d of %d predictions right%n",
                r.workers(), r.pooledLoads(), r.workers(), r.pooledDisposed(), r.pooledMillis(),
                (double) r.naiveMillis() / Math.max(1, r.pooledMillis()), r.sameThreadReuses(), r.jobs(),
                r.predictionsOk(), r.jobs());
        if (r.pooledLoads() > r.workers()) {
            throw new IllegalStateException("more models than workers: " + r);
        }
    }
}
