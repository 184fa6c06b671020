package dev.braid.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.braid.testkit.ThreadStates;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The buffer's wake-ups (a put that skips its signal never strands an item) and its positional
 * puts (ordered stages).
 */
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

    // ------------------------------------------------------------------ positional puts

    @Test
    void positionalPutsAreTakenInPositionOrderWhateverOrderTheyArrive() throws Exception {
        Buffer buffer = positional(4);
        for (long p : new long[] {2, 0, 3, 1}) {
            assertThat(buffer.putAt("item" + p, p)).isEqualTo(p);
        }
        buffer.close();
        Cursor c = new Cursor();
        for (long p = 0; p < 4; p++) {
            assertThat(buffer.take(c)).isEqualTo("item" + p);
            assertThat(c.seq).isEqualTo(p);
        }
        assertThat(buffer.take(c)).as("end-of-stream once every position was taken").isNull();
    }

    /**
     * Position 1 is put, position 0 not yet: the taker must park (the item at its head is still
     * being computed), not take position 1 and not spin. The put of position 0 must wake it.
     */
    @Test
    void aTakerParkedOnAPositionNotYetPutIsWokenByItsPut() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Buffer buffer = positional(8);
            buffer.putAt("b", 1);
            ConcurrentLinkedQueue<Object> got = new ConcurrentLinkedQueue<>();
            CountDownLatch taken = new CountDownLatch(2);
            Thread taker = startTakers(buffer, 1, taken, new CountDownLatch(0), got).get(0);
            ThreadStates.awaitParked(taker);
            assertThat(got).as("round %d: nothing taken past the missing position", round).isEmpty();
            buffer.putAt("a", 0);
            assertThat(taken.await(10, TimeUnit.SECONDS)).as("round %d: the put woke the taker", round).isTrue();
            assertThat(got).as("round %d", round).containsExactly("a", "b");
            endAndJoin(buffer, List.of(taker));
        }
    }

    /**
     * A put a whole buffer ahead of the oldest untaken position waits (parked) for the take that
     * frees its slot, and is woken by it.
     */
    @Test
    void aPositionalPutAheadOfTheWindowIsWokenByTheTakeThatFreesItsSlot() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Buffer buffer = positional(2);
            buffer.putAt(0L, 0);
            buffer.putAt(1L, 1);
            CountDownLatch put = new CountDownLatch(1);
            Thread putter = new Thread(() -> {
                try {
                    if (buffer.putAt(2L, 2) == 2) {
                        put.countDown();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "buffer-test-putter");
            putter.setDaemon(true);
            putter.start();
            ThreadStates.awaitParked(putter);
            Cursor c = new Cursor();
            assertThat(buffer.take(c)).isEqualTo(0L);
            assertThat(put.await(10, TimeUnit.SECONDS)).as("round %d: the take woke the putter", round).isTrue();
            assertThat(buffer.take(c)).isEqualTo(1L);
            assertThat(buffer.take(c)).isEqualTo(2L);
            putter.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(putter.isAlive()).isFalse();
        }
    }

    @Test
    void anAbortEndsTakersAtOnceAndLeavesWhatIsLeftToLeftOver() throws Exception {
        Buffer buffer = positional(4);
        buffer.putAt("b", 1);
        buffer.putAt(ReorderRing.GAP, 2); // a filtered item: not counted as left over
        assertThat(buffer.depth()).isEqualTo(1);
        assertThat(buffer.abort()).as("a positional buffer returns nothing").isEmpty();
        assertThat(buffer.putAt("d", 3)).as("a put after the abort").isEqualTo(Buffer.CLOSED);
        assertThat(buffer.take(new Cursor())).as("end-of-stream, though position 0 never came").isNull();
        assertThat(buffer.leftOver()).isEqualTo(1);
        assertThat(buffer.depth()).as("no longer queued").isZero();
    }

    @Test
    void anInterruptedPositionalPutThrowsAndLeavesItsSlotFree() throws Exception {
        Buffer buffer = positional(1);
        buffer.putAt("a", 0);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread putter = new Thread(() -> {
            try {
                buffer.putAt("b", 1);
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "buffer-test-putter");
        putter.setDaemon(true);
        putter.start();
        ThreadStates.awaitParked(putter);
        putter.interrupt();
        putter.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        Cursor c = new Cursor();
        assertThat(buffer.take(c)).isEqualTo("a");
        assertThat(buffer.putAt("b", 1)).isEqualTo(1);
        assertThat(buffer.take(c)).isEqualTo("b");
    }

    private static Buffer positional(int capacity) {
        Buffer b = new Buffer(capacity);
        b.positional();
        return b;
    }

    /** Closes the buffer and joins the takers. */
    private static void endAndJoin(Buffer buffer, List<Thread> takers) throws InterruptedException {
        buffer.close();
        for (Thread t : takers) {
            t.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
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
        endAndJoin(buffer, takers);
        return both;
    }
}
