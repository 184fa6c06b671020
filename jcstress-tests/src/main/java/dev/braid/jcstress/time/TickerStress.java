package dev.braid.jcstress.time;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.braid.time.Ticker;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * Claims of {@link Ticker#system()}: readings ordered by happens-before never go back, which
 * every deadline and window computation in braid relies on when one thread records a time
 * and another compares against it.
 */
public final class TickerStress {

    private TickerStress() {
    }

    /**
     * One thread reads the ticker and publishes the reading; another, having seen the
     * publication, reads the ticker again. Its reading may never be earlier.
     */
    @JCStressTest
    @Outcome(id = "true, true", expect = ACCEPTABLE,
            desc = "The reader saw the published reading, and its own reading was no earlier.")
    @Outcome(id = "false, true", expect = ACCEPTABLE,
            desc = "The reader ran before the reading was published; nothing to compare.")
    @Outcome(expect = FORBIDDEN,
            desc = "The reader saw the published reading and then read an earlier time: the ticker went back.")
    @State
    public static class PublishedReadingsNeverGoBack {
        private final Ticker ticker = Ticker.system();
        private long published;
        private volatile boolean ready;

        @Actor
        public void writer() {
            published = ticker.read();
            ready = true; // volatile write: publishes the plain write of 'published'
        }

        @Actor
        public void reader(ZZ_Result r) {
            boolean saw = ready; // volatile read: pairs with the writer's volatile write
            long now = ticker.read();
            r.r1 = saw;
            r.r2 = !saw || now - published >= 0;
        }
    }
}
