package dev.braid.pool;

/**
 * The one implementation of {@link Lease}: an immutable (slot, generation) pair. The lease
 * is live while its slot's state is "owned at this generation"; every change of owner moves
 * the generation on, so a stale lease can neither read nor release the resource again. Being
 * immutable and tiny, it is a candidate for scalar replacement when acquire and close are
 * inlined into one method.
 */
final class PooledLease<T> implements Lease<T> {

    private final ResourcePool<T> pool;
    final Slot<T> slot;
    final long generation;

    PooledLease(ResourcePool<T> pool, Slot<T> slot, long generation) {
        this.pool = pool;
        this.slot = slot;
        this.generation = generation;
    }

    @Override
    public T get() {
        // Volatile read: also makes the resource written by the slot's previous owner visible.
        if (slot.state != Slot.owned(generation)) {
            throw new IllegalStateException("this lease was closed or invalidated");
        }
        return slot.resource;
    }

    @Override
    public void close() {
        pool.release(this, false);
    }

    @Override
    public void invalidate() {
        pool.release(this, true);
    }

    @Override
    public String toString() {
        return slot.state == Slot.owned(generation) ? "Lease[slot " + slot.index + "]" : "Lease[closed]";
    }
}
