package dev.braid.examples;

import dev.braid.patterns.PriorityTaskExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario: a task manager with priorities. Jobs queue up behind busy workers; when a worker
 * frees up it takes the most urgent job (first come, first served among equals). A queued job
 * can be cancelled and then never runs. Shutting down gracefully lets the queue drain;
 * shutting down immediately interrupts the running jobs and hands back the queued ones,
 * unstarted, so nothing is silently dropped.
 *
 * <p>The run parks the worker on a "busy" job first, so the queue fills deterministically and
 * the order in which jobs then run shows the priorities at work.
 *
 * <p>Run it: {@code mvn -q -pl examples -am package -DskipTests -Dtour=PriorityTaskManager}
 */
public final class PriorityTaskManager {

    /**
     * What the run did.
     *
     * @param submitted the queued jobs, in submission order, with their priorities
     * @param cancelled the job cancelled while queued
     * @param ran the jobs in the order they ran
     * @param handedBack jobs {@code shutdownNow} returned unstarted
     * @param interrupted running jobs {@code shutdownNow} interrupted
     * @param millis time for the whole run
     */
    public record Result(Map<String, Integer> submitted, String cancelled, List<String> ran, int handedBack,
                         int interrupted, long millis) {
    }

    private PriorityTaskManager() {
    }

    /**
     * Queues jobs with priorities behind a busy worker, cancels one, lets the rest run; then
     * fills the executor again and shuts it down immediately.
     *
     * @param jobMillis how long each job takes
     * @return what happened
     * @throws Exception if a job fails
     */
    public static Result run(Duration jobMillis) throws Exception {
        long began = System.nanoTime();
        Map<String, Integer> jobs = new LinkedHashMap<>();
        jobs.put("nightly backup", 1);
        jobs.put("send welcome email", 5);
        jobs.put("monthly report", 3);
        jobs.put("page the on-call engineer", 10);
        jobs.put("clean temp files", 1);
        jobs.put("resize avatar", 5);
        String toCancel = "monthly report";

        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        try (PriorityTaskExecutor manager = PriorityTaskExecutor.create(1)) {
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            manager.submit(100, () -> {
                started.countDown();
                busy.await(); // the worker is busy until the queue is full
                return null;
            });
            started.await();

            Map<String, Future<?>> futures = new LinkedHashMap<>();
            jobs.forEach((name, priority) -> futures.put(name, manager.submit(priority, () -> {
                ran.add(name);
                Thread.sleep(jobMillis.toMillis());
                return name;
            })));
            futures.get(toCancel).cancel(false); // still queued: it leaves the queue and never runs
            busy.countDown();
            for (Map.Entry<String, Future<?>> future : futures.entrySet()) {
                if (!future.getKey().equals(toCancel)) {
                    future.getValue().get();
                }
            }
        } // close(): graceful, the queue is empty by now

        // Immediate shutdown: two running jobs are interrupted, the queued ones come back unstarted.
        AtomicInteger interrupted = new AtomicInteger();
        PriorityTaskExecutor manager = PriorityTaskExecutor.create(2);
        List<RunnableFuture<?>> handedBack;
        try {
            CountDownLatch bothRunning = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                manager.submit(1, () -> {
                    bothRunning.countDown();
                    try {
                        Thread.sleep(60_000); // a long job
                    } catch (InterruptedException e) {
                        interrupted.incrementAndGet();
                        throw e;
                    }
                    return null;
                });
            }
            bothRunning.await();
            for (int i = 0; i < 5; i++) {
                manager.submit(i, () -> ran.add("never"));
            }
            handedBack = manager.shutdownNow();
        } finally {
            manager.close(); // waits for the interrupted jobs to end
        }
        for (RunnableFuture<?> unstarted : handedBack) {
            unstarted.cancel(false); // a real system would persist or re-queue them elsewhere
        }
        long millis = (System.nanoTime() - began) / 1_000_000;
        return new Result(jobs, toCancel, List.copyOf(ran), handedBack.size(), interrupted.get(), millis);
    }

    /**
     * Six jobs of 50 ms behind a busy worker; then an immediate shutdown.
     *
     * @param args ignored
     * @throws Exception if a job fails
     */
    public static void main(String[] args) throws Exception {
        Result r = run(Duration.ofMillis(50));
        System.out.println("queued behind a busy worker (name=priority): " + r.submitted());
        System.out.println("cancelled while queued: " + r.cancelled());
        System.out.println("ran, most urgent first: " + r.ran());
        System.out.printf("shutdownNow: %d running jobs interrupted, %d queued jobs handed back unstarted; %d ms%n",
                r.interrupted(), r.handedBack(), r.millis());
    }
}
