package dev.braid.jcstress.pool;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.braid.pool.PerThread;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/** Claims of {@link PerThread}: every created resource is disposed exactly once, also when close races a first get. */
public final class PerThreadStress {

    private PerThreadStress() {
    }

    /** A thread's first get() races close(): the resource, if created, is disposed exactly once. */
    @JCStressTest
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "close() came first: get() failed and created nothing.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The resource was created and disposed exactly once.")
    @Outcome(expect = FORBIDDEN, desc = "A created resource was never disposed, or disposed twice.")
    @State
    public static class FirstGetVersusClose {
        private final AtomicInteger created = new AtomicInteger();
        private final AtomicInteger disposed = new AtomicInteger();
        private final PerThread<Object> perThread = PerThread.of(() -> {
            created.incrementAndGet();
            return new Object();
        }, o -> disposed.incrementAndGet());

        @Actor
        public void get() {
            try {
                perThread.get();
            } catch (IllegalStateException closed) {
                // close() came first, or won during creation
            }
        }

        @Actor
        public void close() {
            perThread.close();
        }

        @Arbiter
        public void check(II_Result r) {
            r.r1 = created.get();
            r.r2 = disposed.get();
        }
    }
}
