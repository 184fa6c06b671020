package dev.braid.pipeline;

import java.util.Objects;

/**
 * Thrown by {@link Pipeline.Ready#run()}, {@link RunningPipeline#await()} and
 * {@link RunningPipeline#close()} when a fail-fast stage (the default) or the sink failed: the
 * cause is the first failure, the message names the stage and the item, and failures that
 * other workers hit before they were stopped are suppressed in it.
 *
 * <pre>{@code
 * try {
 *     pipeline.run();
 * } catch (PipelineFailedException e) {
 *     log.error("stage {} failed on {}", e.stage(), e.item(), e.getCause());
 * }
 * }</pre>
 */
public final class PipelineFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The name of the failing stage. */
    private final String stage;
    private final transient Object item;
    private final transient PipelineStats stats;

    /**
     * Creates the exception.
     *
     * @param stage the failing stage ({@code "sink"} for the sink, {@code "source"} for the
     *     Iterable, Stream or Iterator feeding the pipeline)
     * @param item the item the stage failed on, or {@code null} when the source failed
     * @param cause the failure
     * @param stats the pipeline's final statistics
     * @throws NullPointerException if {@code stage}, {@code cause} or {@code stats} is null
     */
    public PipelineFailedException(String stage, Object item, Throwable cause, PipelineStats stats) {
        super("stage '" + Objects.requireNonNull(stage, "stage") + "' failed"
                + (item == null ? "" : " on item " + describe(item)) + ": " + Objects.requireNonNull(cause, "cause"),
                cause);
        this.stage = stage;
        this.item = item;
        this.stats = Objects.requireNonNull(stats, "stats");
    }

    /**
     * Returns the name of the stage that failed.
     *
     * @return the stage's name
     */
    public String stage() {
        return stage;
    }

    /**
     * Returns the item the stage failed on.
     *
     * @return the item, or {@code null} when the source failed
     */
    public Object item() {
        return item;
    }

    /**
     * Returns the pipeline's final statistics, in which the accounting identity holds.
     *
     * @return the final statistics
     */
    public PipelineStats stats() {
        return stats;
    }

    private static String describe(Object item) {
        String s;
        try {
            s = String.valueOf(item);
        } catch (RuntimeException e) {
            s = item.getClass().getName() + " (toString threw " + e + ")";
        }
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
