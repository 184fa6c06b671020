package dev.braid.pool;

import dev.braid.internal.VirtualThreads;
import dev.braid.time.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded pool of reusable resources (connections, sessions, parsers, models) with a
 * thread-affinity fast path: a platform thread gets back the resource it used last, without
 * contention, when that resource is free.
 *
 * <pre>{@code
 * ResourcePool<Connection> pool = ResourcePool.builder(() -> DriverManager.getConnection(url))
 *     .maxSize(8)
 *     .disposer(Connection::close)
 *     .validator(c -> c.isValid(1))
 *     .resetOnRelease(c -> c.setAutoCommit(true))
 *     .build();
 * try (Lease<Connection> lease = pool.acquire(Duration.ofSeconds(2))) {
 *     lease.get().createStatement().execute(sql);
 * }
 * pool.close();
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>At most {@code maxSize} resources exist at once. Resources are created lazily, by the
 *       acquirer that needs one, on its own thread (except {@code minIdle} ones, created by
 *       {@link Builder#build()}).
 *   <li>No resource is ever leased to two holders at once.
 *   <li>Affinity is a hint: an idle resource may be taken by any thread. Virtual threads keep
 *       no per-thread state in the pool; they take the shared path.
 *   <li>Waiters are served in the order they started to wait: a released resource is handed
 *       directly to the longest waiter, and a new acquirer does not overtake threads already
 *       waiting. (The one exception is {@code acquire(Duration.ZERO)}, which never waits and
 *       takes an idle resource if there is one.)
 *   <li>Validation (if a validator is set) runs when an existing resource is about to be
 *       handed out, on every acquire or only after it was idle for
 *       {@link Builder#validationIdleThreshold(Duration)}; a resource that fails validation,
 *       outlived {@link Builder#maxLifetime(Duration)} or sat idle beyond
 *       {@link Builder#idleTimeout(Duration)} is disposed and replaced by a new one.
 *   <li>A factory that throws does not shrink the pool: the slot is filled again by a later
 *       acquirer, and the acquirer that needed it gets a {@link ResourceCreationException}.
 *   <li>Every created resource is disposed exactly once: on {@link Lease#invalidate()},
 *       expiry, failed validation or reset, idle eviction, or {@link #close()}.
 * </ul>
 *
 * <h2>Expiry, eviction and leak detection are lazy</h2>
 * The pool starts no thread. Lifetime and idle expiry are checked when a resource is acquired
 * or released; idle resources beyond {@code minIdle} are evicted by the acquire and release
 * calls that follow the idle timeout; leases held longer than
 * {@link Builder#leakDetectionThreshold(Duration)} are reported (through SLF4J, at WARN, with
 * the stack trace of the acquiring call) by the next acquire or {@link #stats()} call.
 * Expiry reads the builder's {@link Ticker}; timed waits use {@link System#nanoTime()}.
 *
 * <p><b>Thread-safety:</b> all methods may be called from any thread.
 *
 * <p><b>Blocking:</b> {@link #acquire()} and {@link #acquire(Duration)} block while the pool
 * is exhausted and are interruptible; {@link #awaitClose(Duration)} blocks and is
 * interruptible; all other methods never block (though factories, validators, reset hooks
 * and disposers run on the calling thread).
 *
 * <p><b>Memory consistency effects:</b> actions of a thread before it releases a resource
 * ({@link Lease#close()}) <i>happen-before</i> actions of the thread that next acquires that
 * resource after {@code acquire} returns; the creation of a resource happens-before its first
 * lease.
 *
 * @param <T> the type of resource
 */
public final class ResourcePool<T> implements AutoCloseable {

    /*
     * Implementation notes
     *
     * Slots and ownership
     *
     * The pool is a fixed array of maxSize Slots. A slot's single volatile long `state` is
     * (generation << 2) | status, status one of EMPTY (no resource), FREE (an idle resource),
     * OWNED (exactly one thread or lease has it: creating, validating, leased, resetting,
     * disposing) and DEAD (the pool closed and the slot is finished). A slot leaves EMPTY or
     * FREE only by a CAS to OWNED (Slot.claim), and every move to OWNED adds one to the
     * generation. Whoever wins that CAS owns the slot until it publishes it again (a volatile
     * store of FREE or EMPTY at the same generation), hands it to a waiter, or marks it DEAD.
     * So "never leased to two holders" reduces to "a CAS has one winner".
     *
     * A Lease is the immutable pair (slot, generation). Lease.close() CASes owned(g) to
     * owned(g + 1): only the first close/invalidate of that lease wins, any later call (or a
     * call on a lease whose slot has moved on) finds another state and does nothing; get()
     * checks the state equals owned(g). Generations are 62-bit and never wrap in practice.
     *
     * The slot's plain fields (resource, createdAt, releasedAt) are written only by the
     * owner. They are published by the volatile store or CAS that ends ownership and seen by
     * the next owner after its claiming CAS (volatile read-modify-write, acquire semantics):
     * a happens-before edge per hand-over. A direct hand-off to a waiter publishes them
     * through the CAS on Waiter.slot, read with a volatile read by the waiter.
     *
     * Acquire
     *
     * 1. Affinity (platform threads only): a ThreadLocal remembers the slot this thread last
     *    held; if it is FREE, one CAS takes it. No shared write other than that CAS, which
     *    is uncontended when the thread is the slot's usual user. Skipped when waiters are
     *    queued (no barging). Virtual threads never touch the ThreadLocal (DESIGN: a
     *    ThreadLocal per virtual thread is a leak); they start the scan at a slot derived
     *    from their thread id instead, a striped hint without per-thread state.
     * 2. Scan: try to claim every FREE slot, then every EMPTY slot (to create a resource in
     *    it). A failed CAS means another thread now owns that slot.
     * 3. Wait: enqueue a Waiter in a FIFO ConcurrentLinkedQueue, scan again, then park until
     *    a releaser hands a slot over (Waiter.slot CAS null -> slot), the deadline passes or
     *    the thread is interrupted. Cancelling is a CAS null -> CANCELLED on the same field,
     *    so a waiter is either served or cancelled, never both; a waiter that found a slot in
     *    its second scan but had been served meanwhile gives the scanned slot back.
     * 4. Prepare (as owner): expire/validate the resource, or create one in an empty slot. A
     *    factory failure hands the empty slot back (to the next waiter, who will try to
     *    create, or as EMPTY) and the acquirer gets the exception.
     *
     * Release and the lost-wakeup argument
     *
     * The releaser (owner) first polls the queue and hands the slot to the first waiter that
     * accepts it. With no waiter it publishes FREE/EMPTY by a volatile store and then reads
     * the queue head again. A waiter enqueues (volatile CAS in the queue) before its second
     * scan reads the slot states (volatile reads). All these are synchronization actions, so
     * they are totally ordered: either the waiter's scan sees the published slot, or the
     * releaser's peek sees the waiter, re-claims the slot (CAS, which fails harmlessly if a
     * scanner took it first) and serves the queue. A waiter therefore never parks while a
     * slot sits FREE/EMPTY with nobody to hand it over.
     *
     * Closing
     *
     * close() sets `closed` (volatile CAS), drains the queue handing each waiter CLOSED, then
     * claims every FREE/EMPTY slot and finishes it (dispose, DEAD). An OWNED slot is finished
     * by its owner: every owner reads `closed` after its claiming CAS (in prepare) and before
     * publishing (in handBack), and again after publishing. This is a Dekker pattern on two
     * volatile variables (slot state, closed): either close() sees the published state and
     * claims it, or the publisher sees closed and claims it itself; the claim is a CAS, so
     * exactly one of them disposes the resource. When the last slot turns DEAD, the
     * `terminated` latch opens for awaitClose.
     *
     * Benign races: stats() and the leak/eviction scans read states and fields of slots they
     * do not own; eviction re-checks after claiming, stats are documented as a snapshot, and
     * leak reports check the LeakInfo's generation against the state.
     */

    private static final Logger LOG = LoggerFactory.getLogger(ResourcePool.class);
    private static final Object CANCELLED = new Object();
    private static final Object CLOSED = new Object();
    private static final VarHandle CLOSED_FLAG;
    private static final VarHandle NEXT_EVICTION;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            CLOSED_FLAG = lookup.findVarHandle(ResourcePool.class, "closed", boolean.class);
            NEXT_EVICTION = lookup.findVarHandle(ResourcePool.class, "nextEvictionAt", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ResourceFactory<T> factory;
    private final ResourceAction<T> disposer;
    private final ResourceValidator<T> validator;
    private final ResourceAction<T> reset;
    private final int minIdle;
    private final long maxLifetimeNanos;
    private final long idleTimeoutNanos;
    private final long validationIdleNanos;
    private final long leakThresholdNanos;
    private final boolean readsTicker;
    private final Ticker ticker;
    private final LeakReporter leakReporter;

    private final Slot<T>[] slots;
    private final ThreadLocal<Slot<T>> affinity = new ThreadLocal<>();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicInteger deadSlots = new AtomicInteger();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong disposed = new AtomicLong();
    private final AtomicLong failedCreations = new AtomicLong();
    private volatile boolean closed;
    private volatile long nextEvictionAt;

    @SuppressWarnings("unchecked")
    private ResourcePool(Builder<T> builder) {
        this.factory = builder.factory;
        this.disposer = builder.disposer;
        this.validator = builder.validator;
        this.reset = builder.reset;
        this.minIdle = builder.minIdle;
        this.maxLifetimeNanos = builder.maxLifetimeNanos;
        this.idleTimeoutNanos = builder.idleTimeoutNanos;
        this.validationIdleNanos = builder.validationIdleNanos;
        this.leakThresholdNanos = builder.leakThresholdNanos;
        this.ticker = builder.ticker;
        this.leakReporter = builder.leakReporter;
        this.readsTicker = maxLifetimeNanos > 0 || idleTimeoutNanos > 0 || validationIdleNanos > 0
                || leakThresholdNanos > 0;
        this.slots = (Slot<T>[]) new Slot<?>[builder.maxSize];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot<>(i);
        }
        if (idleTimeoutNanos > 0) {
            this.nextEvictionAt = ticker.read() + idleTimeoutNanos;
        }
        prefill();
    }

    /**
     * Starts building a pool whose resources {@code factory} creates.
     *
     * @param factory creates a resource; called on the acquiring thread when the pool has no
     *     idle resource and fewer than {@code maxSize} resources
     * @param <T> the type of resource
     * @return a builder with maxSize 8, no disposer, no validation, no expiry
     * @throws NullPointerException if {@code factory} is null
     */
    public static <T> Builder<T> builder(ResourceFactory<T> factory) {
        return new Builder<>(Objects.requireNonNull(factory, "factory"));
    }

    /**
     * Leases a resource, waiting as long as it takes for one to become available.
     *
     * @return the lease; close it to return the resource
     * @throws InterruptedException if the thread is interrupted before or while waiting
     * @throws IllegalStateException if the pool is closed, or closes while waiting
     * @throws ResourceCreationException if a resource had to be created and the factory threw
     */
    public Lease<T> acquire() throws InterruptedException {
        return acquire(false, 0L);
    }

    /**
     * Leases a resource, waiting at most {@code timeout} for one to become available. A zero
     * timeout means "do not wait": an idle resource is taken (or created, below maxSize) if
     * there is one, otherwise the call fails at once.
     *
     * @param timeout the longest wait; zero means do not wait
     * @return the lease; close it to return the resource
     * @throws InterruptedException if the thread is interrupted before or while waiting
     * @throws PoolTimeoutException if no resource became available within {@code timeout}
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalStateException if the pool is closed, or closes while waiting
     * @throws ResourceCreationException if a resource had to be created and the factory threw
     */
    public Lease<T> acquire(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        return acquire(true, saturatedNanos(timeout));
    }

    private Lease<T> acquire(boolean timed, long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (closed) {
            throw closedException();
        }
        if (leakThresholdNanos > 0) {
            detectLeaks();
        }
        if (idleTimeoutNanos > 0) {
            maybeEvictIdle();
        }
        boolean virtual = VirtualThreads.isCurrentThreadVirtual();
        Slot<T> hint = virtual ? null : affinity.get();
        Slot<T> slot = null;
        if (waiters.isEmpty() || timed && nanos == 0) {
            if (hint != null) {
                long seen = hint.state;
                if (Slot.status(seen) == Slot.FREE && hint.claim(seen)) {
                    slot = hint;
                }
            }
            if (slot == null) {
                slot = scan();
            }
        }
        if (slot == null) {
            if (timed && nanos == 0) {
                throw new PoolTimeoutException("no resource available, and the timeout was zero");
            }
            slot = await(timed, nanos);
        }
        return prepare(slot, virtual ? slot : hint);
    }

    /** Claims a FREE slot, else an EMPTY one; null if neither could be claimed. */
    private Slot<T> scan() {
        Slot<T>[] slots = this.slots;
        int n = slots.length;
        int start = (int) ((Thread.currentThread().getId() * 0x9E3779B97F4A7C15L) >>> 33) % n;
        boolean sawEmpty = false;
        for (int i = 0, k = start; i < n; i++, k = k + 1 == n ? 0 : k + 1) {
            Slot<T> slot = slots[k];
            long seen = slot.state;
            long status = Slot.status(seen);
            if (status == Slot.FREE) {
                if (slot.claim(seen)) {
                    return slot;
                }
            } else if (status == Slot.EMPTY) {
                sawEmpty = true;
            }
        }
        if (sawEmpty) {
            for (int i = 0, k = start; i < n; i++, k = k + 1 == n ? 0 : k + 1) {
                Slot<T> slot = slots[k];
                long seen = slot.state;
                long status = Slot.status(seen);
                if ((status == Slot.EMPTY || status == Slot.FREE) && slot.claim(seen)) {
                    return slot;
                }
            }
        }
        return null;
    }

    private Slot<T> await(boolean timed, long nanos) throws InterruptedException {
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        Waiter waiter = new Waiter(Thread.currentThread());
        waiters.add(waiter);
        try {
            Slot<T> scanned = scan();
            if (scanned != null) {
                if (waiter.cancel()) {
                    return scanned;
                }
                handBack(scanned); // served meanwhile: keep the slot we were handed
            }
            for (;;) {
                Object handed = waiter.slot;
                if (handed != null) {
                    return served(handed);
                }
                if (closed) {
                    if (waiter.cancel()) {
                        throw closedException();
                    }
                    continue;
                }
                if (timed) {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        if (waiter.cancel()) {
                            throw new PoolTimeoutException("no resource became available within "
                                    + Duration.ofNanos(nanos));
                        }
                        continue;
                    }
                    LockSupport.parkNanos(this, remaining);
                } else {
                    LockSupport.park(this);
                }
                if (Thread.interrupted()) {
                    if (waiter.cancel()) {
                        throw new InterruptedException();
                    }
                    // Served at the same time: keep the resource, keep the interrupt.
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            if (waiter.slot == CANCELLED) {
                waiters.remove(waiter);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Slot<T> served(Object handed) {
        if (handed == CLOSED) {
            throw closedException();
        }
        return (Slot<T>) handed;
    }

    /** Turns an owned slot into a lease: close check, expiry, validation, creation. */
    private Lease<T> prepare(Slot<T> slot, Slot<T> hint) {
        try {
            if (closed) {
                finish(slot);
                throw closedException();
            }
            long now = readsTicker ? ticker.read() : 0L;
            T resource = slot.resource;
            if (resource != null && !stillGood(slot, resource, now)) {
                dispose(slot);
                resource = null;
            }
            if (resource == null) {
                resource = create();
                slot.resource = resource;
                slot.createdAt = now;
                slot.releasedAt = now;
                if (closed) {
                    finish(slot);
                    throw closedException();
                }
            }
        } catch (RuntimeException | Error e) {
            if (Slot.status(slot.state) == Slot.OWNED) {
                handBack(slot);
            }
            throw e;
        }
        if (hint != slot) {
            affinity.set(slot);
        }
        long generation = slot.generation();
        if (leakThresholdNanos > 0) {
            slot.leak = new Slot.LeakInfo(generation, ticker.read(), new Throwable(
                    "resource acquired by thread \"" + Thread.currentThread().getName() + "\" here"));
        }
        return new PooledLease<>(this, slot, generation);
    }

    private boolean stillGood(Slot<T> slot, T resource, long now) {
        if (maxLifetimeNanos > 0 && now - slot.createdAt >= maxLifetimeNanos) {
            return false;
        }
        if (idleTimeoutNanos > 0 && now - slot.releasedAt >= idleTimeoutNanos) {
            return false;
        }
        if (validator != null && (validationIdleNanos == 0 || now - slot.releasedAt >= validationIdleNanos)) {
            try {
                return validator.isValid(resource);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                LOG.debug("validator threw; the resource is discarded", e);
                return false;
            }
        }
        return true;
    }

    private T create() {
        T resource;
        try {
            resource = factory.create();
        } catch (InterruptedException e) {
            failedCreations.incrementAndGet();
            Thread.currentThread().interrupt();
            throw new ResourceCreationException("the factory was interrupted", e);
        } catch (Exception e) {
            failedCreations.incrementAndGet();
            throw new ResourceCreationException("the factory failed: " + e, e);
        }
        if (resource == null) {
            failedCreations.incrementAndGet();
            throw new ResourceCreationException("the factory returned null",
                    new NullPointerException("factory result"));
        }
        created.incrementAndGet();
        size.incrementAndGet();
        return resource;
    }

    /** Called by {@link PooledLease}: returns (or discards) the lease's resource once. */
    void release(PooledLease<T> lease, boolean invalidate) {
        Slot<T> slot = lease.slot;
        long leased = Slot.owned(lease.generation);
        if (slot.state != leased || !slot.claim(leased)) {
            return; // released before: idempotent
        }
        if (leakThresholdNanos > 0) {
            slot.leak = null;
        }
        boolean keep = !invalidate;
        if (keep && reset != null) {
            try {
                reset.accept(slot.resource);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.warn("reset-on-release threw; the resource is discarded", e);
                keep = false;
            }
        }
        if (keep && readsTicker) {
            long now = ticker.read();
            if (maxLifetimeNanos > 0 && now - slot.createdAt >= maxLifetimeNanos) {
                keep = false;
            } else {
                slot.releasedAt = now;
            }
        }
        if (!keep) {
            dispose(slot);
        }
        handBack(slot);
        if (idleTimeoutNanos > 0) {
            maybeEvictIdle();
        }
    }

    /** Gives up ownership of {@code slot}: to the oldest waiter, else as FREE/EMPTY. */
    private void handBack(Slot<T> slot) {
        for (;;) {
            if (closed) {
                finish(slot);
                return;
            }
            Waiter waiter;
            while ((waiter = waiters.poll()) != null) {
                if (waiter.offer(slot)) {
                    return;
                }
            }
            long published = (slot.state & ~Slot.STATUS) | (slot.resource != null ? Slot.FREE : Slot.EMPTY);
            // Volatile store: releases the slot's fields, and (StoreLoad) orders it before the
            // reads of closed and of the queue below: the Dekker pairs of the class notes.
            slot.state = published;
            if (closed) {
                finishIfUnowned(slot);
                return;
            }
            if (waiters.peek() == null || !slot.claim(published)) {
                return;
            }
            // A waiter enqueued after our poll and may have scanned before our store: serve it.
        }
    }

    /** Claims an EMPTY/FREE slot of a closed pool and finishes it; an owner finishes its own. */
    private void finishIfUnowned(Slot<T> slot) {
        for (;;) {
            long seen = slot.state;
            long status = Slot.status(seen);
            if (status != Slot.FREE && status != Slot.EMPTY) {
                return;
            }
            if (slot.claim(seen)) {
                finish(slot);
                return;
            }
        }
    }

    /** Disposes an owned slot's resource and marks the slot DEAD; the pool is closed. */
    private void finish(Slot<T> slot) {
        if (slot.resource != null) {
            dispose(slot);
        }
        slot.state = (slot.state & ~Slot.STATUS) | Slot.DEAD;
        if (deadSlots.incrementAndGet() == slots.length) {
            terminated.countDown();
        }
    }

    /** Disposes an owned slot's resource, leaving the slot without one. */
    private void dispose(Slot<T> slot) {
        T resource = slot.resource;
        slot.resource = null;
        size.decrementAndGet();
        disposed.incrementAndGet();
        if (disposer != null) {
            try {
                disposer.accept(resource);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.warn("the disposer threw; the resource is dropped", e);
            }
        }
    }

    private void prefill() {
        for (int i = 0; i < minIdle; i++) {
            Slot<T> slot = slots[i];
            slot.claim(slot.state);
            try {
                slot.resource = create();
                long now = readsTicker ? ticker.read() : 0L;
                slot.createdAt = now;
                slot.releasedAt = now;
            } catch (ResourceCreationException e) {
                LOG.warn("could not create an idle resource at build time; it is created on demand", e);
            }
            handBack(slot);
        }
    }

    /** Disposes idle resources beyond minIdle that sat idle for idleTimeout; runs at most every idleTimeout/4. */
    private void maybeEvictIdle() {
        long now = ticker.read();
        long next = nextEvictionAt;
        if (now - next < 0 || !NEXT_EVICTION.compareAndSet(this, next, now + Math.max(1, idleTimeoutNanos / 4))) {
            return;
        }
        for (Slot<T> slot : slots) {
            long seen = slot.state;
            // Benign race: releasedAt is read before owning the slot; re-checked after the claim.
            if (Slot.status(seen) != Slot.FREE || now - slot.releasedAt < idleTimeoutNanos
                    || size.get() <= minIdle || !slot.claim(seen)) {
                continue;
            }
            if (slot.resource != null && now - slot.releasedAt >= idleTimeoutNanos && size.get() > minIdle) {
                dispose(slot);
            }
            handBack(slot);
        }
    }

    private void detectLeaks() {
        long now = ticker.read();
        for (Slot<T> slot : slots) {
            Slot.LeakInfo leak = slot.leak;
            if (leak != null && !leak.reported && now - leak.acquiredAt >= leakThresholdNanos
                    && slot.state == Slot.owned(leak.generation)) {
                leak.reported = true; // benign race: two detectors may both report one leak
                leakReporter.leaked("a lease of " + this + " (slot " + slot.index + ") has been held for "
                        + Duration.ofNanos(now - leak.acquiredAt) + ", longer than the leak detection threshold "
                        + Duration.ofNanos(leakThresholdNanos) + "; it was acquired at:", leak.acquiredBy);
            }
        }
    }

    /**
     * Closes the pool: idle resources are disposed now, leased ones when their lease is
     * closed; threads waiting in {@code acquire} and later calls to it get an
     * {@link IllegalStateException}. Idempotent; never blocks (beyond running disposers)
     * and never throws a disposer's exception, which is logged instead.
     */
    @Override
    public void close() {
        if (!CLOSED_FLAG.compareAndSet(this, false, true)) {
            return;
        }
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            waiter.offer(CLOSED);
        }
        for (Slot<T> slot : slots) {
            finishIfUnowned(slot);
        }
    }

    /**
     * Waits until the pool is closed and every resource has been disposed, that is, until
     * every lease was returned after {@link #close()}.
     *
     * @param timeout the longest wait; zero means do not wait
     * @return {@code true} if the pool is closed and empty, {@code false} on timeout
     * @throws InterruptedException if the thread is interrupted while waiting
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code timeout} is null
     */
    public boolean awaitClose(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        return terminated.await(saturatedNanos(timeout), TimeUnit.NANOSECONDS);
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return {@code true} once the pool is closing or closed
     */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Returns a snapshot of the pool's counters; also reports overdue leases when leak
     * detection is on.
     *
     * @return the current statistics, read without locking (see {@link PoolStats})
     */
    public PoolStats stats() {
        if (leakThresholdNanos > 0) {
            detectLeaks();
        }
        int idle = 0;
        int leased = 0;
        for (Slot<T> slot : slots) {
            long status = Slot.status(slot.state);
            if (status == Slot.FREE) {
                idle++;
            } else if (status == Slot.OWNED) {
                leased++;
            }
        }
        return new PoolStats(size.get(), idle, leased, waiters.size(), created.get(), disposed.get(),
                failedCreations.get());
    }

    /**
     * The most resources this pool holds at once.
     *
     * @return maxSize as built
     */
    public int maxSize() {
        return slots.length;
    }

    @Override
    public String toString() {
        return "ResourcePool[maxSize=" + slots.length + ", size=" + size.get() + (closed ? ", closed]" : "]");
    }

    private IllegalStateException closedException() {
        return new IllegalStateException(this + " is closed");
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** A thread parked in acquire; served by a CAS on {@code slot} from null to a slot or CLOSED. */
    private static final class Waiter {
        private static final VarHandle SLOT;

        static {
            try {
                SLOT = MethodHandles.lookup().findVarHandle(Waiter.class, "slot", Object.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Thread thread;
        volatile Object slot;

        Waiter(Thread thread) {
            this.thread = thread;
        }

        /** Releaser side; volatile CAS publishes the slot's fields to the waiter. */
        boolean offer(Object handed) {
            if (SLOT.compareAndSet(this, null, handed)) {
                LockSupport.unpark(thread);
                return true;
            }
            return false;
        }

        /** Waiter side: true if the waiter was not served and now never will be. */
        boolean cancel() {
            return SLOT.compareAndSet(this, null, CANCELLED);
        }
    }

    /**
     * Configures a {@link ResourcePool}. Not thread-safe; {@link #build()} may be called more
     * than once, each call building an independent pool.
     *
     * <pre>{@code
     * ResourcePool<Parser> parsers = ResourcePool.builder(Parser::new)
     *     .maxSize(4)
     *     .minIdle(1)
     *     .resetOnRelease(Parser::reset)
     *     .maxLifetime(Duration.ofMinutes(30))
     *     .idleTimeout(Duration.ofMinutes(5))
     *     .leakDetectionThreshold(Duration.ofSeconds(30))
     *     .build();
     * }</pre>
     *
     * @param <T> the type of resource
     */
    public static final class Builder<T> {
        private final ResourceFactory<T> factory;
        private ResourceAction<T> disposer;
        private ResourceValidator<T> validator;
        private ResourceAction<T> reset;
        private int maxSize = 8;
        private int minIdle;
        private long maxLifetimeNanos;
        private long idleTimeoutNanos;
        private long validationIdleNanos;
        private long leakThresholdNanos;
        private Ticker ticker = Ticker.system();
        private LeakReporter leakReporter = LeakReporter.SLF4J;

        private Builder(ResourceFactory<T> factory) {
            this.factory = factory;
        }

        /**
         * The most resources the pool holds at once (default 8).
         *
         * @param maxSize at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code maxSize} is less than 1
         */
        public Builder<T> maxSize(int maxSize) {
            if (maxSize < 1) {
                throw new IllegalArgumentException("maxSize must be at least 1: " + maxSize);
            }
            this.maxSize = maxSize;
            return this;
        }

        /**
         * Resources created by {@link #build()} and kept through idle eviction (default 0).
         * A factory failure at build time is logged; the resource is then created on demand.
         *
         * @param minIdle from 0 to maxSize (checked by {@link #build()})
         * @return this builder
         * @throws IllegalArgumentException if {@code minIdle} is negative
         */
        public Builder<T> minIdle(int minIdle) {
            if (minIdle < 0) {
                throw new IllegalArgumentException("minIdle must not be negative: " + minIdle);
            }
            this.minIdle = minIdle;
            return this;
        }

        /**
         * Disposes a resource leaving the pool (default: nothing is done). Its exceptions are
         * logged, never thrown to the caller.
         *
         * @param disposer for example {@code Connection::close}
         * @return this builder
         * @throws NullPointerException if {@code disposer} is null
         */
        public Builder<T> disposer(ResourceAction<T> disposer) {
            this.disposer = Objects.requireNonNull(disposer, "disposer");
            return this;
        }

        /**
         * Checks an existing resource before it is leased; an invalid one (false or an
         * exception) is disposed and replaced. Runs on every acquire unless
         * {@link #validationIdleThreshold(Duration)} is set. New resources are not validated.
         *
         * @param validator for example {@code c -> c.isValid(1)}
         * @return this builder
         * @throws NullPointerException if {@code validator} is null
         */
        public Builder<T> validator(ResourceValidator<T> validator) {
            this.validator = Objects.requireNonNull(validator, "validator");
            return this;
        }

        /**
         * Validates only resources that were idle at least this long (default zero: always).
         *
         * @param threshold zero or positive
         * @return this builder
         * @throws IllegalArgumentException if {@code threshold} is negative
         * @throws NullPointerException if {@code threshold} is null
         */
        public Builder<T> validationIdleThreshold(Duration threshold) {
            Objects.requireNonNull(threshold, "threshold");
            if (threshold.isNegative()) {
                throw new IllegalArgumentException("validationIdleThreshold must not be negative: " + threshold);
            }
            this.validationIdleNanos = saturatedNanos(threshold);
            return this;
        }

        /**
         * Runs on every released resource before any other holder can see it, on the
         * releasing thread (not on {@link Lease#invalidate()}). A hook that throws makes the
         * pool discard the resource.
         *
         * @param reset for example {@code c -> c.setAutoCommit(true)}
         * @return this builder
         * @throws NullPointerException if {@code reset} is null
         */
        public Builder<T> resetOnRelease(ResourceAction<T> reset) {
            this.reset = Objects.requireNonNull(reset, "reset");
            return this;
        }

        /**
         * The longest a resource lives; checked on acquire and release (default: forever).
         *
         * @param maxLifetime positive
         * @return this builder
         * @throws IllegalArgumentException if {@code maxLifetime} is not positive
         * @throws NullPointerException if {@code maxLifetime} is null
         */
        public Builder<T> maxLifetime(Duration maxLifetime) {
            this.maxLifetimeNanos = positiveNanos(maxLifetime, "maxLifetime");
            return this;
        }

        /**
         * The longest a resource stays idle before it is disposed, keeping {@code minIdle}
         * (default: forever). Checked lazily, by acquire and release calls.
         *
         * @param idleTimeout positive
         * @return this builder
         * @throws IllegalArgumentException if {@code idleTimeout} is not positive
         * @throws NullPointerException if {@code idleTimeout} is null
         */
        public Builder<T> idleTimeout(Duration idleTimeout) {
            this.idleTimeoutNanos = positiveNanos(idleTimeout, "idleTimeout");
            return this;
        }

        /**
         * Reports a lease held longer than this, once, through SLF4J at WARN with the stack
         * trace of the acquiring call (default: off). Costs a stack trace per acquire.
         *
         * @param threshold positive
         * @return this builder
         * @throws IllegalArgumentException if {@code threshold} is not positive
         * @throws NullPointerException if {@code threshold} is null
         */
        public Builder<T> leakDetectionThreshold(Duration threshold) {
            this.leakThresholdNanos = positiveNanos(threshold, "leakDetectionThreshold");
            return this;
        }

        /**
         * The clock for lifetime, idle and leak checks (default {@link Ticker#system()});
         * tests pass a manual one.
         *
         * @param ticker the clock
         * @return this builder
         * @throws NullPointerException if {@code ticker} is null
         */
        public Builder<T> ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        Builder<T> leakReporter(LeakReporter leakReporter) {
            this.leakReporter = Objects.requireNonNull(leakReporter, "leakReporter");
            return this;
        }

        /**
         * Builds the pool and creates its {@code minIdle} resources.
         *
         * @return a new pool
         * @throws IllegalArgumentException if {@code minIdle} exceeds {@code maxSize}
         */
        public ResourcePool<T> build() {
            if (minIdle > maxSize) {
                throw new IllegalArgumentException("minIdle (" + minIdle + ") exceeds maxSize (" + maxSize + ")");
            }
            return new ResourcePool<>(this);
        }

        private static long positiveNanos(Duration duration, String name) {
            Objects.requireNonNull(duration, name);
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + duration);
            }
            return saturatedNanos(duration);
        }
    }
}
