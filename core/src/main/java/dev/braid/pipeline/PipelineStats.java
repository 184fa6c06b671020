package dev.braid.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A snapshot of a pipeline's counters: totals and one {@link StageStats} per stage, the sink
 * last (named {@code "sink"}). {@link Pipeline.Ready#run()} and {@link RunningPipeline#await()}
 * return the final snapshot; {@link RunningPipeline#stats()} takes one while the pipeline runs,
 * for progress bars and metrics.
 *
 * <pre>{@code
 * PipelineStats stats = Pipeline.from(lines).map("parse", 4, Record::parse).to(db::insert).run();
 * assert stats.accepted() == stats.delivered() + stats.failed() + stats.filtered() + stats.returned();
 * }</pre>
 *
 * <p><b>The accounting identity.</b> In a final snapshot of a pipeline whose stages are
 * one-to-one ({@code map}, {@code filter}, {@code peek}),
 * {@code accepted == delivered + failed + filtered + returned}: every accepted item reached the
 * sink, failed (error policy, or caught in flight by a cancellation or failure), was filtered,
 * or was returned by {@code cancel()}. {@code flatMap} and {@code batch} stages change the
 * number of items, so in pipelines that have them the identity holds per stage (see
 * {@link StageStats}) and the totals add up items of different stages. A snapshot of a running
 * pipeline reads each counter separately, so its figures need not add up.
 *
 * @param accepted items the pipeline accepted (the first stage's {@code accepted})
 * @param delivered items the sink consumed
 * @param failed items failed in any stage or in the sink
 * @param filtered items dropped by filter stages
 * @param returned items never started, handed back by a cancellation or failure
 * @param elapsed time from the start to this snapshot, or to the end in a final snapshot
 * @param stages the stages in pipeline order, the sink last
 */
public record PipelineStats(long accepted, long delivered, long failed, long filtered, long returned,
        Duration elapsed, List<StageStats> stages) {

    /**
     * Checks and copies the components.
     *
     * @param accepted items the pipeline accepted
     * @param delivered items the sink consumed
     * @param failed items failed
     * @param filtered items filtered
     * @param returned items returned
     * @param elapsed elapsed time
     * @param stages per-stage counters
     * @throws NullPointerException if {@code elapsed} or {@code stages} is null
     */
    public PipelineStats {
        Objects.requireNonNull(elapsed, "elapsed");
        stages = List.copyOf(stages);
    }

    /**
     * Returns the counters of the stage with the given name ({@code "sink"} for the sink).
     *
     * @param name the stage's name
     * @return its counters
     * @throws NoSuchElementException if the pipeline has no stage of that name
     */
    public StageStats stage(String name) {
        for (StageStats s : stages) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new NoSuchElementException("no stage named '" + name + "'");
    }

    /**
     * Items the sink consumed per second over {@link #elapsed()}.
     *
     * @return the pipeline's throughput, 0 when no time has elapsed
     */
    public double throughput() {
        long nanos = elapsed.toNanos();
        return nanos <= 0 ? 0.0 : delivered * 1e9 / nanos;
    }
}
