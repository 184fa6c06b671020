package dev.braid.patterns;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;

/**
 * The Batcher's "nothing lost, nothing duplicated, order kept" claims under contention:
 * several producers put while the batcher is closed under them. Every put that returned
 * normally must be delivered exactly once, in the producer's order, in batches of at most
 * maxSize; every put that threw must not be delivered.
 */
class BatcherStressTest {

    @RepeatedTest(5)
    void everyAcceptedItemIsDeliveredExactlyOnceInProducerOrderDespiteAConcurrentClose() throws Exception {
        int producers = 4;
        int maxSize = 7;
        List<List<Long>> batches = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger consumerThreads = new AtomicInteger();
        Set<Thread> seenThreads = ConcurrentHashMap.newKeySet();
        Batcher<Long> batcher = Batcher.<Long>builder(b -> {
            if (seenThreads.add(Thread.currentThread())) {
                consumerThreads.incrementAndGet();
            }
            batches.add(b);
            Thread.yield();
        }).maxSize(maxSize).capacity(16).maxDelay(Duration.ofMillis(1)).build();
        List<Set<Long>> accepted = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            accepted.add(ConcurrentHashMap.newKeySet());
        }
        CyclicBarrier go = new CyclicBarrier(producers + 1);
        CountDownLatch enough = new CountDownLatch(producers);
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int p = 0; p < producers; p++) {
                int id = p;
                futures.add(pool.submit(() -> {
                    go.await();
                    for (long seq = 0; ; seq++) {
                        long item = ((long) id << 32) | seq;
                        try {
                            if ((seq & 1) == 0) {
                                batcher.put(item);
                            } else if (!batcher.offer(item, Duration.ofMillis(1))) {
                                continue; // not accepted: must not be delivered
                            }
                        } catch (IllegalStateException closed) {
                            return null;
                        }
                        accepted.get(id).add(item);
                        if (seq == 2_000) {
                            enough.countDown();
                        }
                    }
                }));
            }
            go.await(1, TimeUnit.MINUTES);
            assertThat(enough.await(1, TimeUnit.MINUTES)).isTrue();
            batcher.close();                                  // while producers still put
            for (Future<?> f : futures) {
                f.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(consumerThreads).hasValue(1);
        List<Long> delivered = new ArrayList<>();
        for (List<Long> batch : batches) {
            assertThat(batch).isNotEmpty().hasSizeLessThanOrEqualTo(maxSize);
            delivered.addAll(batch);
        }
        Set<Long> unique = new HashSet<>(delivered);
        assertThat(unique).as("no duplicates").hasSameSizeAs(delivered);
        Set<Long> allAccepted = new HashSet<>();
        accepted.forEach(allAccepted::addAll);
        assertThat(unique).as("exactly the accepted items").isEqualTo(allAccepted);
        long[] last = new long[producers];
        java.util.Arrays.fill(last, -1);
        for (long item : delivered) {
            int id = (int) (item >>> 32);
            long seq = item & 0xFFFF_FFFFL;
            assertThat(seq).as("producer %d order", id).isGreaterThan(last[id]);
            last[id] = seq;
        }
    }
}
