package dev.braid.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.testkit.ThreadStates;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BulkheadTest {

    private final List<Thread> threads = new ArrayList<>();

    private Thread start(Runnable r) {
        Thread t = new Thread(r);
        threads.add(t);
        t.start();
        return t;
    }

    private void joinAll() throws InterruptedException {
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(t.isAlive()).as("thread %s ended", t.getName()).isFalse();
        }
    }

    @Test
    void admitsExactlyMaxConcurrentCallsThenRejects() throws Exception {
        Bulkhead bulkhead = Bulkhead.of(3, Duration.ZERO);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inside = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) {
            start(() -> {
                try {
                    bulkhead.call(() -> {
                        inside.countDown();
                        release.await();
                        return null;
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(bulkhead.availableSlots()).isZero();
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> bulkhead.call(ran::incrementAndGet))
                .isInstanceOf(BulkheadFullException.class).hasMessageContaining("3");
        assertThat(ran).hasValue(0);
        release.countDown();
        joinAll();
        assertThat(bulkhead.availableSlots()).isEqualTo(3);
        assertThat(bulkhead.call(() -> "free again")).isEqualTo("free again");
    }

    @Test
    void waitingCallerGetsTheSlotWhenOneIsReleased() throws Exception {
        Bulkhead bulkhead = Bulkhead.of(1, Duration.ofMinutes(1));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inside = new CountDownLatch(1);
        start(() -> {
            try {
                bulkhead.call(() -> {
                    inside.countDown();
                    release.await();
                    return null;
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<String> result = new AtomicReference<>();
        Thread waiter = start(() -> {
            try {
                result.set(bulkhead.call(() -> "waited"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ThreadStates.awaitParked(waiter);
        assertThat(result.get()).isNull();
        release.countDown();
        joinAll();
        assertThat(result.get()).isEqualTo("waited");
    }

    @Test
    void waitersAreServedInArrivalOrder() throws Exception {
        Bulkhead bulkhead = Bulkhead.of(1, Duration.ofMinutes(1));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inside = new CountDownLatch(1);
        List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
        start(() -> {
            try {
                bulkhead.call(() -> {
                    inside.countDown();
                    release.await();
                    return null;
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        for (String name : List.of("first", "second", "third")) {
            Thread waiter = start(() -> {
                try {
                    bulkhead.call(() -> order.add(name));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            ThreadStates.awaitParked(waiter); // queued before the next one arrives
        }
        release.countDown();
        joinAll();
        assertThat(order).containsExactly("first", "second", "third");
    }

    @Test
    void callerIsRejectedWhenTheWaitExpires() throws Exception {
        Bulkhead bulkhead = Bulkhead.of(1, Duration.ofMillis(20));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inside = new CountDownLatch(1);
        start(() -> {
            try {
                bulkhead.call(() -> {
                    inside.countDown();
                    release.await();
                    return null;
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> bulkhead.call(() -> "never"))
                .isInstanceOf(BulkheadFullException.class).hasMessageContaining("PT0.02S");
        release.countDown();
        joinAll();
    }

    @Test
    void interruptWhileWaitingThrowsAndTakesNoSlot() throws Exception {
        Bulkhead bulkhead = Bulkhead.of(1, Duration.ofMinutes(1));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inside = new CountDownLatch(1);
        start(() -> {
            try {
                bulkhead.call(() -> {
                    inside.countDown();
                    release.await();
                    return null;
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicInteger ran = new AtomicInteger();
        Thread waiter = start(() -> {
            try {
                bulkhead.call(ran::incrementAndGet);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        ThreadStates.awaitParked(waiter);
        waiter.interrupt();
        waiter.join();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(ran).hasValue(0);
        release.countDown();
        joinAll();
        assertThat(bulkhead.availableSlots()).isEqualTo(1);
    }

    @Test
    void failingTaskReleasesItsSlotAndPropagatesItsException() {
        Bulkhead bulkhead = Bulkhead.of(1, Duration.ZERO);
        assertThatThrownBy(() -> bulkhead.call(() -> {
            throw new IOException("down");
        })).isInstanceOf(IOException.class).hasMessage("down");
        assertThatThrownBy(() -> bulkhead.call(() -> {
            throw new StackOverflowError("deep");
        })).isInstanceOf(StackOverflowError.class);
        assertThat(bulkhead.availableSlots()).isEqualTo(1);
    }

    /** Many threads hammer a bulkhead of 3; the highest concurrency seen inside must be 3. */
    @Test
    void neverMoreThanMaxConcurrentCallsUnderContention() throws Exception {
        int limit = 3;
        int threadsCount = 8;
        Bulkhead bulkhead = Bulkhead.of(limit, Duration.ofMinutes(1));
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger highest = new AtomicInteger();
        CyclicBarrier go = new CyclicBarrier(threadsCount);
        ExecutorService pool = Executors.newFixedThreadPool(threadsCount);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threadsCount; t++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 2_000; i++) {
                        bulkhead.call(() -> {
                            int now = inside.incrementAndGet();
                            highest.accumulateAndGet(now, Math::max);
                            Thread.yield();
                            inside.decrementAndGet();
                            return null;
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(highest.get()).isBetween(1, limit);
        assertThat(bulkhead.availableSlots()).isEqualTo(limit);
    }

    @Test
    void badInputIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> Bulkhead.of(0, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> Bulkhead.of(2, Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.005S");
        assertThatThrownBy(() -> Bulkhead.of(2, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Bulkhead.of(2, Duration.ZERO).call(null)).isInstanceOf(NullPointerException.class);
        assertThat(Bulkhead.of(7, Duration.ofSeconds(Long.MAX_VALUE)).maxConcurrentCalls()).isEqualTo(7);
    }
}
