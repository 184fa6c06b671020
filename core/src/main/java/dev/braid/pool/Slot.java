package dev.braid.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One place for a resource in a {@link ResourcePool}. See the implementation notes of
 * ResourcePool for the state machine.
 */
final class Slot<T> {

    static final long EMPTY = 0;
    static final long FREE = 1;
    static final long OWNED = 2;
    static final long DEAD = 3;
    static final long STATUS = 3;
    /** Adding this to a state moves its generation on by one. */
    static final long GENERATION_STEP = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Slot.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int index;
    /** (generation << 2) | status. Changed by CAS when leaving EMPTY/FREE/OWNED-by-a-lease. */
    volatile long state;
    /** Written only by the owner; published by the state transition that ends ownership. */
    T resource;
    long createdAt;
    long releasedAt;
    /** Leak-detection record of the current lease, null when leak detection is off. */
    volatile LeakInfo leak;

    Slot(int index) {
        this.index = index;
    }

    static long owned(long generation) {
        return (generation << 2) | OWNED;
    }

    static long status(long state) {
        return state & STATUS;
    }

    /** Claims ownership from the observed EMPTY, FREE or OWNED state {@code seen}, moving the generation on. */
    boolean claim(long seen) {
        // Volatile CAS: acquire, so the new owner sees the fields the previous owner wrote
        // before its publishing store; the full fence also orders it before the claimer's
        // later read of the pool's closed flag (see ResourcePool, "Closing").
        return STATE.compareAndSet(this, seen, ((seen + GENERATION_STEP) & ~STATUS) | OWNED);
    }

    /** Generation of an owned slot; only its owner may call this. */
    long generation() {
        return state >>> 2;
    }

    static final class LeakInfo {
        final long generation;
        final long acquiredAt;
        final Throwable acquiredBy;
        volatile boolean reported;

        LeakInfo(long generation, long acquiredAt, Throwable acquiredBy) {
            this.generation = generation;
            this.acquiredAt = acquiredAt;
            this.acquiredBy = acquiredBy;
        }
    }
}
