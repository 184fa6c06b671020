package dev.braid.testkit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves a platform thread running.
 *
 * <p>Registered for every test through {@code META-INF/services} and JUnit's extension
 * auto-detection (enabled by the build). Before each test it records the live threads;
 * after it, every thread that is new and still alive is given up to five seconds to end (a
 * thread that has been told to stop may still be unwinding), then reported with its stack.
 *
 * <p>JDK-owned threads that appear lazily are not the test's: the common ForkJoinPool, the
 * carrier threads of the virtual-thread scheduler and its helpers (JDK 25's
 * {@code ForkJoinPool-N-delayScheduler} among them), the I/O pollers.
 * Virtual threads are not listed by {@link Thread#getAllStackTraces()}; tests of code that
 * runs on virtual threads check their own accounting (every task ended) instead.
 *
 * <p>The one library thread allowed to stay is a worker of {@code TaskScope}'s shared pool
 * (the JDK 17 default, threads named {@value #SCOPE_WORKER_PREFIX}n), and only while it is
 * idle: parked in the pool waiting for work, with no braid or test frame on its stack. A
 * worker still running a task of the test is a leak like any other thread.
 */
public final class NoThreadLeaks implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(NoThreadLeaks.class);
    private static final long GRACE_MILLIS = 5_000;

    /** The name prefix of {@code TaskScope}'s shared pool threads. */
    public static final String SCOPE_WORKER_PREFIX = "braid-scope-worker-";

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put("threads", new HashSet<>(Thread.getAllStackTraces().keySet()));
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        @SuppressWarnings("unchecked")
        Set<Thread> before = (Set<Thread>) context.getStore(NAMESPACE).remove("threads");
        if (before == null) {
            return;
        }
        List<Thread> suspects = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (!before.contains(thread) && thread.isAlive() && !isJdkOwned(thread)) {
                suspects.add(thread);
            }
        }
        long deadline = System.nanoTime() + GRACE_MILLIS * 1_000_000L;
        List<Thread> leaked = new ArrayList<>();
        for (Thread thread : suspects) {
            if (!awaitEndedOrIdle(thread, deadline)) {
                leaked.add(thread);
            }
        }
        if (!leaked.isEmpty()) {
            StringBuilder message = new StringBuilder()
                    .append(context.getDisplayName()).append(" left ").append(leaked.size())
                    .append(" thread(s) running:");
            for (Thread thread : leaked) {
                message.append("\n  \"").append(thread.getName()).append("\" ").append(thread.getState());
                for (StackTraceElement frame : thread.getStackTrace()) {
                    message.append("\n      at ").append(frame);
                }
            }
            throw new AssertionError(message.toString());
        }
    }

    /**
     * Whether {@code thread} has ended or, if it is a worker of {@code TaskScope}'s shared pool,
     * is idle in the pool; waits up to five seconds for one or the other (a worker whose task
     * just ended is still on its way back to the pool). For tests that check "no thread of the
     * scope is alive after close", which on JDK 17 means "ended or idle in the pool".
     *
     * @param thread a thread that ran a task
     * @return {@code true} if it ended or is an idle pool worker within the grace period
     * @throws InterruptedException if interrupted while waiting
     */
    public static boolean endedOrIdleInPool(Thread thread) throws InterruptedException {
        return awaitEndedOrIdle(thread, System.nanoTime() + GRACE_MILLIS * 1_000_000L);
    }

    private static boolean awaitEndedOrIdle(Thread thread, long deadline) throws InterruptedException {
        for (;;) {
            if (!thread.isAlive() || isIdleScopeWorker(thread)) {
                return true;
            }
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000L;
            if (leftMillis <= 0) {
                return false;
            }
            thread.join(Math.min(leftMillis, 10)); // a worker never ends soon: look at it again
        }
    }

    /**
     * A shared-pool worker parked in the pool, running nothing: its only braid frames are the
     * pool worker's own loop and park (no task, no test frame), and it is parked there.
     */
    static boolean isIdleScopeWorker(Thread thread) {
        if (!thread.getName().startsWith(SCOPE_WORKER_PREFIX)) {
            return false;
        }
        Thread.State state = thread.getState();
        if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
            return false;
        }
        boolean inPark = false;
        for (StackTraceElement frame : thread.getStackTrace()) {
            String type = frame.getClassName();
            if (type.equals(POOL_WORKER)) {
                inPark |= frame.getMethodName().equals("park");
            } else if (type.startsWith("dev.braid.") || type.startsWith("org.junit.")) {
                return false;
            }
        }
        return inPark;
    }

    private static final String POOL_WORKER = "dev.braid.scope.WorkerPool$Worker";

    private static boolean isJdkOwned(Thread thread) {
        String type = thread.getClass().getName();
        if (type.startsWith("jdk.internal.") || type.startsWith("java.util.concurrent.ForkJoinWorkerThread")
                && thread.getName().startsWith("ForkJoinPool.commonPool-")) {
            return true;
        }
        String name = thread.getName();
        if (type.equals("java.util.concurrent.DelayScheduler") && name.endsWith("-delayScheduler")) {
            // JDK 25: the virtual-thread scheduler's timer, started by the first timed park and
            // alive for the rest of the JVM's life.
            return true;
        }
        return name.startsWith("ForkJoinPool.commonPool-")
                || name.equals("VirtualThread-unparker")
                || name.equals("Read-Poller")
                || name.equals("Write-Poller")
                || name.equals("Common-Cleaner")
                || name.equals("Java2D Disposer") // started by the first ImageIO/BufferedImage use
                || name.equals("process reaper")
                || name.equals("Attach Listener")
                || name.equals("Signal Dispatcher")
                || name.startsWith("surefire-forkedjvm-");
    }
}
