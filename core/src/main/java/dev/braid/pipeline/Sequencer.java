package dev.braid.pipeline;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Ordered mode's turn-taking for a stage with several workers: a worker that finished the
 * item with sequence number {@code s} waits until every item before it has been passed on,
 * passes its own results on, then gives the turn to {@code s + 1}.
 */
final class Sequencer {

    /*
     * Implementation notes
     *
     * Why no reorder map. Workers take items from a FIFO buffer, so the sequence numbers in
     * a stage are taken in increasing order, and each worker holds at most one. The items in
     * flight are therefore exactly the sequence numbers next .. next + k - 1 for some
     * k <= workers. A worker that is ahead simply waits, holding its one result: the reorder
     * "buffer" is the workers themselves, bounded by the worker count, and memory stays
     * bounded without a separate window.
     *
     * Deadlock freedom. The item with sequence number next is held by a worker that either
     * is still computing it (and will finish or be interrupted by a cancellation) or already
     * waits for no one (its turn has come). Its emission may block on the next buffer, which
     * drains independently of this stage. Filtered, skipped and dead-lettered items still
     * take and give their turn (emitting nothing), so a gap never stalls the stage. Only a
     * cancellation or a fail-fast failure abandons a turn, and then every worker is
     * interrupted and the stage ends anyway.
     *
     * Wake-ups. Because the in-flight numbers span fewer than workers values, s % workers
     * identifies the one worker waiting for turn s: each has its own condition, so advance()
     * wakes exactly the worker whose turn it is instead of all of them. The lock gives the
     * happens-before edge from one worker's emission to the next one's.
     */

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition[] turns;
    private long next;

    Sequencer(int workers) {
        turns = new Condition[workers];
        for (int i = 0; i < workers; i++) {
            turns[i] = lock.newCondition();
        }
    }

    /** Waits until it is {@code seq}'s turn. */
    void awaitTurn(long seq) throws InterruptedException {
        final ReentrantLock lock = this.lock;
        lock.lockInterruptibly();
        try {
            Condition mine = turns[(int) (seq % turns.length)];
            while (next != seq) {
                mine.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Ends the current turn and wakes the worker whose turn is next, if it waits. */
    void advance() {
        final ReentrantLock lock = this.lock;
        lock.lock();
        try {
            long n = ++next;
            turns[(int) (n % turns.length)].signal();
        } finally {
            lock.unlock();
        }
    }
}
