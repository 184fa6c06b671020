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
 *       immediate shutdown;</li>
 *   <li>{@link dev.braid.patterns.Parallel}: bounded fan-out on a
 *       {@link dev.braid.scope.TaskScope}, results in input order, fail-fast or collect-all,
 *       with progress and an optional {@link dev.braid.ratelimit.RateLimiter};</li>
 *   <li>{@link dev.braid.patterns.Hedge}: hedged requests built on
 *       {@link dev.braid.scope.TaskScope#race(java.util.List) race};</li>
 *   <li>{@link dev.braid.patterns.KeyedRateLimiter}: an exact sliding-window limiter per key
 *       whose memory stays bounded under a key-spraying client;</li>
 *   <li>{@link dev.braid.patterns.RateLimitedExecutor}: an executor whose tasks each take a
 *       permit first;</li>
 *   <li>{@link dev.braid.patterns.GuavaInterop}: {@code Task} to {@code ListenableFuture} and
 *       back, cancellation included.</li>
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
