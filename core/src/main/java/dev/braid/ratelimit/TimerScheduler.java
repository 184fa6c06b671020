package dev.braid.ratelimit;

import dev.braid.internal.VirtualThreads;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One timer thread shared by all rate limiters in the JVM, started when a task is scheduled
 * and ending once no task has been pending for {@link #KEEP_ALIVE_NANOS}. It serves only
 * async waiters at the head of a limiter's queue, so there is at most one task per limiter.
 */
final class TimerScheduler implements Scheduler {

    /*
     * Implementation notes
     *
     * A priority queue of tasks by System.nanoTime() deadline (compared by difference) under
     * one lock, and a Condition the timer thread waits on. At most one timer thread exists:
     * `running` is set and cleared under the lock, and the thread clears it (and ends) only
     * while holding the lock with the queue empty after its keep-alive, so a schedule() that
     * comes later sees running == false and starts a new thread. Tasks run outside the lock.
     */

    static final TimerScheduler INSTANCE = new TimerScheduler();
    static final long KEEP_ALIVE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final Logger LOG = LoggerFactory.getLogger(TimerScheduler.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private final ThreadFactory threads = VirtualThreads.platformThreadFactory("braid-ratelimit-timer-", true);
    private long sequence;      // guarded by lock: FIFO among equal deadlines
    private boolean running;    // guarded by lock

    private TimerScheduler() {
    }

    private final class Task implements Comparable<Task>, Runnable {
        final long deadline;
        final long order;
        final Runnable action;

        Task(long deadline, long order, Runnable action) {
            this.deadline = deadline;
            this.order = order;
            this.action = action;
        }

        @Override
        public int compareTo(Task other) {
            long d = deadline - other.deadline;
            return d != 0 ? (d < 0 ? -1 : 1) : Long.compare(order, other.order);
        }

        /** Cancels this task. */
        @Override
        public void run() {
            lock.lock();
            try {
                tasks.remove(this);
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public Runnable schedule(Runnable action, long delayNanos) {
        lock.lock();
        try {
            Task task = new Task(System.nanoTime() + Math.max(0L, delayNanos), sequence++, action);
            tasks.add(task);
            if (!running) {
                running = true;
                threads.newThread(this::loop).start();
            } else if (tasks.peek() == task) {
                changed.signal();
            }
            return task;
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        for (;;) {
            Task due;
            lock.lock();
            try {
                long idleSince = System.nanoTime();
                for (;;) {
                    Task first = tasks.peek();
                    long now = System.nanoTime();
                    if (first == null) {
                        long left = KEEP_ALIVE_NANOS - (now - idleSince);
                        if (left <= 0) {
                            running = false;
                            return;
                        }
                        changed.awaitNanos(left);
                    } else if (first.deadline - now <= 0) {
                        due = tasks.poll();
                        break;
                    } else {
                        idleSince = now;
                        changed.awaitNanos(first.deadline - now);
                    }
                }
            } catch (InterruptedException e) {
                // Nobody interrupts this private thread; if someone does, keep serving.
                continue;
            } finally {
                lock.unlock();
            }
            try {
                due.action.run();
            } catch (RuntimeException | Error e) {
                LOG.error("rate limiter timer task failed", e);
            }
        }
    }
}
