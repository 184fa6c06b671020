package dev.braid.scope;

/**
 * What a {@link TaskScope} does when one of its children fails.
 *
 * <pre>{@code
 * try (TaskScope scope = TaskScope.builder().failurePolicy(FailurePolicy.SUPERVISE).open()) {
 *     List<Task<Page>> pages = urls.stream().map(u -> scope.fork(() -> fetch(u))).toList();
 *     List<Outcome<Page>> outcomes = scope.settle(pages); // every outcome, none thrown
 * }
 * }</pre>
 */
public enum FailurePolicy {
    /**
     * The first failure cancels every non-shielded sibling; {@link TaskScope#join()} throws
     * {@link TaskFailedException} with that failure as cause and later failures suppressed.
     * The default (asyncio's {@code TaskGroup}, trio's nursery).
     */
    FAIL_FAST,
    /**
     * A failure stays with its task: siblings keep running, {@link TaskScope#join()} waits for
     * all and does not throw for a child's failure (Kotlin's {@code supervisorScope}); read the
     * outcomes with {@link TaskScope#settle(java.util.List)} or {@link Task#exceptionNow()}.
     */
    SUPERVISE
}
