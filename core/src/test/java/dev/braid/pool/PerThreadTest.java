package dev.braid.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.braid.internal.VirtualThreads;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PerThreadTest {

    static final class Res {
        final Thread creator = Thread.currentThread();
        final AtomicInteger disposals = new AtomicInteger();
    }

    static final class Counting {
        final List<Res> created = new CopyOnWriteArrayList<>();

        Res create() {
            Res res = new Res();
            created.add(res);
            return res;
        }

        void dispose(Res res) {
            res.disposals.incrementAndGet();
        }

        PerThread<Res> perThread() {
            return PerThread.of(this::create, this::dispose);
        }
    }

    private static Res getOn(PerThread<Res> perThread) throws InterruptedException {
        AtomicReference<Res> result = new AtomicReference<>();
        Thread thread = new Thread(() -> result.set(perThread.get()));
        thread.start();
        thread.join();
        return result.get();
    }

    @Test
    void eachThreadGetsItsOwnResourceCreatedOnce() throws Exception {
        Counting counting = new Counting();
        try (PerThread<Res> perThread = counting.perThread()) {
            Res mine = perThread.get();
            assertThat(perThread.get()).isSameAs(mine);
            assertThat(mine.creator).isSameAs(Thread.currentThread());
            int threads = 4;
            ExecutorService executor = Executors.newFixedThreadPool(threads);
            Set<Res> seen = ConcurrentHashMap.newKeySet();
            AtomicInteger foreign = new AtomicInteger();
            try {
                List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    futures.add(executor.submit(() -> {
                        Res res = perThread.get();
                        if (res.creator != Thread.currentThread()) {
                            foreign.incrementAndGet();
                        }
                        seen.add(res);
                    }));
                }
                for (var future : futures) {
                    future.get(1, TimeUnit.MINUTES);
                }
            } finally {
                executor.shutdown();
                assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(foreign.get()).isZero();
            assertThat(seen).hasSize(threads).doesNotContain(mine);
            assertThat(counting.created).hasSize(threads + 1);
        }
        assertThat(counting.created).allSatisfy(r -> assertThat(r.disposals.get()).isEqualTo(1));
    }

    @Test
    void theResourceOfAFinishedThreadIsDisposedWhenAnotherThreadCreatesOne() throws Exception {
        Counting counting = new Counting();
        try (PerThread<Res> perThread = counting.perThread()) {
            Res dead = getOn(perThread); // that thread has ended (joined)
            assertThat(dead.disposals.get()).isZero();
            assertThat(perThread.size()).isEqualTo(1);
            Res mine = perThread.get();
            assertThat(dead.disposals.get()).isEqualTo(1);
            assertThat(mine.disposals.get()).isZero();
            assertThat(perThread.size()).isEqualTo(1);
        }
    }

    @Test
    void theResourceOfAFinishedThreadIsDisposedByLaterGetsOfALiveThread() throws Exception {
        Counting counting = new Counting();
        try (PerThread<Res> perThread = counting.perThread()) {
            Res mine = perThread.get();
            Res dead = getOn(perThread);
            for (int i = 0; i < 1024 && dead.disposals.get() == 0; i++) {
                perThread.get();
            }
            assertThat(dead.disposals.get()).isEqualTo(1);
            assertThat(mine.disposals.get()).isZero();
        }
    }

    @Test
    void closeDisposesAllResourcesIncludingThoseOfDeadThreadsAndGetFailsAfter() throws Exception {
        Counting counting = new Counting();
        PerThread<Res> perThread = counting.perThread();
        Res dead = getOn(perThread);
        CountDownLatch created = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> afterClose = new AtomicReference<>();
        Thread alive = new Thread(() -> {
            perThread.get();
            created.countDown();
            try {
                release.await();
                perThread.get();
            } catch (Throwable e) {
                afterClose.set(e);
            }
        });
        alive.start();
        created.await();
        perThread.close();
        perThread.close();
        release.countDown();
        alive.join();
        assertThat(counting.created).hasSize(2).allSatisfy(r -> assertThat(r.disposals.get()).isEqualTo(1));
        assertThat(dead.disposals.get()).isEqualTo(1);
        assertThat(afterClose.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(perThread::get).isInstanceOf(IllegalStateException.class);
        assertThat(perThread.size()).isZero();
    }

    @Test
    void everyResourceIsDisposedExactlyOnceWhenCloseRacesFirstGets() throws Exception {
        for (int round = 0; round < 50; round++) {
            Counting counting = new Counting();
            PerThread<Res> perThread = counting.perThread();
            int threads = 4;
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> list = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread thread = new Thread(() -> {
                    ready.countDown();
                    try {
                        go.await();
                        perThread.get();
                    } catch (IllegalStateException expected) {
                        // closed first
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                thread.start();
                list.add(thread);
            }
            ready.await();
            go.countDown();
            perThread.close();
            for (Thread thread : list) {
                thread.join();
            }
            assertThat(counting.created).allSatisfy(r -> assertThat(r.disposals.get()).isEqualTo(1));
        }
    }

    @Test
    void aFailingFactoryIsRetriedOnTheNextGet() {
        AtomicInteger calls = new AtomicInteger();
        try (PerThread<Res> perThread = PerThread.<Res>of(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IOException("model file missing");
            }
            return new Res();
        }, r -> { })) {
            assertThatThrownBy(perThread::get).isInstanceOf(ResourceCreationException.class)
                    .hasCauseInstanceOf(IOException.class);
            assertThat(perThread.get()).isNotNull();
            assertThat(perThread.size()).isEqualTo(1);
        }
    }

    @Test
    void disposerExceptionsAreLoggedNotThrownFromClose() {
        PerThread<Res> perThread = PerThread.of(Res::new, r -> {
            throw new IOException("close failed");
        });
        perThread.get();
        perThread.close();
        assertThat(perThread.size()).isZero();
    }

    @Test
    void virtualThreadsAreRefusedWithAPointerToResourcePool() throws Exception {
        assumeTrue(VirtualThreads.available(), "virtual threads need JDK 21+");
        Counting counting = new Counting();
        try (PerThread<Res> perThread = counting.perThread()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread thread = VirtualThreads.virtualThreadFactory("per-thread-test-").newThread(() -> {
                try {
                    perThread.get();
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            thread.start();
            thread.join();
            assertThat(thrown.get()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("virtual thread").hasMessageContaining("ResourcePool");
            assertThat(counting.created).isEmpty();
        }
    }

    @Test
    void nullArgumentsAreRejected() {
        assertThatThrownBy(() -> PerThread.of(null, r -> { })).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("factory");
        assertThatThrownBy(() -> PerThread.of(Res::new, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("disposer");
        try (PerThread<Res> nulls = PerThread.<Res>of(() -> null, r -> { })) {
            assertThatThrownBy(nulls::get).isInstanceOf(ResourceCreationException.class).hasMessageContaining("null");
        }
    }
}
