/**
 * Everyday concurrency patterns built only on braid core's public API.
 *
 * <p>Each pattern is one final entry class with a static factory or a builder:
 * <ul>
 *   <li>{@link dev.braid.patterns.Retry}: retries a call with exponential backoff and full
 *       jitter, bounded by attempts and by an overall deadline, stopped at once by an
 *       interrupt;</li>
 *   <li>{@link dev.braid.patterns.Bulkhead}: at most N concurrent calls; callers wait up to a
 *       timeout and are then rejected;</li>
 *   <li>{@link dev.braid.patterns.Batcher}: groups items by size or by age and hands the
 *       batches to a consumer on its own worker thread, with backpressure;</li>
 *   <li>{@link dev.braid.patterns.PriorityTaskExecutor}: a bounded pool of workers that runs
 *       queued tasks by priority, with cancellation of queued tasks and both graceful and
 *       immediate shutdown.</li>
 * </ul>
 *
 * <p>Functional arguments are the {@code Throwing*} interfaces of this package, so that code
 * which throws checked exceptions (I/O, JDBC) fits without wrapping.
 *
 * <p>Unless a class says otherwise, every public type here is safe for use by many threads,
 * every blocking method is interruptible and restores nothing it does not own, and no method
 * leaves a thread running after the object that started it was closed or shut down.
 */
package dev.braid.patterns;
