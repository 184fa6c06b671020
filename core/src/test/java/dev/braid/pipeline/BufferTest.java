package dev.braid.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.braid.testkit.ThreadStates;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The buffer's wake-ups: a put that skips its signal never strands an item. */
@Timeout(120)
class BufferTest {

    private static final int ROUNDS = 300;

    /**
     * Two takers parked; two items put back to back. The first put wakes one taker; the second
     * usually finds that wake-up still in flight and skips its own signal. The woken taker takes
     * one item and then stays busy with it until the test lets go, so the other item reaches the
     * second taker only if the first passed the wake-up on.
     */
    @Test
    void aWokenTakerThatLeavesAnItemBehindWakesAnotherTaker() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Buffer buffer = new Buffer(16);
            CountDownLatch taken = new CountDownLatch(2);
            CountDownLatch release = new CountDownLatch(1);
            List<Thread> takers = startTakers(buffer, 2, taken, release, new ConcurrentLinkedQueue<>());
            for (Thread t : takers) {
                ThreadStates.awaitParked(t);
            }
            assertThat(putTwoAndEnd(buffer, taken, release, takers))
                    .as("round %d: the second item reached the second taker while the first was busy", round)
                    .isTrue();
        }
    }

    /**
     * Three takers parked, the first of them interrupted just before two items arrive: whichever
     * way the interrupt and the signal race, each item reaches a taker that is free for it.
     */
    @Test
    void anInterruptedWaiterDoesNotStrandTheItemsOfTheWakeUpItAbsorbed() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Buffer buffer = new Buffer(16);
            CountDownLatch taken = new CountDownLatch(2);
            CountDownLatch release = new CountDownLatch(1);
            ConcurrentLinkedQueue<Object> got = new ConcurrentLinkedQueue<>();
            List<Thread> takers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                // one by one, so that they queue on the condition in this order
                takers.addAll(startTakers(buffer, 1, taken, release, got));
                ThreadStates.awaitParked(takers.get(i));
            }
            takers.get(0).interrupt();
            assertThat(putTwoAndEnd(buffer, taken, release, takers)).as("round %d: both items were taken", round).isTrue();
            assertThat(got).as("round %d", round).containsExactlyInAnyOrder("a", "b");
        }
    }

    /**
     * Takers that take until end-of-stream (or an interrupt) and, after each item, count it and
     * stay busy with it until {@code release} opens.
     */
    private static List<Thread> startTakers(Buffer buffer, int n, CountDownLatch taken, CountDownLatch release,
            ConcurrentLinkedQueue<Object> got) {
        List<Thread> takers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                Cursor c = new Cursor();
                try {
                    for (Object item; (item = buffer.take(c)) != null; ) {
                        got.add(item);
                        taken.countDown();
                        release.await();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the thread ends here
                }
            }, "buffer-test-taker");
            t.setDaemon(true);
            t.start();
            takers.add(t);
        }
        return takers;
    }

    /**
     * Puts "a" and "b" back to back, waits up to 10 s for both to be taken, then lets the
     * takers go, closes the buffer and joins them. Returns whether both were taken in time.
     */
    private static boolean putTwoAndEnd(Buffer buffer, CountDownLatch taken, CountDownLatch release,
            List<Thread> takers) throws InterruptedException {
        buffer.put("a");
        buffer.put("b");
        boolean both = taken.await(10, TimeUnit.SECONDS);
        release.countDown();
        buffer.close();
        for (Thread t : takers) {
            t.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
        }
        return both;
    }
}
