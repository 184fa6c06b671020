package dev.braid.ratelimit;

import java.util.concurrent.locks.LockSupport;

/**
 * How a blocked caller waits: {@link LockSupport} in production; tests substitute a parker
 * that records the waits and moves a manual ticker instead of sleeping.
 */
interface Parker {

    /** The production parker. */
    Parker LOCK_SUPPORT = new Parker() {
        @Override
        public void park(Object blocker) {
            LockSupport.park(blocker);
        }

        @Override
        public void parkNanos(Object blocker, long nanos) {
            LockSupport.parkNanos(blocker, nanos);
        }
    };

    /** Parks until unparked or interrupted (or spuriously). */
    void park(Object blocker);

    /** Parks for up to {@code nanos} (ticker nanoseconds), or until unparked or interrupted. */
    void parkNanos(Object blocker, long nanos);
}
