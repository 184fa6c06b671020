package dev.braid.patterns;

import dev.braid.time.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups items into batches, by size or by age, and hands each batch to a consumer on the
 * batcher's own worker thread: the shape of batched database writes.
 *
 * <pre>{@code
 * try (Batcher<Row> batcher = Batcher.builder((List<Row> rows) -> dao.insertAll(rows))
 *         .maxSize(500)                          // a batch never holds more
 *         .maxDelay(Duration.ofMillis(50))       // an item never waits longer for its batch
 *         .capacity(5_000)                       // put() blocks while this many are buffered
 *         .build()) {
 *     for (Row row : rows) {
 *         batcher.put(row);
 *     }
 * }                                              // close(): flushes the rest, worker ends
 * }</pre>
 *
 * <p><b>Batches.</b> The worker sends a batch as soon as {@code maxSize} items are buffered,
 * or when the oldest buffered item has waited {@code maxDelay} (measured on the builder's
 * {@link Ticker}), or when the batcher is closed. Batches are never empty, never larger than
 * {@code maxSize}, and together hold every accepted item exactly once, in the order the
 * {@code put}/{@code offer} calls took effect. The consumer runs on one thread only, one
 * batch at a time.
 *
 * <p><b>Backpressure.</b> At most {@code capacity} items wait in the buffer (the batch the
 * consumer is working on is not counted); when it is full, {@link #put} blocks and
 * {@link #offer(Object, Duration)} waits at most its timeout, so a slow consumer slows its
 * producers down instead of filling the heap.
 *
 * <p><b>Failures.</b> An exception thrown by the consumer is passed, with the batch, to the
 * failure handler ({@link Builder#onFailure}; by default it is logged at ERROR through
 * SLF4J) and the worker goes on with the next batch. An {@link Error} thrown by the consumer,
 * or any exception thrown by the handler, stops the batcher: the items still buffered are dropped, later calls to
 * {@code put} throw {@link IllegalStateException} with the error as cause, and the error
 * reaches the worker thread's uncaught-exception handler.
 *
 * <p><b>Closing.</b> {@link #close()} stops accepting items, waits until every buffered item
 * has been delivered and the worker thread has ended, and is idempotent. Producers blocked in
 * {@code put} when it is called are released with {@link IllegalStateException}.
 *
 * <p><b>Thread-safety:</b> {@code put}, {@code offer} and {@code close} may be called from
 * any number of threads.
 *
 * <p><b>Memory consistency effects:</b> actions in a thread before it puts an item
 * happen-before the consumer's processing of the batch that holds the item, and the
 * consumer's processing of every batch happens-before {@link #close()} returns.
 *
 * @param <T> the type of the items
 */
public final class Batcher<T> implements AutoCloseable {

    /*
     * Implementation notes
     *
     * Overview: one ReentrantLock guards the buffer (an ArrayDeque of Entry(item, enqueue
     * reading)), the closed flag and the failure. Two conditions: `changed` wakes the worker
     * (an item arrived, the batcher closed, or a test moved the clock), `notFull` wakes
     * producers (the worker took a batch, or the batcher closed). The consumer is always
     * called outside the lock, so producers keep filling the buffer while a batch is being
     * written; the lock is held only for deque operations.
     *
     * Worker loop: under the lock, wait until (size >= maxSize) or (closed and non-empty)
     * or (the head entry's age >= maxDelay); end when closed and empty. The timed wait is
     * Condition.awaitNanos(maxDelay - age), and every wake-up re-reads the ticker, so the
     * wait is driven by the Ticker, not by the condition's own clock: a test with a manual
     * ticker advances it and calls wakeWorker() (package-private), and it counts the worker's
     * waits through waitCount() to know the worker re-checked. Then it takes up to maxSize
     * entries, signals notFull, unlocks and calls the consumer.
     *
     * Memory ordering: every shared field is read and written under the lock, so the lock's
     * release/acquire orders a producer's put before the worker's take; the consumer runs on
     * the worker after that take. close() joins the worker thread (Thread.join's
     * happens-before edge covers the consumer's last batch).
     */

    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private static final class Entry<T> {
        final T item;
        final long enqueuedAt;

        Entry(T item, long enqueuedAt) {
            this.item = item;
            this.enqueuedAt = enqueuedAt;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Entry<T>> buffer;
    private final int maxSize;
    private final int capacity;
    private final long maxDelayNanos;
    private final Ticker ticker;
    private final ThrowingConsumer<? super List<T>> consumer;
    private final BiConsumer<? super List<T>, ? super Exception> onFailure;
    private final Thread worker;
    private boolean closed;       // guarded by lock
    private Throwable fatal;      // guarded by lock
    private long waitCount;       // guarded by lock; test hook

    private Batcher(Builder<T> b) {
        this.maxSize = b.maxSize;
        this.capacity = b.capacity < 0 ? Math.max(b.maxSize, (int) Math.min(Integer.MAX_VALUE, 4L * b.maxSize)) : b.capacity;
        if (capacity < maxSize) {
            throw new IllegalArgumentException("capacity " + capacity + " is less than maxSize " + maxSize);
        }
        this.buffer = new ArrayDeque<>(Math.min(capacity, 1024));
        this.maxDelayNanos = b.maxDelayNanos;
        this.ticker = b.ticker;
        this.consumer = b.consumer;
        this.onFailure = b.onFailure;
        ThreadFactory factory = b.threadFactory != null ? b.threadFactory
                : r -> new Thread(r, "braid-batcher-" + SEQUENCE.incrementAndGet());
        this.worker = factory.newThread(this::work);
        if (worker == null) {
            throw new IllegalStateException("thread factory returned null");
        }
        worker.start();
    }

    /**
     * Returns a builder for a batcher that hands its batches to {@code consumer}. Defaults:
     * {@code maxSize} 100, {@code maxDelay} 100 ms, {@code capacity} 4 &times; maxSize, the
     * system ticker, a non-daemon platform worker thread named {@code braid-batcher-N}, and
     * a failure handler that logs.
     *
     * @param <T> the type of the items
     * @param consumer receives each batch on the worker thread; the list is the consumer's to
     *     keep
     * @return a new builder
     * @throws NullPointerException if {@code consumer} is null
     */
    public static <T> Builder<T> builder(ThrowingConsumer<? super List<T>> consumer) {
        return new Builder<>(Objects.requireNonNull(consumer, "consumer"));
    }

    /**
     * Adds an item, waiting while the buffer is full.
     *
     * @param item the item
     * @throws InterruptedException if interrupted while waiting; the item was not added
     * @throws IllegalStateException if the batcher is closed (also when it closes while this
     *     call waits) or stopped by an error
     * @throws NullPointerException if {@code item} is null
     */
    public void put(T item) throws InterruptedException {
        Objects.requireNonNull(item, "item");
        lock.lockInterruptibly();
        try {
            while (true) {
                checkOpen();
                if (buffer.size() < capacity) {
                    break;
                }
                notFull.await();
            }
            enqueue(item);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds an item if there is room, waiting at most {@code timeout} for room.
     *
     * @param item the item
     * @param timeout how long to wait for room; zero means "do not wait"
     * @return true if the item was added, false if the buffer stayed full
     * @throws InterruptedException if interrupted while waiting; the item was not added
     * @throws IllegalStateException if the batcher is closed or stopped by an error
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code item} or {@code timeout} is null
     */
    public boolean offer(T item, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(item, "item");
        long nanos = waitNanos(timeout, "timeout");
        lock.lockInterruptibly();
        try {
            while (true) {
                checkOpen();
                if (buffer.size() < capacity) {
                    break;
                }
                if (nanos <= 0) {
                    return false;
                }
                nanos = notFull.awaitNanos(nanos);
            }
            enqueue(item);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops accepting items, waits until every buffered item has been handed to the consumer
     * and the worker thread has ended. Idempotent. It does not throw for consumer failures
     * (they went to the failure handler).
     *
     * <p>If the calling thread is interrupted while it waits, it keeps waiting (no accepted
     * item is abandoned) and the interrupt flag is set again before it returns. Called from
     * the consumer itself (on the worker thread), it only stops accepting items and returns;
     * the worker ends after the last batch.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == worker) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                worker.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns how many items wait in the buffer: a snapshot for monitoring.
     *
     * @return the number of buffered items, not counting a batch being consumed
     */
    public int buffered() {
        lock.lock();
        try {
            return buffer.size();
        } finally {
            lock.unlock();
        }
    }

    /** Test hook: wakes the worker so it re-reads the ticker. */
    void wakeWorker() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Test hook: how many times the worker has started to wait; read under the lock. */
    long waitCount() {
        lock.lock();
        try {
            return waitCount;
        } finally {
            lock.unlock();
        }
    }

    /** Test hook: the worker thread. */
    Thread worker() {
        return worker;
    }

    private void checkOpen() {
        if (fatal != null) {
            throw new IllegalStateException("batcher stopped by an error of its consumer", fatal);
        }
        if (closed) {
            throw new IllegalStateException("batcher is closed");
        }
    }

    private void enqueue(T item) {
        buffer.addLast(new Entry<>(item, ticker.read()));
        if (buffer.size() == 1 || buffer.size() == maxSize) {
            changed.signal(); // only the worker waits on `changed`
        }
    }

    private void work() {
        try {
            List<T> batch;
            while ((batch = nextBatch()) != null) {
                deliver(batch);
            }
        } catch (RuntimeException | Error e) {
            // an Error from the consumer, or anything thrown by the failure handler
            lock.lock();
            try {
                fatal = e;
                buffer.clear();
                notFull.signalAll();
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /** Waits for the next batch; null when closed and drained. */
    private List<T> nextBatch() {
        lock.lock();
        try {
            while (true) {
                int size = buffer.size();
                if (size >= maxSize || (closed && size > 0)) {
                    break;
                }
                if (closed) {
                    return null;
                }
                waitCount++;
                if (size == 0) {
                    changed.awaitUninterruptibly();
                    continue;
                }
                long remaining = maxDelayNanos - (ticker.read() - buffer.peekFirst().enqueuedAt);
                if (remaining <= 0) {
                    break;
                }
                try {
                    changed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    // Nobody but close() stops the worker; an interrupt from outside is ignored
                    // (the loop re-checks its conditions).
                }
            }
            int n = Math.min(maxSize, buffer.size());
            List<T> batch = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                batch.add(buffer.pollFirst().item);
            }
            notFull.signalAll();
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private void deliver(List<T> batch) {
        try {
            consumer.accept(batch);
        } catch (Exception e) {
            onFailure.accept(batch, e);
        }
    }

    private static long waitNanos(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + d);
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Configures a {@link Batcher}. Not thread-safe. Each {@link #build()} starts a new
     * batcher with its own worker thread.
     *
     * @param <T> the type of the items
     */
    public static final class Builder<T> {
        private final ThrowingConsumer<? super List<T>> consumer;
        private int maxSize = 100;
        private int capacity = -1;
        private long maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(100);
        private Ticker ticker = Ticker.system();
        private ThreadFactory threadFactory;
        private BiConsumer<? super List<T>, ? super Exception> onFailure = (batch, e) ->
                LOG.error("batch of {} items failed in its consumer", batch.size(), e);

        private Builder(ThrowingConsumer<? super List<T>> consumer) {
            this.consumer = consumer;
        }

        /**
         * Sets the largest batch.
         *
         * @param maxSize at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code maxSize < 1}
         */
        public Builder<T> maxSize(int maxSize) {
            if (maxSize < 1) {
                throw new IllegalArgumentException("maxSize must be at least 1: " + maxSize);
            }
            this.maxSize = maxSize;
            return this;
        }

        /**
         * Sets the longest an item waits in the buffer before its (possibly partial) batch is
         * sent.
         *
         * @param maxDelay zero means "send whatever is buffered as soon as the worker is free"
         * @return this builder
         * @throws IllegalArgumentException if {@code maxDelay} is negative
         * @throws NullPointerException if {@code maxDelay} is null
         */
        public Builder<T> maxDelay(Duration maxDelay) {
            this.maxDelayNanos = waitNanos(maxDelay, "maxDelay");
            return this;
        }

        /**
         * Sets how many items may wait in the buffer before producers block.
         *
         * @param capacity at least {@code maxSize} (checked by {@link #build()})
         * @return this builder
         * @throws IllegalArgumentException if {@code capacity < 1}
         */
        public Builder<T> capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        /**
         * Sets the ticker that measures the age of buffered items; tests pass a manual one.
         *
         * @param ticker the ticker
         * @return this builder
         * @throws NullPointerException if {@code ticker} is null
         */
        public Builder<T> ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Sets the factory of the worker thread (for a name, a priority, or a virtual thread).
         *
         * @param threadFactory creates exactly one thread per batcher
         * @return this builder
         * @throws NullPointerException if {@code threadFactory} is null
         */
        public Builder<T> threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /**
         * Sets what happens to a batch whose consumer threw an exception; it runs on the
         * worker thread before the next batch.
         *
         * @param onFailure receives the batch and the exception
         * @return this builder
         * @throws NullPointerException if {@code onFailure} is null
         */
        public Builder<T> onFailure(BiConsumer<? super List<T>, ? super Exception> onFailure) {
            this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
            return this;
        }

        /**
         * Builds the batcher and starts its worker thread.
         *
         * @return a running batcher; close it
         * @throws IllegalArgumentException if the capacity is less than {@code maxSize}
         */
        public Batcher<T> build() {
            return new Batcher<>(this);
        }
    }
}
