package dev.braid.pipeline;

import java.time.Duration;

/**
 * Counters of one stage (or of the sink, whose entry is named {@code "sink"}), part of a
 * {@link PipelineStats} snapshot.
 *
 * <pre>{@code
 * StageStats resize = running.stats().stage("resize");
 * System.out.printf("resize: %d done, %d queued, %d busy, %.0f/s%n",
 *     resize.completed(), resize.bufferDepth(), resize.busyWorkers(), resize.throughput());
 * }</pre>
 *
 * <p>Once the pipeline has ended, every stage satisfies
 * {@code accepted == completed + failed + filtered + returned}; {@code returned} is non-zero
 * only for the first stage, whose buffer is the one {@code cancel()} empties.
 *
 * @param name the stage's name
 * @param workers the stage's worker count
 * @param accepted items that entered the stage's input buffer
 * @param completed items the stage finished and passed on (for the sink: delivered)
 * @param failed items the stage failed on, or that a cancellation or failure caught in the
 *     stage (in a worker or in its input buffer)
 * @param filtered items a filter stage dropped
 * @param returned items taken back out of the stage's buffer by a cancellation or failure,
 *     never started
 * @param bufferDepth items waiting in the stage's input buffer at the snapshot
 * @param bufferCapacity the capacity of the stage's input buffer
 * @param busyWorkers workers holding an item at the snapshot
 * @param elapsed time from the pipeline's start to the snapshot (or to its end)
 */
public record StageStats(String name, int workers, long accepted, long completed, long failed,
        long filtered, long returned, int bufferDepth, int bufferCapacity, int busyWorkers,
        Duration elapsed) {

    /**
     * Completed items per second over {@link #elapsed()}.
     *
     * @return the stage's throughput, 0 when no time has elapsed
     */
    public double throughput() {
        long nanos = elapsed.toNanos();
        return nanos <= 0 ? 0.0 : completed * 1e9 / nanos;
    }
}
