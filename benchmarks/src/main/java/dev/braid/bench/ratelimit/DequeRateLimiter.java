package dev.braid.bench.ratelimit;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A faithful Java port of the familiar sliding-window limiter: a deque of grant timestamps
 * under one lock, evicting expired entries on every call, and a blocking acquire that
 * sleeps while holding the lock. Exact, but it serialises every caller behind the lock
 * (behind a sleeper, in acquire) and boxes a Long per grant. The peer braid replaces.
 */
final class DequeRateLimiter {

    private final int limit;
    private final long windowNanos;
    private final ArrayDeque<Long> grants = new ArrayDeque<>();

    DequeRateLimiter(int limit, long window, TimeUnit unit) {
        this.limit = limit;
        this.windowNanos = unit.toNanos(window);
    }

    synchronized boolean tryAcquire() {
        long now = System.nanoTime();
        evict(now);
        if (grants.size() < limit) {
            grants.addLast(now);
            return true;
        }
        return false;
    }

    synchronized void acquire() throws InterruptedException {
        for (;;) {
            long now = System.nanoTime();
            evict(now);
            if (grants.size() < limit) {
                grants.addLast(now);
                return;
            }
            long waitNanos = grants.peekFirst() + windowNanos - now;
            TimeUnit.NANOSECONDS.sleep(waitNanos); // sleeps holding the lock, as the original does
        }
    }

    private void evict(long now) {
        while (!grants.isEmpty() && now - grants.peekFirst() >= windowNanos) {
            grants.pollFirst();
        }
    }
}
