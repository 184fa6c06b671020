package dev.braid.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Virtual threads where the running JDK has them (21 and later), platform threads where it
 * does not (17 to 20), without a multi-release jar.
 *
 * <p>Everything is looked up once, at class initialisation, through method handles:
 * {@code Thread.ofVirtual()}, {@code Thread.Builder.name(String, long)},
 * {@code Thread.Builder.factory()} and {@code Thread.isVirtual()}. On JDK 19 and 20 those
 * methods exist but are preview APIs that throw {@link UnsupportedOperationException} unless
 * the JVM runs with {@code --enable-preview}; the probe below calls {@code ofVirtual()} once
 * and treats that exception as "not available".
 *
 * <p>The system property {@value #DISABLE_PROPERTY}{@code =true} forces platform threads even
 * where virtual threads exist (read once, at class initialisation). It is how the platform
 * thread paths are tested on a new JDK, and an escape hatch for users who pin carriers.
 *
 * <p>This class is not exported from {@code dev.braid.core}: it serves core only.
 */
public final class VirtualThreads {

    /** System property that, set to {@code true}, makes braid use platform threads only. */
    public static final String DISABLE_PROPERTY = "braid.virtualThreads.disabled";

    /*
     * Implementation notes
     *
     * The handles are static finals, so after class init the JIT treats them as constants and
     * invokeExact inlines to a direct call. Failure to find any of them (JDK 17) leaves the
     * corresponding handle null; the public methods branch on AVAILABLE, also a constant.
     *
     * isVirtual is looked up independently of ofVirtual: a JDK where virtual threads exist
     * but the user disabled them through the property must still recognise a virtual thread
     * it is handed (PerThread refuses them whatever created them).
     */

    private static final MethodHandle OF_VIRTUAL;      // () -> Thread.Builder.OfVirtual (as Object)
    private static final MethodHandle BUILDER_NAME;    // (Builder, String, long) -> Builder
    private static final MethodHandle BUILDER_FACTORY; // (Builder) -> ThreadFactory
    private static final MethodHandle IS_VIRTUAL;      // (Thread) -> boolean
    private static final boolean SUPPORTED;
    private static final boolean AVAILABLE;

    static {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        MethodHandle isVirtual = null;
        try {
            isVirtual = lookup.findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException e) {
            // JDK 17/18: no such method, every thread is a platform thread.
        }
        MethodHandle ofVirtual = null;
        MethodHandle name = null;
        MethodHandle factory = null;
        boolean supported = false;
        try {
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> ofVirtualType = Class.forName("java.lang.Thread$Builder$OfVirtual");
            ofVirtual = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtualType))
                    .asType(MethodType.methodType(Object.class));
            name = lookup.findVirtual(builder, "name", MethodType.methodType(builder, String.class, long.class))
                    .asType(MethodType.methodType(Object.class, Object.class, String.class, long.class));
            factory = lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class))
                    .asType(MethodType.methodType(ThreadFactory.class, Object.class));
            // Preview on 19/20: the call throws UnsupportedOperationException without --enable-preview.
            Object probe = (Object) ofVirtual.invokeExact();
            supported = probe != null;
        } catch (Throwable e) {
            ofVirtual = null;
            name = null;
            factory = null;
            supported = false;
        }
        OF_VIRTUAL = ofVirtual;
        BUILDER_NAME = name;
        BUILDER_FACTORY = factory;
        IS_VIRTUAL = isVirtual;
        SUPPORTED = supported;
        AVAILABLE = supported && !Boolean.getBoolean(DISABLE_PROPERTY);
    }

    private VirtualThreads() {
    }

    /**
     * Whether braid will use virtual threads: the JDK supports them and they were not disabled
     * through {@value #DISABLE_PROPERTY}.
     *
     * @return {@code true} on JDK 21+ unless disabled
     */
    public static boolean available() {
        return AVAILABLE;
    }

    /**
     * Whether the running JDK supports virtual threads at all, whatever the property says.
     *
     * @return {@code true} on JDK 21+ (or 19/20 with preview enabled)
     */
    public static boolean supported() {
        return SUPPORTED;
    }

    /**
     * Whether the given thread is a virtual thread.
     *
     * @param thread the thread to test
     * @return {@code true} if {@code thread} is virtual; always {@code false} on JDK 17
     * @throws NullPointerException if {@code thread} is null
     */
    public static boolean isVirtual(Thread thread) {
        Objects.requireNonNull(thread, "thread");
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(thread);
        } catch (Throwable e) {
            throw new AssertionError("Thread.isVirtual() failed", e);
        }
    }

    /**
     * Whether the calling thread is a virtual thread.
     *
     * @return {@code true} if the current thread is virtual
     */
    public static boolean isCurrentThreadVirtual() {
        return isVirtual(Thread.currentThread());
    }

    /**
     * A factory of virtual threads named {@code prefix + n}, n counting from 0.
     *
     * @param prefix the thread name prefix
     * @return a virtual thread factory
     * @throws UnsupportedOperationException if {@link #available()} is false
     * @throws NullPointerException if {@code prefix} is null
     */
    public static ThreadFactory virtualThreadFactory(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (!AVAILABLE) {
            throw new UnsupportedOperationException(SUPPORTED
                    ? "virtual threads are disabled by -D" + DISABLE_PROPERTY + "=true"
                    : "virtual threads need JDK 21 or later; this is " + Runtime.version());
        }
        try {
            Object builder = (Object) OF_VIRTUAL.invokeExact();
            builder = (Object) BUILDER_NAME.invokeExact(builder, prefix, 0L);
            return (ThreadFactory) BUILDER_FACTORY.invokeExact(builder);
        } catch (Throwable e) {
            throw new AssertionError("Thread.ofVirtual() failed", e);
        }
    }

    /**
     * A factory of unnamed virtual threads, as {@code Thread.ofVirtual().factory()} (and the
     * JDK's own virtual-thread-per-task executor) makes them: measurably cheaper to create than
     * named ones, for code that starts a thread per task.
     *
     * @return an unnamed virtual thread factory
     * @throws UnsupportedOperationException if {@link #available()} is false
     */
    public static ThreadFactory unnamedVirtualThreadFactory() {
        if (!AVAILABLE) {
            throw new UnsupportedOperationException(SUPPORTED
                    ? "virtual threads are disabled by -D" + DISABLE_PROPERTY + "=true"
                    : "virtual threads need JDK 21 or later; this is " + Runtime.version());
        }
        try {
            Object builder = (Object) OF_VIRTUAL.invokeExact();
            return (ThreadFactory) BUILDER_FACTORY.invokeExact(builder);
        } catch (Throwable e) {
            throw new AssertionError("Thread.ofVirtual() failed", e);
        }
    }

    /**
     * A factory of platform threads named {@code prefix + n}, n counting from 0.
     *
     * @param prefix the thread name prefix
     * @param daemon whether the threads are daemon threads
     * @return a platform thread factory
     * @throws NullPointerException if {@code prefix} is null
     */
    public static ThreadFactory platformThreadFactory(String prefix, boolean daemon) {
        Objects.requireNonNull(prefix, "prefix");
        AtomicLong counter = new AtomicLong();
        return task -> {
            Thread thread = new Thread(task, prefix + counter.getAndIncrement());
            thread.setDaemon(daemon);
            return thread;
        };
    }

    /**
     * Virtual threads where {@link #available()}, otherwise daemon platform threads; both
     * named {@code prefix + n}.
     *
     * @param prefix the thread name prefix
     * @return the best thread factory for short-lived blocking tasks on this JDK
     * @throws NullPointerException if {@code prefix} is null
     */
    public static ThreadFactory defaultThreadFactory(String prefix) {
        return AVAILABLE ? virtualThreadFactory(prefix) : platformThreadFactory(prefix, true);
    }
}
