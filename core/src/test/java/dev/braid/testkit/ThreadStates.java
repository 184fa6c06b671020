package dev.braid.testkit;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Waits for a thread to reach a state (Stormpot's UnitKit idiom): the way a test knows
 * another thread is parked in a blocking call, without sleeping.
 */
public final class ThreadStates {

    private ThreadStates() {
    }

    /**
     * Spins (with {@link Thread#onSpinWait()} and yields) until {@code thread} is in one of the
     * given states, failing after {@code limit}.
     *
     * @param thread the thread to watch
     * @param limit the longest the test is willing to wait: a failure, not a synchronisation
     * @param states the states to wait for
     */
    public static void awaitState(Thread thread, Duration limit, Thread.State... states) {
        Set<Thread.State> wanted = EnumSet.noneOf(Thread.State.class);
        wanted.addAll(java.util.Arrays.asList(states));
        long deadline = System.nanoTime() + limit.toNanos();
        while (!wanted.contains(thread.getState())) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("thread " + thread.getName() + " is " + thread.getState()
                        + " after " + limit + ", expected one of " + wanted);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /**
     * Waits up to 10 seconds for {@code thread} to be WAITING or TIMED_WAITING, that is,
     * parked in a blocking call.
     *
     * @param thread the thread to watch
     */
    public static void awaitParked(Thread thread) {
        awaitState(thread, Duration.ofSeconds(10), Thread.State.WAITING, Thread.State.TIMED_WAITING);
    }
    /**
     * Waits up to 10 seconds for {@code thread} to be parked (WAITING or TIMED_WAITING) in a
     * method of {@code where}: for a thread that may park somewhere else first (a pool
     * thread waiting on its queue, say) before it reaches the blocking call the test means.
     *
     * @param thread the thread to watch
     * @param where the class whose method it must be parked in
     */
    public static void awaitParkedIn(Thread thread, Class<?> where) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(isParked(thread) && inClass(thread.getStackTrace(), where) && isParked(thread))) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("thread " + thread.getName() + " is " + thread.getState()
                        + ", not parked in " + where.getName() + ", after 10 s: "
                        + java.util.Arrays.toString(thread.getStackTrace()));
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private static boolean isParked(Thread thread) {
        Thread.State s = thread.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }

    private static boolean inClass(StackTraceElement[] stack, Class<?> where) {
        for (StackTraceElement frame : stack) {
            if (frame.getClassName().equals(where.getName())) {
                return true;
            }
        }
        return false;
    }
}
