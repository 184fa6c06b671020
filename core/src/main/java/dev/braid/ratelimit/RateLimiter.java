package dev.braid.ratelimit;

import dev.braid.time.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exact sliding-window rate limiter: for every interval of length {@code window}, at most
 * {@code permits} grants fall inside it, whatever the interleaving of threads.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.slidingWindow(5, Duration.ofSeconds(1));
 * limiter.acquire();                                   // blocks, FIFO, interruptible
 * if (limiter.tryAcquire()) { callTheApi(); }          // never blocks
 * if (limiter.tryAcquire(3, Duration.ofMillis(200))) { sendBatchOfThree(); }
 * limiter.acquireAsync().thenRun(this::callTheApi);    // no thread waits
 * }</pre>
 *
 * <p><b>The guarantee.</b> The window is half-open: a grant at time {@code g} counts against
 * requests in {@code [g, g + window)}, so a grant at exactly {@code g + window} is allowed.
 * Grant times are readings of the limiter's {@link Ticker}, taken when the grant is
 * recorded; with {@code n} permits a request counts as {@code n} grants at one time. Unlike
 * a token bucket or a fixed window, there is no burst of up to {@code 2 * permits} around a
 * boundary. An {@linkplain #approximateSlidingWindow approximate mode} trades exactness in
 * the permissive direction only (it may deny a little more, it never admits more) for
 * constant memory.
 *
 * <p><b>Fairness.</b> Blocking and async waiters are served first come, first served. No
 * request barges past them: while any waiter is queued, {@link #tryAcquire()} returns false
 * and {@link #availablePermits()} returns 0, and a waiter is served as soon as its permits
 * fit, even if a smaller request behind it would fit earlier.
 *
 * <p><b>Blocking.</b> {@link #acquire()} and {@link #tryAcquire(Duration)} park the caller
 * (they never spin, sleep in a loop or hold a lock while waiting) until the moment the
 * grant the request has to outlast leaves the window; they are interruptible. A waiter that
 * gives up (interrupt, timeout, cancelled future) leaves no trace: it consumed no permit and
 * the waiters behind it move up. The timed variants are predictive: when the permits cannot
 * be granted within the timeout even if everything ahead is served at the earliest moment,
 * they return false at once instead of waiting out the timeout.
 *
 * <p><b>Thread-safety.</b> All methods are safe to call from any number of threads. Denial
 * ({@code tryAcquire} returning false) only reads shared memory: no compare-and-set, no
 * write, no allocation. A grant is one compare-and-set plus writes of the grant times; a
 * thread that loses that compare-and-set to another grant spins briefly (never parks) before
 * it looks again, so under contention a {@code tryAcquire} may take microseconds.
 *
 * <p><b>Memory consistency effects:</b> grants are totally ordered: actions in a thread
 * prior to a successful acquire or tryAcquire happen-before actions following every later
 * successful acquire or tryAcquire in another thread, and a grant's recorded time is not
 * earlier than that of any grant before it. A denial orders nothing. This ordering is a
 * by-product of exact metering; a rate limiter is not a lock, do not use it to guard data.
 *
 * <p><b>Memory.</b> The exact mode keeps the last {@code permits} grant times: 8 bytes per
 * permit plus a constant of under 512 bytes (measured in a test). For limits in the millions
 * use the approximate mode, whose footprint does not depend on the limit.
 */
public final class RateLimiter {

    /*
     * Implementation notes
     *
     * Overview. The grant bookkeeping is a Window (ExactWindow: ring of the last N grant
     * times; ApproximateWindow: per-bucket counts). Window.tryGrant is the fast path:
     * read-only when it denies, one CAS on a sequence lock plus O(n) stores when it grants
     * (see Window's notes for the memory-ordering argument). This class adds the queue of
     * waiters around it.
     *
     * No barging. `queued` (volatile) is the number of queued waiters. The fast paths read it
     * first and deny when it is non-zero, so while a waiter queues only the queue's drain
     * grants. A fast-path caller that read 0 just before a waiter enqueued may still take the
     * permit: the two calls overlapped, and ordering it first is a correct linearisation.
     *
     * The queue. An ArrayDeque of Waiter under queueLock (a ReentrantLock held for O(1) work,
     * or O(queue) when removing from the middle or predicting a timed wait, never across a
     * park and never while completing futures). drainLocked() grants the head while its
     * permits fit, through Window.tryGrant with the waiter, which claims the waiter (CAS of
     * its status WAITING -> GRANTED) inside the window's write section: either the grant is
     * written and the waiter claimed, or nothing happens. A waiter that gives up CASes its own
     * status WAITING -> CANCELLED; exactly one of claim and cancel wins, so a waiter that
     * gives up holds nothing and a granted waiter cannot be cancelled any more.
     *
     * Who waits for the head. A blocking head parks until the moment its permits fit (the
     * ring says when), then drains itself; waiters behind it park without a deadline (or
     * until their own timeout) and are unparked when they become head. An async head has no
     * thread: drainLocked arms one task on the shared TimerScheduler for its moment and
     * cancels it when the queue empties, so no thread is parked per async waiter and the
     * timer thread ends when no limiter needs it.
     *
     * Completion. Granted waiters are unparked, and granted futures completed, after
     * queueLock is released, by whichever thread drained: the timer thread, a blocking
     * waiter, or a thread leaving the queue.
     */

    /** The shortest window accepted: below it, timer and scheduling jitter dominate. */
    static final Duration MIN_WINDOW = Duration.ofMillis(1);
    /** The longest window accepted; keeps every difference of ticker readings in range. */
    static final Duration MAX_WINDOW = Duration.ofDays(365);
    /** The largest exact limit: 8 bytes per permit, so 128 MiB of grant times. */
    static final int MAX_EXACT_PERMITS = 1 << 24;
    /** Timeouts are capped here (about 73 years) so that deadlines never overflow. */
    private static final long MAX_TIMEOUT_NANOS = Long.MAX_VALUE / 4;

    private final int permits;
    private final Duration window;
    private final Ticker ticker;
    private final Window grants;
    private final ExactWindow exact; // grants if exact, else null
    private final Parker parker;
    private final Scheduler scheduler;

    private final ReentrantLock queueLock = new ReentrantLock();
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>(); // guarded by queueLock
    /** queue.size(), written under queueLock, read by the fast paths. */
    private volatile int queued;
    private Waiter notifiedHead;     // guarded by queueLock: the blocking head last unparked
    private Runnable timerCancel;    // guarded by queueLock: the armed timer task, if any
    private long timerAt;            // guarded by queueLock: its ticker deadline
    private long timerGeneration;    // guarded by queueLock: counts armed tasks; names the current one

    private RateLimiter(Builder builder) {
        this.permits = builder.permits;
        this.window = builder.window;
        this.ticker = builder.ticker;
        this.parker = builder.parker;
        this.scheduler = builder.scheduler;
        long createdAt = ticker.read();
        if (builder.approximate) {
            this.grants = new ApproximateWindow(permits, window.toNanos(), createdAt);
            this.exact = null;
        } else {
            this.exact = new ExactWindow(permits, window.toNanos(), createdAt);
            this.grants = exact;
        }
    }

    /**
     * Creates an exact limiter of {@code permits} grants per {@code window} on the system
     * ticker.
     *
     * @param permits the most grants in any interval of length {@code window}, 1 to 16,777,216
     * @param window the window length, from 1 ms to 365 days
     * @return a new limiter with all permits available
     * @throws IllegalArgumentException if {@code permits} or {@code window} is out of range
     * @throws NullPointerException if {@code window} is null
     */
    public static RateLimiter slidingWindow(int permits, Duration window) {
        return builder().permits(permits).window(window).build();
    }

    /**
     * Creates an approximate limiter of {@code permits} grants per {@code window}, with
     * memory independent of the limit (a few hundred bytes), for limits too large to keep
     * every grant time.
     *
     * <p>The approximation never admits more: no interval of length {@code window} ever
     * holds more than {@code permits} grants, exactly as in the exact mode. Its worst case is
     * on the other side: it counts grants in sixteenths of the window, so it may deny a
     * request that an exact limiter would grant, behaving at worst like an exact limiter whose
     * window is {@code window / 16} (rounded up to a nanosecond) plus 16 ns longer. Its
     * worst-case over-admission is therefore zero, and its worst-case throughput loss is
     * 1/17 of the limit.
     *
     * @param permits the most grants in any interval of length {@code window}, at least 1
     * @param window the window length, from 1 ms to 365 days
     * @return a new approximate limiter with all permits available
     * @throws IllegalArgumentException if {@code permits} or {@code window} is out of range
     * @throws NullPointerException if {@code window} is null
     */
    public static RateLimiter approximateSlidingWindow(int permits, Duration window) {
        return builder().permits(permits).window(window).approximate().build();
    }

    /**
     * Returns a builder, for a custom {@link Ticker} (tests) or the approximate mode.
     *
     * <pre>{@code
     * RateLimiter limiter = RateLimiter.builder()
     *         .permits(100).window(Duration.ofMinutes(1))
     *         .ticker(testTicker)
     *         .build();
     * }</pre>
     *
     * @return a new builder with the system ticker and the exact mode
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Acquires one permit, waiting as long as it takes. Equivalent to {@code acquire(1)}.
     *
     * @throws InterruptedException if interrupted before the permit was granted; the
     *     waiter then holds nothing
     */
    public void acquire() throws InterruptedException {
        acquire(1);
    }

    /**
     * Acquires {@code permits} permits at one time, waiting in line (FIFO) until they fit.
     * The caller parks until the moment its permits leave the window; it does not poll.
     *
     * <p>If the thread is interrupted while waiting, it leaves the queue without having
     * consumed anything and InterruptedException is thrown. If the permits were granted at
     * the same moment the interrupt arrived, this method returns normally with the interrupt
     * status set.
     *
     * @param permits how many, 1 to {@link #permits()}
     * @throws InterruptedException if interrupted before the permits were granted
     * @throws IllegalArgumentException if {@code permits} is out of range
     */
    public void acquire(int permits) throws InterruptedException {
        checkRequest(permits);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (queued == 0 && grants.tryGrant(permits, ticker, null)) {
            return;
        }
        Waiter waiter = enqueue(new Waiter(permits, Thread.currentThread(), null), -1L, 0L);
        await(waiter, false, 0L);
    }

    /**
     * Acquires one permit if it is available now. Equivalent to {@code tryAcquire(1)}.
     *
     * @return true if granted
     */
    public boolean tryAcquire() {
        return tryAcquire(1);
    }

    /**
     * Acquires {@code permits} permits if they are available now and no waiter is queued.
     * Never blocks; a denial only reads shared state.
     *
     * @param permits how many, 1 to {@link #permits()}
     * @return true if all were granted, false if none was
     * @throws IllegalArgumentException if {@code permits} is out of range
     */
    public boolean tryAcquire(int permits) {
        checkRequest(permits);
        return queued == 0 && grants.tryGrant(permits, ticker, null);
    }

    /**
     * Acquires one permit if it can be granted within {@code timeout}. Equivalent to
     * {@code tryAcquire(1, timeout)}.
     *
     * @param timeout the longest wait; zero means do not wait
     * @return true if granted
     * @throws InterruptedException if interrupted before the permit was granted
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code timeout} is null
     */
    public boolean tryAcquire(Duration timeout) throws InterruptedException {
        return tryAcquire(1, timeout);
    }

    /**
     * Acquires {@code permits} permits if they can be granted within {@code timeout},
     * waiting in line (FIFO) for them.
     *
     * <p>Predictive: if even serving everything ahead at the earliest possible moment would
     * grant this request later than {@code timeout}, it returns false at once without
     * waiting. Otherwise it waits; if the timeout passes first, it leaves the queue without
     * having consumed anything and returns false.
     *
     * @param permits how many, 1 to {@link #permits()}
     * @param timeout the longest wait; zero means do not wait
     * @return true if all were granted, false if none was
     * @throws InterruptedException if interrupted before the permits were granted (if they
     *     were granted at the same moment, returns true with the interrupt status set)
     * @throws IllegalArgumentException if {@code permits} is out of range or {@code timeout}
     *     is negative
     * @throws NullPointerException if {@code timeout} is null
     */
    public boolean tryAcquire(int permits, Duration timeout) throws InterruptedException {
        checkRequest(permits);
        long timeoutNanos = checkTimeout(timeout);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (queued == 0 && grants.tryGrant(permits, ticker, null)) {
            return true;
        }
        if (timeoutNanos == 0) {
            return false;
        }
        long start = ticker.read();
        Waiter waiter = enqueue(new Waiter(permits, Thread.currentThread(), null), timeoutNanos, start);
        return waiter != null && await(waiter, true, start + timeoutNanos);
    }

    /**
     * Acquires one permit asynchronously. Equivalent to {@code acquireAsync(1)}.
     *
     * @return a future completed when the permit is granted
     */
    public CompletableFuture<Void> acquireAsync() {
        return acquireAsync(1);
    }

    /**
     * Acquires {@code permits} permits asynchronously: the returned future completes
     * (normally, with null) when they are granted, in FIFO order with blocking waiters. No
     * thread is parked per waiter: one shared timer thread, which ends when idle, serves the
     * head of every limiter's queue.
     *
     * <p>Cancelling the future (or completing it by any other means, such as
     * {@code orTimeout}) before the grant releases its place in line and consumes nothing.
     * Once the permits are granted the future can no longer be cancelled: {@code cancel}
     * returns false and the future completes normally. The future is completed by the thread
     * that grants it (the timer thread, or a thread calling into the same limiter): attach
     * slow or blocking work with the {@code ...Async} methods of CompletableFuture.
     *
     * @param permits how many, 1 to {@link #permits()}
     * @return a future completed when the permits are granted; already complete if they
     *     were available at once
     * @throws IllegalArgumentException if {@code permits} is out of range
     */
    public CompletableFuture<Void> acquireAsync(int permits) {
        checkRequest(permits);
        if (queued == 0 && grants.tryGrant(permits, ticker, null)) {
            return CompletableFuture.completedFuture(null);
        }
        PermitFuture future = new PermitFuture(this);
        Waiter waiter = new Waiter(permits, null, future);
        future.waiter = waiter;
        enqueue(waiter, -1L, 0L);
        return future;
    }

    /**
     * Returns how many permits {@link #tryAcquire(int)} could take right now: 0 while any
     * waiter is queued (they come first). A snapshot; it may change at once.
     *
     * @return the available permits, 0 to {@link #permits()}
     */
    public int availablePermits() {
        if (queued != 0) {
            return 0;
        }
        return grants.available(ticker.read());
    }

    /**
     * Returns the limit: the most grants in any interval of length {@link #window()}.
     *
     * @return the permits per window
     */
    public int permits() {
        return permits;
    }

    /**
     * Returns the window length.
     *
     * @return the window
     */
    public Duration window() {
        return window;
    }

    /**
     * Returns whether this limiter is in the approximate mode.
     *
     * @return true if created by {@link #approximateSlidingWindow} or
     *     {@link Builder#approximate()}
     */
    public boolean isApproximate() {
        return exact == null;
    }

    @Override
    public String toString() {
        return "RateLimiter[" + (exact == null ? "approximate " : "") + permits + " per " + window
                + ", queued=" + queued + "]";
    }

    // ------------------------------------------------------------------------------------
    // The queue

    /**
     * Enqueues {@code waiter} and serves the queue; for a timed waiter ({@code timeoutNanos
     * >= 0}) first predicts its wait and returns null, enqueuing nothing, if it is longer.
     */
    private Waiter enqueue(Waiter waiter, long timeoutNanos, long now) {
        ArrayList<Waiter> wake;
        queueLock.lock();
        try {
            if (timeoutNanos >= 0 && predictedWait(waiter.permits, now) > timeoutNanos) {
                return null;
            }
            queue.addLast(waiter);
            queued = queue.size();
            wake = drainLocked();
        } finally {
            queueLock.unlock();
        }
        wake(wake, Thread.currentThread()); // no stray unpark of ourselves if granted at once
        return waiter;
    }

    /** A lower bound of the wait of a request for {@code n} joining the queue now. */
    private long predictedWait(int n, long now) {
        if (queue.isEmpty() || exact == null) {
            return grants.nanosUntil(n, now); // the window alone: a lower bound in both modes
        }
        int[] ahead = new int[queue.size()];
        int count = 0;
        for (Waiter w : queue) {
            if (w.status == Waiter.WAITING) {
                ahead[count++] = w.permits;
            }
        }
        return exact.nanosUntilFitsBehind(ahead, count, n, now);
    }

    /**
     * Grants the head of the queue while its permits fit, then arranges for the new head to
     * be served at its moment. Returns the waiters to wake after unlocking (granted ones, and
     * a blocking head that must compute its own wait), or null.
     */
    private ArrayList<Waiter> drainLocked() {
        ArrayList<Waiter> wake = null;
        for (;;) {
            Waiter head = queue.peekFirst();
            if (head == null) {
                break;
            }
            if (head.status == Waiter.WAITING && grants.tryGrant(head.permits, ticker, head)) {
                queue.pollFirst();
                wake = add(wake, head);
                continue;
            }
            if (head.status != Waiter.WAITING) { // gave up; it removes itself too, harmlessly
                queue.pollFirst();
                continue;
            }
            if (head.thread != null) {
                cancelTimer();
                if (notifiedHead != head) {
                    notifiedHead = head;
                    wake = add(wake, head);
                }
            } else {
                long now = ticker.read();
                armTimer(now, grants.nanosUntil(head.permits, now));
            }
            break;
        }
        if (queue.isEmpty()) {
            cancelTimer();
            notifiedHead = null;
        }
        queued = queue.size();
        return wake;
    }

    private static ArrayList<Waiter> add(ArrayList<Waiter> list, Waiter waiter) {
        ArrayList<Waiter> result = list == null ? new ArrayList<>(2) : list;
        result.add(waiter);
        return result;
    }

    /** Unparks or completes the waiters drainLocked returned, outside the lock. */
    private static void wake(ArrayList<Waiter> waiters, Thread self) {
        if (waiters == null) {
            return;
        }
        for (Waiter w : waiters) {
            if (w.future != null) {
                if (w.status == Waiter.GRANTED) {
                    w.future.grant();
                }
            } else if (w.thread != self) {
                LockSupport.unpark(w.thread);
            }
        }
    }

    private void armTimer(long now, long delayNanos) {
        long at = now + delayNanos;
        if (timerCancel != null) {
            if (at - timerAt >= 0) {
                return; // an earlier (or equal) task is armed; it re-arms if still needed
            }
            timerCancel.run();
        }
        timerAt = at;
        long generation = ++timerGeneration;
        timerCancel = scheduler.schedule(() -> onTimer(generation), delayNanos);
    }

    private void cancelTimer() {
        if (timerCancel != null) {
            timerCancel.run();
            timerCancel = null;
        }
    }

    /**
     * The armed task of generation {@code generation} ran. A task may start running just as
     * another thread replaces it with an earlier one (its cancel then comes too late); only
     * the current task forgets the handle, so the newer task stays cancellable and no second
     * one is armed beside it.
     */
    private void onTimer(long generation) {
        ArrayList<Waiter> wake;
        queueLock.lock();
        try {
            if (generation == timerGeneration) {
                timerCancel = null;
            }
            wake = drainLocked();
        } finally {
            queueLock.unlock();
        }
        wake(wake, null);
    }

    /** Removes a waiter that gave up (its status is CANCELLED); serves the next if it was head. */
    private void leave(Waiter waiter) {
        ArrayList<Waiter> wake = null;
        queueLock.lock();
        try {
            boolean wasHead = queue.peekFirst() == waiter;
            queue.remove(waiter);
            if (wasHead) {
                wake = drainLocked();
            } else {
                queued = queue.size();
            }
        } finally {
            queueLock.unlock();
        }
        wake(wake, null);
    }

    /**
     * Parks until {@code waiter} is granted (true), its deadline passes (false, timed only)
     * or the thread is interrupted (InterruptedException); a waiter that gives up leaves.
     */
    private boolean await(Waiter waiter, boolean timed, long deadline) throws InterruptedException {
        Thread self = Thread.currentThread();
        for (;;) {
            if (waiter.status == Waiter.GRANTED) {
                return true;
            }
            long now = ticker.read();
            long parkNanos = -1L; // no deadline of its own: not the head
            ArrayList<Waiter> wake = null;
            queueLock.lock();
            try {
                if (queue.peekFirst() == waiter) {
                    wake = drainLocked();
                    if (waiter.status != Waiter.GRANTED) {
                        parkNanos = grants.nanosUntil(waiter.permits, now);
                    }
                }
            } finally {
                queueLock.unlock();
            }
            wake(wake, self);
            if (waiter.status == Waiter.GRANTED) {
                return true;
            }
            if (timed) {
                long left = deadline - now;
                if (left <= 0) {
                    if (waiter.abandon()) {
                        leave(waiter);
                        return false;
                    }
                    return true; // granted just now
                }
                parkNanos = parkNanos < 0 ? left : Math.min(parkNanos, left);
            }
            if (parkNanos < 0) {
                parker.park(this);
            } else if (parkNanos > 0) {
                parker.parkNanos(this, parkNanos);
            }
            if (Thread.interrupted()) {
                if (waiter.abandon()) {
                    leave(waiter);
                    throw new InterruptedException();
                }
                self.interrupt(); // granted at the same moment: keep the grant and the flag
                return true;
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Checks

    private void checkRequest(int n) {
        if (n <= 0 || n > permits) {
            throw new IllegalArgumentException(
                    "permits requested must be between 1 and the limit " + permits + ": " + n);
        }
    }

    private static long checkTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        if (timeout.compareTo(Duration.ofNanos(MAX_TIMEOUT_NANOS)) >= 0) {
            return MAX_TIMEOUT_NANOS;
        }
        return timeout.toNanos();
    }

    // ------------------------------------------------------------------------------------
    // Waiters

    /** A queued request; blocking ({@code thread} set) or async ({@code future} set). */
    static final class Waiter {
        static final int WAITING = 0;
        static final int GRANTED = 1;
        static final int CANCELLED = 2;

        private static final VarHandle STATUS;

        static {
            try {
                STATUS = MethodHandles.lookup().findVarHandle(Waiter.class, "status", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final int permits;
        final Thread thread;
        final PermitFuture future;
        /** WAITING, then GRANTED or CANCELLED once; volatile CAS, so either side sees the winner. */
        volatile int status;

        Waiter(int permits, Thread thread, PermitFuture future) {
            this.permits = permits;
            this.thread = thread;
            this.future = future;
        }

        /** The grant side: WAITING to GRANTED. */
        boolean claim() {
            return STATUS.compareAndSet(this, WAITING, GRANTED);
        }

        /** The give-up side: WAITING to CANCELLED. */
        boolean abandon() {
            return STATUS.compareAndSet(this, WAITING, CANCELLED);
        }
    }

    /** The future of an async waiter: completing it by any other means gives up the place. */
    private static final class PermitFuture extends CompletableFuture<Void> {
        private final RateLimiter limiter;
        Waiter waiter; // set once, before the future is published

        PermitFuture(RateLimiter limiter) {
            this.limiter = limiter;
        }

        void grant() {
            super.complete(null);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (waiter.abandon()) {
                limiter.leave(waiter);
                return super.cancel(mayInterruptIfRunning);
            }
            return isCancelled();
        }

        @Override
        public boolean complete(Void value) {
            if (waiter.abandon()) {
                limiter.leave(waiter);
                return super.complete(value);
            }
            return false;
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            Objects.requireNonNull(ex, "ex");
            if (waiter.abandon()) {
                limiter.leave(waiter);
                return super.completeExceptionally(ex);
            }
            return false;
        }
    }

    // ------------------------------------------------------------------------------------
    // Builder

    /**
     * Builds a {@link RateLimiter}. Not thread-safe; {@link #build()} may be called more than
     * once, each time for a new limiter.
     *
     * <pre>{@code
     * RateLimiter limiter = RateLimiter.builder()
     *         .permits(10_000_000).window(Duration.ofHours(1))
     *         .approximate()
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private int permits;
        private Duration window;
        private Ticker ticker = Ticker.system();
        private boolean approximate;
        private Parker parker = Parker.LOCK_SUPPORT;
        private Scheduler scheduler = TimerScheduler.INSTANCE;

        private Builder() {
        }

        /**
         * Sets the limit.
         *
         * @param permits the most grants in any interval of length window: at least 1, and
         *     at most 16,777,216 in the exact mode
         * @return this builder
         * @throws IllegalArgumentException if {@code permits} is less than 1
         */
        public Builder permits(int permits) {
            if (permits <= 0) {
                throw new IllegalArgumentException("permits must be positive: " + permits);
            }
            this.permits = permits;
            return this;
        }

        /**
         * Sets the window length.
         *
         * @param window from 1 ms to 365 days
         * @return this builder
         * @throws IllegalArgumentException if {@code window} is out of range
         * @throws NullPointerException if {@code window} is null
         */
        public Builder window(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0) {
                throw new IllegalArgumentException(
                        "window must be between " + MIN_WINDOW + " and " + MAX_WINDOW + ": " + window);
            }
            this.window = window;
            return this;
        }

        /**
         * Sets the clock; the default is {@link Ticker#system()}.
         *
         * @param ticker the clock every reading of the limiter comes from
         * @return this builder
         * @throws NullPointerException if {@code ticker} is null
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Selects the approximate mode: constant memory, never admits more than the limit,
         * may deny slightly more than the exact mode (see
         * {@link RateLimiter#approximateSlidingWindow(int, Duration)}).
         *
         * @return this builder
         */
        public Builder approximate() {
            this.approximate = true;
            return this;
        }

        /** Test hook: how blocked callers wait. */
        Builder parker(Parker parker) {
            this.parker = Objects.requireNonNull(parker, "parker");
            return this;
        }

        /** Test hook: how async waiters are woken. */
        Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Builds a limiter with all permits available.
         *
         * @return a new limiter
         * @throws IllegalStateException if permits or window was not set
         * @throws IllegalArgumentException if the exact mode was asked for more than
         *     16,777,216 permits
         */
        public RateLimiter build() {
            if (permits == 0) {
                throw new IllegalStateException("permits not set");
            }
            if (window == null) {
                throw new IllegalStateException("window not set");
            }
            if (!approximate && permits > MAX_EXACT_PERMITS) {
                throw new IllegalArgumentException("the exact mode keeps 8 bytes per permit and allows at most "
                        + MAX_EXACT_PERMITS + " permits: " + permits + "; use approximate()");
            }
            return new RateLimiter(this);
        }
    }
}
