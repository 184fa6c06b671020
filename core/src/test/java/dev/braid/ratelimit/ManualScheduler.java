package dev.braid.ratelimit;

import dev.braid.testkit.ManualTicker;
import java.util.ArrayList;
import java.util.List;

/** A {@link Scheduler} on a manual ticker: tasks run when the test calls {@link #runDue()}. */
final class ManualScheduler implements Scheduler {

    private final ManualTicker ticker;
    private final List<Entry> entries = new ArrayList<>();

    private static final class Entry {
        final long at;
        final Runnable task;

        Entry(long at, Runnable task) {
            this.at = at;
            this.task = task;
        }
    }

    ManualScheduler(ManualTicker ticker) {
        this.ticker = ticker;
    }

    @Override
    public synchronized Runnable schedule(Runnable task, long delayNanos) {
        Entry entry = new Entry(ticker.read() + delayNanos, task);
        entries.add(entry);
        return () -> {
            synchronized (this) {
                entries.remove(entry);
            }
        };
    }

    /** Runs every task whose time has come (including tasks they schedule for now). */
    void runDue() {
        for (;;) {
            Entry due = null;
            synchronized (this) {
                for (Entry e : entries) {
                    if (ticker.read() - e.at >= 0) {
                        due = e;
                        break;
                    }
                }
                if (due == null) {
                    return;
                }
                entries.remove(due);
            }
            due.task.run();
        }
    }

    /**
     * Removes the earliest task without running it, as a timer thread does just before it
     * runs a task (a cancel after this comes too late), and returns it.
     */
    synchronized Runnable takeNext() {
        Entry next = null;
        for (Entry e : entries) {
            if (next == null || e.at - next.at < 0) {
                next = e;
            }
        }
        if (next == null) {
            throw new AssertionError("no task pending");
        }
        entries.remove(next);
        return next.task;
    }

    /** How many tasks are pending. */
    synchronized int pending() {
        return entries.size();
    }

    /** The earliest pending task's delay from now, or -1 if none. */
    synchronized long nextDelay() {
        long best = Long.MAX_VALUE;
        for (Entry e : entries) {
            best = Math.min(best, e.at - ticker.read());
        }
        return entries.isEmpty() ? -1 : best;
    }
}
