/**
 * Scoped task groups: structured concurrency for Java 17+.
 *
 * <p>{@link dev.braid.scope.TaskScope} runs child {@link dev.braid.scope.Task tasks} that all end
 * before the scope does, with fail-fast or supervised failure handling, deadlines, shielded
 * children and cancellation that reaches nested scopes; {@link dev.braid.scope.Tasks} has the
 * one-shot forms ({@code gather}, {@code settle}, {@code race}, {@code withTimeout}).
 *
 * <pre>{@code
 * try (TaskScope scope = TaskScope.open(Duration.ofSeconds(1))) {
 *     Task<String> a = scope.fork(() -> fetch(u1));
 *     Task<String> b = scope.fork(() -> fetch(u2));
 *     scope.join();
 *     return a.resultNow() + b.resultNow();
 * }
 * }</pre>
 */
package dev.braid.scope;
