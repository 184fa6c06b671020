package dev.braid.bench.scope;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * The peers' threads, as their users would pick them on the running JDK: virtual threads on
 * 21+ (looked up reflectively: the benchmarks compile for Java 17), platform threads on 17.
 */
final class PerTaskThreads {

    static final boolean VIRTUAL;
    private static final ThreadFactory FACTORY;

    static {
        ThreadFactory factory;
        boolean virtual;
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Method factoryMethod = Class.forName("java.lang.Thread$Builder").getMethod("factory");
            factory = (ThreadFactory) factoryMethod.invoke(builder);
            virtual = true;
        } catch (ReflectiveOperationException e) {
            factory = r -> {
                Thread t = new Thread(r);
                t.setDaemon(true);
                return t;
            };
            virtual = false;
        }
        FACTORY = factory;
        VIRTUAL = virtual;
    }

    private PerTaskThreads() {
    }

    /** Virtual threads on 21+, daemon platform threads on 17. */
    static ThreadFactory factory() {
        return FACTORY;
    }

    /** One new thread per task: virtual on 21+, platform on 17. */
    static ExecutorService perTaskExecutor() {
        return VIRTUAL ? virtualPerTask() : Executors.newCachedThreadPool(FACTORY);
    }

    private static ExecutorService virtualPerTask() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no virtual-thread executor on " + Runtime.version(), e);
        }
    }
}
