package dev.braid.examples;

import dev.braid.scope.Tasks;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts, once per JVM and before any test's thread snapshot, the helper threads that the JDK
 * starts lazily and keeps for the life of the JVM, so that the thread-leak check does not
 * blame the first test that happens to trigger them:
 * <ul>
 *   <li>"Java2D Disposer", started the first time an image is drawn;</li>
 *   <li>on JDK 25, "ForkJoinPool-N-delayScheduler", the virtual-thread scheduler's timer,
 *       started at the first timed wait (sleep, parkNanos) of any virtual thread. (JDK 21 had
 *       "VirtualThread-unparker" for this, which the leak check already knows.)</li>
 * </ul>
 * Registered for every test class of this module through {@code META-INF/services}.
 */
public final class StartJdkHelperThreads implements BeforeAllCallback {

    private static volatile boolean started;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (started) {
            return;
        }
        synchronized (StartJdkHelperThreads.class) {
            if (started) {
                return;
            }
            new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB).createGraphics().dispose();
            // A timed sleep in a scope's child: a virtual thread on JDK 21+, so the scheduler's
            // timer starts now; on 17 a platform thread that the scope's close ends.
            Tasks.gather(List.<Callable<Integer>>of(() -> {
                Thread.sleep(1);
                return 1;
            }));
            started = true;
        }
    }
}
