package dev.braid.patterns;

import dev.braid.scope.Tasks;
import java.time.Duration;

/**
 * Starts the JDK's lazily created, JVM-lifetime helper threads before a test class runs, so
 * that NoThreadLeaks (which snapshots live threads before each test) does not report them as
 * the test's. On JDK 25 the first timed park of a virtual thread starts the virtual-thread
 * scheduler's "ForkJoinPool-N-delayScheduler" thread, which never ends; tests of patterns
 * that fork on a TaskScope (virtual threads on 21+) can trigger it.
 */
final class JdkThreads {

    private JdkThreads() {
    }

    static void startLazyHelpers() throws InterruptedException {
        Tasks.withTimeout(Duration.ofSeconds(30), () -> {
            Thread.sleep(1); // a timed park on the scope's (virtual, on 21+) thread
            return null;
        });
    }
}
