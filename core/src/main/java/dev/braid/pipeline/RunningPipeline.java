package dev.braid.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * A started pipeline: the push form's handle for feeding it ({@link #put}, {@link #offer}),
 * ending it ({@link #complete}, {@link #cancel}) and waiting for it ({@link #await()}).
 * Returned by {@link Pipeline.Ready#start()}.
 *
 * <pre>{@code
 * try (RunningPipeline<Reading> p = Pipeline.<Reading>push(64)
 *         .map("parse", 2, Reading::parse)
 *         .to(store::save)
 *         .start()) {
 *     for (Reading r : readings) {
 *         p.put(r);                       // blocks while the first buffer is full
 *     }
 *     p.complete();                       // no more input: buffered items still finish
 *     PipelineStats done = p.await();     // throws PipelineFailedException if a stage failed
 * }
 * }</pre>
 *
 * <p><b>Ending.</b> A pipeline ends in one of three ways. {@link #complete()}: no more input;
 * everything accepted is processed, then the workers end. {@link #cancel()}: workers are
 * interrupted, items already started (taken by a first-stage worker) are counted as failed,
 * and the items that never started are handed back. A fail-fast failure: like a cancellation,
 * and {@link #await()} throws {@link PipelineFailedException}. In every case each accepted
 * item ends in exactly one place and every worker ends; {@link #await()} returns once they
 * all have. A producer blocked in {@link #put} when the pipeline is cancelled or fails is
 * released with an {@link IllegalStateException}.
 *
 * <p><b>Thread-safety:</b> every method may be called from any thread, concurrently.
 *
 * <p><b>Memory consistency effects:</b> actions in a thread before it puts an item
 * happen-before the stage functions' actions on that item, which happen-before the sink's;
 * the actions of every worker happen-before {@link #await()} returns or throws.
 *
 * @param <I> the type of the pipeline's input items
 */
public sealed interface RunningPipeline<I> extends AutoCloseable permits PipelineRun {

    /**
     * Puts an item into the first buffer, waiting while it is full. A producer that had to
     * park resumes once the workers have taken half of the buffer (its low-water mark; see
     * {@link Pipeline} on buffers), not at the first free slot, so while the workers are
     * stalled it may stay blocked with a few slots free.
     *
     * @param item the item
     * @throws InterruptedException if interrupted while waiting; the item was not accepted
     *     and the pipeline goes on
     * @throws IllegalStateException if {@link #complete()} or {@link #cancel()} was called
     *     or the pipeline failed, also when that happens while this call waits; the item was
     *     not accepted. Also if the pipeline is fed from its source (pull form)
     * @throws NullPointerException if {@code item} is null
     */
    void put(I item) throws InterruptedException;

    /**
     * Puts an item into the first buffer, waiting at most {@code timeout} while it is full.
     * Unlike {@link #put}, a waiting offer resumes at the first free slot, not at the
     * low-water mark, so it never sits out its timeout while there is room; when the timeout
     * elapses it tries once more, so it returns {@code false} only if the buffer was full at
     * that moment.
     *
     * @param item the item
     * @param timeout the longest wait; zero means do not wait
     * @return {@code true} if the item was accepted, {@code false} if the buffer was still
     *     full when the timeout elapsed
     * @throws InterruptedException if interrupted while waiting; the item was not accepted
     * @throws IllegalStateException as for {@link #put}
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code item} or {@code timeout} is null
     */
    boolean offer(I item, Duration timeout) throws InterruptedException;

    /**
     * Declares that no more input will come: items already accepted are processed, then the
     * pipeline ends. Does not wait; idempotent; does nothing after a cancellation or failure.
     */
    void complete();

    /**
     * Waits until every worker has ended and returns the final statistics, in which the
     * accounting identity holds. After {@link #cancel()} it returns the statistics too.
     * Interrupting the waiting thread does not stop the pipeline.
     *
     * @return the final statistics
     * @throws InterruptedException if interrupted while waiting
     * @throws PipelineFailedException if a fail-fast stage or the sink failed (every call
     *     throws a new instance with the same cause, stage and item)
     */
    PipelineStats await() throws InterruptedException;

    /**
     * Waits at most {@code timeout} for every worker to end.
     *
     * @param timeout the longest wait; zero means do not wait
     * @return the final statistics
     * @throws InterruptedException if interrupted while waiting
     * @throws TimeoutException if the pipeline is still running after {@code timeout}
     * @throws PipelineFailedException if a fail-fast stage or the sink failed
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code timeout} is null
     */
    PipelineStats await(Duration timeout) throws InterruptedException, TimeoutException;

    /**
     * Cancels the pipeline: refuses further input, takes the items that never started out
     * of the first buffer, and interrupts every worker; items already started are counted as
     * failed. Does not wait for the workers: {@link #await()} does.
     *
     * <p>Returns the items that never started, in input order, and that no earlier call
     * returned: after a fail-fast failure the first call returns the items the failure
     * stopped. After the pipeline ended normally it returns an empty list and changes
     * nothing.
     *
     * @return the never-started items, in input order, as a new mutable list
     */
    List<I> cancel();

    /**
     * Takes a snapshot of the counters while the pipeline runs (progress bars, metrics), or
     * returns the final statistics once it has ended. A snapshot of a running pipeline reads
     * each counter separately, so its figures need not add up.
     *
     * @return a snapshot of the statistics
     */
    PipelineStats stats();

    /**
     * Completes the pipeline and waits for it to end: {@link #complete()} then
     * {@link #await()}. If interrupted while waiting, cancels the pipeline, waits for its
     * workers to end (so no worker outlives the try-with-resources block), then throws.
     *
     * @throws InterruptedException if interrupted while waiting (the pipeline is cancelled)
     * @throws PipelineFailedException if a fail-fast stage or the sink failed
     */
    @Override
    void close() throws InterruptedException;
}
