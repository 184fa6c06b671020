package dev.braid.pipeline;

import dev.braid.internal.VirtualThreads;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Starts a pipeline's worker tasks (on new threads, or on the caller's Executor), interrupts
 * them on cancellation, and runs a callback once the last one has ended.
 */
final class Workers {

    /*
     * Implementation notes
     *
     * Interrupting only our own tasks. A worker registers its thread in 'running' when it
     * starts and removes it when it ends, both under 'lock'; interruptAll() interrupts under
     * the same lock. So a thread is interrupted only while it runs one of our tasks, which
     * matters when the thread belongs to the caller's Executor and goes on to run other work.
     * A task that starts after interruptAll() sees 'interrupting' and interrupts itself, so no
     * worker misses the cancellation. On exit a worker clears its interrupt status (the flag
     * may have been set by us, and the thread may not be ours).
     *
     * The end. 'live' counts tasks launched and not yet ended, plus one launch token held
     * until launching is over, so that a worker that ends before its siblings are launched
     * cannot mistake itself for the last. Whoever brings 'live' to zero runs onAllEnded, after
     * every worker's last action (each decrement happens under the lock).
     */

    private final Executor executor;          // null: new threads
    private final String prefix;
    private final Runnable onAllEnded;
    private final Object lock = new Object();
    private final Set<Thread> running = new HashSet<>();
    private boolean interrupting;
    private int live = 1;                     // the launch token

    Workers(Executor executor, String prefix, Runnable onAllEnded) {
        this.executor = executor;
        this.prefix = prefix;
        this.onAllEnded = onAllEnded;
    }

    /** Starts one worker task. Throws whatever the executor or thread factory throws. */
    void launch(String name, Runnable body) {
        synchronized (lock) {
            live++;
        }
        Runnable task = () -> run(body);
        try {
            if (executor != null) {
                executor.execute(task);
            } else {
                ThreadFactory factory = VirtualThreads.defaultThreadFactory(prefix + name + "-");
                factory.newThread(task).start();
            }
        } catch (Throwable e) {
            release();
            throw e;
        }
    }

    /** Ends launching: gives back the launch token. */
    void launched() {
        release();
    }

    /** Interrupts every running worker (but the calling thread) and every worker still to start. */
    void interruptAll() {
        Thread me = Thread.currentThread();
        synchronized (lock) {
            interrupting = true;
            for (Thread t : running) {
                if (t != me) {
                    t.interrupt();
                }
            }
        }
    }

    private void run(Runnable body) {
        Thread me = Thread.currentThread();
        synchronized (lock) {
            running.add(me);
            if (interrupting) {
                me.interrupt();
            }
        }
        try {
            body.run();
        } finally {
            synchronized (lock) {
                running.remove(me);
            }
            Thread.interrupted(); // ours, if set: the thread may belong to the caller's executor
            release();
        }
    }

    private void release() {
        boolean last;
        synchronized (lock) {
            last = --live == 0;
        }
        if (last) {
            onAllEnded.run();
        }
    }
}
