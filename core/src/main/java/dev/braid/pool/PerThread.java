package dev.braid.pool;

import dev.braid.internal.VirtualThreads;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly one resource per platform thread, created lazily and disposed for certain: a
 * {@link ThreadLocal} that does not leak.
 *
 * <pre>{@code
 * PerThread<Model> models = PerThread.of(Model::load, Model::close);
 * executor.submit(() -> models.get().predict(x));   // each worker thread loads its own model
 * ...
 * executor.shutdown();
 * models.close();                                    // every model is closed, dead threads' too
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #get()} returns the calling thread's resource, creating it with the factory on
 *       the thread's first call. A resource is never returned to another thread.
 *   <li>Every resource is tracked and disposed exactly once: when its thread has died (found
 *       by a sweep that runs whenever any thread creates its resource, every 1024th
 *       {@code get()} of each thread, and at {@link #close()}), or at {@link #close()}. A dead
 *       thread's resource is disposed on the sweeping thread. Threads are held weakly.
 *   <li>On a virtual thread {@code get()} throws {@link IllegalStateException}: one resource
 *       per virtual thread would be one per task. Use a {@link ResourcePool} there.
 *   <li>After {@link #close()}, {@code get()} throws {@link IllegalStateException}.
 * </ul>
 *
 * <p><b>Thread-safety:</b> all methods may be called from any thread. {@code close()}
 * disposes resources that their threads might still be using: close only when those threads
 * are done with them (for example after the executor terminated).
 *
 * <p><b>Blocking:</b> no method blocks, apart from running the factory and the disposer.
 *
 * <p><b>Memory consistency effects:</b> the creation of a resource happens-before its use by
 * its thread; actions of a thread before it dies, or before {@code close()} is called,
 * happen-before the disposal of its resource, provided the thread's death or the use is
 * itself observed by the disposing thread (as {@link Thread#join()} or executor termination
 * ensure).
 *
 * @param <T> the type of resource
 */
public final class PerThread<T> implements AutoCloseable {

    /*
     * Implementation notes
     *
     * Each platform thread's Entry sits in a ThreadLocal (the fast path is one
     * ThreadLocal.get() plus one volatile read of Entry.resource and a thread-confined counter
     * increment) and in a concurrent set of all entries (the tracking). Entry.resource is the
     * disposal token: whoever CASes it from the resource to null disposes it, so a sweep, a
     * close and a racing sweep dispose each resource exactly once. The volatile read in get()
     * means a thread never gets a resource after close() or a sweep nulled it (only its own
     * death lets a sweep take it, and then it makes no more calls).
     *
     * A thread is dead when its WeakReference was cleared or Thread.isAlive() is false.
     * isAlive() turns false only after the thread's last action, and Thread termination
     * synchronizes-with isAlive() returning false, so a sweep that sees the thread dead sees
     * all its actions on the resource.
     *
     * Closing: close() sets `closed` (volatile) and then disposes every entry in the set. A
     * racing first get() adds its entry to the set (a volatile write in the concurrent map)
     * before reading `closed`; close() writes `closed` before iterating. Either close() sees
     * the entry, or get() sees closed and disposes its own entry. The CAS on resource settles
     * the case where both act.
     *
     * Virtual threads: an Entry is never created for one (VirtualThreads.isVirtual, checked
     * only on the slow path, since a virtual thread never has an Entry).
     */

    private static final Logger LOG = LoggerFactory.getLogger(PerThread.class);
    private static final int SWEEP_EVERY = 1024;

    private final ResourceFactory<T> factory;
    private final ResourceAction<T> disposer;
    private final ThreadLocal<Entry<T>> local = new ThreadLocal<>();
    private final Set<Entry<T>> entries = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile boolean closed;

    private PerThread(ResourceFactory<T> factory, ResourceAction<T> disposer) {
        this.factory = factory;
        this.disposer = disposer;
    }

    /**
     * Creates a per-thread resource holder.
     *
     * @param factory creates a thread's resource, on that thread, at its first {@link #get()}
     * @param disposer disposes a resource; its exceptions are logged, never thrown
     * @param <T> the type of resource
     * @return a new, open holder with no resources yet
     * @throws NullPointerException if {@code factory} or {@code disposer} is null
     */
    public static <T> PerThread<T> of(ResourceFactory<T> factory, ResourceAction<T> disposer) {
        return new PerThread<>(Objects.requireNonNull(factory, "factory"), Objects.requireNonNull(disposer, "disposer"));
    }

    /**
     * Returns the calling thread's resource, creating it on the first call.
     *
     * @return this thread's resource, never null
     * @throws IllegalStateException if this holder is closed, or the caller is a virtual thread
     * @throws ResourceCreationException if the factory threw (the next call tries again)
     */
    public T get() {
        Entry<T> entry = local.get();
        if (entry != null) {
            T resource = entry.resource;
            if (resource != null) {
                if (++entry.gets % SWEEP_EVERY == 0) {
                    sweep();
                }
                return resource;
            }
        }
        return create();
    }

    private T create() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        Thread thread = Thread.currentThread();
        if (VirtualThreads.isVirtual(thread)) {
            throw new IllegalStateException("PerThread.get() was called on virtual thread " + thread
                    + ": a resource per virtual thread would be a resource per task; use a ResourcePool"
                    + " and lease the resource for the task instead");
        }
        sweep();
        T resource;
        try {
            resource = factory.create();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ResourceCreationException("the factory was interrupted", e);
        } catch (Exception e) {
            throw new ResourceCreationException("the factory failed: " + e, e);
        }
        if (resource == null) {
            throw new ResourceCreationException("the factory returned null", new NullPointerException("factory result"));
        }
        Entry<T> entry = new Entry<>(thread, resource);
        entries.add(entry);
        local.set(entry);
        if (closed) {
            local.remove();
            dispose(entry);
            throw new IllegalStateException(this + " is closed");
        }
        return resource;
    }

    /** Disposes the resources of threads that have died; one sweeper at a time, others skip. */
    private void sweep() {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            for (Entry<T> entry : entries) {
                Thread owner = entry.owner.get();
                if (owner == null || !owner.isAlive()) {
                    dispose(entry);
                }
            }
        } finally {
            sweeping.set(false);
        }
    }

    private void dispose(Entry<T> entry) {
        entries.remove(entry);
        T resource = entry.resource;
        if (resource == null || !Entry.RESOURCE.compareAndSet(entry, resource, null)) {
            return;
        }
        try {
            disposer.accept(resource);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("the disposer threw; the resource is dropped", e);
        }
    }

    /**
     * The number of resources created and not yet disposed, including those of dead threads
     * not yet swept.
     *
     * @return the number of live resources
     */
    public int size() {
        return entries.size();
    }

    /**
     * Disposes every resource, those of live and dead threads, and makes later {@link #get()}
     * calls fail. Idempotent; never throws a disposer's exception, which is logged instead.
     */
    @Override
    public void close() {
        closed = true;
        for (Entry<T> entry : entries) {
            dispose(entry);
        }
        Entry<T> own = local.get();
        if (own != null) {
            local.remove();
        }
    }

    @Override
    public String toString() {
        return "PerThread[resources=" + entries.size() + (closed ? ", closed]" : "]");
    }

    private static final class Entry<T> {
        static final VarHandle RESOURCE;

        static {
            try {
                RESOURCE = MethodHandles.lookup().findVarHandle(Entry.class, "resource", Object.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final WeakReference<Thread> owner;
        /** The resource until disposed, then null; CAS to null is the right to dispose. */
        volatile T resource;
        /** Confined to the owner thread: counts get() calls for the periodic sweep. */
        int gets;

        Entry(Thread owner, T resource) {
            this.owner = new WeakReference<>(owner);
            this.resource = resource;
        }
    }
}
