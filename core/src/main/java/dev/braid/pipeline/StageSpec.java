package dev.braid.pipeline;

import java.time.Duration;

/** An immutable description of one stage (or of the sink), as the builder collected it. */
final class StageSpec {

    enum Kind { MAP, FILTER, FLAT_MAP, PEEK, BATCH, SINK }

    final Kind kind;
    final String name;
    final int workers;
    final Object function;      // StageFunction, StagePredicate or Sink; null for BATCH
    final ErrorPolicy policy;
    final int inputCapacity;    // capacity of the buffer feeding this stage
    final int batchSize;        // BATCH only
    final long batchDelayNanos; // BATCH only

    StageSpec(Kind kind, String name, int workers, Object function, ErrorPolicy policy,
            int inputCapacity, int batchSize, Duration batchDelay) {
        this.kind = kind;
        this.name = name;
        this.workers = workers;
        this.function = function;
        this.policy = policy;
        this.inputCapacity = inputCapacity;
        this.batchSize = batchSize;
        this.batchDelayNanos = batchDelay == null ? 0L : saturatedNanos(batchDelay);
    }

    StageSpec withPolicy(ErrorPolicy newPolicy) {
        return new StageSpec(kind, name, workers, function, newPolicy, inputCapacity, batchSize,
                Duration.ofNanos(batchDelayNanos));
    }

    StageSpec withInputCapacity(int capacity) {
        return new StageSpec(kind, name, workers, function, policy, capacity, batchSize,
                Duration.ofNanos(batchDelayNanos));
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
