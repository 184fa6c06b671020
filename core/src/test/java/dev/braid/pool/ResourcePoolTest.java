package dev.braid.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.braid.internal.VirtualThreads;
import dev.braid.testkit.ManualTicker;
import dev.braid.testkit.ThreadStates;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ResourcePoolTest {

    /** A resource that knows who holds it and how often it was disposed. */
    static final class Res {
        final int id;
        final AtomicReference<Object> owner = new AtomicReference<>();
        final AtomicInteger disposals = new AtomicInteger();
        volatile boolean dirty;
        volatile boolean broken;

        Res(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "Res" + id;
        }
    }

    /** Factory and disposer that count, so "each created resource disposed exactly once" can be checked. */
    static final class Counting {
        final AtomicInteger ids = new AtomicInteger();
        final List<Res> created = new CopyOnWriteArrayList<>();
        final AtomicInteger disposeCalls = new AtomicInteger();

        Res create() {
            Res res = new Res(ids.incrementAndGet());
            created.add(res);
            return res;
        }

        void dispose(Res res) {
            disposeCalls.incrementAndGet();
            res.disposals.incrementAndGet();
        }

        void assertEachDisposedOnce() {
            assertThat(created).allSatisfy(r -> assertThat(r.disposals.get()).as("disposals of %s", r).isEqualTo(1));
            assertThat(disposeCalls.get()).isEqualTo(created.size());
        }
    }

    private static ResourcePool.Builder<Res> builder(Counting counting) {
        return ResourcePool.builder(counting::create).disposer(counting::dispose);
    }

    // ---------------------------------------------------------------- never two holders

    @Test
    void neverLeasesOneResourceToTwoHoldersUnderContention() throws Exception {
        Counting counting = new Counting();
        ResourcePool<Res> pool = builder(counting).maxSize(3).build();
        int threads = 8;
        int perThread = 125_000; // 1,000,000 acquire/release in total
        AtomicLong violations = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int index = t;
                futures.add(executor.submit(() -> {
                    Object me = new Object();
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        Lease<Res> lease = index % 2 == 0 || i % 3 != 0
                                ? pool.acquire() : pool.acquire(Duration.ofSeconds(30));
                        Res res = lease.get();
                        if (!res.owner.compareAndSet(null, me)) {
                            violations.incrementAndGet();
                        }
                        if (res.disposals.get() != 0) {
                            violations.incrementAndGet();
                        }
                        if (!res.owner.compareAndSet(me, null)) {
                            violations.incrementAndGet();
                        }
                        if (i % 10_000 == 0 && index == 0) {
                            lease.invalidate(); // churn: slots are emptied and refilled meanwhile
                        } else {
                            lease.close();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(5, TimeUnit.MINUTES);
            }
        } finally {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(violations.get()).isZero();
        PoolStats stats = pool.stats();
        assertThat(stats.leased()).isZero();
        assertThat(stats.waiters()).isZero();
        assertThat(stats.size()).isLessThanOrEqualTo(3);
        pool.close();
        assertThat(pool.awaitClose(Duration.ofSeconds(5))).isTrue();
        counting.assertEachDisposedOnce();
        assertThat(pool.stats().disposed()).isEqualTo(pool.stats().created());
    }

    @Test
    void virtualThreadsShareThePoolWithoutDoubleLeases() throws Exception {
        assumeTrue(VirtualThreads.available(), "virtual threads need JDK 21+");
        Counting counting = new Counting();
        ResourcePool<Res> pool = builder(counting).maxSize(2).build();
        AtomicLong violations = new AtomicLong();
        AtomicInteger done = new AtomicInteger();
        int tasks = 200;
        CountDownLatch finished = new CountDownLatch(tasks);
        var factory = VirtualThreads.virtualThreadFactory("pool-test-");
        for (int t = 0; t < tasks; t++) {
            Thread thread = factory.newThread(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        try (Lease<Res> lease = pool.acquire()) {
                            Object me = new Object();
                            if (!lease.get().owner.compareAndSet(null, me)) {
                                violations.incrementAndGet();
                            }
                            Thread.yield();
                            lease.get().owner.set(null);
                        }
                    }
                    done.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    finished.countDown();
                }
            });
            assertThat(VirtualThreads.isVirtual(thread)).isTrue();
            thread.start();
        }
        assertThat(finished.await(2, TimeUnit.MINUTES)).isTrue();
        assertThat(done.get()).isEqualTo(tasks);
        assertThat(violations.get()).isZero();
        // Bounded: never more resources than maxSize, whatever the number of virtual threads.
        assertThat(counting.created).hasSizeLessThanOrEqualTo(2);
        pool.close();
        counting.assertEachDisposedOnce();
    }

    // ---------------------------------------------------------------- leases

    @Test
    void closingALeaseTwiceDoesNotReleaseTheNextHoldersLease() throws Exception {
        try (ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(1).build()) {
            Lease<Res> first = pool.acquire();
            Res res = first.get();
            first.close();
            Lease<Res> second = pool.acquire();
            first.close();
            first.invalidate();
            assertThat(second.get()).isSameAs(res);
            assertThat(pool.stats().leased()).isEqualTo(1);
            assertThatThrownBy(() -> pool.acquire(Duration.ZERO)).isInstanceOf(PoolTimeoutException.class);
            assertThatThrownBy(first::get).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed or invalidated");
            second.close();
        }
    }

    @Test
    void invalidateDisposesTheResourceAndTheSlotIsFilledAgain() throws Exception {
        Counting counting = new Counting();
        try (ResourcePool<Res> pool = builder(counting).maxSize(1).build()) {
            Lease<Res> lease = pool.acquire();
            Res first = lease.get();
            lease.invalidate();
            lease.close();
            assertThat(first.disposals.get()).isEqualTo(1);
            assertThatThrownBy(lease::get).isInstanceOf(IllegalStateException.class);
            try (Lease<Res> again = pool.acquire()) {
                assertThat(again.get()).isNotSameAs(first);
            }
            assertThat(pool.stats().created()).isEqualTo(2);
            assertThat(pool.stats().disposed()).isEqualTo(1);
        }
        counting.assertEachDisposedOnce();
    }

    @Test
    void aThreadGetsBackTheResourceItUsedLast() throws Exception {
        Counting counting = new Counting();
        try (ResourcePool<Res> pool = builder(counting).maxSize(4).build()) {
            Lease<Res> a = pool.acquire();
            Res mine = a.get();
            AtomicReference<Res> other = new AtomicReference<>();
            CountDownLatch otherHolds = new CountDownLatch(1);
            CountDownLatch mainReleased = new CountDownLatch(1);
            AtomicReference<Res> otherAgain = new AtomicReference<>();
            Thread thread = new Thread(() -> {
                try {
                    Lease<Res> b = pool.acquire();
                    other.set(b.get());
                    otherHolds.countDown();
                    mainReleased.await();
                    b.close();
                    for (int i = 0; i < 100; i++) {
                        try (Lease<Res> again = pool.acquire()) {
                            if (again.get() != other.get()) {
                                otherAgain.set(again.get());
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            thread.start();
            otherHolds.await();
            a.close();
            mainReleased.countDown();
            for (int i = 0; i < 100; i++) {
                try (Lease<Res> again = pool.acquire()) {
                    assertThat(again.get()).isSameAs(mine);
                }
            }
            thread.join();
            assertThat(other.get()).isNotSameAs(mine);
            assertThat(otherAgain.get()).as("the other thread got a resource it did not use last").isNull();
            assertThat(counting.created).hasSize(2);
        }
    }

    // ---------------------------------------------------------------- waiting

    @Test
    void waitersAreServedInArrivalOrder() throws Exception {
        try (ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(1).build()) {
            Lease<Res> held = pool.acquire();
            List<String> order = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String name = "waiter-" + i;
                Thread thread = new Thread(() -> {
                    try (Lease<Res> lease = pool.acquire()) {
                        order.add(name);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, name);
                thread.start();
                ThreadStates.awaitParked(thread);
                threads.add(thread);
            }
            assertThat(pool.stats().waiters()).isEqualTo(4);
            // A newcomer does not overtake the queue even though it asks without waiting... it
            // only barges with a zero timeout, and then only when a resource is idle.
            assertThatThrownBy(() -> pool.acquire(Duration.ZERO)).isInstanceOf(PoolTimeoutException.class);
            held.close();
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(order).containsExactly("waiter-0", "waiter-1", "waiter-2", "waiter-3");
            assertThat(pool.stats().waiters()).isZero();
        }
    }

    @Test
    void aWaitingAcquireIsInterruptible() throws Exception {
        try (ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(1).build()) {
            Lease<Res> held = pool.acquire();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    pool.acquire().close();
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            waiter.start();
            ThreadStates.awaitParked(waiter);
            waiter.interrupt();
            waiter.join();
            assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
            assertThat(pool.stats().waiters()).isZero();
            held.close();
            // The cancelled waiter did not swallow the released resource.
            pool.acquire(Duration.ZERO).close();
        }
    }

    @Test
    void anInterruptedThreadDoesNotAcquire() throws Exception {
        try (ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(1).build()) {
            Thread.currentThread().interrupt();
            assertThatThrownBy(pool::acquire).isInstanceOf(InterruptedException.class);
            assertThat(Thread.interrupted()).isFalse();
        }
    }

    @Test
    void aTimedAcquireTimesOutAndLeavesNoWaiterBehind() throws Exception {
        try (ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(1).build()) {
            Lease<Res> held = pool.acquire();
            assertThatThrownBy(() -> pool.acquire(Duration.ofMillis(20)))
                    .isInstanceOf(PoolTimeoutException.class).hasMessageContaining("PT0.02S");
            assertThatThrownBy(() -> pool.acquire(Duration.ZERO)).isInstanceOf(PoolTimeoutException.class);
            assertThat(pool.stats().waiters()).isZero();
            held.close();
            pool.acquire(Duration.ZERO).close();
        }
    }

    // ---------------------------------------------------------------- failing factory

    @Test
    void aFailingFactoryDoesNotShrinkThePool() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (ResourcePool<Res> pool = ResourcePool.<Res>builder(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IOException("database down");
            }
            return new Res(calls.get());
        }).maxSize(1).build()) {
            assertThatThrownBy(pool::acquire).isInstanceOf(ResourceCreationException.class)
                    .hasCauseInstanceOf(IOException.class).hasMessageContaining("database down");
            assertThat(pool.stats().failedCreations()).isEqualTo(1);
            assertThat(pool.stats().size()).isZero();
            try (Lease<Res> lease = pool.acquire(Duration.ZERO)) {
                assertThat(lease.get().id).isEqualTo(2);
            }
        }
    }

    @Test
    void aWaiterGetsTheFactoryExceptionNotAHang() throws Exception {
        AtomicBoolean fail = new AtomicBoolean();
        try (ResourcePool<Res> pool = ResourcePool.<Res>builder(() -> {
            if (fail.get()) {
                throw new IOException("refused");
            }
            return new Res(1);
        }).maxSize(1).build()) {
            Lease<Res> held = pool.acquire();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    pool.acquire(Duration.ofSeconds(30)).close();
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            waiter.start();
            ThreadStates.awaitParked(waiter);
            fail.set(true);
            held.invalidate(); // the empty slot goes to the waiter, whose creation fails
            waiter.join();
            assertThat(thrown.get()).isInstanceOf(ResourceCreationException.class).hasRootCauseMessage("refused");
            fail.set(false);
            pool.acquire(Duration.ZERO).close();
        }
    }

    // ---------------------------------------------------------------- expiry and validation

    @Test
    void aResourceOlderThanMaxLifetimeIsReplaced() throws Exception {
        Counting counting = new Counting();
        ManualTicker ticker = new ManualTicker(Long.MAX_VALUE - 5); // expiry must compare by difference
        try (ResourcePool<Res> pool = builder(counting).maxSize(1).ticker(ticker)
                .maxLifetime(Duration.ofMinutes(10)).build()) {
            Res first;
            try (Lease<Res> lease = pool.acquire()) {
                first = lease.get();
            }
            ticker.advance(Duration.ofMinutes(9));
            try (Lease<Res> lease = pool.acquire()) {
                assertThat(lease.get()).isSameAs(first);
                ticker.advance(Duration.ofMinutes(2)); // expires while leased: disposed on release
            }
            assertThat(first.disposals.get()).isEqualTo(1);
            try (Lease<Res> lease = pool.acquire()) {
                assertThat(lease.get()).isNotSameAs(first);
            }
            // Idle past the lifetime: replaced on acquire.
            Res second = counting.created.get(1);
            ticker.advance(Duration.ofMinutes(11));
            try (Lease<Res> lease = pool.acquire()) {
                assertThat(lease.get()).isNotSameAs(second);
            }
            assertThat(second.disposals.get()).isEqualTo(1);
        }
        counting.assertEachDisposedOnce();
    }

    @Test
    void idleResourcesAreEvictedDownToMinIdle() throws Exception {
        Counting counting = new Counting();
        ManualTicker ticker = new ManualTicker();
        try (ResourcePool<Res> pool = builder(counting).maxSize(4).minIdle(1).ticker(ticker)
                .idleTimeout(Duration.ofMinutes(1)).build()) {
            assertThat(pool.stats().size()).isEqualTo(1);
            assertThat(pool.stats().idle()).isEqualTo(1);
            List<Lease<Res>> leases = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                leases.add(pool.acquire());
            }
            leases.forEach(Lease::close);
            assertThat(pool.stats().size()).isEqualTo(4);
            ticker.advance(Duration.ofSeconds(59));
            pool.acquire().close();
            assertThat(pool.stats().size()).isEqualTo(4);
            ticker.advance(Duration.ofMinutes(2));
            pool.acquire().close(); // lazily evicts
            assertThat(pool.stats().size()).isBetween(1, 2);
            ticker.advance(Duration.ofMinutes(2));
            pool.stats();
            pool.acquire().close();
            assertThat(pool.stats().size()).isEqualTo(1);
            assertThat(counting.created.stream().filter(r -> r.disposals.get() == 1)).hasSizeGreaterThanOrEqualTo(3);
        }
        counting.assertEachDisposedOnce();
    }

    @Test
    void validationRunsOnAcquireAndReplacesInvalidResources() throws Exception {
        Counting counting = new Counting();
        AtomicInteger validations = new AtomicInteger();
        try (ResourcePool<Res> pool = builder(counting).maxSize(1).validator(r -> {
            validations.incrementAndGet();
            if (r.id == 3) {
                throw new IOException("validation query failed");
            }
            return !r.broken;
        }).build()) {
            Res first;
            try (Lease<Res> lease = pool.acquire()) {
                first = lease.get();
            }
            assertThat(validations.get()).as("a new resource is not validated").isZero();
            try (Lease<Res> lease = pool.acquire()) {
                assertThat(lease.get()).isSameAs(first);
                lease.get().broken = true;
            }
            assertThat(validations.get()).isEqualTo(1);
            Res second;
            try (Lease<Res> lease = pool.acquire()) {
                second = lease.get();
            }
            assertThat(second).isNotSameAs(first);
            assertThat(first.disposals.get()).isEqualTo(1);
            try (Lease<Res> lease = pool.acquire()) {
                assertThat(lease.get()).isSameAs(second);
            }
        }
        counting.assertEachDisposedOnce();
    }

    @Test
    void validationCanBeLimitedToResourcesIdleLongerThanAThreshold() throws Exception {
        ManualTicker ticker = new ManualTicker();
        AtomicInteger validations = new AtomicInteger();
        try (ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(1).ticker(ticker)
                .validator(r -> validations.incrementAndGet() > 0)
                .validationIdleThreshold(Duration.ofSeconds(30)).build()) {
            pool.acquire().close();
            ticker.advance(Duration.ofSeconds(29));
            pool.acquire().close();
            assertThat(validations.get()).isZero();
            ticker.advance(Duration.ofSeconds(30));
            pool.acquire().close();
            assertThat(validations.get()).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------- reset

    @Test
    void resetRunsBeforeTheNextHolderSeesTheResource() throws Exception {
        Counting counting = new Counting();
        AtomicInteger resets = new AtomicInteger();
        try (ResourcePool<Res> pool = builder(counting).maxSize(1).resetOnRelease(r -> {
            resets.incrementAndGet();
            r.dirty = false;
        }).build()) {
            Lease<Res> lease = pool.acquire();
            lease.get().dirty = true;
            AtomicReference<Boolean> seenDirty = new AtomicReference<>();
            Thread next = new Thread(() -> {
                try (Lease<Res> mine = pool.acquire()) {
                    seenDirty.set(mine.get().dirty);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            next.start();
            ThreadStates.awaitParked(next); // hand-off path
            lease.close();
            next.join();
            assertThat(seenDirty.get()).isFalse();
            try (Lease<Res> again = pool.acquire()) { // affinity/free path
                assertThat(again.get().dirty).isFalse();
                again.get().dirty = true;
            }
            try (Lease<Res> again = pool.acquire()) {
                assertThat(again.get().dirty).isFalse();
            }
            assertThat(resets.get()).as("one reset per release").isEqualTo(4);
        }
        counting.assertEachDisposedOnce();
    }

    @Test
    void aResourceWhoseResetThrowsIsDiscarded() throws Exception {
        Counting counting = new Counting();
        try (ResourcePool<Res> pool = builder(counting).maxSize(1).resetOnRelease(r -> {
            if (r.dirty) {
                throw new IllegalStateException("cannot roll back");
            }
        }).build()) {
            Res first;
            try (Lease<Res> lease = pool.acquire()) {
                first = lease.get();
                first.dirty = true;
            }
            assertThat(first.disposals.get()).isEqualTo(1);
            try (Lease<Res> lease = pool.acquire()) {
                assertThat(lease.get()).isNotSameAs(first);
            }
        }
        counting.assertEachDisposedOnce();
    }

    // ---------------------------------------------------------------- leak detection

    @Test
    void aLeaseHeldBeyondTheThresholdIsReportedOnceWithTheAcquiringStack() throws Exception {
        ManualTicker ticker = new ManualTicker();
        List<Throwable> traces = new CopyOnWriteArrayList<>();
        List<String> messages = new CopyOnWriteArrayList<>();
        try (ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(2).ticker(ticker)
                .leakDetectionThreshold(Duration.ofSeconds(10))
                .leakReporter((message, trace) -> {
                    messages.add(message);
                    traces.add(trace);
                }).build()) {
            Lease<Res> leaked = acquireHere(pool);
            ticker.advance(Duration.ofSeconds(9));
            pool.acquire().close();
            assertThat(messages).isEmpty();
            ticker.advance(Duration.ofSeconds(1));
            pool.acquire().close();
            assertThat(messages).hasSize(1);
            assertThat(messages.get(0)).contains("PT10S");
            assertThat(traces.get(0).getStackTrace())
                    .anySatisfy(frame -> assertThat(frame.getMethodName()).isEqualTo("acquireHere"));
            pool.stats();
            pool.acquire().close();
            assertThat(messages).as("reported once").hasSize(1);
            leaked.close();
            ticker.advance(Duration.ofMinutes(1));
            pool.acquire().close();
            assertThat(messages).hasSize(1);
        }
    }

    private static Lease<Res> acquireHere(ResourcePool<Res> pool) throws InterruptedException {
        return pool.acquire();
    }

    @Test
    void theDefaultLeakReporterLogsThroughSlf4j() throws Exception {
        // slf4j-simple writes to System.err; capture it for the duration of one report.
        java.io.PrintStream originalErr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        ManualTicker ticker = new ManualTicker();
        try (ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(2).ticker(ticker)
                .leakDetectionThreshold(Duration.ofSeconds(1)).build()) {
            Lease<Res> leaked = acquireHere(pool);
            ticker.advance(Duration.ofSeconds(2));
            System.setErr(new java.io.PrintStream(captured, true, "UTF-8"));
            try {
                pool.stats();
            } finally {
                System.setErr(originalErr);
            }
            leaked.close();
        }
        String log = captured.toString("UTF-8");
        assertThat(log).contains("WARN").contains("longer than the leak detection threshold").contains("acquireHere");
    }

    // ---------------------------------------------------------------- close

    @Test
    void closeDisposesIdleResourcesAtOnceAndLeasedOnesWhenReleased() throws Exception {
        Counting counting = new Counting();
        ResourcePool<Res> pool = builder(counting).maxSize(3).build();
        Lease<Res> a = pool.acquire();
        Lease<Res> b = pool.acquire();
        Lease<Res> c = pool.acquire();
        Res idle = c.get();
        c.close();
        pool.close();
        pool.close();
        assertThat(idle.disposals.get()).isEqualTo(1);
        assertThat(a.get().disposals.get()).isZero();
        assertThat(pool.isClosed()).isTrue();
        assertThatThrownBy(pool::acquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(pool.awaitClose(Duration.ZERO)).isFalse();
        Res first = a.get();
        a.close();
        assertThat(first.disposals.get()).isEqualTo(1);
        b.invalidate();
        b.close();
        assertThat(pool.awaitClose(Duration.ofSeconds(5))).isTrue();
        assertThat(pool.stats().size()).isZero();
        counting.assertEachDisposedOnce();
    }

    @Test
    void closeWakesWaitersWithIllegalStateException() throws Exception {
        ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(1).build();
        Lease<Res> held = pool.acquire();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                pool.acquire();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        waiter.start();
        ThreadStates.awaitParked(waiter);
        pool.close();
        waiter.join();
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class);
        held.close();
        assertThat(pool.awaitClose(Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void disposerExceptionsAreLoggedNotThrown() throws Exception {
        ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(1)
                .disposer(r -> {
                    throw new IOException("close failed");
                }).build();
        pool.acquire().close();
        pool.close();
        assertThat(pool.awaitClose(Duration.ZERO)).isTrue();
        assertThat(pool.stats().disposed()).isEqualTo(1);
    }

    @Test
    void everyCreatedResourceIsDisposedExactlyOnceWhenCloseRacesUse() throws Exception {
        for (int round = 0; round < 20; round++) {
            Counting counting = new Counting();
            ResourcePool<Res> pool = builder(counting).maxSize(2).build();
            int threads = 4;
            CountDownLatch started = new CountDownLatch(threads);
            ExecutorService executor = Executors.newFixedThreadPool(threads);
            Map<String, Integer> outcomes = new ConcurrentHashMap<>();
            for (int t = 0; t < threads; t++) {
                int index = t;
                executor.submit(() -> {
                    started.countDown();
                    for (int i = 0; ; i++) {
                        try (Lease<Res> lease = pool.acquire(Duration.ofSeconds(10))) {
                            if ((i + index) % 7 == 0) {
                                lease.invalidate();
                            }
                        } catch (IllegalStateException e) {
                            outcomes.merge("closed", 1, Integer::sum);
                            return null;
                        }
                    }
                });
            }
            started.await();
            pool.close();
            executor.shutdown();
            assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            assertThat(outcomes).containsEntry("closed", threads);
            assertThat(pool.awaitClose(Duration.ofSeconds(5))).isTrue();
            counting.assertEachDisposedOnce();
        }
    }

    // ---------------------------------------------------------------- stats and input

    @Test
    void statsCountWhatHappened() throws Exception {
        try (ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).maxSize(3).minIdle(2).build()) {
            assertThat(pool.stats()).isEqualTo(new PoolStats(2, 2, 0, 0, 2, 0, 0));
            Lease<Res> a = pool.acquire();
            Lease<Res> b = pool.acquire();
            Lease<Res> c = pool.acquire();
            assertThat(pool.stats()).isEqualTo(new PoolStats(3, 0, 3, 0, 3, 0, 0));
            a.invalidate();
            b.close();
            assertThat(pool.stats()).isEqualTo(new PoolStats(2, 1, 1, 0, 3, 1, 0));
            c.close();
            assertThat(pool.maxSize()).isEqualTo(3);
        }
    }

    @Test
    void badInputIsRejectedWithTheValueInTheMessage() {
        assertThatThrownBy(() -> ResourcePool.builder(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("factory");
        ResourcePool.Builder<Res> builder = ResourcePool.builder(() -> new Res(1));
        assertThatThrownBy(() -> builder.maxSize(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> builder.minIdle(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> builder.maxLifetime(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> builder.idleTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
        assertThatThrownBy(() -> builder.leakDetectionThreshold(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leakDetectionThreshold");
        assertThatThrownBy(() -> builder.validationIdleThreshold(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.minIdle(5).maxSize(2).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minIdle (5)");
        try (ResourcePool<Res> pool = ResourcePool.builder(() -> new Res(1)).build()) {
            assertThat(pool.maxSize()).isEqualTo(8);
            assertThatThrownBy(() -> pool.acquire(Duration.ofNanos(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.000000001S");
            assertThatThrownBy(() -> pool.awaitClose(Duration.ofSeconds(-2)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        try (ResourcePool<Res> nulls = ResourcePool.<Res>builder(() -> null).build()) {
            assertThatThrownBy(nulls::acquire).isInstanceOf(ResourceCreationException.class).hasMessageContaining("null");
        }
    }
}
