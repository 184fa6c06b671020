package dev.braid.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where a {@link ResourcePool} reports a lease held longer than its leak threshold. */
@FunctionalInterface
interface LeakReporter {

    /** Logs a warning with the acquiring stack trace through SLF4J. */
    LeakReporter SLF4J = new LeakReporter() {
        private final Logger log = LoggerFactory.getLogger(ResourcePool.class);

        @Override
        public void leaked(String message, Throwable acquiredBy) {
            log.warn(message, acquiredBy);
        }
    };

    void leaked(String message, Throwable acquiredBy);
}
